/**
 * Every fixed setting of the benchmark: what no stack config changes. The config schema, the plan, the components
 * and the policy pack read them here; nothing restates one. A leaf module: it imports nothing.
 */

/** Hard limits that catch typos (100000 streams) before they reach a workspace. */
export const LIMITS = {
    maxBaselineStreams: 2000,
    maxRowsPerSecondPerStream: 1_000_000,
    maxPartitions: 1024,
    maxRunMinutes: 24 * 60,
    /** Unity Catalog names are at most 255 characters. */
    maxNameLength: 255,
} as const;

/** The cluster's autoscale bounds when `cluster.minWorkers` / `cluster.maxWorkers` are unset (and `cluster.workers` is). */
export const DEFAULT_MIN_WORKERS = 2;
export const DEFAULT_MAX_WORKERS = 8;

/** The default guardrail on autoscale maximums (`streambench:cluster.maxWorkersCap`, the policy pack's `maxWorkersCap`). */
export const DEFAULT_MAX_WORKERS_CAP = 64;

/**
 * Enhanced-autoscaling bounds of a classic DLT pipeline when `dlt.minWorkers` / `dlt.maxWorkers` are unset. The plan
 * applies them, not the schema, so that a serverless pipeline can refuse bounds that were set, not those defaulted.
 */
export const DEFAULT_DLT_MIN_WORKERS = 1;
export const DEFAULT_DLT_MAX_WORKERS = 4;

/**
 * What a run ran on, as its results are labelled (the analysis's `compute` and `pipeline_compute` parameters, the
 * `compute` and `dlt_compute` columns; notebooks/streambench/analysis/params.py holds the same labels).
 */
export const COMPUTE_LABELS = {
    allPurposeCluster: "all-purpose cluster",
    jobCluster: "job cluster",
    /** `npm run local` without `--connect`: the phases on local Spark (no pipeline runs there). */
    localSpark: "local Spark",
    classicPipeline: "classic pipeline",
    serverlessPipeline: "serverless pipeline",
} as const;
export type ComputeLabel = (typeof COMPUTE_LABELS)[keyof typeof COMPUTE_LABELS];

/**
 * What the phases run on (`cluster.kind`). `allPurpose`: one shared all-purpose cluster, a job per phase on it (the
 * seed's way). `job`: the timeline job runs every notebook as a task on one job cluster of its own, which Databricks
 * starts for each run and ends with it (what it recommends for production streams).
 */
export const CLUSTER_KINDS = ["allPurpose", "job"] as const;
export type ClusterKind = (typeof CLUSTER_KINDS)[number];
/** `cluster.autoterminationMinutes` when unset; an all-purpose cluster's setting only (a job cluster ends with its run). */
export const DEFAULT_AUTOTERMINATION_MINUTES = 30;
/** The one job cluster of `cluster.kind: job`, as the timeline job's tasks reference it (`job_cluster_key`). */
export const JOB_CLUSTER_KEY = "benchmark";

/** Unity Catalog access modes the stack's cluster may take (Clusters API `data_security_mode`). */
export const DATA_SECURITY_MODES = [
    "USER_ISOLATION",
    "SINGLE_USER",
    "DATA_SECURITY_MODE_STANDARD",
    "DATA_SECURITY_MODE_DEDICATED",
] as const;
/** Every Unity Catalog access mode the policy pack accepts on a cluster: the stack's, and the workspace's automatic choice. */
export const UC_ACCESS_MODES: readonly string[] = [...DATA_SECURITY_MODES, "DATA_SECURITY_MODE_AUTO"];
/** Access modes that run the cluster for one user or group, named by `singleUserName`. */
export const DEDICATED_ACCESS_MODES: readonly string[] = ["SINGLE_USER", "DATA_SECURITY_MODE_DEDICATED"];

/** Test mode keeps the timeline and divides every rate by this. */
export const TEST_MODE_RATE_DIVISOR = 10;
/** Test mode runs this many baseline streams, and at most this many streams in any phase of a custom profile. */
export const TEST_MODE_BASELINE_STREAMS = 5;

/**
 * The seed's load, when no profile (`phases`, `staircase`, `spike`) is set: its keys' values when unset. The plan
 * applies them, not the schema, so that a profile can refuse seed keys that were set beside it.
 */
export const SEED_LOAD = {
    baselineStreams: 50,
    baselineRate: 1000,
    scale3xRate: 3000,
    scale9xRate: 9000,
    scale3xStartMinute: 3,
    scale3xEndMinute: 10,
    scale9xStartMinute: 6,
    scale9xEndMinute: 10,
    runMinutes: 15,
} as const;
/**
 * A phase name of a custom profile: it names the phase's job, tables, checkpoints and its rows' `stream_type`. The
 * seed's own phases keep their names (`baseline`, `3x`, `9x`).
 */
export const PHASE_NAME_PATTERN = /^[a-z][a-z0-9_]*$/;
export const MAX_PHASE_NAME_LENGTH = 40;
/** Names a phase cannot take: they would collide with the stack's other jobs, task keys or volume folders. */
export const RESERVED_PHASE_NAMES = ["analysis", "analyze", "charts", "control", "dlt", "pipeline", "timeline"] as const;

/** Minutes a phase job may run past its window before Databricks times it out (cluster start, stream shutdown). */
export const TIMEOUT_GRACE_MINUTES = 5;
/** The latest minute a phase may start at: phase jobs fire within the hour of the timeline's trigger. */
export const MAX_PHASE_START_MINUTE = 59;

/** The generator prints its status line this often (the original's 30 s monitor). */
export const STATUS_INTERVAL_SECONDS = 30;
/** Micro-batch trigger of every generator stream. */
export const TRIGGER_INTERVAL_SECONDS = 10;
/**
 * A phase starts its streams this long before its window, where its run began early enough (the timeline job
 * starts every phase at minute 0): the rate source stamps rows only from its query's start, so the window's first
 * second is already flowing when the window opens. The rows of the lead are filtered out; reaction times still
 * count from the window's start. A phase at offset 0 (the baseline, every scheduled phase job) has no lead.
 */
export const START_LEAD_SECONDS = 60;
/**
 * After its window, a phase keeps its streams running until each has committed every row of the window, at most
 * this long; then it stops them and reports the rows never written. A drain takes about two micro-batches; this
 * leaves room for batches ten times slower than the trigger, within the job's TIMEOUT_GRACE_MINUTES.
 */
export const DRAIN_LIMIT_SECONDS = 120;

/** Retries of a phase job's task (a retry resumes from the run's checkpoints), and the wait before each. */
export const TASK_MAX_RETRIES = 2;
export const TASK_MIN_RETRY_INTERVAL_MILLIS = 60_000;
/** A phase job's streams falling this far behind raises its streaming-backlog health rule. */
export const STREAMING_BACKLOG_ALERT_SECONDS = 60;
/** The folder of the stack's volume the analysis saves each run's chart in (`<volume path>/charts/<run start>.png`). */
export const CHART_FOLDER = "charts";

/** How long the analysis job may run. */
export const ANALYSIS_TIMEOUT_MINUTES = 30;

/** Task keys: the one task of each phase job, of the pipeline's control job and of the analysis job. */
export const GENERATOR_TASK_KEY = "generate";
export const PIPELINE_CONTROL_TASK_KEY = "control";
export const ANALYSIS_TASK_KEY = "analyze";
/** Task key of the pipeline's control job inside the timeline job (each phase's task key is its own). */
export const PIPELINE_TIMELINE_TASK_KEY = "dlt";

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
