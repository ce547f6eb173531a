import { parseArgs } from "util";

// The command line, the stack file and the table output the scripts here share: plan, ops, bench, local.

/** A wrong command line: the script prints the message with its usage and exits 2. */
export class UsageError extends Error {}

/** Options a script takes besides `--stack/-s <stack>` and `--help/-h`. */
export type ExtraOptions = Record<string, { type: "string" | "boolean"; short?: string }>;

/**
 * The scripts' one command-line grammar: `--stack/-s <stack>`, `--help/-h`, the script's own options and, where
 * the script has commands, positionals. Strict: an unknown option or a missing value is a UsageError.
 */
export function parseCommandLine(argv: string[], extraOptions: ExtraOptions = {}) {
    try {
        const { values, positionals } = parseArgs({
            args: argv,
            options: { stack: { type: "string", short: "s" }, help: { type: "boolean", short: "h" }, ...extraOptions },
            allowPositionals: true,
            strict: true,
        });
        return { values: values as Record<string, string | boolean | undefined> & { stack?: string; help?: boolean }, positionals };
    } catch (error) {
        throw new UsageError((error as Error).message);
    }
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
