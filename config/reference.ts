/**
 * The stack config reference (docs/config.md), generated from the zod schema: every key with its type, default,
 * allowed values and description, so the page cannot drift from what the stack accepts.
 */
import { z } from "zod";
import { DEFAULT_DLT_MAX_WORKERS, DEFAULT_DLT_MIN_WORKERS } from "../plan/settings";
import { CONFIG_NAMESPACE, stackConfigSchema } from "./schema";

interface JsonSchema {
    type?: string;
    description?: string;
    default?: unknown;
    properties?: Record<string, JsonSchema>;
    required?: string[];
    items?: JsonSchema;
    enum?: unknown[];
    minimum?: number;
    maximum?: number;
    exclusiveMinimum?: number;
    exclusiveMaximum?: number;
    /** What a refinement (which JSON Schema cannot carry) allows, in words: the schema's `.meta({ allowed })`. */
    allowed?: string;
    minLength?: number;
    maxLength?: number;
    pattern?: string;
    format?: string;
}

/** What a value may be, from the JSON schema's constraints (the cross-key rules are listed below the table). */
function allowed(schema: JsonSchema): string {
    if (schema.enum) {
        return schema.enum.map((value) => `\`${String(value)}\``).join(", ");
    }
    if (schema.type === "array") {
        return `list of ${schema.items?.format ?? schema.items?.type ?? "values"}`;
    }
    if (schema.allowed) {
        return schema.allowed;
    }
    const parts: string[] = [];
    const bounds = numberBounds(schema);
    if (bounds) {
        parts.push(bounds);
    }
    if (schema.pattern) {
        parts.push(`\`${schema.pattern}\``);
    }
    if (schema.maxLength !== undefined) {
        parts.push(`at most ${schema.maxLength} characters`);
    }
    return parts.join(", ");
}

/**
 * A number's bounds in words: "1 to 2000", "above 0, at most 10", "at least 0". z.int() alone bounds a number to
 * the safe integers, which says nothing about the key, so those bounds are left out.
 */
function numberBounds(schema: JsonSchema): string | undefined {
    const bound = (value: number | undefined) => (value !== undefined && Math.abs(value) === Number.MAX_SAFE_INTEGER ? undefined : value);
    const [minimum, maximum] = [bound(schema.minimum), bound(schema.maximum)];
    const [above, below] = [bound(schema.exclusiveMinimum), bound(schema.exclusiveMaximum)];
    if (minimum !== undefined && maximum !== undefined) {
        return `${minimum} to ${maximum}`;
    }
    const low = minimum !== undefined ? `at least ${minimum}` : above !== undefined ? `above ${above}` : undefined;
    const high = maximum !== undefined ? `at most ${maximum}` : below !== undefined ? `below ${below}` : undefined;
    return [low, high].filter(Boolean).join(", ") || undefined;
}

const cell = (text: string) => text.replace(/\|/g, "\\|");

function rows(properties: Record<string, JsonSchema>, prefix = "", required: string[] = []): string[][] {
    return Object.entries(properties).flatMap(([key, schema]) => {
        if (schema.type === "object" && schema.properties) {
            return rows(schema.properties, `${prefix}${key}.`, schema.required);
        }
        // A list of objects (`phases`): the list's row, then one row per field of its items (`phases[].name`).
        const itemRows =
            schema.type === "array" && schema.items?.properties
                ? rows(schema.items.properties, `${prefix}${key}[].`, schema.items.required)
                : [];
        const type = schema.enum ? "string" : schema.type === "integer" ? "whole number" : (schema.type ?? "any");
        const unset = required.includes(key) && prefix !== "" ? "required" : "unset";
        const defaultValue = schema.default === undefined ? unset : `\`${JSON.stringify(schema.default)}\``;
        return [
            [`\`${CONFIG_NAMESPACE}:${prefix}${key}\``, type, defaultValue, allowed(schema), schema.description ?? ""].map(cell),
            ...itemRows,
        ];
    });
}

/** The cross-key rules the schema's superRefine checks, in words (the tests hold each of them). */
const RULES = [
    "`cluster.maxWorkers` must be greater than `cluster.minWorkers` (the Clusters API rejects max <= min) and at most `cluster.maxWorkersCap`.",
    `\`dlt.maxWorkers\` must be greater than \`dlt.minWorkers\` (the Pipelines API rejects max <= min; unset bounds count as their defaults, ${DEFAULT_DLT_MIN_WORKERS} and ${DEFAULT_DLT_MAX_WORKERS}) and at most \`cluster.maxWorkersCap\`.`,
    "`dlt.serverless` needs `dlt.enabled`, and `dlt.minWorkers` / `dlt.maxWorkers` unset: a serverless pipeline has no workers to bound.",
    "`cluster.singleUserName` is required for `SINGLE_USER` and `DATA_SECURITY_MODE_DEDICATED`.",
    "Each scale window must end after it starts and no later than `timeline.runMinutes`; a phase starts at minute 0 to 59.",
    "At most one load profile (`phases`, `staircase`, `spike`); beside one, the seed's keys (`baselineStreams`, the rates, `timeline.scale*`) are refused. Phase names are unique and not reserved; one phase starts at minute 0; each window ends after it starts and, when `timeline.runMinutes` is set, no later.",
    "In `testMode`, every rate must be a multiple of 10 (a profile's phases also run at most 5 streams each).",
    "`schedule.timezone` is an exact Java time zone id; `schedule.cron` is Quartz, one value in its seconds field, and its triggers leave room for a whole run.",
    "`runOnDeploy` needs `databricks:host` (stack config) or `DATABRICKS_HOST` where `pulumi up` runs.",
];

/** docs/config.md as `npm run docs:config` writes it. */
export function configReference(): string {
    const schema = z.toJSONSchema(stackConfigSchema, { io: "input", unrepresentable: "any" }) as JsonSchema;
    const header = ["key", "type", "default", "allowed", "meaning"];
    const table = [header, header.map(() => "---"), ...rows(schema.properties ?? {})].map((row) => `| ${row.join(" | ")} |`);
    return [
        "# Stack config reference",
        "",
        "<!-- Generated from config/schema.ts by `npm run docs:config`; a test fails when this page is stale. -->",
        "",
        "Set a key with `pulumi config set --path <key> <value>` (e.g. `pulumi config set --path streambench:cluster.maxWorkers 16`),",
        "or edit `Pulumi.<stack>.yaml`. An invalid config stops `pulumi up` (and `npm run plan`) before anything is declared,",
        "with one error that lists every problem and its key. None of these keys is a secret: set them in plain text (plan, ops and",
        "local read the stack file offline and cannot decrypt a `--secret` value); the token is `databricks:token`, which may be one.",
        'Quote a text value that YAML would read as a number, a boolean or a date (`"0123"`, `"0x1f"`, a warehouse id of digits):',
        "Pulumi passes such a value on changed (`0123` as 83), so an unquoted one is refused, as is a whole number with a leading",
        "zero (Pulumi reads `012` as octal 10, other YAML readers as 12).",
        "",
        ...table,
        "",
        "Rules across keys:",
        "",
        ...RULES.map((rule) => `- ${rule}`),
        "",
    ].join("\n");
}
