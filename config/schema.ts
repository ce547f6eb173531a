/**
 * The stack's config: one zod schema whose defaults are the seed's, and the rules that tie its keys together.
 * Descriptions and defaults live here; docs/config.md is generated from this schema (`npm run docs:config`).
 */
import { z } from "zod";
import {
    CLUSTER_KINDS,
    DATA_SECURITY_MODES,
    DEFAULT_AUTOTERMINATION_MINUTES,
    DEDICATED_ACCESS_MODES,
    DEFAULT_DLT_MAX_WORKERS,
    DEFAULT_DLT_MIN_WORKERS,
    DEFAULT_MAX_WORKERS,
    DEFAULT_MIN_WORKERS,
    DEFAULT_MAX_WORKERS_CAP,
    LIMITS,
    MAX_PHASE_START_MINUTE,
    SEED_LOAD,
    TIMEOUT_GRACE_MINUTES,
} from "../plan/settings";
import { loadProfile, profileProblems } from "../plan/profile";
import { phasesSchema, rowsPerSecond, spikeSchema, staircaseSchema, wholeNumber } from "./loadProfile";
import { thresholdsSchema } from "./thresholds";
import { clusterSizeProblems, dltProblems, jobClusterProblems } from "./computeRules";
import { timelineScheduleProblems } from "./schedule";
import { JAVA_ZONE_IDS, isJavaZoneId } from "./timeZones";

/** The Pulumi project name: every key of this stack's config is `streambench:<key>`. */
export const CONFIG_NAMESPACE = "streambench";

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

/** A name that must hold something other than spaces. */
const notBlank = z.string().regex(/\S/, "must not be empty or only spaces").meta({ allowed: "not empty or only spaces" });

const seedMinute = (what: string, seedDefault: number) =>
    wholeNumber(0, LIMITS.maxRunMinutes)
        .optional()
        .describe(`Minute of the run at which ${what}; unset = ${seedDefault}. The seed's load only.`);

const timelineSchema = z.strictObject({
    scale3xStartMinute: seedMinute("the 3x stream starts", SEED_LOAD.scale3xStartMinute),
    scale3xEndMinute: seedMinute("the 3x stream stops (it keeps running while the 9x stream joins)", SEED_LOAD.scale3xEndMinute),
    scale9xStartMinute: seedMinute("the 9x stream starts", SEED_LOAD.scale9xStartMinute),
    scale9xEndMinute: seedMinute("the 9x stream stops", SEED_LOAD.scale9xEndMinute),
    runMinutes: wholeNumber(1, LIMITS.maxRunMinutes)
        .optional()
        .describe(
            `Length of the whole run. Seed load: the baseline streams run from minute 0 to here; unset = ${SEED_LOAD.runMinutes}. ` +
                "A load profile lasts until its last phase ends; a longer runMinutes keeps the run (and its analysis) going after it.",
        ),
});

