/**
 * The scaling plan's shape: the types every component and script reads, the parameter names the notebooks take
 * (the cross-language contract; tests hold the Python side equal), the result tables and the fixed settings.
 * plan.ts builds the values; this module declares them.
 */
import type { StackConfig } from "./config";

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
