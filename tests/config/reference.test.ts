import * as assert from "assert";
import * as fs from "fs";
import { z } from "zod";
import { CONFIG_REFERENCE_PAGE } from "../../cli/configReference";
import { configReference } from "../../config/reference";
import { stackConfigSchema } from "../../config/schema";

/** The page's rows: key (without the namespace) → its type and allowed cells. */
function referenceRows(page: string): Map<string, { type: string; allowed: string }> {
    return new Map(
        page
            .split("\n")
            .filter((line) => line.startsWith("| `streambench:"))
            .map((line) => {
                const [key, type, , allowed] = line.slice(2).split(" | ");
                return [key.replace(/^`streambench:|`$/g, ""), { type, allowed }];
            }),
    );
}

/** The zod schema of one key (`cluster.autoterminationMinutes`), on its own: no defaults, no cross-key rules. */
function fieldSchema(key: string): z.ZodType {
    let schema: z.ZodType = stackConfigSchema;
    const unwrapped = () => {
        while ("innerType" in schema.def) {
            schema = schema.def.innerType as z.ZodType;
        }
        return schema;
    };
    for (const name of key.split(".")) {
        // `phases[].name`: a field of a list's items.
        const list = name.endsWith("[]");
        schema = (unwrapped() as z.ZodObject).shape[list ? name.slice(0, -2) : name];
        if (list) {
            schema = (unwrapped() as z.ZodArray<z.ZodType>).element;
        }
    }
    return schema;
}

interface Range {
    low: number;
    lowIncluded: boolean;
    high: number;
    highIncluded: boolean;
}

/** The ranges an allowed cell names: "A to B", "above A, at most B", "at least A", "0 (never) or 10 to 10000". */
function ranges(allowed: string): Range[] {
    return allowed.split(" or ").map((part) => {
        const text = part.replace(/ \(.*?\)/g, "");
        const number = (pattern: RegExp) => pattern.exec(text)?.[1];
        const single = number(/^(-?[\d.]+)$/);
        const [from, to] = /^(-?[\d.]+) to (-?[\d.]+)$/.exec(text)?.slice(1) ?? [];
        const [atLeast, above] = [number(/at least (-?[\d.]+)/), number(/above (-?[\d.]+)/)];
        const [atMost, below] = [number(/at most (-?[\d.]+)/), number(/below (-?[\d.]+)/)];
        const low = single ?? from ?? atLeast ?? above;
        const high = single ?? to ?? atMost ?? below;
        assert.ok(low !== undefined || high !== undefined, `cannot read "${part}" of "${allowed}"`);
        return {
            low: low === undefined ? -Infinity : Number(low),
            lowIncluded: above === undefined,
            high: high === undefined ? Infinity : Number(high),
            highIncluded: below === undefined,
        };
    });
}

describe("the config reference (docs/config.md)", () => {
    it("is the page the schema generates: run `npm run docs:config` after changing config/schema.ts", () => {
        assert.strictEqual(fs.readFileSync(CONFIG_REFERENCE_PAGE, "utf8"), configReference());
    });

    it("lists every key with its default and description, nested keys by their `pulumi config set --path` name", () => {
        const page = configReference();
        assert.match(
            page,
            /\| `streambench:cluster\.maxWorkers` \| whole number \| unset \| 2 to 10000 \| Autoscale upper bound, .*unset = 8/,
        );
        assert.match(page, /\| `streambench:cluster\.dataSecurityMode` \| string \| `"USER_ISOLATION"` \| `USER_ISOLATION`, `SINGLE_USER`/);
        assert.match(page, /\| `streambench:warehouseId` \| string \| unset \| `\^\[0-9a-f\]\{16\}\$`/);
        for (const line of page.split("\n").filter((row) => row.startsWith("| `streambench:"))) {
            assert.ok(!line.trimEnd().endsWith("|  |"), `no description: ${line}`);
        }
    });

    it("says what each number key allows as the schema checks it: refinements and bounds that exclude their end", () => {
        const rows = referenceRows(configReference());
        assert.strictEqual(rows.get("cluster.autoterminationMinutes")?.allowed, "0 (never) or 10 to 10000");
        assert.strictEqual(rows.get("verdict.maxBatchToTrigger")?.allowed, "above 0, at most 10");
        assert.strictEqual(rows.get("cost.dbuPerNodeHour")?.allowed, "above 0, at most 1000");
        const numberRows = [...rows].filter(([, row]) => row.type === "number" || row.type === "whole number");
        assert.ok(numberRows.length > 20);
        for (const [key, { type, allowed }] of numberRows) {
            const named = ranges(allowed);
            const inside = (value: number) =>
                named.some(
                    ({ low, lowIncluded, high, highIncluded }) =>
                        (lowIncluded ? value >= low : value > low) && (highIncluded ? value <= high : value < high),
                );
            // Each end, one past it, the middle of each range and of each gap between two.
            const ends = named
                .flatMap(({ low, high }) => [low - 1, low, (low + high) / 2, high, high + 1])
                .filter((value) => Number.isFinite(value));
            const gaps = named.slice(1).map((range, index) => (named[index].high + range.low) / 2);
            for (const probe of [...ends, ...gaps]) {
                const value = type === "whole number" ? Math.floor(probe) : probe;
                const verdict = inside(value) ? "allows" : "refuses";
                assert.strictEqual(
                    fieldSchema(key).safeParse(value).success,
                    inside(value),
                    `${key}: the page ${verdict} ${value} ("${allowed}")`,
                );
            }
        }
    });
});
