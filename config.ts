import * as pulumi from "@pulumi/pulumi";
import * as yaml from "js-yaml";
import { z } from "zod";
import { timelineScheduleProblems } from "./cron";
import { JAVA_ZONE_IDS, isJavaZoneId } from "./timeZones";

/** The Pulumi project name: every key of this stack's config is `streambench:<key>`. */
export const CONFIG_NAMESPACE = "streambench";

/** Hard limits that catch typos (100000 streams) before they reach a workspace. */
export const LIMITS = {
    maxBaselineStreams: 2000,
    maxRowsPerSecondPerStream: 1_000_000,
    maxPartitions: 1024,
    maxRunMinutes: 24 * 60,
    /** Unity Catalog names are at most 255 characters. */
    maxNameLength: 255,
} as const;

/**
 * A Unity Catalog name this project can use without surprises: lower case (UC stores names lower-cased, so
 * upper case would show a diff on every preview), digits, underscores; no dots, spaces or slashes.
 */
const ucName = (what: string) =>
    z
        .string()
        .min(1, `${what} must not be empty`)
        .max(LIMITS.maxNameLength, `${what} is longer than ${LIMITS.maxNameLength} characters`)
        .regex(/^[a-z0-9_]+$/, `${what} may hold only lower-case letters, digits and underscores (a Unity Catalog name)`);

const wholeNumber = (min: number, max: number) =>
    z.int(`must be a whole number`).min(min, `must be at least ${min}`).max(max, `must be at most ${max}`);

const rowsPerSecond = wholeNumber(1, LIMITS.maxRowsPerSecondPerStream);

const timelineSchema = z.strictObject({
    /** Minute of the run at which the 3x stream starts. */
    scale3xStartMinute: wholeNumber(0, LIMITS.maxRunMinutes).default(3),
    /** Minute of the run at which the 3x stream stops (it keeps running while the 9x stream joins). */
    scale3xEndMinute: wholeNumber(0, LIMITS.maxRunMinutes).default(10),
    /** Minute of the run at which the 9x stream starts. */
    scale9xStartMinute: wholeNumber(0, LIMITS.maxRunMinutes).default(6),
    /** Minute of the run at which the 9x stream stops. */
    scale9xEndMinute: wholeNumber(0, LIMITS.maxRunMinutes).default(10),
    /** Length of the whole run; the baseline streams run from minute 0 to here. */
    runMinutes: wholeNumber(1, LIMITS.maxRunMinutes).default(15),
});

const DATA_SECURITY_MODES = ["USER_ISOLATION", "SINGLE_USER", "DATA_SECURITY_MODE_STANDARD", "DATA_SECURITY_MODE_DEDICATED"] as const;

const clusterSchema = z.strictObject({
    /** Autoscale lower bound. */
    minWorkers: wholeNumber(1, 10_000).default(2),
    /** Autoscale upper bound; the Clusters API needs it strictly above minWorkers. */
    maxWorkers: wholeNumber(2, 10_000).default(8),
    /** Guardrail: maxWorkers above this is refused (raise it deliberately for big runs). */
    maxWorkersCap: wholeNumber(2, 10_000).default(64),
    /** Pin a runtime such as "16.4.x-scala2.12"; unset = latest LTS, looked up at deploy time. */
    sparkVersion: z.string().regex(/^\d+\.\d+\.x-/, 'must look like "16.4.x-scala2.12"').optional(),
    /** Pin a node type such as "i3.xlarge"; unset = smallest node with local disk and 4+ cores. */
    nodeTypeId: z.string().min(1).optional(),
    /** 0 disables auto-termination; otherwise 10 to 10000 minutes (Clusters API). */
    autoterminationMinutes: z
        .int("must be a whole number")
        .refine((minutes) => minutes === 0 || (minutes >= 10 && minutes <= 10_000), "must be 0 (never) or 10 to 10000")
        .default(30),
    /** Unity Catalog access mode. */
    dataSecurityMode: z.enum(DATA_SECURITY_MODES).default("USER_ISOLATION"),
    /** The user (or group) a SINGLE_USER / DEDICATED cluster is assigned to. */
    singleUserName: z.string().min(1).optional(),
});

