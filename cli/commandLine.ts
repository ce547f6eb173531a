import { parseArgs } from "util";

// The command line, the stack file and the table output the scripts here share: plan, ops, bench, local.

/** A wrong command line: the script prints the message with its usage and exits 2. */
export class UsageError extends Error {}

/** Options a script takes besides `--stack/-s <stack>` and `--help/-h`. */
export type ExtraOptions = Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }>;

/**
 * The scripts' one command-line grammar: `--stack/-s <stack>`, `--help/-h`, the script's own options and, where
 * the script has commands, positionals. Strict: an unknown option, a missing value or an option with a value given
 * twice (`-s dev -s prod` would act on prod alone) is a UsageError.
 */
export function parseCommandLine(argv: string[], extraOptions: ExtraOptions = {}) {
    const options: ExtraOptions = { stack: { type: "string", short: "s" }, help: { type: "boolean", short: "h" }, ...extraOptions };
    let parsed;
    try {
        parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true, tokens: true });
    } catch (error) {
        throw new UsageError((error as Error).message);
    }
    const given = new Map<string, string[]>();
    for (const token of parsed.tokens) {
        if (token.kind === "option" && options[token.name]?.type === "string" && !options[token.name]?.multiple) {
            given.set(token.name, [...(given.get(token.name) ?? []), token.value ?? ""]);
        }
    }
    const repeated = [...given].find(([, values]) => values.length > 1);
    if (repeated) {
        throw new UsageError(
            `--${repeated[0]} given twice (${repeated[1].map((value) => JSON.stringify(value)).join(", ")}): give it once`,
        );
    }
    const { values, positionals } = parsed;
    return {
        values: values as Record<string, string | boolean | string[] | undefined> & { stack?: string; help?: boolean },
        positionals,
    };
}

/** Left-aligned columns two spaces apart (numbers as 50,000), the header ruled with dashes unless `rule` is false. */
export function textTable(header: string[], rows: (string | number)[][], { rule = true }: { rule?: boolean } = {}): string {
    const cells = [header, ...rows.map((row) => row.map((cell) => (typeof cell === "number" ? cell.toLocaleString("en-US") : cell)))];
    const widths = header.map((_, column) => Math.max(...cells.map((row) => row[column].length)));
    const line = (row: string[]) =>
        row
            .map((cell, column) => cell.padEnd(widths[column]))
            .join("  ")
            .trimEnd();
    return [line(cells[0]), ...(rule ? [widths.map((width) => "-".repeat(width)).join("  ")] : []), ...cells.slice(1).map(line)].join("\n");
}