const clusterSchema = z.strictObject({
    kind: z
        .enum(CLUSTER_KINDS)
        .default("allPurpose")
        .describe(
            "What the phases run on. `allPurpose`: one shared all-purpose cluster, one job per phase on it. `job`: the timeline job " +
                "runs the phases, the DLT control and the analysis as tasks on one autoscaling job cluster that each run starts and " +
                "ends (no all-purpose cluster, no phase jobs); the same bounds, runtime, node type and access mode.",
        ),
    minWorkers: wholeNumber(1, 10_000)
        .optional()
        .describe(`Autoscale lower bound; unset = ${DEFAULT_MIN_WORKERS}. Not with cluster.workers.`),
    maxWorkers: wholeNumber(2, 10_000)
        .optional()
        .describe(
            `Autoscale upper bound, strictly above minWorkers (Clusters API); unset = ${DEFAULT_MAX_WORKERS}. Not with cluster.workers.`,
        ),
    workers: wholeNumber(1, 10_000)
        .optional()
        .describe(
            "A fixed size instead of autoscaling: this many workers, no autoscale block (Databricks' advice for streaming jobs). " +
                "Refused beside minWorkers / maxWorkers.",
        ),
    maxWorkersCap: wholeNumber(2, 10_000)
        .default(DEFAULT_MAX_WORKERS_CAP)
        .describe("Guardrail: maxWorkers above this is refused (raise it deliberately for big runs)."),
    // Keys as the Clusters API lists them: 15.4.x-scala2.12, 17.3.x-photon-scala2.13, 16.4.x-cpu-ml-scala2.12; DBR 18 on: 18.x-scala2.13.
    sparkVersion: z
        .string()
        .regex(
            /^\d+(\.\d+)?\.x-([a-z0-9]+-)*scala\d+\.\d+$/,
            'must be a Databricks runtime key such as "15.4.x-scala2.12" or "18.x-scala2.13"',
        )
        .optional()
        .describe('Pin a runtime key such as "16.4.x-scala2.12" or "18.x-scala2.13"; unset = latest LTS, looked up at deploy time.'),
    nodeTypeId: z
        .string()
        .regex(/^\S+$/, 'must be a node type id such as "i3.xlarge" (no spaces)')
        .optional()
        .describe('Pin a node type such as "i3.xlarge"; unset = smallest node with local disk and 4+ cores.'),
    autoterminationMinutes: z
        .int("must be a whole number")
        .refine((minutes) => minutes === 0 || (minutes >= 10 && minutes <= 10_000), "must be 0 (never) or 10 to 10000")
        // A refinement is code, which JSON Schema cannot carry: the reference (docs/config.md) prints this instead.
        .meta({ allowed: "0 (never) or 10 to 10000" })
        .optional()
        .describe(
            `0 disables auto-termination; otherwise 10 to 10000 minutes (Clusters API); unset = ${DEFAULT_AUTOTERMINATION_MINUTES}. ` +
                "The all-purpose cluster's only: not with cluster.kind: job.",
        ),
    dataSecurityMode: z.enum(DATA_SECURITY_MODES).default("USER_ISOLATION").describe("Unity Catalog access mode."),
    singleUserName: notBlank.optional().describe("The user (or group) a SINGLE_USER / DEDICATED cluster is assigned to."),
});

const scheduleSchema = z.strictObject({
    cron: z
        .string()
        .default("0 0 2 * * ?")
        .describe("Quartz cron of the baseline job; the 3x and 9x jobs fire at their window starts after it."),
    timezone: z.string().default("UTC").describe('Java time zone id of the cron (`ZoneId`; exact case, e.g. "UTC", "America/New_York").'),
    paused: z.boolean().default(true).describe("Paused schedules only run when started by hand."),
});

const dltSchema = z.strictObject({
    enabled: z.boolean().default(false).describe("Declare the DLT pipeline that streams from every benchmark table."),
    serverless: z
        .boolean()
        .default(false)
        .describe(
            "Run the pipeline on serverless compute: no cluster block, Databricks sizes it (enhanced autoscaling always on). " +
                "Needs dlt.enabled; dlt.minWorkers and dlt.maxWorkers must stay unset.",
        ),
    development: z
        .boolean()
        .optional()
        .describe(
            "Run the pipeline in development mode (no automatic retries of a failed update). " +
                "Unset = testMode: the dev stack's pipeline runs in development mode, prod's in production mode.",
        ),
    minWorkers: wholeNumber(1, 10_000)
        .optional()
        .describe(
            `Enhanced autoscaling lower bound of a classic pipeline's cluster; unset = ${DEFAULT_DLT_MIN_WORKERS}. Not with dlt.serverless.`,
        ),
    maxWorkers: wholeNumber(2, 10_000)
        .optional()
        .describe(
            `Enhanced autoscaling upper bound of a classic pipeline's cluster, above dlt.minWorkers; unset = ${DEFAULT_DLT_MAX_WORKERS}. Not with dlt.serverless.`,
        ),
});

/** What the analysis holds each window to (notebooks/streambench/analysis/verdict.py Criteria has the same defaults). */
export const verdictSchema = z.strictObject({
    processedTolerancePercent: z
        .number()
        .min(0, "must be at least 0")
        .max(100, "must be at most 100")
        .default(2)
        .describe(
            "A window kept up only if its processed rows/s (rows of the micro-batches committed in it / its seconds) " +
                "are at least the offered rows/s minus this many %.",
        ),
    maxBatchToTrigger: z
        .number()
        .gt(0, "must be above 0")
        .max(10, "must be at most 10")
        .default(0.8)
        .describe("A window kept up only if the p95 of its micro-batch durations is at most this share of the trigger interval."),
    lagThresholdTriggers: z
        .number()
        .gt(0, "must be above 0")
        .max(1000, "must be at most 1000")
        .default(3)
        .describe(
            "Processing lag (commit time minus the batch's oldest event time) under this many trigger intervals counts as caught up.",
        ),
    lagRecoveryTriggers: z
        .number()
        .gt(0, "must be above 0")
        .max(1000, "must be at most 1000")
        .default(12)
        .describe(
            "A window kept up only if its lag is under the threshold for good within this many trigger intervals of its start (the load step).",
        ),
});