const scheduleSchema = z.strictObject({
    /** Quartz cron of the baseline job; the 3x and 9x jobs fire at their window starts after it. */
    cron: z.string().default("0 0 2 * * ?"),
    /** Java time zone id of the cron (`ZoneId`; exact case, e.g. "UTC", "America/New_York"). */
    timezone: z.string().default("UTC"),
    /** Paused schedules only run when started by hand. */
    paused: z.boolean().default(true),
});

const dltSchema = z.strictObject({
    /** Declare the DLT pipeline that streams from every benchmark table. */
    enabled: z.boolean().default(false),
    /** Enhanced autoscaling bounds of the pipeline's cluster. */
    minWorkers: wholeNumber(1, 10_000).default(1),
    maxWorkers: wholeNumber(1, 10_000).default(4),
});

const groupList = z.array(z.string().min(1, "group names must not be empty")).default([]);

const permissionsSchema = z.strictObject({
    /** Groups that may see the jobs and their runs (CAN_VIEW). */
    jobViewers: groupList,
    /** Groups that may start and cancel runs (CAN_MANAGE_RUN). */
    jobRunManagers: groupList,
    /** Groups that may attach notebooks to the cluster (CAN_ATTACH_TO). */
    clusterUsers: groupList,
});

export const stackConfigSchema = z
    .strictObject({
        /** Reduced load for trying the stack out: 5 baseline streams and every rate divided by 10. */
        testMode: z.boolean().default(false),
        /** Start the full-timeline run from `pulumi up`, again only when the workload changes. */
        runOnDeploy: z.boolean().default(false),
        baselineStreams: wholeNumber(1, LIMITS.maxBaselineStreams).default(50),
        baselineRate: rowsPerSecond.default(1000),
        scale3xRate: rowsPerSecond.default(3000),
        scale9xRate: rowsPerSecond.default(9000),
        /** `numPartitions` of each stream's rate source. */
        partitions: wholeNumber(1, LIMITS.maxPartitions).default(8),
        /** An existing Unity Catalog catalog; the stack creates its schema inside it. */
        catalog: ucName("catalog").default("main"),
        /** Schema name stem; the schema is `<database>_<stack>` so two stacks never share one. */
        database: ucName("database").default("dlt_autoscaling"),
        tablePrefix: ucName("tablePrefix").default("stream_table"),
        /** Managed volume in the schema that holds every stream's checkpoint. */
        checkpointVolume: ucName("checkpointVolume").default("checkpoints"),
        timeline: timelineSchema.default(timelineSchema.parse({})),
        cluster: clusterSchema.default(clusterSchema.parse({})),
        schedule: scheduleSchema.default(scheduleSchema.parse({})),
        /** The optional DLT (Lakeflow Declarative Pipelines) pipeline under the same load. */
        dlt: dltSchema.default(dltSchema.parse({})),
        /** SQL warehouse the AI/BI dashboard runs its queries on; unset = no dashboard (the rest deploys). */
        warehouseId: z.string().regex(/^[0-9a-f]{16}$/, "must be a SQL warehouse id (16 hex characters, from the warehouse's Connection details)").optional(),
        /** Who hears about failed runs, overlong runs and streaming backlog. */
        notificationEmails: z.array(z.email("must be an email address")).default([]),
        /** Extra access for workspace groups; unset = creator and admins only. Authoritative on each object. */
        permissions: permissionsSchema.default(permissionsSchema.parse({})),
    })
    .superRefine((config, ctx) => {
        const problem = (path: (string | number)[], message: string) => ctx.addIssue({ code: "custom", path, message });
        const { timeline, cluster, schedule } = config;

        if (cluster.maxWorkers <= cluster.minWorkers) {
            problem(["cluster", "maxWorkers"], `must be greater than cluster.minWorkers (${cluster.minWorkers}): the Clusters API rejects max <= min`);
        }
        if (cluster.maxWorkers > cluster.maxWorkersCap) {
            problem(["cluster", "maxWorkers"], `${cluster.maxWorkers} is above cluster.maxWorkersCap (${cluster.maxWorkersCap})`);
        }
        if (config.dlt.maxWorkers < config.dlt.minWorkers) {
            problem(["dlt", "maxWorkers"], `must be at least dlt.minWorkers (${config.dlt.minWorkers})`);
        }
        if (config.dlt.maxWorkers > cluster.maxWorkersCap) {
            problem(["dlt", "maxWorkers"], `${config.dlt.maxWorkers} is above cluster.maxWorkersCap (${cluster.maxWorkersCap})`);
        }
        const needsUser = cluster.dataSecurityMode === "SINGLE_USER" || cluster.dataSecurityMode === "DATA_SECURITY_MODE_DEDICATED";
        if (needsUser && !cluster.singleUserName) {
            problem(["cluster", "singleUserName"], `is required when cluster.dataSecurityMode is ${cluster.dataSecurityMode}`);
        }

        // Windows of different phases may overlap (the 3x stream runs on while the 9x stream joins); each phase
        // has its own tables and checkpoints, so an overlap never puts two writers on one table (the plan checks).
        const windows = [
            { phase: "scale3x", start: timeline.scale3xStartMinute, end: timeline.scale3xEndMinute },
            { phase: "scale9x", start: timeline.scale9xStartMinute, end: timeline.scale9xEndMinute },
        ];
        for (const window of windows) {
            if (window.end <= window.start) {
                const what = window.end === window.start ? "a zero-length window" : "a window that ends before it starts";
                problem(["timeline", `${window.phase}EndMinute`], `must be after timeline.${window.phase}StartMinute (${window.start}): ${what} runs no stream`);
            }
            if (window.end > timeline.runMinutes) {
                problem(["timeline", `${window.phase}EndMinute`], `${window.end} is past the end of the run (timeline.runMinutes = ${timeline.runMinutes})`);
            }
        }

        if (config.testMode) {
            for (const key of ["baselineRate", "scale3xRate", "scale9xRate"] as const) {
                if (config[key] % TEST_MODE_RATE_DIVISOR !== 0) {
                    problem([key], `testMode divides every rate by ${TEST_MODE_RATE_DIVISOR}: use a multiple of ${TEST_MODE_RATE_DIVISOR}`);
                }
            }
        }

        // Each phase job fires at the base cron's minute + its start minute, in the same hour (a Quartz minutes field
        // holds 0-59), so a phase must start within the hour of the timeline's trigger.
        for (const key of ["scale3xStartMinute", "scale9xStartMinute"] as const) {
            if (timeline[key] > MAX_PHASE_START_MINUTE) {
                problem(["timeline", key], `${timeline[key]} is past minute ${MAX_PHASE_START_MINUTE}: a phase job fires in the same hour as the timeline's trigger, so a phase must start at minute 0 to ${MAX_PHASE_START_MINUTE}`);
            }
        }
        const timezoneKnown = isJavaZoneId(schedule.timezone);
        if (!timezoneKnown) {
            problem(["schedule", "timezone"], timeZoneProblem(schedule.timezone));
        }
        const lastPhaseStart = Math.max(timeline.scale3xStartMinute, timeline.scale9xStartMinute);
        // The longest phase job run, counted from its own trigger: the baseline window's end + the timeout's grace.
        const runLength = timeline.runMinutes + TIMEOUT_GRACE_MINUTES;
        for (const message of timelineScheduleProblems(schedule.cron, timezoneKnown ? schedule.timezone : "UTC", lastPhaseStart, runLength)) {
            problem(["schedule", "cron"], message);
        }
    });

