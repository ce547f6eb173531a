/**
 * The scaling plan: every number of the benchmark, derived from the validated stack config by pure functions.
 * Components, job parameters, stack outputs, the offline plan and the README table all read it; nothing copies it.
 */
import { createHash } from "crypto";
import { describeQuartzCron, shiftQuartzCron } from "./cron";
import { LIMITS, StackConfig, StackConfigError, TEST_MODE_BASELINE_STREAMS, TEST_MODE_RATE_DIVISOR, TIMEOUT_GRACE_MINUTES } from "./config";
import { stackNameSuffix, stackSlug } from "./stackName";

export { stackSlug } from "./stackName";

export type PhaseName = "baseline" | "3x" | "9x";

export { TIMEOUT_GRACE_MINUTES } from "./config";
/** The generator prints its status line this often (the original's 30 s monitor). */
export const STATUS_INTERVAL_SECONDS = 30;
/** Micro-batch trigger of every generator stream. */
export const TRIGGER_INTERVAL_SECONDS = 10;
/** Databricks fills these in per run; `job.run_id` stays the same across task retries of one run. */
export const RUN_ID_REFERENCE = "{{job.run_id}}";
export const TRIGGER_TIME_REFERENCE = "{{job.trigger.time.iso_datetime}}";

/** Tables the benchmark writes besides the stream tables, all in the stack's schema. */
export const RESULT_TABLES = {
    /** Every micro-batch's progress of every stream (the generator's StreamingQueryListener). */
    metrics: "stream_metrics",
    /** The cluster's events over a run (the analysis job, from the Clusters API). */
    clusterEvents: "cluster_events",
    /** Target against achieved load per window of a run (the analysis job). */
    results: "benchmark_results",
} as const;

/** The parameters of the analysis notebook (notebooks/analysis.py); cluster_id is added at deploy time. */
export const ANALYSIS_PARAMETER_NAMES = [
    "catalog",
    "cluster_events_table",
    "cluster_id",
    "metrics_table",
    "phases_json",
    "pipeline_event_log_table",
    "results_table",
    "run_start",
    "schema",
    "windows_json",
] as const;

/** The analysis job: for a finished run, target against achieved load per window, and the cluster's events. */
export interface AnalysisPlan {
    jobName: string;
    timeoutSeconds: number;
    /** Every parameter but `cluster_id`, which is the cluster's id (an output). */
    parameters: Omit<Record<(typeof ANALYSIS_PARAMETER_NAMES)[number], string>, "cluster_id">;
}

/**
 * The optional DLT pipeline: a bronze union of every stream table and a per-minute aggregate, in the schema.
 * Triggered (never continuous): `pulumi up` starts no compute. Each timeline runs its control job, which keeps
 * the pipeline updating from the timeline's start to its end and then stops it.
 */
export interface PipelinePlan {
    name: string;
    minWorkers: number;
    maxWorkers: number;
    /** The pipeline's Spark conf (notebooks/pipeline_logic.py reads these keys). */
    configuration: Record<string, string>;
    /** The pipeline's event log, published as a table in the schema (autoscaling events for the analysis). */
    eventLogTable: string;
    /** The job that runs the pipeline through a timeline (notebooks/pipeline_control.py). */
    control: PipelineControlPlan;
}

/** The pipeline's control job: scheduled with the baseline phase, and a task of the full-timeline job. */
export interface PipelineControlPlan {
    jobName: string;
    /** The base schedule: the pipeline runs from the timeline's first minute. */
    cron: string;
    timeoutSeconds: number;
    /** How long a healthy run lasts: the whole timeline, then the wait for the pipeline to stop. */
    expectedRunSeconds: number;
    /** Every parameter but `pipeline_id`, which is the pipeline's id (an output). */
    parameters: Omit<Record<(typeof PIPELINE_CONTROL_PARAMETER_NAMES)[number], string>, "pipeline_id">;
}

