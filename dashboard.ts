/**
 * The benchmark's AI/BI (Lakeview) dashboard, generated from the scaling plan: the JSON string that
 * `databricks.Dashboard` takes as `serializedDashboard`. Pure: the same plan always gives the same string.
 *
 * Serialized format followed (read, not copied):
 * - databricks/bundle-examples, `contrib/databricks_ingestion_monitoring/generic_sdp_monitoring_dab/dashboards/
 *   SDP Monitoring Dashboard Template.lvdash.json` (an exported dashboard): `datasets[]` with `name`,
 *   `displayName`, `queryLines` (one string per line, each ending in "\n"); `pages[]` with `name`, `displayName`,
 *   `pageType: "PAGE_TYPE_CANVAS"` and `layout[]` of `{widget, position}` on the 6-column grid; text widgets as
 *   `multilineTextboxSpec`; `line`/`bar` widgets at spec version 3 with `x`/`y`/`color` encodings and scale types
 *   (`temporal`, `quantitative`, `categorical`); `frame` with title and description.
 * - databricks/bundle-examples, `knowledge_base/dashboard_nyc_taxi/src/nyc_taxi_trip_analysis.lvdash.json`:
 *   a temporal x axis on a bar chart.
 * - databricks/databricks-agent-skills, `skills/databricks-aibi-dashboards/references/1-widget-specifications.md`:
 *   several measures on one axis (`y.fields`), grouped bars (`mark.layout: "group"`; bars stack by default),
 *   table widgets at spec version 2 with `columns[]` of `fieldName`/`displayName`.
 *
 * Every query names its tables fully qualified and back-quoted (`main`.`dlt_autoscaling_prod`.`stream_metrics`),
 * so the dashboard needs no `datasetCatalog`/`datasetSchema`. Every widget reads its dataset's columns as they are
 * (`disaggregated: true`): the datasets do the aggregation, and every field a widget uses is a column its
 * dataset selects (checked here when the dashboard is built).
 */
import { PhaseName, RESULT_TABLES, ScalingPlan, TIMEOUT_GRACE_MINUTES, TRIGGER_INTERVAL_SECONDS } from "./plan";