export type StackConfig = z.infer<typeof stackConfigSchema>;

/** Test mode keeps the timeline and divides every rate by this. */
export const TEST_MODE_RATE_DIVISOR = 10;
/** Test mode runs this many baseline streams. */
export const TEST_MODE_BASELINE_STREAMS = 5;

/** Minutes a phase job may run past its window before Databricks times it out (cluster start, stream shutdown). */
export const TIMEOUT_GRACE_MINUTES = 5;
/** The latest minute a phase may start at: phase jobs fire within the hour of the timeline's trigger. */
export const MAX_PHASE_START_MINUTE = 59;

/** A time zone the job scheduler does not take, with the id it probably meant when only the case is off. */
function timeZoneProblem(zone: string): string {
    const sameLetters = [...JAVA_ZONE_IDS].find((id) => id.toLowerCase() === zone.toLowerCase());
    return sameLetters
        ? `"${zone}" is not a Java time zone id (they are case-sensitive): use "${sameLetters}"`
        : `"${zone}" is not a Java time zone id (java.time.ZoneId) such as "UTC" or "Europe/Amsterdam"`;
}

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

function configKey(path: PropertyKey[]): string {
    return [CONFIG_NAMESPACE, path.map(String).join(".")].join(":");
}

/**
 * Validates the raw values of the `streambench:*` keys (as parsed from the stack file) and fills in defaults.
 * Throws one StackConfigError listing every problem. With `workspace`, also what deploying from this machine
 * needs (a host for runOnDeploy); without it (the ops CLI, which brings its own credentials) that is not checked.
 */