/** The parameters of the pipeline control notebook (notebooks/pipeline_control.py); pipeline_id is added at deploy time. */
export const PIPELINE_CONTROL_PARAMETER_NAMES = [
    "catalog",
    "max_failed_updates",
    "min_update_seconds",
    "phases_json",
    "pipeline_id",
    "poll_interval_seconds",
    "schema",
    "start_offset_minutes",
    "stop_timeout_seconds",
    "trigger_time",
    "window_minutes",
] as const;

/** How often the control notebook looks at the pipeline's update. */
export const PIPELINE_POLL_INTERVAL_SECONDS = 10;
/**
 * A triggered update first initializes and sets up its tables; one started closer than this to the timeline's end
 * would spend the rest of the timeline on that, so none is started then.
 */
export const PIPELINE_MIN_UPDATE_SECONDS = 60;
/** Updates that fail in a row before the control run gives up (and stops the pipeline). */
export const PIPELINE_MAX_FAILED_UPDATES = 3;
/** How long the control run waits, after the stop, for the pipeline to be IDLE: within its job's grace. */
export const PIPELINE_STOP_TIMEOUT_SECONDS = 180;
/**
 * `pipelines.clusterShutdown.delay`: an update started by the API shuts its cluster down at once by default; this
 * keeps it, and its enhanced-autoscaling size, for the few seconds until the control notebook starts the next update.
 * It is also the longest the cluster can outlive the stop at the timeline's end.
 */
export const PIPELINE_CLUSTER_SHUTDOWN_DELAY_SECONDS = 60;

/** The table the DLT pipeline publishes its event log to, in the stack's schema. */
export const PIPELINE_EVENT_LOG_TABLE = "dlt_event_log";

/** The notebook parameters every phase job passes; the generator notebook reads exactly these. Its streams and tables are its entry of `phases_json`. */
export const GENERATOR_PARAMETER_NAMES = [
    "catalog",
    "checkpoint_root",
    "metrics_table",
    "num_partitions",
    "phase",
    "phases_json",
    "rows_per_second",
    "schema",
    "start_offset_minutes",
    "status_interval_seconds",
    "trigger_interval_seconds",
    "trigger_time",
    "window_minutes",
] as const;
export type GeneratorParameters = Record<(typeof GENERATOR_PARAMETER_NAMES)[number], string>;

export interface PhasePlan {
    name: PhaseName;
    /** Job name in the workspace: `streambench-<stack>-<phase>`. */
    jobName: string;
    /** Streams this phase runs at once, each into its own table. */
    streamCount: number;
    ratePerStream: number;
    /** stream_id of the phase's first stream; ids are unique across phases. */
    firstStreamId: number;
    windowStartMinute: number;
    windowEndMinute: number;
    /** Python `str.format` pattern the notebook turns into table names (`{stream_id:03d}`). */
    tableNameFormat: string;
    tables: string[];
    /** Checkpoint folder of one run of this phase; each stream checkpoints in `<root>/<table>`. */
    checkpointRoot: string;
    checkpointPaths: string[];
    /** Quartz schedule: the base schedule shifted to the window start. */
    cron: string;
    timeoutSeconds: number;
    parameters: GeneratorParameters;
}

export interface ThroughputWindow {
    startMinute: number;
    endMinute: number;
    /** Rows per second each phase adds in this window (0 when inactive). */
    rowsPerSecondByPhase: Record<PhaseName, number>;
    totalRowsPerSecond: number;
}

/** One grant of a Databricks permission level to a workspace group. */
export interface AccessControl {
    groupName: string;
    permissionLevel: string;
}

/** Who besides the creator and the admins may use the benchmark's jobs and cluster. */
export interface AccessPlan {
    jobs: AccessControl[];
    cluster: AccessControl[];
}

/** Grants from the config, sorted by group so the declared list is stable. */
export function accessPlan(permissions: StackConfig["permissions"]): AccessPlan {
    const grants = (groups: string[], permissionLevel: string) =>
        [...new Set(groups)].sort().map((groupName) => ({ groupName, permissionLevel }));
    const runManagers = new Set(permissions.jobRunManagers);
    return {
        // A group that may manage runs may also view them: one grant per group, the higher level.
        jobs: [...grants(permissions.jobViewers.filter((group) => !runManagers.has(group)), "CAN_VIEW"), ...grants(permissions.jobRunManagers, "CAN_MANAGE_RUN")].sort(
            (a, b) => a.groupName.localeCompare(b.groupName),
        ),
        cluster: grants(permissions.clusterUsers, "CAN_ATTACH_TO"),
    };
}

