/**
 * The dashboard's datasets, one query each over the plan's tables: throughput by stream type, throughput against
 * the plan's target, the cluster's workers, the DLT pipeline's executors, and achieved vs target per window.
 */
import { RESULT_TABLES } from "../../plan/notebookContract";
import { ScalingPlan } from "../../plan/types";
import { Cte, qualifiedTableName, sqlString, withQuery } from "./sql";
import { BUCKET_SECONDS, SECONDS_PER_MINUTE, Timeline, batchesCte, bucketsCte, runCte, throughputRowsExpression } from "./timeline";

/** Bare names (no catalog or schema) of the tables the dashboard reads, all in the plan's schema. */
export interface DashboardTables {
    /** Per-micro-batch progress of every stream (notebooks/streambench/metrics_rows.py METRICS_COLUMNS). */
    metrics: string;
    /** The cluster's events (notebooks/streambench/analysis/events.py CLUSTER_EVENT_COLUMNS). */
    clusterEvents: string;
    /** One row per window of an analysed run (notebooks/streambench/analysis/report.py RESULT_COLUMNS). */
    results: string;
}

/** The tables the generator and the analysis job write (the plan names them). */
export const DEFAULT_DASHBOARD_TABLES: DashboardTables = RESULT_TABLES;

export interface DashboardDataset {
    name: string;
    displayName: string;
    query: string;
    /** The columns the query's final SELECT returns, in order. */
    columns: string[];
}

/** A dataset whose query is `WITH <ctes> SELECT <columns> FROM <last cte> ORDER BY <orderBy> [LIMIT <limit>]`. */
function dataset(name: string, displayName: string, columns: string[], ctes: Cte[], orderBy: string[], limit?: number): DashboardDataset {
    return { name, displayName, query: withQuery(ctes, columns, orderBy, limit), columns };
}

/** Cluster events that announce a resize; their target is the new size (notebooks/streambench/analysis/events.py RESIZE_EVENT_TYPES). */
const RESIZE_EVENT_TYPE = "RESIZING";

export function throughputByStreamType(plan: ScalingPlan, line: Timeline): DashboardDataset {
    const streamTypes = plan.phases.map((phase) => `(${sqlString(phase.name)})`).join(", ");
    const columns = ["bucket_start", "stream_type", "rows_per_second"];
    const ctes: Cte[] = [
        runCte(line),
        bucketsCte(line),
        batchesCte(line),
        {
            // The generator's stream_type is its phase name; every phase gets a value in every bucket (0 when idle).
            name: "stream_types",
            body: `SELECT stream_type FROM VALUES ${streamTypes} AS plan_stream_types(stream_type)`,
        },
        {
            name: "throughput",
            body: [
                `SELECT b.bucket_start, t.stream_type, ${throughputRowsExpression("x")} AS rows_per_second`,
                "FROM buckets AS b",
                "CROSS JOIN stream_types AS t",
                "LEFT JOIN batches AS x ON x.offset_seconds = b.offset_seconds AND x.stream_type = t.stream_type",
                "WHERE b.bucket_end <= current_timestamp()",
                "GROUP BY b.bucket_start, t.stream_type",
            ].join("\n"),
        },
    ];
    return dataset("throughput_by_stream_type", "Throughput by stream type (latest run)", columns, ctes, ["bucket_start", "stream_type"]);
}

/** The series names of the throughput-vs-target dataset. */
export const MEASURED_SERIES = "measured (all streams)";
export const TARGET_SERIES = "target (plan)";

