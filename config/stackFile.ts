/**
 * The one reader of `Pulumi.<stack>.yaml`: the stack file's config in the engine's form, so the offline plan, the
 * ops and local tools and the tests read a stack file exactly as `pulumi up` would pass it.
 */
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import { StackConfigError, StackFileError } from "./error";
import { CONFIG_NAMESPACE } from "./schema";
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
 * The config of a `Pulumi.<stack>.yaml` file in the engine's form (`project:key` → string, objects as JSON),
 * so the offline plan and the tests read a stack file exactly as `pulumi up` would pass it. A file that is not a
 * stack file (`hello world`, a `config:` that is text or a list) and keys nothing would read are one error.
 */
export function stackFileConfig(yamlText: string, stack = "<stack>"): Record<string, string> {
    const isMapping = (value: unknown): value is Record<string, unknown> =>
        value !== null && typeof value === "object" && !Array.isArray(value);
    const shape = (value: unknown) =>
        Array.isArray(value) ? "a list" : `${typeof value === "string" ? "the text" : "the value"} ${JSON.stringify(value)}`;
    const fileKey = `Pulumi.${stack}.yaml`;
    const bound = `more than ${MAX_STACK_FILE_CHARACTERS.toLocaleString("en-US")} characters`;
    const tooLarge = `is ${bound}, not a stack file (a stack file holds a few kilobytes)`;
    if (yamlText.length > MAX_STACK_FILE_CHARACTERS) {
        throw new StackConfigError(stack, [{ key: fileKey, message: tooLarge }]);
    }
    let document: unknown;
    try {
        document = yaml.load(yamlText) ?? {};
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
    const config = Object.fromEntries(
        Object.entries(section).map(([key, value]) => [key, typeof value === "string" ? value : JSON.stringify(value)]),
    );
    const problems = [...configKeyProblems(config), ...secretProblems(section)];
    if (problems.length > 0) {
        throw new StackConfigError(stack, problems);
    }
    return config;
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

/** The `--path` keys (`streambench:cluster.singleUserName`, `streambench:notificationEmails[0]`) of every secret in `value`. */
function securePaths(value: unknown, key: string): string[] {
    if (isSecure(value)) {
        return [key];
    }
    if (Array.isArray(value)) {
        return value.flatMap((item, index) => securePaths(item, `${key}[${index}]`));
    }
    if (value !== null && typeof value === "object") {
        return Object.entries(value).flatMap(([name, item]) => securePaths(item, `${key}.${name}`));
    }
    return [];
}

/**
 * A `streambench:*` value set with `--secret`. Only the Pulumi CLI can decrypt it, so plan, ops and local, which read
 * the stack file offline, would see `{secure: …}` where a number or a name belongs, and fail on its type. None of
 * these keys is a secret (they end up in job parameters, names and the plan's output); the credentials are the
 * provider's (`databricks:token`, which may stay a secret). The message never shows the ciphertext.
 */
function secretProblems(section: Record<string, unknown>): { key: string; message: string }[] {
    return Object.entries(section)
        .filter(([key]) => key.startsWith(`${CONFIG_NAMESPACE}:`))
        .flatMap(([key, value]) => securePaths(value, key))
        .map((key) => ({
            key,
            message:
                "is a secret (`pulumi config set --secret`): plan, ops and local read the stack file offline and cannot decrypt it. " +
                `No ${CONFIG_NAMESPACE}: value is a secret (they end up in job parameters; only databricks:token is one): set it in ` +
                `plain text, \`pulumi config set --path ${key} <value>\`, or deploy with \`pulumi up\`, which decrypts it`,
        }));
}

/**
 * The config of `Pulumi.<stack>.yaml` in `projectDir`, in the engine's form: what plan, bench, ops, local and the
 * tests read. A stack name that is none (`../../x` must not read a file outside the project) and a missing file
 * are a StackFileError naming the stacks that are there; a file that is not a stack file is a StackConfigError.
 */
export function loadStackFile(stack: string, projectDir: string = PROJECT_DIR): Record<string, string> {
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
    return stackFileConfig(fs.readFileSync(stackFile, "utf8"), stack);
}