/** Bare names (no catalog or schema) of the tables the dashboard reads, all in the plan's schema. */
export interface DashboardTables {
    /** Per-micro-batch progress of every stream (notebooks/metrics_logic.py METRICS_COLUMNS). */
    metrics: string;
    /** The cluster's events (notebooks/analysis_logic.py CLUSTER_EVENT_COLUMNS). */
    clusterEvents: string;
    /** One row per window of an analysed run (notebooks/analysis_logic.py RESULT_COLUMNS). */
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

export interface DashboardDefinition {
    /** `serializedDashboard` of `databricks.Dashboard`. */
    serialized: string;
    datasets: DashboardDataset[];
}

/**
 * Width of a time bucket: the generator's micro-batch trigger, so each stream contributes about one batch to
 * each bucket.
 */
export const BUCKET_SECONDS = TRIGGER_INTERVAL_SECONDS;
/** The phase whose start is the run's start (the analysis notebook's `latest_run_start` uses the same). */
const RUN_PHASE: PhaseName = "baseline";
/** Cluster events that announce a resize; their target is the new size (analysis_logic RESIZE_EVENT_TYPES). */
const RESIZE_EVENT_TYPE = "RESIZING";
const MICROS_PER_SECOND = 1_000_000;
const SECONDS_PER_MINUTE = 60;

const BARE_TABLE_NAME = /^[A-Za-z0-9_]+$/;

/** A Unity Catalog identifier in back quotes (a back quote inside is doubled). */
export function quoteIdentifier(name: string): string {
    return "`" + name.replace(/`/g, "``") + "`";
}

/** `catalog`.`schema`.`table` of a table in the plan's schema. */
export function qualifiedTableName(plan: Pick<ScalingPlan, "catalog" | "schemaName">, table: string): string {
    return [plan.catalog, plan.schemaName, table].map(quoteIdentifier).join(".");
}

/** A Spark SQL string literal. */
function sqlString(text: string): string {
    return "'" + text.replace(/\\/g, "\\\\").replace(/'/g, "\\'") + "'";
}

// ---- datasets --------------------------------------------------------------------------------------------

interface Cte {
    name: string;
    body: string;
}

function indent(text: string, spaces: number): string {
    const pad = " ".repeat(spaces);
    return text
        .split("\n")
        .map((line) => (line.length > 0 ? pad + line : line))
        .join("\n");
}

/** `WITH <ctes> SELECT <columns> FROM <last cte> ORDER BY ...`: the columns are exactly what the dataset declares. */
function withQuery(ctes: Cte[], columns: string[], orderBy: string[]): string {
    const from = ctes[ctes.length - 1].name;
    return [
        "WITH",
        ctes.map((cte) => `${cte.name} AS (\n${indent(cte.body, 2)}\n)`).join(",\n"),
        `SELECT ${columns.join(", ")}`,
        `FROM ${from}`,
        `ORDER BY ${orderBy.join(", ")}`,
    ].join("\n");
}

/** What the time-series datasets share: the run, its buckets, and the run's deduplicated micro-batches. */
interface Timeline {
    metricsTable: string;
    /** Seconds shown from the run's start: the run plus the grace the phase jobs get to stop (and the cluster to shrink). */
    viewSeconds: number;
}

function timeline(plan: ScalingPlan, tables: DashboardTables): Timeline {
    const viewSeconds = (plan.runMinutes + TIMEOUT_GRACE_MINUTES) * SECONDS_PER_MINUTE;
    if (viewSeconds % BUCKET_SECONDS !== 0) {
        throw new Error(`the dashboard's time range (${viewSeconds} s) is not a whole number of ${BUCKET_SECONDS} s buckets`);
    }
    return { metricsTable: qualifiedTableName(plan, tables.metrics), viewSeconds };
}

/**
 * The latest run: the start of the latest baseline phase in stream_metrics, cut to the second as the analysis
 * notebook cuts it. In a scheduled run and in the full-timeline run alike, the baseline phase starts at the run's
 * minute 0.
 */
function runCte(line: Timeline): Cte {
    return {
        name: "run",
        body: [
            "SELECT date_trunc('SECOND', max(phase_start)) AS run_start",
            `FROM ${line.metricsTable}`,
            `WHERE phase = ${sqlString(RUN_PHASE)}`,
        ].join("\n"),
    };
}

/** One row per bucket of the view, with its offset from the run start: the x axis of every time chart. */
function bucketsCte(line: Timeline): Cte {
    return {
        name: "buckets",
        body: [
            "SELECT offset_seconds,",
            "       timestampadd(SECOND, offset_seconds, run_start) AS bucket_start,",
            `       timestampadd(SECOND, offset_seconds + ${BUCKET_SECONDS}, run_start) AS bucket_end`,
            `FROM (SELECT run_start, explode(sequence(0, ${line.viewSeconds - BUCKET_SECONDS}, ${BUCKET_SECONDS})) AS offset_seconds`,
            "      FROM run WHERE run_start IS NOT NULL) AS offsets",
        ].join("\n"),
    };
}

/**
 * The run's micro-batches, each in the bucket of its trigger time. A batch recorded twice (the recorder's poll
 * fallback, a retried flush) counts once, as in analysis_logic.metrics_per_second.
 */
function batchesCte(line: Timeline): Cte {
    return {
        name: "batches",
        body: [
            "SELECT DISTINCT m.stream_type, m.query_run_id, m.batch_id, m.num_input_rows,",
            `       CAST(floor((unix_micros(m.batch_time) - unix_micros(r.run_start)) / ${BUCKET_SECONDS * MICROS_PER_SECOND}) AS INT) * ${BUCKET_SECONDS} AS offset_seconds`,
            `FROM ${line.metricsTable} AS m`,
            "CROSS JOIN run AS r",
            `WHERE m.batch_time >= r.run_start AND m.batch_time < timestampadd(SECOND, ${line.viewSeconds}, r.run_start)`,
        ].join("\n"),
    };
}

/*
 * Throughput is measured as the input rows of the micro-batches triggered in a bucket, divided by the bucket's
 * length: SUM(num_input_rows) / BUCKET_SECONDS. Every row the sources produced is counted exactly once, so the
 * area under the curve is the rows written, and a bucket in which a stream delivered no batch (late start,
 * stall, a batch slower than the trigger) shows as a dip instead of being skipped. Summing input_rows_per_second
 * per bucket would not be honest: it is null on a stream's first batch, it counts a stream twice when two of its
 * batches fall in one bucket and not at all when none does, and it is a rate over Spark's own interval, not the
 * bucket's. The price: a batch carries the rows generated since the stream's previous trigger, so the measured
 * curve trails the target by up to one trigger interval at every step. Buckets not yet over are left out.
 */
function throughputRowsExpression(alias: string): string {
    return `CAST(coalesce(sum(${alias}.num_input_rows), 0) AS DOUBLE) / ${BUCKET_SECONDS}`;
}

function throughputByStreamType(plan: ScalingPlan, line: Timeline): DashboardDataset {
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
    return {
        name: "throughput_by_stream_type",
        displayName: "Throughput by stream type (latest run)",
        query: withQuery(ctes, columns, ["bucket_start", "stream_type"]),
        columns,
    };
}

/** The series names of the throughput-vs-target dataset. */
export const MEASURED_SERIES = "measured (all streams)";
export const TARGET_SERIES = "target (plan)";

function throughputVsTarget(plan: ScalingPlan, line: Timeline): DashboardDataset {
    const windows = plan.throughput.map((window) => {
        const [start, end] = [window.startMinute * SECONDS_PER_MINUTE, window.endMinute * SECONDS_PER_MINUTE];
        if (start % BUCKET_SECONDS !== 0 || end % BUCKET_SECONDS !== 0) {
            throw new Error(`throughput window ${window.startMinute}-${window.endMinute} min does not start and end on a ${BUCKET_SECONDS} s bucket`);
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
    return {
        name: "throughput_vs_target",
        displayName: "Throughput vs target (latest run)",
        query: withQuery(ctes, columns, ["bucket_start", "series"]),
        columns,
    };
}

export const DLT_EXECUTORS_SERIES = "DLT executors";
export const DLT_REQUESTED_SERIES = "DLT requested executors (enhanced autoscaling)";

/**
 * The DLT pipeline's executors over the run, from its published event log: `cluster_resources` events carry the
 * current executors and, with enhanced autoscaling, the executors it asked for. Same buckets as the cluster's
 * workers, so the two autoscalers can be read side by side.
 */
function dltExecutorsOverTime(plan: ScalingPlan, eventLogTable: string, line: Timeline): DashboardDataset {
    const eventLog = qualifiedTableName(plan, eventLogTable);
    const columns = ["bucket_start", "series", "executors"];
    const ctes: Cte[] = [
        runCte(line),
        bucketsCte(line),
        {
            name: "events",
            body: [
                "SELECT e.timestamp AS event_time,",
                "       CAST(e.details:cluster_resources.num_executors AS INT) AS executors,",
                "       CAST(e.details:cluster_resources.latest_requested_num_executors AS INT) AS requested",
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
    return {
        name: "dlt_executors_over_time",
        displayName: "DLT executors over time (latest run)",
        query: withQuery(ctes, columns, ["bucket_start", "series"]),
        columns,
    };
}

export const WORKERS_SERIES = "workers";
export const AUTOSCALER_TARGET_SERIES = "autoscaler target";
export const MIN_WORKERS_SERIES = "autoscale min (plan)";
export const MAX_WORKERS_SERIES = "autoscale max (plan)";

/**
 * Workers at each bucket's start, as analysis_logic.workers_at counts them: the current_workers of the last
 * event at or before it that reports one (before the first, that first count). The autoscaler's target is the
 * target of the last resize at or before it. Both step with the events, on the same buckets as throughput.
 */
function workersOverTime(plan: ScalingPlan, tables: DashboardTables, line: Timeline): DashboardDataset {
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
    return {
        name: "workers_over_time",
        displayName: "Cluster workers (latest run)",
        query: withQuery(ctes, columns, ["bucket_start", "series"]),
        columns,
    };
}

/** benchmark_results of the latest analysed run: one row per window, target and achieved side by side. */
function achievedVsTarget(plan: ScalingPlan, tables: DashboardTables): DashboardDataset {
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
                // Zero-padded index first, so the labels sort in timeline order.
                "       format_string('%02d | min %d-%d | %s', r.window_index, CAST(r.start_minute AS INT), CAST(r.end_minute AS INT), r.active_phases) AS window_label,",
                "       r.active_phases,",
                "       CAST(r.target_rows_per_second AS DOUBLE) AS target_rows_per_second,",
                "       r.achieved_rows_per_second, r.metrics_rows_per_second, r.gap_percent, r.metrics_gap_percent,",
                "       r.workers_at_start, r.workers_at_end, r.reaction_seconds",
                `FROM ${results} AS r`,
                "JOIN latest AS l ON r.run_start = l.run_start",
            ].join("\n"),
        },
    ];
    return {
        name: "achieved_vs_target",
        displayName: "Achieved vs target per window (latest analysed run)",
        query: withQuery(ctes, columns, ["window_index"]),
        columns,
    };
}

// ---- widgets ---------------------------------------------------------------------------------------------

type ScaleType = "temporal" | "quantitative" | "categorical";

interface AxisEncoding {
    fieldName: string;
    scale: { type: ScaleType };
    displayName: string;
}

interface MultiFieldEncoding {
    scale: { type: ScaleType };
    fields: { fieldName: string; displayName: string }[];
}

interface ChartEncodings {
    x: AxisEncoding;
    y: AxisEncoding | MultiFieldEncoding;
    color?: AxisEncoding;
}

interface TableEncodings {
    columns: { fieldName: string; displayName: string }[];
}

interface Frame {
    showTitle: true;
    title: string;
    showDescription: true;
    description: string;
}

interface WidgetQuery {
    name: string;
    query: {
        datasetName: string;
        fields: { name: string; expression: string }[];
        disaggregated: boolean;
    };
}

interface Widget {
    name: string;
    queries?: WidgetQuery[];
    spec?: {
        version: number;
        widgetType: string;
        encodings: ChartEncodings | TableEncodings;
        mark?: { layout: "group" };
        frame: Frame;
    };
    multilineTextboxSpec?: { lines: string[] };
}

interface LayoutItem {
    widget: Widget;
    position: { x: number; y: number; width: number; height: number };
}

/** The grid is 6 columns wide. */
const GRID_WIDTH = 6;

function encodedFields(encodings: ChartEncodings | TableEncodings): string[] {
    if ("columns" in encodings) {
        return encodings.columns.map((column) => column.fieldName);
    }
    const y = "fields" in encodings.y ? encodings.y.fields.map((field) => field.fieldName) : [encodings.y.fieldName];
    return [encodings.x.fieldName, ...y, ...(encodings.color ? [encodings.color.fieldName] : [])];
}

/** A widget reading the dataset's columns as they are; throws if it encodes a column the dataset lacks. */
function dataWidget(
    name: string,
    dataset: DashboardDataset,
    spec: { version: number; widgetType: string; encodings: ChartEncodings | TableEncodings; mark?: { layout: "group" }; frame: Frame },
): Widget {
    const fields = [...new Set(encodedFields(spec.encodings))];
    const missing = fields.filter((field) => !dataset.columns.includes(field));
    if (missing.length > 0) {
        throw new Error(`widget ${name} encodes ${missing.join(", ")}, which dataset ${dataset.name} does not select`);
    }
    return {
        name,
        queries: [
            {
                name: "main_query",
                query: {
                    datasetName: dataset.name,
                    fields: fields.map((field) => ({ name: field, expression: quoteIdentifier(field) })),
                    disaggregated: true,
                },
            },
        ],
        spec: {
            version: spec.version,
            widgetType: spec.widgetType,
            encodings: spec.encodings,
            ...(spec.mark ? { mark: spec.mark } : {}),
            frame: spec.frame,
        },
    };
}

function frame(title: string, description: string): Frame {
    return { showTitle: true, title, showDescription: true, description };
}

const axis = (fieldName: string, type: ScaleType, displayName: string): AxisEncoding => ({ fieldName, scale: { type }, displayName });

function rate(value: number): string {
    return value.toLocaleString("en-US");
}

/** The plan's throughput table in one line: `0-3 min 50,000 rows/s (baseline); ...`. */
function targetSummary(plan: ScalingPlan): string {
    return plan.throughput
        .map((window) => {
            const phases = (Object.keys(window.rowsPerSecondByPhase) as PhaseName[]).filter((phase) => window.rowsPerSecondByPhase[phase] > 0);
            return `${window.startMinute}-${window.endMinute} min ${rate(window.totalRowsPerSecond)} rows/s (${phases.join("+") || "idle"})`;
        })
        .join("; ");
}

// ---- the dashboard ---------------------------------------------------------------------------------------

function queryLines(query: string): string[] {
    const lines = query.split("\n");
    return lines.map((line, index) => (index < lines.length - 1 ? `${line}\n` : line));
}

/**
 * The dashboard of the plan's benchmark: throughput per 10 s bucket stacked by stream type, measured total against
 * the plan's target, workers over time, and achieved vs target per window of the latest analysed run.
 * `tables` are bare names in the plan's schema (`plan.catalog`.`plan.schemaName`).
 */
export function dashboardDefinition(plan: ScalingPlan, tables: DashboardTables = DEFAULT_DASHBOARD_TABLES): DashboardDefinition {
    for (const [key, table] of Object.entries(tables)) {
        if (!BARE_TABLE_NAME.test(table)) {
            throw new Error(`dashboard table ${key} must be a bare table name in ${plan.schemaFullName} (letters, digits, _), got ${JSON.stringify(table)}`);
        }
    }
    const line = timeline(plan, tables);
    const byType = throughputByStreamType(plan, line);
    const vsTarget = throughputVsTarget(plan, line);
    const workers = workersOverTime(plan, tables, line);
    const achieved = achievedVsTarget(plan, tables);
    const dlt = plan.pipeline ? dltExecutorsOverTime(plan, plan.pipeline.eventLogTable, line) : undefined;
    const datasets = [byType, vsTarget, workers, achieved, ...(dlt ? [dlt] : [])];

    const bucketAxis = axis("bucket_start", "temporal", `Time (${BUCKET_SECONDS} s buckets)`);
    const runSource = `The latest run: the latest ${RUN_PHASE} phase_start in ${tables.metrics}.`;
    const layout: LayoutItem[] = [
        {
            widget: { name: "title", multilineTextboxSpec: { lines: [`# ${plan.resourcePrefix}: streaming autoscaling benchmark`] } },
            position: { x: 0, y: 0, width: GRID_WIDTH, height: 1 },
        },
        {
            widget: {
                name: "plan_summary",
                multilineTextboxSpec: {
                    lines: [
                        `Target load from the plan (${plan.schemaFullName}, autoscale ${plan.cluster.minWorkers}-${plan.cluster.maxWorkers} workers): ` +
                            `${targetSummary(plan)}. Time charts: ${runSource} Per-window results: the latest run in ${tables.results}, ` +
                            "written by the analysis job.",
                    ],
                },
            },
            position: { x: 0, y: 1, width: GRID_WIDTH, height: 2 },
        },
        {
            widget: dataWidget("throughput_by_stream_type", byType, {
                version: 3,
                widgetType: "bar",
                encodings: {
                    x: bucketAxis,
                    y: axis("rows_per_second", "quantitative", "Input rows/s"),
                    color: axis("stream_type", "categorical", "Stream type"),
                },
                frame: frame(
                    "Throughput by stream type (stacked)",
                    `Input rows of the micro-batches triggered in each ${BUCKET_SECONDS} s bucket / ${BUCKET_SECONDS} s, from ${tables.metrics}. ${runSource}`,
                ),
            }),
            position: { x: 0, y: 3, width: GRID_WIDTH, height: 6 },
        },
        {
            widget: dataWidget("throughput_vs_target", vsTarget, {
                version: 3,
                widgetType: "line",
                encodings: {
                    x: bucketAxis,
                    y: axis("rows_per_second", "quantitative", "Input rows/s"),
                    color: axis("series", "categorical", "Series"),
                },
                frame: frame(
                    "Throughput against the target",
                    `All streams together against the plan's target (${targetSummary(plan)}). A batch carries the rows since the ` +
                        "stream's previous trigger, so the measured line trails each step by up to one trigger interval.",
                ),
            }),
            position: { x: 0, y: 9, width: GRID_WIDTH, height: 6 },
        },
        {
            widget: dataWidget("workers_over_time", workers, {
                version: 3,
                widgetType: "line",
                encodings: {
                    x: bucketAxis,
                    y: axis("workers", "quantitative", "Workers"),
                    color: axis("series", "categorical", "Series"),
                },
                frame: frame(
                    "Workers over time",
                    `Workers and the autoscaler's resize target from ${tables.clusterEvents} (filled by the analysis job), ` +
                        `with the plan's autoscale bounds; ${TIMEOUT_GRACE_MINUTES} min past the run to show the scale-down.`,
                ),
            }),
            position: { x: 0, y: 15, width: GRID_WIDTH, height: 6 },
        },
        {
            widget: dataWidget("achieved_vs_target", achieved, {
                version: 3,
                widgetType: "bar",
                encodings: {
                    x: axis("window_label", "categorical", "Window"),
                    y: {
                        scale: { type: "quantitative" },
                        fields: [
                            { fieldName: "target_rows_per_second", displayName: "Target rows/s (plan)" },
                            { fieldName: "achieved_rows_per_second", displayName: "Achieved rows/s (stream tables)" },
                            { fieldName: "metrics_rows_per_second", displayName: "Achieved rows/s (stream_metrics)" },
                        ],
                    },
                },
                mark: { layout: "group" },
                frame: frame(
                    "Achieved vs target per window",
                    `Each window of the timeline: the plan's target, rows in the stream tables by event time, and input rows ` +
                        `of the micro-batches, each per second of the window. From ${tables.results}, latest run_start.`,
                ),
            }),
            position: { x: 0, y: 21, width: GRID_WIDTH, height: 6 },
        },
        {
            widget: dataWidget("results_table", achieved, {
                version: 2,
                widgetType: "table",
                encodings: {
                    columns: [
                        { fieldName: "window_label", displayName: "Window" },
                        { fieldName: "target_rows_per_second", displayName: "Target rows/s" },
                        { fieldName: "achieved_rows_per_second", displayName: "Achieved rows/s" },
                        { fieldName: "gap_percent", displayName: "Gap %" },
                        { fieldName: "metrics_rows_per_second", displayName: "Metrics rows/s" },
                        { fieldName: "metrics_gap_percent", displayName: "Metrics gap %" },
                        { fieldName: "workers_at_start", displayName: "Workers at start" },
                        { fieldName: "workers_at_end", displayName: "Workers at end" },
                        { fieldName: "reaction_seconds", displayName: "Reaction (s)" },
                        { fieldName: "run_start", displayName: "Run start" },
                    ],
                },
                frame: frame("Per-window results", `The latest run in ${tables.results}; gap = (achieved - target) / target.`),
            }),
            position: { x: 0, y: 27, width: GRID_WIDTH, height: 6 },
        },
        ...(dlt
            ? [
                  {
                      widget: dataWidget("dlt_executors_over_time", dlt, {
                          version: 3,
                          widgetType: "line",
                          encodings: {
                              x: bucketAxis,
                              y: axis("executors", "quantitative", "Executors"),
                              color: axis("series", "categorical", "Series"),
                          },
                          frame: frame(
                              "DLT pipeline executors over time",
                              `The pipeline's enhanced autoscaling under the same load, from its event log (${plan.pipeline!.eventLogTable}, ` +
                                  "cluster_resources events), beside the cluster's workers above.",
                          ),
                      }),
                      position: { x: 0, y: 33, width: GRID_WIDTH, height: 6 },
                  },
              ]
            : []),
    ];

    const dashboard = {
        datasets: datasets.map((dataset) => ({
            name: dataset.name,
            displayName: dataset.displayName,
            queryLines: queryLines(dataset.query),
        })),
        pages: [
            {
                name: "latest_run",
                displayName: "Latest run",
                pageType: "PAGE_TYPE_CANVAS",
                layout,
            },
        ],
    };
    return { serialized: JSON.stringify(dashboard, null, 2), datasets };
}