/** The shared all-purpose cluster every phase job runs on. */
export interface ClusterPlan {
    clusterName: string;
    minWorkers: number;
    maxWorkers: number;
    /** Unset: the latest LTS runtime, looked up at deploy time. */
    sparkVersion?: string;
    /** Unset: the smallest node type with local disk and at least 4 cores, looked up at deploy time. */
    nodeTypeId?: string;
    autoterminationMinutes: number;
    dataSecurityMode: string;
    singleUserName?: string;
    tags: Record<string, string>;
}

/** One task of the full-timeline job: run a phase job with the timeline's trigger time and the phase's offset. */
export interface TimelineTask {
    taskKey: string;
    /** The phase job this task runs, "pipeline" for the DLT pipeline's control job, or "analysis" for the analysis job after them. */
    phase: PhaseName | "pipeline" | "analysis";
    /** Overrides of the job's parameters for this run. */
    jobParameters: Record<string, string>;
    /** Tasks that must end first (run even if they failed). */
    dependsOn?: string[];
}

/** The full-timeline job: every phase job in one run, each waiting in its notebook for its window. */
export interface TimelineRunPlan {
    jobName: string;
    timeoutSeconds: number;
    /** Sorted by task key, as the provider keeps them. */
    tasks: TimelineTask[];
}

export interface ScalingPlan {
    stack: string;
    testMode: boolean;
    /** Prefix of every workspace object name: cluster, jobs, folder. */
    resourcePrefix: string;
    catalog: string;
    schemaName: string;
    schemaFullName: string;
    volumeName: string;
    /** `/Volumes/<catalog>/<schema>/<volume>`. */
    volumePath: string;
    partitions: number;
    runMinutes: number;
    cluster: ClusterPlan;
    phases: PhasePlan[];
    access: AccessPlan;
    analysis: AnalysisPlan;
    /** Undefined unless `dlt.enabled`. */
    pipeline?: PipelinePlan;
    timelineRun: TimelineRunPlan;
    runOnDeploy: boolean;
    notificationEmails: string[];
    /** SQL warehouse of the dashboard; undefined = no dashboard. */
    warehouseId?: string;
    throughput: ThroughputWindow[];
    schedule: { baseCron: string; timezone: string; paused: boolean; description: string };
}

/** Tags on every taggable resource, so workspace admins can tell whose benchmark they are looking at. */
export function resourceTags(stack: string, extra: Record<string, string> = {}): Record<string, string> {
    return { project: "streambench", stack, ...extra };
}

/** Baseline tables are numbered with at least 3 digits (`stream_table_001`), more when there are more streams. */
export function tableNumberWidth(streamCount: number): number {
    return Math.max(3, String(streamCount).length);
}

export function baselineTableName(prefix: string, streamId: number, streamCount: number): string {
    return `${prefix}_${String(streamId).padStart(tableNumberWidth(streamCount), "0")}`;
}

/** The rates and stream count the config asks for, after test mode. */
export function effectiveLoad(config: StackConfig) {
    const divisor = config.testMode ? TEST_MODE_RATE_DIVISOR : 1;
    return {
        baselineStreams: config.testMode ? TEST_MODE_BASELINE_STREAMS : config.baselineStreams,
        baselineRate: config.baselineRate / divisor,
        scale3xRate: config.scale3xRate / divisor,
        scale9xRate: config.scale9xRate / divisor,
    };
}

