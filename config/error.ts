import { CONFIG_NAMESPACE } from "./schema";

/**
 * Characters a terminal may act on (C0 and C1 controls such as ESC and NUL, DEL, Unicode line separators, bidi
 * overrides), written as `\uXXXX` so that a value echoed from the stack file shows what it holds and cannot clear
 * the screen, recolour the output or add a line that looks like another problem.
 */
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

export function escapeControlCharacters(text: string): string {
    return text.replace(CONTROL_CHARACTERS, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** Every problem of a stack config, each naming the `pulumi config` key to fix. */
export class StackConfigError extends Error {
    readonly problems: { key: string; message: string }[];

    constructor(
        readonly stack: string,
        problems: { key: string; message: string }[],
    ) {
        const shown = problems.map(({ key, message }) => ({
            key: escapeControlCharacters(key),
            message: escapeControlCharacters(message),
        }));
        super(
            [
                `Stack "${escapeControlCharacters(stack)}" has ${problems.length} config problem${problems.length === 1 ? "" : "s"}; nothing was deployed:`,
                ...shown.map((problem) => `  - ${problem.key}: ${problem.message}`),
                `Fix with \`pulumi config set --path <key> <value>\` (or \`pulumi config rm <key>\`) and run again.`,
            ].join("\n"),
        );
        this.problems = shown;
        this.name = "StackConfigError";
    }
}

/**
 * The `pulumi config set --path` key of a path in the schema, written as Pulumi writes property paths:
 * `streambench:cluster.maxWorkers`, `streambench:notificationEmails[2]`, `streambench:cluster["max.workers"]`.
 */
export function configKey(path: PropertyKey[]): string {
    const [top, ...rest] = path.map((part) => (typeof part === "symbol" ? String(part) : part));
    const segments = rest.map((part) =>
        typeof part === "number"
            ? `[${part}]`
            : /^[A-Za-z0-9_]+$/.test(part)
              ? `.${part}`
              : `["${part.replace(/["\\]/g, (character) => `\\${character}`)}"]`,
    );
    return `${CONFIG_NAMESPACE}:${String(top)}${segments.join("")}`;
}

/** A stack file that cannot be read: a `--stack` that names no stack file here, or is no stack name at all. */
export class StackFileError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "StackFileError";
    }
}