export function throughputVsTarget(plan: ScalingPlan, line: Timeline): DashboardDataset {
    const windows = plan.throughput.map((window) => {
        const [start, end] = [window.startMinute * SECONDS_PER_MINUTE, window.endMinute * SECONDS_PER_MINUTE];
        if (start % BUCKET_SECONDS !== 0 || end % BUCKET_SECONDS !== 0) {
            throw new Error(
                `throughput window ${window.startMinute}-${window.endMinute} min does not start and end on a ${BUCKET_SECONDS} s bucket`,
            );
        }
        return `(${start}, ${end}, ${window.totalRowsPerSecond})`;
    });
    const columns = ["bucket_start", "series", "rows_per_second"];
    const ctes: Cte[] = [
        runCte(line),
        bucketsCte(line),
        batchesCte(line),
        {
            // The plan's throughput table, in seconds from the run start; after the run the target is 0.
            name: "windows",
            body: [
                "SELECT start_second, end_second, target_rows_per_second",
                `FROM VALUES ${windows.join(", ")} AS plan_windows(start_second, end_second, target_rows_per_second)`,
            ].join("\n"),
        },
        {
            name: "measured",
            body: [
                `SELECT b.bucket_start, ${sqlString(MEASURED_SERIES)} AS series, ${throughputRowsExpression("x")} AS rows_per_second`,
                "FROM buckets AS b",
                "LEFT JOIN batches AS x ON x.offset_seconds = b.offset_seconds",
                "WHERE b.bucket_end <= current_timestamp()",
                "GROUP BY b.bucket_start",
            ].join("\n"),
        },
        {
            name: "target",
            body: [
                `SELECT b.bucket_start, ${sqlString(TARGET_SERIES)} AS series, CAST(coalesce(max(w.target_rows_per_second), 0) AS DOUBLE) AS rows_per_second`,
                "FROM buckets AS b",
                "LEFT JOIN windows AS w ON b.offset_seconds >= w.start_second AND b.offset_seconds < w.end_second",
                "GROUP BY b.bucket_start",
            ].join("\n"),
        },
        {
            name: "combined",
            body: [
                "SELECT bucket_start, series, rows_per_second FROM measured",
                "UNION ALL",
                "SELECT bucket_start, series, rows_per_second FROM target",
            ].join("\n"),
        },
    ];
    return dataset("throughput_vs_target", "Throughput vs target (latest run)", columns, ctes, ["bucket_start", "series"]);
}

export const DLT_EXECUTORS_SERIES = "DLT executors";
export const DLT_REQUESTED_SERIES = "DLT requested executors (enhanced autoscaling)";

/**
 * The DLT pipeline's executors over the run, from its published event log: `cluster_resources` events carry the
 * current executors and, with enhanced autoscaling, the executors it asked for. Same buckets as the cluster's
 * workers, so the two autoscalers can be read side by side.
 */
export function dltExecutorsOverTime(plan: ScalingPlan, eventLogTable: string, line: Timeline): DashboardDataset {
    const eventLog = qualifiedTableName(plan, eventLogTable);
    const columns = ["bucket_start", "series", "executors"];
    const ctes: Cte[] = [
        runCte(line),
        bucketsCte(line),
        {
            name: "events",
            body: [
                "SELECT e.timestamp AS event_time,",
                // details is the event's JSON as a string; get_json_object reads it on Databricks SQL and Spark alike.
                "       CAST(get_json_object(e.details, '$.cluster_resources.num_executors') AS INT) AS executors,",
                "       CAST(get_json_object(e.details, '$.cluster_resources.latest_requested_num_executors') AS INT) AS requested",
                `FROM ${eventLog} AS e`,
                "CROSS JOIN run AS r",
                `WHERE e.event_type = 'cluster_resources' AND e.timestamp < timestampadd(SECOND, ${line.viewSeconds}, r.run_start)`,
            ].join("\n"),
        },
        {
            name: "at_bucket",
            body: [
                "SELECT b.bucket_start, max_by(e.executors, e.event_time) AS executors, max_by(e.requested, e.event_time) AS requested",
                "FROM buckets AS b",
                "LEFT JOIN events AS e ON e.event_time <= b.bucket_start",
                "WHERE b.bucket_start <= current_timestamp()",
                "GROUP BY b.bucket_start",
            ].join("\n"),
        },
        {
            name: "combined",
            body: [
                `SELECT bucket_start, ${sqlString(DLT_EXECUTORS_SERIES)} AS series, executors FROM at_bucket`,
                "UNION ALL",
                `SELECT bucket_start, ${sqlString(DLT_REQUESTED_SERIES)} AS series, requested AS executors FROM at_bucket`,
            ].join("\n"),
        },
    ];
    return dataset("dlt_executors_over_time", "DLT executors over time (latest run)", columns, ctes, ["bucket_start", "series"]);
}