/** The run's cost estimate; unset = node-minutes only (the actual DBUs come from system.billing.usage, hours later). */
export const costSchema = z.strictObject({
    dbuPerNodeHour: z
        .number()
        .gt(0, "must be above 0")
        .max(1000, "must be at most 1000")
        .optional()
        .describe(
            "DBUs one node (driver or worker) of the cluster's node type bills per hour, from Databricks' pricing page; " +
                "unset = no DBU estimate, node-minutes only.",
        ),
    pricePerDbu: z
        .number()
        .min(0, "must be at least 0")
        .max(1000, "must be at most 1000")
        .optional()
        .describe("Price of one DBU in your currency (your contract's rate); unset = no price estimate."),
});

const groupList = z.array(notBlank).default([]);

const permissionsSchema = z.strictObject({
    jobViewers: groupList.describe("Groups that may see the jobs and their runs (CAN_VIEW)."),
    jobRunManagers: groupList.describe("Groups that may start and cancel runs (CAN_MANAGE_RUN)."),
    clusterUsers: groupList.describe("Groups that may attach notebooks to the cluster (CAN_ATTACH_TO)."),
});

export const stackConfigSchema = z
    .strictObject({
        testMode: z
            .boolean()
            .default(false)
            .describe("Reduced load for trying the stack out: 5 baseline streams and every rate divided by 10."),
        runOnDeploy: z.boolean().default(false).describe("Start the timeline job from `pulumi up`, again only when the workload changes."),
        baselineStreams: wholeNumber(1, LIMITS.maxBaselineStreams)
            .optional()
            .describe(
                `Baseline streams, each at baselineRate rows/s into its own Delta table; unset = ${SEED_LOAD.baselineStreams} (test mode: 5). The seed's load only.`,
            ),
        baselineRate: rowsPerSecond
            .optional()
            .describe(
                `Rows/s of each baseline stream; unset = ${SEED_LOAD.baselineRate} (test mode: divided by 10). The seed's load only.`,
            ),
        scale3xRate: rowsPerSecond
            .optional()
            .describe(`Rows/s of the 3x stream; unset = ${SEED_LOAD.scale3xRate} (test mode: divided by 10). The seed's load only.`),
        scale9xRate: rowsPerSecond
            .optional()
            .describe(`Rows/s of the 9x stream; unset = ${SEED_LOAD.scale9xRate} (test mode: divided by 10). The seed's load only.`),
        phases: phasesSchema,
        staircase: staircaseSchema,
        spike: spikeSchema,
        partitions: wholeNumber(1, LIMITS.maxPartitions).default(8).describe("`numPartitions` of each stream's rate source."),
        catalog: ucName("catalog").default("main").describe("An existing Unity Catalog catalog; the stack creates its schema inside it."),
        database: ucName("database")
            .default("dlt_autoscaling")
            .describe("Schema name stem; the schema is `<database>_<stack>` so two stacks never share one."),
        tablePrefix: ucName("tablePrefix")
            .default("stream_table")
            .describe(
                "Stream tables are `<tablePrefix>_001` … and `<tablePrefix>_3x_scale`, `<tablePrefix>_9x_scale` (the seed's load), " +
                    "or `<tablePrefix>_<phase>_001` … (a load profile).",
            ),
        checkpointVolume: ucName("checkpointVolume")
            .default("checkpoints")
            .describe("Managed volume in the schema that holds every stream's checkpoint."),
        timeline: timelineSchema.default(timelineSchema.parse({})).describe("The run's length, and when the seed's 3x and 9x streams run."),
        cluster: clusterSchema.default(clusterSchema.parse({})).describe("The shared autoscaling cluster every phase runs on."),
        schedule: scheduleSchema.default(scheduleSchema.parse({})).describe("When the phase jobs fire."),
        dlt: dltSchema
            .default(dltSchema.parse({}))
            .describe("The optional DLT (Lakeflow Declarative Pipelines) pipeline under the same load."),
        warehouseId: z
            .string()
            .regex(/^[0-9a-f]{16}$/, "must be a SQL warehouse id (16 hex characters, from the warehouse's Connection details)")
            .optional()
            .describe(
                "SQL warehouse the AI/BI dashboard and `npm run ops -- compare` run their queries on; unset = no dashboard and no compare (the rest deploys).",
            ),
        verdict: verdictSchema
            .default(verdictSchema.parse({}))
            .describe("The criteria the analysis judges each window by: did the compute keep up with the offered load?"),
        cost: costSchema.default(costSchema.parse({})).describe("Rates of the run's cost estimate."),
        thresholds: thresholdsSchema,
        notificationEmails: z
            .array(z.email("must be an email address"))
            .default([])
            .describe("Who hears about failed runs, overlong runs and streaming backlog."),
        permissions: permissionsSchema
            .default(permissionsSchema.parse({}))
            .describe("Extra access for workspace groups; unset = creator and admins only. Authoritative on each object."),
    })
    .superRefine((config, ctx) => {
        const problem = (path: (string | number)[], message: string) => ctx.addIssue({ code: "custom", path, message });
        const { cluster, schedule } = config;

        clusterSizeProblems(cluster, problem);
        dltProblems(config.dlt, cluster.maxWorkersCap, problem);
        jobClusterProblems(config, problem);
        const needsUser = DEDICATED_ACCESS_MODES.includes(cluster.dataSecurityMode);
        if (needsUser && !cluster.singleUserName) {
            problem(["cluster", "singleUserName"], `is required when cluster.dataSecurityMode is ${cluster.dataSecurityMode}`);
        }

        // Windows of different phases may overlap (the 3x stream runs on while the 9x stream joins); each phase
        // has its own tables and checkpoints, so an overlap never puts two writers on one table (the plan checks).
        const loadProblems = profileProblems(config);
        for (const { path, message } of loadProblems) {
            problem(path, message);
        }
        const profile = loadProfile(config);

        // Each phase job fires at the base cron's minute + its start minute, in the same hour (a Quartz minutes field
        // holds 0-59), so a phase must start within the hour of the timeline's trigger. (A profile's start minutes
        // are bounded by their own keys' schema.)
        for (const entry of profile.kind === "seed" ? profile.phases : []) {
            if (entry.startMinute > MAX_PHASE_START_MINUTE) {
                problem(
                    entry.paths.startMinute,
                    `${entry.startMinute} is past minute ${MAX_PHASE_START_MINUTE}: a phase job fires in the same hour as the timeline's trigger, so a phase must start at minute 0 to ${MAX_PHASE_START_MINUTE}`,
                );
            }
        }
        const timezoneKnown = isJavaZoneId(schedule.timezone);
        if (!timezoneKnown) {
            problem(["schedule", "timezone"], timeZoneProblem(schedule.timezone));
        }
        const lastPhaseStart = Math.max(0, ...profile.phases.map((entry) => entry.startMinute));
        // The longest phase job run, counted from its own trigger: the run's end + the timeout's grace.
        const runLength = profile.runMinutes + TIMEOUT_GRACE_MINUTES;
        for (const message of timelineScheduleProblems(
            schedule.cron,
            timezoneKnown ? schedule.timezone : "UTC",
            lastPhaseStart,
            runLength,
        )) {
            problem(["schedule", "cron"], message);
        }
    });

export type StackConfig = z.infer<typeof stackConfigSchema>;

/** A time zone the job scheduler does not take, with the id it probably meant when only the case is off. */
function timeZoneProblem(zone: string): string {
    const sameLetters = [...JAVA_ZONE_IDS].find((id) => id.toLowerCase() === zone.toLowerCase());
    return sameLetters
        ? `"${zone}" is not a Java time zone id (they are case-sensitive): use "${sameLetters}"`
        : `"${zone}" is not a Java time zone id (java.time.ZoneId) such as "UTC" or "Europe/Amsterdam"`;
}