/** The expected-throughput table: one row per stretch of the run in which the set of active phases is constant. */
export function throughputWindows(phases: PhasePlan[], runMinutes: number): ThroughputWindow[] {
    const boundaries = [...new Set([0, runMinutes, ...phases.flatMap((phase) => [phase.windowStartMinute, phase.windowEndMinute])])]
        .filter((minute) => minute >= 0 && minute <= runMinutes)
        .sort((a, b) => a - b);
    const windows: ThroughputWindow[] = [];
    for (let index = 1; index < boundaries.length; index++) {
        const [startMinute, endMinute] = [boundaries[index - 1], boundaries[index]];
        const rowsPerSecondByPhase = { baseline: 0, "3x": 0, "9x": 0 } as Record<PhaseName, number>;
        for (const phase of phases) {
            if (phase.windowStartMinute <= startMinute && phase.windowEndMinute >= endMinute) {
                rowsPerSecondByPhase[phase.name] += phase.streamCount * phase.ratePerStream;
            }
        }
        const totalRowsPerSecond = Object.values(rowsPerSecondByPhase).reduce((sum, rate) => sum + rate, 0);
        windows.push({ startMinute, endMinute, rowsPerSecondByPhase, totalRowsPerSecond });
    }
    return windows;
}

interface PhaseShape {
    name: PhaseName;
    streamCount: number;
    ratePerStream: number;
    firstStreamId: number;
    windowStartMinute: number;
    windowEndMinute: number;
    tableNameFormat: string;
    tables: string[];
}

function phaseShapes(config: StackConfig): PhaseShape[] {
    const load = effectiveLoad(config);
    const { timeline, tablePrefix } = config;
    const baselineIds = Array.from({ length: load.baselineStreams }, (_, index) => index + 1);
    return [
        {
            name: "baseline",
            streamCount: load.baselineStreams,
            ratePerStream: load.baselineRate,
            firstStreamId: 1,
            windowStartMinute: 0,
            windowEndMinute: timeline.runMinutes,
            tableNameFormat: `${tablePrefix}_{stream_id:0${tableNumberWidth(load.baselineStreams)}d}`,
            tables: baselineIds.map((id) => baselineTableName(tablePrefix, id, load.baselineStreams)),
        },
        {
            name: "3x",
            streamCount: 1,
            ratePerStream: load.scale3xRate,
            firstStreamId: load.baselineStreams + 1,
            windowStartMinute: timeline.scale3xStartMinute,
            windowEndMinute: timeline.scale3xEndMinute,
            tableNameFormat: `${tablePrefix}_3x_scale`,
            tables: [`${tablePrefix}_3x_scale`],
        },
        {
            name: "9x",
            streamCount: 1,
            ratePerStream: load.scale9xRate,
            firstStreamId: load.baselineStreams + 2,
            windowStartMinute: timeline.scale9xStartMinute,
            windowEndMinute: timeline.scale9xEndMinute,
            tableNameFormat: `${tablePrefix}_9x_scale`,
            tables: [`${tablePrefix}_9x_scale`],
        },
    ];
}

/**
 * A phase job's timeout: just past its window's end measured from the start of the timeline, because in the
 * full-timeline run every phase job starts at minute 0 and waits for its window in the notebook.
 */
export function phaseTimeoutSeconds(windowEndMinute: number): number {
    return longestRunMinutes(windowEndMinute) * 60;
}

/** How long a job whose window ends at `windowEndMinute` may run, counted from its trigger. */
export function longestRunMinutes(windowEndMinute: number): number {
    return windowEndMinute + TIMEOUT_GRACE_MINUTES;
}

/**
 * Two writers on one table or one checkpoint corrupt neither loudly nor at once, so the plan refuses them: every
 * table and every checkpoint path of the timeline must belong to exactly one stream.
 */
export function writerProblems(phases: Pick<PhasePlan, "name" | "tables" | "checkpointPaths">[]): { key: string; message: string }[] {
    const problems: { key: string; message: string }[] = [];
    for (const [what, key, list] of [
        ["table", "streambench:tablePrefix", (phase: (typeof phases)[number]) => phase.tables],
        ["checkpoint", "streambench:checkpointVolume", (phase: (typeof phases)[number]) => phase.checkpointPaths],
    ] as const) {
        const writers = new Map<string, string[]>();
        for (const phase of phases) {
            for (const name of list(phase)) {
                writers.set(name, [...(writers.get(name) ?? []), phase.name]);
            }
        }
        for (const [name, phaseNames] of writers) {
            if (phaseNames.length > 1) {
                problems.push({ key, message: `two writers on one ${what}: ${name} is written by ${phaseNames.join(" and ")}` });
            }
        }
    }
    return problems;
}

