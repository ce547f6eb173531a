/**
 * The one reader of `Pulumi.<stack>.yaml`: the stack file's config in the engine's form, so the offline plan, the
 * ops and local tools and the tests read a stack file exactly as `pulumi up` would pass it.
 */
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import { z } from "zod";
import { StackConfigError, StackFileError, configKey } from "./error";
import { CONFIG_NAMESPACE, stackConfigSchema } from "./schema";
import { stackNameProblem } from "./stackName";

/** The project directory, where Pulumi.yaml and the stack files are. */
export const PROJECT_DIR = path.join(__dirname, "..");

/** Namespaces this stack's config may use: its own, its providers' (Databricks, Command) and Pulumi's. */
export const KNOWN_NAMESPACES = [CONFIG_NAMESPACE, "databricks", "command", "pulumi"] as const;

/** Edits (insert, delete, replace, swap two neighbours) between two short words. */
function editDistance(a: string, b: string): number {
    const rows = Array.from({ length: a.length + 1 }, (_, i) =>
        Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
    );
    for (let i = 1; i <= a.length; i++) {
        for (let j = 1; j <= b.length; j++) {
            const cost = a[i - 1] === b[j - 1] ? 0 : 1;
            rows[i][j] = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
            if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
                rows[i][j] = Math.min(rows[i][j], rows[i - 2][j - 2] + 1);
            }
        }
    }
    return rows[a.length][b.length];
}

/**
 * Keys of the stack's config that nothing reads: a key without a namespace (a stack file takes `<namespace>:<key>`)
 * and a namespace that is none of this stack's, such as the typo `streambnech:`. Without this they were ignored.
 */
export function configKeyProblems(allConfig: Record<string, string>): { key: string; message: string }[] {
    return Object.keys(allConfig).flatMap((fullKey) => {
        const separator = fullKey.indexOf(":");
        if (separator < 0) {
            return [
                { key: fullKey, message: `has no namespace, so this stack does not read it: write it as ${CONFIG_NAMESPACE}:${fullKey}` },
            ];
        }
        const namespace = fullKey.slice(0, separator);
        if ((KNOWN_NAMESPACES as readonly string[]).includes(namespace)) {
            return [];
        }
        const meant = KNOWN_NAMESPACES.find((known) => editDistance(namespace.toLowerCase(), known) <= 2);
        const hint = meant
            ? `a typo of ${meant}:? write it as ${meant}:${fullKey.slice(separator + 1)}`
            : `this stack reads only ${KNOWN_NAMESPACES.map((known) => `${known}:`).join(", ")} keys`;
        return [{ key: fullKey, message: `unknown namespace "${namespace}" (${hint})` }];
    });
}

/**
 * The most a stack file may hold once its YAML aliases are expanded, in characters of values and keys. A stack file
 * holds a few kilobytes; a few hundred bytes of anchors that alias aliases (an "alias bomb") expand to gigabytes,
 * which ran the plan for a minute at 2.4 GB before it failed with "Invalid string length".
 */
export const MAX_STACK_FILE_CHARACTERS = 1_000_000;

/**
 * Whether `document` (as js-yaml loads it: an alias is the anchored node again, by reference) stays within `budget`
 * characters when written out in full, as the engine form does; and whether any node appears twice (an alias).
 * Walks at most `budget` nodes, so a bomb is refused after a bounded amount of work.
 */
function expandedSize(document: unknown, budget: number): { withinBudget: boolean; aliased: boolean } {
    const seen = new Set<object>();
    let aliased = false;
    let size = 0;
    const pending: unknown[] = [document];
    while (pending.length > 0) {
        const node = pending.pop();
        size += 1 + (typeof node === "string" ? node.length : 0);
        if (node !== null && typeof node === "object") {
            aliased ||= seen.has(node);
            seen.add(node);
            for (const child of Array.isArray(node) ? node : Object.entries(node).flat()) {
                pending.push(child);
            }
        }
        if (size > budget) {
            return { withinBudget: false, aliased };
        }
    }
    return { withinBudget: true, aliased };
}

