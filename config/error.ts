import { CONFIG_NAMESPACE } from "./schema";

/** Every problem of a stack config, each naming the `pulumi config` key to fix. */
export class StackConfigError extends Error {
    constructor(
        readonly stack: string,
        readonly problems: { key: string; message: string }[],
    ) {
        super(
            [
                `Stack "${stack}" has ${problems.length} config problem${problems.length === 1 ? "" : "s"}; nothing was deployed:`,
                ...problems.map((problem) => `  - ${problem.key}: ${problem.message}`),
                `Fix with \`pulumi config set --path <key> <value>\` (or \`pulumi config rm <key>\`) and run again.`,
            ].join("\n"),
        );
        this.name = "StackConfigError";
    }
}

/** The `pulumi config` key of a path in the schema (`streambench:cluster.maxWorkers`). */
export function configKey(path: PropertyKey[]): string {
    return [CONFIG_NAMESPACE, path.map(String).join(".")].join(":");
}

/** A stack file that cannot be read: a `--stack` that names no stack file here, or is no stack name at all. */
export class StackFileError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "StackFileError";
    }
}
