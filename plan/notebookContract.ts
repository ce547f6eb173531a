/**
 * What crosses from the plan to the notebooks: the parameter names each notebook takes, the Databricks references
 * filled in per run, and the tables the notebooks write. The mocha contract tests run the notebooks' own Python on
 * these and hold both sides equal.
 */

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

/** The table the DLT pipeline publishes its event log to, in the stack's schema. */
export const PIPELINE_EVENT_LOG_TABLE = "dlt_event_log";

/** The notebook parameters every phase job passes; the generator notebook reads exactly these. Its streams and tables are its entry of `phases_json`. */
export const GENERATOR_PARAMETER_NAMES = [
    "catalog",
    "checkpoint_root",
    "drain_limit_seconds",
    "metrics_table",
    "num_partitions",
    "phase",
    "phases_json",
    "rows_per_second",
    "schema",
    "start_lead_seconds",
    "start_offset_minutes",
    "status_interval_seconds",
    "trigger_interval_seconds",
    "trigger_time",
    "window_minutes",
] as const;
export type GeneratorParameters = Record<(typeof GENERATOR_PARAMETER_NAMES)[number], string>;