/**
 * A value written without quotes that YAML reads as something other than text (a number, a boolean, a date), kept
 * with its text as written. Pulumi's YAML reader passes the program its own rendering of such a value (measured with
 * the real CLI: `0123` as 83, `0x1f` as 31, `True` as true), and js-yaml reads some of them otherwise (`0123` as 123,
 * 9007199254740993 rounded), so a key whose value is text must not take one.
 */
class PlainScalar {
    constructor(
        readonly source: string,
        readonly value: unknown,
    ) {}
}

/** js-yaml's default schema, where every plain scalar that is not text is read as a PlainScalar (null and `<<` as they are). */
const STACK_FILE_SCHEMA = yaml.FAILSAFE_SCHEMA.extend({
    implicit: (yaml.DEFAULT_SCHEMA as unknown as { implicit: (yaml.Type & { tag: string })[] }).implicit.map((type) =>
        /:(null|merge)$/.test(type.tag)
            ? type
            : new yaml.Type(type.tag, {
                  kind: "scalar",
                  resolve: (data) => type.resolve(data),
                  construct: (data: string) => new PlainScalar(data, type.construct(data)),
              }),
    ),
});

const isMapping = (value: unknown): value is Record<string, unknown> =>
    value !== null && typeof value === "object" && !Array.isArray(value) && !(value instanceof PlainScalar);

/** A loaded value as the engine holds it: each PlainScalar as what YAML read. Built with fromEntries (own keys only). */
function engineValue(node: unknown): unknown {
    if (node instanceof PlainScalar) {
        return node.value;
    }
    if (Array.isArray(node)) {
        return node.map(engineValue);
    }
    return isMapping(node) ? Object.fromEntries(Object.entries(node).map(([key, value]) => [key, engineValue(value)])) : node;
}

/** The `config:` section of a stack file, as loaded; a file that is not a stack file is one error. */
function configSection(yamlText: string, stack: string): Record<string, unknown> {
    const shape = (value: unknown) =>
        Array.isArray(value) ? "a list" : `${typeof value === "string" ? "the text" : "the value"} ${JSON.stringify(engineValue(value))}`;
    const fileKey = `Pulumi.${stack}.yaml`;
    const bound = `more than ${MAX_STACK_FILE_CHARACTERS.toLocaleString("en-US")} characters`;
    const tooLarge = `is ${bound}, not a stack file (a stack file holds a few kilobytes)`;
    if (yamlText.length > MAX_STACK_FILE_CHARACTERS) {
        throw new StackConfigError(stack, [{ key: fileKey, message: tooLarge }]);
    }
    let document: unknown;
    try {
        document = yaml.load(yamlText, { schema: STACK_FILE_SCHEMA }) ?? {};
    } catch (error) {
        throw new StackConfigError(stack, [{ key: fileKey, message: `is not valid YAML: ${(error as Error).message.split("\n")[0]}` }]);
    }
    const { withinBudget, aliased } = expandedSize(document, MAX_STACK_FILE_CHARACTERS);
    if (!withinBudget) {
        throw new StackConfigError(stack, [
            {
                key: fileKey,
                message: aliased
                    ? `expands to ${bound} through its YAML aliases (anchors that repeat anchors: an alias bomb?), ` +
                      "where a stack file holds a few kilobytes: write the values out instead of &anchor / *alias"
                    : tooLarge,
            },
        ]);
    }
    if (!isMapping(document)) {
        throw new StackConfigError(stack, [
            { key: `Pulumi.${stack}.yaml`, message: `is ${shape(document)}, not a stack file (a mapping with a \`config:\` section)` },
        ]);
    }
    const section = document.config ?? {};
    if (!isMapping(section)) {
        throw new StackConfigError(stack, [
            {
                key: "config",
                message: `is ${shape(section)}: it must map \`<namespace>:<key>\` to values, e.g. \`streambench:testMode: true\``,
            },
        ]);
    }
    return section;
}

/**
 * A config section in the engine's form (`project:key` → string, objects as JSON), as `pulumi up` passes it: a value
 * left empty (or `~`) is the empty text, as the engine passes it, not "null".
 */