/** Builds the whole plan. Pure: the same config always gives the same plan (no clock, no randomness). */
export function buildScalingPlan(stack: string, config: StackConfig): ScalingPlan {
    // Injective in the stack name (stackName.ts): distinct stacks never share a schema, folder, cluster or job.
    const resourcePrefix = `streambench-${stackNameSuffix(stack)}`;
    const schemaName = `${config.database}_${stackSlug(stack)}`;
    const volumePath = `/Volumes/${config.catalog}/${schemaName}/${config.checkpointVolume}`;
    const shapes = phaseShapes(config);
    const phasesJson = phaseTablesJson(shapes);
    const phases = shapes.map((shape): PhasePlan => {
        const checkpointRoot = `${volumePath}/${shape.name}/${RUN_ID_REFERENCE}`;
        const windowMinutes = shape.windowEndMinute - shape.windowStartMinute;
        return {
            ...shape,
            jobName: `${resourcePrefix}-${shape.name}`,
            checkpointRoot,
            checkpointPaths: shape.tables.map((table) => `${checkpointRoot}/${table}`),
            cron: shiftQuartzCron(config.schedule.cron, shape.windowStartMinute),
            timeoutSeconds: phaseTimeoutSeconds(shape.windowEndMinute),
            parameters: {
                catalog: config.catalog,
                checkpoint_root: checkpointRoot,
                metrics_table: RESULT_TABLES.metrics,
                num_partitions: String(config.partitions),
                phase: shape.name,
                phases_json: phasesJson,
                rows_per_second: String(shape.ratePerStream),
                schema: schemaName,
                start_offset_minutes: "0",
                status_interval_seconds: String(STATUS_INTERVAL_SECONDS),
                trigger_interval_seconds: String(TRIGGER_INTERVAL_SECONDS),
                trigger_time: TRIGGER_TIME_REFERENCE,
                window_minutes: String(windowMinutes),
            },
        };
    });
    const planProblems = [...writerProblems(phases), ...nameLengthProblems(stack, schemaName, phases), ...oversizedParameterProblems(phases)];
    if (planProblems.length > 0) {
        throw new StackConfigError(stack, planProblems);
    }
    const pipeline = config.dlt.enabled ? pipelinePlan(resourcePrefix, config, schemaName, phases) : undefined;
    return {
        stack,
        testMode: config.testMode,
        resourcePrefix,
        catalog: config.catalog,
        schemaName,
        schemaFullName: `${config.catalog}.${schemaName}`,
        volumeName: config.checkpointVolume,
        volumePath,
        partitions: config.partitions,
        runMinutes: config.timeline.runMinutes,
        cluster: {
            clusterName: resourcePrefix,
            minWorkers: config.cluster.minWorkers,
            maxWorkers: config.cluster.maxWorkers,
            sparkVersion: config.cluster.sparkVersion,
            nodeTypeId: config.cluster.nodeTypeId,
            autoterminationMinutes: config.cluster.autoterminationMinutes,
            dataSecurityMode: config.cluster.dataSecurityMode,
            singleUserName: config.cluster.singleUserName,
            tags: resourceTags(stack),
        },
        phases,
        access: accessPlan(config.permissions),
        pipeline,
        analysis: analysisPlan(resourcePrefix, config.catalog, schemaName, phases, config.timeline.runMinutes, config.dlt.enabled ? PIPELINE_EVENT_LOG_TABLE : undefined),
        timelineRun: timelineRun(resourcePrefix, phases, config.timeline.runMinutes, pipeline !== undefined),
        runOnDeploy: config.runOnDeploy,
        notificationEmails: config.notificationEmails,
        warehouseId: config.warehouseId,
        throughput: throughputWindows(phases, config.timeline.runMinutes),
        schedule: {
            baseCron: config.schedule.cron,
            timezone: config.schedule.timezone,
            paused: config.schedule.paused,
            description: describeQuartzCron(config.schedule.cron, config.schedule.timezone),
        },
    };
}

