/**
 * What crosses from the plan to the notebooks: the parameters each notebook takes, the Databricks references
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

/** The table the DLT pipeline publishes its event log to, in the stack's schema. */
export const PIPELINE_EVENT_LOG_TABLE = "dlt_event_log";

/*
 * The parameters the plan passes each notebook. Their names are the notebooks' own (the Python tuples
 * generator.PARAMETER_NAMES, pipeline_control.PARAMETER_NAMES, analysis.params.ANALYSIS_PARAMETER_NAMES):
 * tests/plan/notebookContract.test.ts holds the keys the plan builds equal to them. Every value is a string, as
 * job parameters are.
 */

/** What every phase job passes the generator notebook. Its streams and tables are its entry of `phases_json`. */
export interface GeneratorParameters {
    catalog: string;
    checkpoint_root: string;
    /** How long a phase may drain after its window, and how far ahead of it its queries start. */
    drain_limit_seconds: string;
    metrics_table: string;
    num_partitions: string;
    phase: string;
    phases_json: string;
    rows_per_second: string;
    schema: string;
    start_lead_seconds: string;
    start_offset_minutes: string;
    status_interval_seconds: string;
    trigger_interval_seconds: string;
    trigger_time: string;
    window_minutes: string;
}

/** What the plan passes the analysis notebook; `cluster_id`, the cluster's id (an output), is added at deploy time. */
export interface AnalysisParameters {
    catalog: string;
    /** Where the chart of each run goes: `<volume path>/charts`, one `<run start>.png` per run. */
    chart_folder: string;
    cluster_events_table: string;
    /** The cluster's custom tags as JSON: the filter of the system.billing.usage query. */
    cluster_tags_json: string;
    /** The compute the phases ran on, and the DLT pipeline's (empty without one): labels of the results. */
    compute: string;
    /** The cost estimate's rates (`streambench:cost.*`); empty = not configured. */
    dbu_per_node_hour: string;
    /** The verdict's criteria (`streambench:verdict.*`). */
    lag_recovery_triggers: string;
    lag_threshold_triggers: string;
    max_batch_to_trigger: string;
    metrics_table: string;
    phases_json: string;
    pipeline_compute: string;
    pipeline_event_log_table: string;
    price_per_dbu: string;
    processed_tolerance_percent: string;
    results_table: string;
    run_start: string;
    schema: string;
    windows_json: string;
}

/** What the plan passes the pipeline control notebook; `pipeline_id`, the pipeline's id (an output), is added at deploy time. */
export interface PipelineControlParameters {
    catalog: string;
    max_failed_updates: string;
    min_update_seconds: string;
    phases_json: string;
    poll_interval_seconds: string;
    schema: string;
    start_offset_minutes: string;
    stop_timeout_seconds: string;
    trigger_time: string;
    window_minutes: string;
}