function engineForm(section: Record<string, unknown>): Record<string, string> {
    return Object.fromEntries(
        Object.entries(section).map(([key, node]) => {
            const value = engineValue(node);
            return [key, typeof value === "string" ? value : value === null ? "" : JSON.stringify(value)];
        }),
    );
}

/**
 * The config of a `Pulumi.<stack>.yaml` file in the engine's form (`project:key` → string, objects as JSON), whatever
 * its keys and values hold: the program's parse names their problems, all at once (plan reads a stack file so). A
 * file that is not a stack file (`hello world`, a `config:` that is text or a list) is one error.
 */
export function stackFileEngineConfig(yamlText: string, stack = "<stack>"): Record<string, string> {
    return engineForm(configSection(yamlText, stack));
}

/**
 * The config of a `Pulumi.<stack>.yaml` file in the engine's form, or one error with what its form alone shows (keys
 * nothing reads, secrets, text written as YAML numbers): what ops and local read before they parse the values.
 */
export function stackFileConfig(yamlText: string, stack = "<stack>"): Record<string, string> {
    const section = configSection(yamlText, stack);
    const config = engineForm(section);
    const problems = [...configKeyProblems(config), ...secretProblems(config), ...plainScalarProblems(section)];
    if (problems.length > 0) {
        throw new StackConfigError(stack, problems);
    }
    return config;
}

/**
 * The keys of a stack file whose value YAML read as something other than what the key holds (`present`: only these
 * `project:key` keys): text written without quotes that YAML reads as a number, a boolean or a date, and a whole
 * number with a leading zero, which Pulumi reads as octal (`012` is 10) and js-yaml as decimal (12). Both `pulumi up`
 * (index.ts reads its stack file for this) and the offline readers refuse them, so none of them sees a changed value.
 */
export function stackFileScalarProblems(yamlText: string, present: Iterable<string>): { key: string; message: string }[] {
    let section: Record<string, unknown>;
    try {
        section = configSection(yamlText, "<stack>");
    } catch {
        return []; // a file that is no stack file is the reader's error (or the engine's), not a value's
    }
    const keys = new Set(present);
    return plainScalarProblems(Object.fromEntries(Object.entries(section).filter(([key]) => keys.has(key))));
}

/** The schema of a value under its default / optional wrappers. */
function unwrapped(schema: z.ZodType): z.ZodType {
    while ("innerType" in schema.def) {
        schema = schema.def.innerType as z.ZodType;
    }
    return schema;
}

/** The problems of a config section's plain scalars, walking each `streambench:*` value along the schema. */
function plainScalarProblems(section: Record<string, unknown>): { key: string; message: string }[] {
    const walk = (schema: z.ZodType | undefined, node: unknown, keyPath: (string | number)[]): { key: string; message: string }[] => {
        const inner = schema && unwrapped(schema);
        if (node instanceof PlainScalar) {
            const message = inner && plainScalarProblem(inner.def.type, node);
            return message ? [{ key: configKey(keyPath), message }] : [];
        }
        if (inner instanceof z.ZodArray && Array.isArray(node)) {
            return node.flatMap((item, index) => walk(inner.element as z.ZodType, item, [...keyPath, index]));
        }
        if (inner instanceof z.ZodObject && isMapping(node)) {
            const shape: Record<string, z.ZodType> = inner.shape;
            return Object.entries(node).flatMap(([name, item]) =>
                walk(Object.hasOwn(shape, name) ? shape[name] : undefined, item, [...keyPath, name]),
            );
        }
        return [];
    };
    const prefix = `${CONFIG_NAMESPACE}:`;
    return Object.entries(section)
        .filter(([key]) => key.startsWith(prefix))
        .flatMap(([key, node]) => walk(stackConfigSchema, { [key.slice(prefix.length)]: node }, []));
}