/** The DLT pipeline and its control job: the pipeline runs over the whole timeline, from minute 0 to its end. */
export function pipelinePlan(resourcePrefix: string, config: StackConfig, schemaName: string, phases: PhasePlan[]): PipelinePlan {
    const runMinutes = config.timeline.runMinutes;
    return {
        name: `${resourcePrefix}-dlt`,
        minWorkers: config.dlt.minWorkers,
        maxWorkers: config.dlt.maxWorkers,
        configuration: {
            "pipelines.clusterShutdown.delay": `${PIPELINE_CLUSTER_SHUTDOWN_DELAY_SECONDS}s`,
            "streambench.source_catalog": config.catalog,
            "streambench.source_schema": schemaName,
            "streambench.phases_json": phaseTablesJson(phases),
        },
        eventLogTable: PIPELINE_EVENT_LOG_TABLE,
        control: {
            jobName: `${resourcePrefix}-dlt-control`,
            cron: shiftQuartzCron(config.schedule.cron, 0),
            timeoutSeconds: phaseTimeoutSeconds(runMinutes),
            expectedRunSeconds: runMinutes * 60 + PIPELINE_STOP_TIMEOUT_SECONDS,
            parameters: {
                catalog: config.catalog,
                max_failed_updates: String(PIPELINE_MAX_FAILED_UPDATES),
                min_update_seconds: String(PIPELINE_MIN_UPDATE_SECONDS),
                // The pipeline's sources: its first update waits until every one of them exists.
                phases_json: phaseTablesJson(phases),
                poll_interval_seconds: String(PIPELINE_POLL_INTERVAL_SECONDS),
                schema: schemaName,
                start_offset_minutes: "0",
                stop_timeout_seconds: String(PIPELINE_STOP_TIMEOUT_SECONDS),
                trigger_time: TRIGGER_TIME_REFERENCE,
                window_minutes: String(runMinutes),
            },
        },
    };
}

/**
 * Unity Catalog names (schemas, tables) are at most 255 characters (Databricks docs, "Names": "limited to 255
 * characters"). config.ts checks each part; this checks the names built from them: `<database>_<stack>` and
 * `<tablePrefix>_<number>` / `<tablePrefix>_3x_scale`.
 */
export function nameLengthProblems(stack: string, schemaName: string, phases: Pick<PhasePlan, "tables">[]): { key: string; message: string }[] {
    const problems: { key: string; message: string }[] = [];
    if (schemaName.length > LIMITS.maxNameLength) {
        problems.push({
            key: "streambench:database",
            message:
                `the schema name <database>_<stack> is ${schemaName.length} characters with stack ${JSON.stringify(stack)}, ` +
                `above Unity Catalog's ${LIMITS.maxNameLength}: use a shorter database`,
        });
    }
    const longest = phases.flatMap((phase) => phase.tables).reduce((a, b) => (b.length > a.length ? b : a), "");
    if (longest.length > LIMITS.maxNameLength) {
        problems.push({
            key: "streambench:tablePrefix",
            message: `the table name ${longest.slice(0, 20)}… is ${longest.length} characters, above Unity Catalog's ${LIMITS.maxNameLength}: use a shorter tablePrefix`,
        });
    }
    return problems;
}

/**
 * Databricks caps the JSON of notebook parameters passed to run-now at 10,000 bytes (Jobs API, `notebook_params`),
 * the strictest of the parameter limits it documents; a phase job's parameters must fit it.
 */
export const MAX_JOB_PARAMETER_BYTES = 10_000;
/**
 * Databricks gives no number for streaming queries per cluster; it recommends limiting them because every query
 * shares the driver's CPU, memory and schedulers. This project warns above twice its own 50-stream design point.
 */