export function parseStackConfig(stack: string, raw: Record<string, unknown>, workspace?: WorkspaceAccess): StackConfig {
    const result = stackConfigSchema.safeParse(raw);
    if (result.success) {
        const problems = workspace ? workspaceProblems(result.data, workspace) : [];
        if (problems.length > 0) {
            throw new StackConfigError(stack, problems);
        }
        return result.data;
    }
    const problems = result.error.issues.flatMap((issue) => {
        if (issue.code === "unrecognized_keys") {
            return issue.keys.map((key) => ({
                key: configKey([...issue.path, key]),
                message: "unknown key (a typo?); remove it with `pulumi config rm`",
            }));
        }
        return [{ key: configKey(issue.path), message: issue.message }];
    });
    throw new StackConfigError(stack, problems);
}

/** Where the workspace host can come from, as the Databricks provider reads it. */
export interface WorkspaceAccess {
    /** `databricks:host` from the stack config. */
    configHost?: string;
    /** `DATABRICKS_HOST`, or a `DATABRICKS_CONFIG_PROFILE` that names the host. */
    environmentHost?: string;
}

/** Settings that need to reach the workspace from this machine (not only through the provider). */
function workspaceProblems(config: StackConfig, workspace: WorkspaceAccess): { key: string; message: string }[] {
    if (config.runOnDeploy && !workspace.configHost && !workspace.environmentHost) {
        return [
            {
                key: "databricks:host",
                message:
                    "is needed when streambench:runOnDeploy is true (the run is started from this machine): " +
                    "`pulumi config set databricks:host https://<workspace>` or export DATABRICKS_HOST",
            },
        ];
    }
    return [];
}

/** The workspace access visible to this process: stack config and the provider's environment variables. */
export function workspaceAccess(allConfig: Record<string, string>, env: NodeJS.ProcessEnv): WorkspaceAccess {
    return {
        configHost: allConfig["databricks:host"] || undefined,
        environmentHost: env.DATABRICKS_HOST || env.DATABRICKS_CONFIG_PROFILE || undefined,
    };
}

/** The type zod wants at a top-level key ("string", "number", "object", …), under its default / optional. */
function schemaType(key: string): string | undefined {
    let schema = (stackConfigSchema.shape as Record<string, z.ZodType | undefined>)[key];
    while (schema && "innerType" in schema.def) {
        schema = schema.def.innerType as z.ZodType;
    }
    return schema?.def.type;
}

/**
 * The `streambench:*` keys of a Pulumi config map (`project:key` → string value). The engine passes every value as
 * text, objects as JSON; `database: "2024"` and `database: 2024` both arrive as `2024`. So only a key whose schema
 * wants a number, boolean, object or list is JSON-decoded; a string key keeps its text (`"2024"`, a 16-digit
 * warehouse id).
 */
export function namespaceValues(allConfig: Record<string, string>): Record<string, unknown> {
    const values: Record<string, unknown> = {};
    for (const [fullKey, text] of Object.entries(allConfig)) {
        const separator = fullKey.indexOf(":");
        if (fullKey.slice(0, separator) !== CONFIG_NAMESPACE) {
            continue;
        }
        const key = fullKey.slice(separator + 1);
        values[key] = schemaType(key) === "string" ? text : decode(text);
    }
    return values;
}

function decode(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return text;
    }
}