export const WORKERS_SERIES = "workers";
export const AUTOSCALER_TARGET_SERIES = "autoscaler target";
export const MIN_WORKERS_SERIES = "autoscale min (plan)";
export const MAX_WORKERS_SERIES = "autoscale max (plan)";

/**
 * Workers at each bucket's start, as workers_at in notebooks/streambench/analysis/events.py counts them: the current_workers of the last
 * event at or before it that reports one (before the first, that first count). The autoscaler's target is the
 * target of the last resize at or before it. Both step with the events, on the same buckets as throughput.
 */
export function workersOverTime(plan: ScalingPlan, tables: DashboardTables, line: Timeline): DashboardDataset {
    const events = qualifiedTableName(plan, tables.clusterEvents);
    const columns = ["bucket_start", "series", "workers"];
    const ctes: Cte[] = [
        runCte(line),
        bucketsCte(line),
        {
            name: "events",
            body: [
                "SELECT e.event_time, e.event_type, e.current_workers, e.target_workers",
                `FROM ${events} AS e`,
                "CROSS JOIN run AS r",
                `WHERE e.event_time < timestampadd(SECOND, ${line.viewSeconds}, r.run_start)`,
            ].join("\n"),
        },
        {
            name: "first_known",
            body: "SELECT min_by(current_workers, event_time) AS first_workers FROM events WHERE current_workers IS NOT NULL",
        },
        {
            name: "workers_at",
            body: [
                "SELECT b.bucket_start, CAST(coalesce(max_by(e.current_workers, e.event_time), max(f.first_workers)) AS INT) AS workers",
                "FROM buckets AS b",
                "CROSS JOIN first_known AS f",
                "LEFT JOIN events AS e ON e.current_workers IS NOT NULL AND e.event_time <= b.bucket_start",
                "WHERE b.bucket_start <= current_timestamp()",
                "GROUP BY b.bucket_start",
            ].join("\n"),
        },
        {
            name: "resize_target_at",
            body: [
                "SELECT b.bucket_start, CAST(max_by(e.target_workers, e.event_time) AS INT) AS target_workers",
                "FROM buckets AS b",
                `LEFT JOIN events AS e ON e.event_type = ${sqlString(RESIZE_EVENT_TYPE)} AND e.target_workers IS NOT NULL AND e.event_time <= b.bucket_start`,
                "WHERE b.bucket_start <= current_timestamp()",
                "GROUP BY b.bucket_start",
            ].join("\n"),
        },
        {
            name: "combined",
            body: [
                `SELECT w.bucket_start, ${sqlString(WORKERS_SERIES)} AS series, w.workers FROM workers_at AS w`,
                "UNION ALL",
                `SELECT w.bucket_start, ${sqlString(AUTOSCALER_TARGET_SERIES)} AS series, coalesce(t.target_workers, w.workers) AS workers`,
                "FROM workers_at AS w JOIN resize_target_at AS t ON t.bucket_start = w.bucket_start",
                "UNION ALL",
                `SELECT bucket_start, ${sqlString(MIN_WORKERS_SERIES)} AS series, ${plan.cluster.minWorkers} AS workers FROM buckets`,
                "UNION ALL",
                `SELECT bucket_start, ${sqlString(MAX_WORKERS_SERIES)} AS series, ${plan.cluster.maxWorkers} AS workers FROM buckets`,
            ].join("\n"),
        },
    ];
    return dataset("workers_over_time", "Cluster workers (latest run)", columns, ctes, ["bucket_start", "series"]);
}