export const STREAMS_PER_DRIVER_WARNING = 100;
/** An all-purpose cluster holds at most 150 execution contexts; each notebook task on it holds one. */
export const EXECUTION_CONTEXT_LIMIT = 150;

/** Size of a phase job's parameters as the Jobs API receives them (JSON, UTF-8). */
export function jobParameterBytes(phase: PhasePlan): number {
    return Buffer.byteLength(JSON.stringify(phase.parameters), "utf8");
}

/** Phases whose parameters would not fit the Jobs API, as config problems naming the keys that make them long. */
export function oversizedParameterProblems(phases: PhasePlan[]): { key: string; message: string }[] {
    const oversized = phases.find((phase) => jobParameterBytes(phase) > MAX_JOB_PARAMETER_BYTES);
    if (!oversized) {
        return [];
    }
    const message =
        `the ${oversized.name} job's parameters take ${jobParameterBytes(oversized)} bytes, above the Jobs API's ` +
        `${MAX_JOB_PARAMETER_BYTES}; use a shorter name`;
    return ["catalog", "database", "tablePrefix", "checkpointVolume"].map((key) => ({ key: `streambench:${key}`, message }));
}

/** The most streaming queries the driver runs at once, over the whole timeline. */
export function peakStreamsOnDriver(phases: PhasePlan[], runMinutes: number): number {
    return Math.max(
        ...throughputWindows(phases, runMinutes).map((window) =>
            phases
                .filter((phase) => phase.windowStartMinute <= window.startMinute && phase.windowEndMinute >= window.endMinute)
                .reduce((sum, phase) => sum + phase.streamCount, 0),
        ),
    );
}

/** What the plan should tell the user before a deploy: driver load and execution contexts, with what to change. */
export function planWarnings(plan: Pick<ScalingPlan, "phases" | "runMinutes" | "warehouseId" | "pipeline">): string[] {
    const warnings: string[] = [];
    if (!plan.warehouseId) {
        warnings.push("No dashboard: streambench:warehouseId is not set (`pulumi config set streambench:warehouseId <SQL warehouse id>`). Everything else deploys.");
    }
    const peak = peakStreamsOnDriver(plan.phases, plan.runMinutes);
    if (peak > STREAMS_PER_DRIVER_WARNING) {
        warnings.push(
            `${peak} streaming queries run at once on one driver (above ${STREAMS_PER_DRIVER_WARNING}): the driver, not the workers, ` +
                `will likely limit throughput. Lower streambench:baselineStreams and raise streambench:baselineRate to keep the load.`,
        );
    }
    const sourceTables = plan.phases.reduce((sum, phase) => sum + phase.streamCount, 0);
    if (plan.pipeline && sourceTables > STREAMS_PER_DRIVER_WARNING) {
        warnings.push(
            `The DLT pipeline reads ${sourceTables} tables, one streaming flow each, on its driver (above ${STREAMS_PER_DRIVER_WARNING}); ` +
                `Databricks publishes no flow limit. Lower streambench:baselineStreams or set streambench:dlt.enabled false.`,
        );
    }
    const notebookTasks = notebookTaskCount(plan);
    if (notebookTasks > EXECUTION_CONTEXT_LIMIT) {
        warnings.push(`${notebookTasks} notebook tasks exceed the cluster's ${EXECUTION_CONTEXT_LIMIT} execution contexts.`);
    }
    return warnings;
}

/** Notebook tasks a timeline holds on the cluster at once: one per phase, and the pipeline's control. */
export function notebookTaskCount(plan: Pick<ScalingPlan, "phases" | "pipeline">): number {
    return plan.phases.length + (plan.pipeline ? 1 : 0);
}

/** Minutes the analysis job may take: it reads at most one run's rows. */
export const ANALYSIS_TIMEOUT_MINUTES = 30;

/**
 * Every phase's table naming as JSON, the generator's own naming parameters: the analysis derives the same
 * table names from it, and every generator run creates the timeline's missing tables from it.
 */