/** Namespaces this stack's config may use: its own, its providers' (Databricks, Command) and Pulumi's. */
export const KNOWN_NAMESPACES = [CONFIG_NAMESPACE, "databricks", "command", "pulumi"] as const;

/** Edits (insert, delete, replace, swap two neighbours) between two short words. */
function editDistance(a: string, b: string): number {
    const rows = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
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
            return [{ key: fullKey, message: `has no namespace, so this stack does not read it: write it as ${CONFIG_NAMESPACE}:${fullKey}` }];
        }
        const namespace = fullKey.slice(0, separator);
        if ((KNOWN_NAMESPACES as readonly string[]).includes(namespace)) {
            return [];
        }
        const meant = KNOWN_NAMESPACES.find((known) => editDistance(namespace.toLowerCase(), known) <= 2);
        const hint = meant ? `a typo of ${meant}:? write it as ${meant}:${fullKey.slice(separator + 1)}` : `this stack reads only ${KNOWN_NAMESPACES.map((known) => `${known}:`).join(", ")} keys`;
        return [{ key: fullKey, message: `unknown namespace "${namespace}" (${hint})` }];
    });
}

/**
 * The config of a `Pulumi.<stack>.yaml` file in the engine's form (`project:key` → string, objects as JSON),
 * so the offline plan and the tests read a stack file exactly as `pulumi up` would pass it. A file that is not a
 * stack file (`hello world`, a `config:` that is text or a list) and keys nothing would read are one error.
 */
export function stackFileConfig(yamlText: string, stack = "<stack>"): Record<string, string> {
    const isMapping = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === "object" && !Array.isArray(value);
    const shape = (value: unknown) => (Array.isArray(value) ? "a list" : `${typeof value === "string" ? "the text" : "the value"} ${JSON.stringify(value)}`);
    let document: unknown;
    try {
        document = yaml.load(yamlText) ?? {};
    } catch (error) {
        throw new StackConfigError(stack, [{ key: `Pulumi.${stack}.yaml`, message: `is not valid YAML: ${(error as Error).message.split("\n")[0]}` }]);
    }
    if (!isMapping(document)) {
        throw new StackConfigError(stack, [{ key: `Pulumi.${stack}.yaml`, message: `is ${shape(document)}, not a stack file (a mapping with a \`config:\` section)` }]);
    }
    const section = document.config ?? {};
    if (!isMapping(section)) {
        throw new StackConfigError(stack, [{ key: "config", message: `is ${shape(section)}: it must map \`<namespace>:<key>\` to values, e.g. \`streambench:testMode: true\`` }]);
    }
    const config = Object.fromEntries(Object.entries(section).map(([key, value]) => [key, typeof value === "string" ? value : JSON.stringify(value)]));
    const problems = configKeyProblems(config);
    if (problems.length > 0) {
        throw new StackConfigError(stack, problems);
    }
    return config;
}

/** Reads and validates this stack's config from the Pulumi runtime. */
export function readStackConfig(): StackConfig {
    return parseEngineConfig(pulumi.getStack(), pulumi.runtime.allConfig(), process.env);
}

/** Validates a stack's whole config map (engine form): its keys and namespaces, then the `streambench:*` values. */
export function parseEngineConfig(stack: string, allConfig: Record<string, string>, env: NodeJS.ProcessEnv): StackConfig {
    const keyProblems = configKeyProblems(allConfig);
    let config: StackConfig;
    try {
        config = parseStackConfig(stack, namespaceValues(allConfig), workspaceAccess(allConfig, env));
    } catch (error) {
        throw error instanceof StackConfigError && keyProblems.length > 0 ? new StackConfigError(stack, [...keyProblems, ...error.problems]) : error;
    }
    if (keyProblems.length > 0) {
        throw new StackConfigError(stack, keyProblems);
    }
    return config;
}

/**
 * The provider's credentials from the stack config, for commands that call the workspace themselves. Either may
 * be absent: the command then inherits DATABRICKS_* from the environment, as the provider does.
 */
export function workspaceCredentials(): { host?: string; token?: pulumi.Output<string> } {
    const provider = new pulumi.Config("databricks");
    return { host: provider.get("host"), token: provider.getSecret("token") };
}