/** benchmark_results of the latest analysed run: one row per window, target and achieved side by side. */
export function achievedVsTarget(plan: ScalingPlan, tables: DashboardTables): DashboardDataset {
    const results = qualifiedTableName(plan, tables.results);
    const columns = [
        "run_start",
        "window_index",
        "window_label",
        "active_phases",
        "target_rows_per_second",
        "achieved_rows_per_second",
        "metrics_rows_per_second",
        "gap_percent",
        "metrics_gap_percent",
        "workers_at_start",
        "workers_at_end",
        "reaction_seconds",
    ];
    const ctes: Cte[] = [
        { name: "latest", body: `SELECT max(run_start) AS run_start FROM ${results}` },
        {
            name: "windows",
            body: [
                "SELECT r.run_start, r.window_index,",
                // Zero-padded index first, so the labels sort in timeline order; minutes as written (3, 2.5), not cut.
                "       format_string('%02d | min %s-%s | %s', r.window_index, regexp_replace(CAST(r.start_minute AS STRING), '[.]0$', ''),",
                "                     regexp_replace(CAST(r.end_minute AS STRING), '[.]0$', ''), r.active_phases) AS window_label,",
                "       r.active_phases,",
                "       CAST(r.target_rows_per_second AS DOUBLE) AS target_rows_per_second,",
                "       r.achieved_rows_per_second, r.metrics_rows_per_second, r.gap_percent, r.metrics_gap_percent,",
                "       r.workers_at_start, r.workers_at_end, r.reaction_seconds",
                `FROM ${results} AS r`,
                "JOIN latest AS l ON r.run_start = l.run_start",
            ].join("\n"),
        },
    ];
    return dataset("achieved_vs_target", "Achieved vs target per window (latest analysed run)", columns, ctes, ["window_index"]);
}

/** The columns of the run comparison, in order: one row per analysed run. */
export const RUN_COMPARISON_COLUMNS = [
    "run_start",
    "compute",
    "dlt_compute",
    "node_type",
    "min_workers",
    "max_workers",
    "workers_peak",
    "peak_offered_rows_per_second",
    "peak_processed_rows_per_second",
    "kept_up",
    "windows_kept_up",
    "windows",
    "lag_p95_seconds",
    "worker_minutes",
    "estimated_dbus",
];

/**
 * Every analysed run in benchmark_results side by side, newest first (the latest `limit` when given): what it ran
 * on (the compute label, the DLT pipeline's, node type, autoscale range), the peak load offered and processed, the
 * verdict, the lag p95 over the run and the node-minutes. The capacity-planning table of runs made with different
 * stack configs; the dashboard shows it, and `npm run ops -- compare` runs it on the stack's SQL warehouse.
 * The run-level columns are the same on each row of a run: any row's value is the run's.
 */
export function runComparison(plan: ScalingPlan, tables: DashboardTables, limit?: number): DashboardDataset {
    const results = qualifiedTableName(plan, tables.results);
    const ctes: Cte[] = [
        {
            name: "runs",
            body: [
                "SELECT r.run_start,",
                "       max(r.compute) AS compute, max(r.dlt_compute) AS dlt_compute, max(r.node_type) AS node_type,",
                "       max(r.min_workers) AS min_workers, max(r.max_workers) AS max_workers, max(r.workers_peak) AS workers_peak,",
                "       CAST(max(r.target_rows_per_second) AS DOUBLE) AS peak_offered_rows_per_second,",
                "       max(r.processed_rows_per_second) AS peak_processed_rows_per_second,",
                // run_kept_up: every window kept up; NULL when some window had nothing to judge (no offered load) and none failed.
                "       bool_and(r.run_kept_up) AS kept_up, count_if(r.kept_up) AS windows_kept_up, count(*) AS windows,",
                "       max(r.run_lag_p95_seconds) AS lag_p95_seconds, max(r.run_worker_minutes) AS worker_minutes,",
                "       max(r.run_estimated_dbus) AS estimated_dbus",
                `FROM ${results} AS r`,
                "GROUP BY r.run_start",
            ].join("\n"),
        },
    ];
    return dataset("run_comparison", "Runs side by side (every analysed run)", RUN_COMPARISON_COLUMNS, ctes, ["run_start DESC"], limit);
}