export function phaseTablesJson(phases: Pick<PhasePlan, "name" | "tableNameFormat" | "firstStreamId" | "streamCount">[]): string {
    return JSON.stringify(
        phases.map((phase) => ({
            phase: phase.name,
            table_name_format: phase.tableNameFormat,
            first_stream_id: phase.firstStreamId,
            stream_count: phase.streamCount,
        })),
    );
}

export function analysisPlan(
    resourcePrefix: string,
    catalog: string,
    schemaName: string,
    phases: PhasePlan[],
    runMinutes: number,
    pipelineEventLogTable: string | undefined,
): AnalysisPlan {
    return {
        jobName: `${resourcePrefix}-analysis`,
        timeoutSeconds: ANALYSIS_TIMEOUT_MINUTES * 60,
        parameters: {
            catalog,
            cluster_events_table: RESULT_TABLES.clusterEvents,
            metrics_table: RESULT_TABLES.metrics,
            phases_json: phaseTablesJson(phases),
            // The DLT pipeline's published event log, so its executors join the results; empty = no pipeline.
            pipeline_event_log_table: pipelineEventLogTable ?? "",
            results_table: RESULT_TABLES.results,
            // Empty: the latest run in stream_metrics. The full-timeline job passes its own trigger time.
            run_start: "",
            schema: schemaName,
            windows_json: JSON.stringify(throughputWindows(phases, runMinutes)),
        },
    };
}

/** Task keys of the full-timeline job: letters first, so that sorting by key keeps the timeline's order. */
export function timelineTaskKey(phase: PhaseName): string {
    return phase === "baseline" ? "baseline" : `scale_${phase}`;
}

/** Task key of the DLT pipeline's control job in the full-timeline job. */
export const PIPELINE_TIMELINE_TASK_KEY = "dlt";

export function timelineRun(resourcePrefix: string, phases: PhasePlan[], runMinutes: number, withPipeline = false): TimelineRunPlan {
    const tasks: TimelineTask[] = phases.map((phase) => ({
        taskKey: timelineTaskKey(phase.name),
        phase: phase.name,
        jobParameters: { trigger_time: TRIGGER_TIME_REFERENCE, start_offset_minutes: String(phase.windowStartMinute) },
    }));
    if (withPipeline) {
        // Beside the phases, on the same trigger time: the pipeline runs from minute 0 to the timeline's end.
        tasks.push({ taskKey: PIPELINE_TIMELINE_TASK_KEY, phase: "pipeline", jobParameters: { trigger_time: TRIGGER_TIME_REFERENCE, start_offset_minutes: "0" } });
    }
    // After every phase and the pipeline's stop, finished or not, the analysis of this very run (its timeline starts
    // at the trigger).
    // Sorted like the tasks, so that the provider's read-back shows no reordering.
    const dependsOn = tasks.map((task) => task.taskKey).sort((a, b) => a.localeCompare(b));
    tasks.push({ taskKey: "analyze", phase: "analysis", jobParameters: { run_start: TRIGGER_TIME_REFERENCE }, dependsOn });
    return {
        jobName: `${resourcePrefix}-benchmark`,
        timeoutSeconds: phaseTimeoutSeconds(runMinutes) + ANALYSIS_TIMEOUT_MINUTES * 60,
        tasks: tasks.sort((a, b) => a.taskKey.localeCompare(b.taskKey)),
    };
}

/**
 * A digest of what a benchmark run does: phases, streams, rates, windows, parameters and the notebook sources.
 * Schedules and cluster settings are left out: changing them does not change the workload.
 */
export function workloadFingerprint(plan: ScalingPlan, notebookSources: string[]): string {
    const workload = plan.phases.map(({ cron: _cron, ...phase }) => phase);
    const hash = createHash("sha256").update(JSON.stringify({ workload, partitions: plan.partitions, timeline: plan.timelineRun }));
    notebookSources.forEach((source) => hash.update("\0").update(source));
    return hash.digest("hex");
}

/** Every table the benchmark writes, in phase order. */
export function allTables(plan: ScalingPlan): string[] {
    return plan.phases.flatMap((phase) => phase.tables);
}