/** Why a plain scalar does not fit a key whose schema type is `type`, if it does not. */
function plainScalarProblem(type: string, scalar: PlainScalar): string | undefined {
    if (type === "string") {
        const kind = typeof scalar.value === "number" ? "a number" : typeof scalar.value === "boolean" ? "a boolean" : "a date";
        return (
            `is ${scalar.source} without quotes, which YAML reads as ${kind}, not as this text: Pulumi would pass the program ` +
            `its own rendering of it (0123 as 83, 0x1f as 31, True as true). Write it in quotes: ${JSON.stringify(scalar.source)}`
        );
    }
    if (type === "number" && /^[-+]?0[0-9_]+$/.test(scalar.source)) {
        return (
            `is ${scalar.source}, a number with a leading zero, which Pulumi's YAML reads as octal (012 is 10) and other ` +
            "readers as decimal (012 is 12): write it without the leading zero"
        );
    }
    return undefined;
}

/** Whether `value` is how a stack file holds a value set with `pulumi config set --secret`: `{secure: "v1:…"}`. */
function isSecure(value: unknown): boolean {
    return (
        value !== null &&
        typeof value === "object" &&
        !Array.isArray(value) &&
        Object.keys(value).length === 1 &&
        typeof (value as Record<string, unknown>).secure === "string"
    );
}

/** The paths (`["cluster", "singleUserName"]`, `["notificationEmails", 0]`) of every secret in `value`. */
function securePaths(value: unknown, keyPath: (string | number)[]): (string | number)[][] {
    if (isSecure(value)) {
        return [keyPath];
    }
    if (Array.isArray(value)) {
        return value.flatMap((item, index) => securePaths(item, [...keyPath, index]));
    }
    if (value !== null && typeof value === "object") {
        return Object.entries(value).flatMap(([name, item]) => securePaths(item, [...keyPath, name]));
    }
    return [];
}

/**
 * A `streambench:*` value set with `--secret`. Only the Pulumi CLI can decrypt it, so plan, ops and local, which read
 * the stack file offline, would see `{secure: …}` where a number or a name belongs, and fail on its type. None of
 * these keys is a secret (they end up in job parameters, names and the plan's output); the credentials are the
 * provider's (`databricks:token`, which may stay a secret). The message never shows the ciphertext. `pulumi up`
 * passes decrypted values, so there this finds nothing.
 */
export function secretProblems(allConfig: Record<string, string>): { key: string; message: string }[] {
    const prefix = `${CONFIG_NAMESPACE}:`;
    return Object.entries(allConfig)
        .filter(([key]) => key.startsWith(prefix))
        .flatMap(([key, text]) => securePaths(decodeJson(text), [key.slice(prefix.length)]))
        .map(configKey)
        .map((key) => ({
            key,
            message:
                "is a secret (`pulumi config set --secret`): plan, ops and local read the stack file offline and cannot decrypt it. " +
                `No ${CONFIG_NAMESPACE}: value is a secret (they end up in job parameters; only databricks:token is one): set it in ` +
                `plain text, \`pulumi config set --path ${key} <value>\`, or deploy with \`pulumi up\`, which decrypts it`,
        }));
}

function decodeJson(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return text;
    }
}

/**
 * The text of `Pulumi.<stack>.yaml` in `projectDir`. A stack name that is none (`../../x` must not read a file
 * outside the project) and a missing file are a StackFileError naming the stacks that are there.
 */
export function readStackFileText(stack: string, projectDir: string = PROJECT_DIR): string {
    const problem = stackNameProblem(stack);
    if (problem) {
        throw new StackFileError(problem);
    }
    const stackFile = path.join(projectDir, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(stackFile)) {
        const known = fs
            .readdirSync(projectDir)
            .map((name) => /^Pulumi\.(.+)\.yaml$/.exec(name)?.[1])
            .filter((name): name is string => Boolean(name));
        throw new StackFileError(`no stack file ${stackFile}: check --stack (stacks here: ${known.join(", ") || "none"})`);
    }
    return fs.readFileSync(stackFile, "utf8");
}

/**
 * The config of `Pulumi.<stack>.yaml` in `projectDir`, in the engine's form: what bench, ops, local and the tests
 * read (a file whose keys or values show a problem in their form alone is a StackConfigError; see stackFileConfig).
 */
export function loadStackFile(stack: string, projectDir: string = PROJECT_DIR): Record<string, string> {
    return stackFileConfig(readStackFileText(stack, projectDir), stack);
}
