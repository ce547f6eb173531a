/** Where the dashboard's widgets sit on its page, top to bottom on the 6-column grid. */
import { ScalingPlan } from "../../plan/types";
import { TIMEOUT_GRACE_MINUTES } from "../../plan/settings";
import { DashboardDataset, DashboardTables } from "./datasets";
import { BUCKET_SECONDS, runPhase } from "./timeline";
import { Widget, axis, dataWidget, frame, targetSummary, timeChart } from "./widgets";

export interface LayoutItem {
    widget: Widget;
    position: { x: number; y: number; width: number; height: number };
}

/** The grid is 6 columns wide. */
const GRID_WIDTH = 6;
/** Grid rows of a chart or table. */
const CHART_HEIGHT = 6;

/** A widget and the grid rows it takes. */
interface Row {
    widget: Widget;
    height: number;
}

/** Stacks `rows` top to bottom, each the grid's full width: no widget is placed by hand, so none can overlap. */
function stacked(rows: Row[]): LayoutItem[] {
    let y = 0;
    return rows.map(({ widget, height }) => {
        const item = { widget, position: { x: 0, y, width: GRID_WIDTH, height } };
        y += height;
        return item;
    });
}

/** The datasets the page charts; `dlt` only when the stack has the DLT pipeline. */
export interface PageDatasets {
    byType: DashboardDataset;
    vsTarget: DashboardDataset;
    workers: DashboardDataset;
    achieved: DashboardDataset;
    dlt?: DashboardDataset;
}

/** The cluster's size in words: its autoscale bounds, or its fixed number of workers. */
function clusterSizeText({ cluster }: ScalingPlan): string {
    return cluster.workers !== undefined
        ? `${cluster.workers} workers, fixed size`
        : `autoscale ${cluster.minWorkers}-${cluster.maxWorkers} workers`;
}

/** The latest run's page: title, the plan's targets, the time charts, and achieved vs target per window. */
export function latestRunLayout(
    plan: ScalingPlan,
    tables: DashboardTables,
    { byType, vsTarget, workers, achieved, dlt }: PageDatasets,
): LayoutItem[] {
    const runSource = `The latest run: the latest ${runPhase(plan)} phase_start in ${tables.metrics}.`;
    const rowsPerSecond = axis("rows_per_second", "quantitative", "Input rows/s");
    const series = axis("series", "categorical", "Series");
    return stacked([
        {
            widget: { name: "title", multilineTextboxSpec: { lines: [`# ${plan.resourcePrefix}: streaming autoscaling benchmark`] } },
            height: 1,
        },
        {
            widget: {
                name: "plan_summary",
                multilineTextboxSpec: {
                    lines: [
                        `Target load from the plan (${plan.schemaFullName}, ${clusterSizeText(plan)}): ` +
                            `${targetSummary(plan)}. Time charts: ${runSource} Per-window results: the latest run in ${tables.results}, ` +
                            "written by the analysis job.",
                    ],
                },
            },
            height: 2,
        },
        {
            widget: timeChart(
                "throughput_by_stream_type",
                byType,
                "bar",
                rowsPerSecond,
                axis("stream_type", "categorical", "Stream type"),
                frame(
                    "Throughput by stream type (stacked)",
                    `Input rows of the micro-batches triggered in each ${BUCKET_SECONDS} s bucket / ${BUCKET_SECONDS} s, from ${tables.metrics}. ${runSource}`,
                ),
            ),
            height: CHART_HEIGHT,
        },
        {
            widget: timeChart(
                "throughput_vs_target",
                vsTarget,
                "line",
                rowsPerSecond,
                series,
                frame(
                    "Throughput against the target",
                    `All streams together against the plan's target (${targetSummary(plan)}). A batch carries the rows since the ` +
                        "stream's previous trigger, so the measured line trails each step by up to one trigger interval.",
                ),
            ),
            height: CHART_HEIGHT,
        },
        {
            widget: timeChart(
                "workers_over_time",
                workers,
                "line",
                axis("workers", "quantitative", "Workers"),
                series,
                frame(
                    "Workers over time",
                    `Workers and the autoscaler's resize target from ${tables.clusterEvents} (filled by the analysis job), ` +
                        `with the plan's autoscale bounds; ${TIMEOUT_GRACE_MINUTES} min past the run to show the scale-down.`,
                ),
            ),
            height: CHART_HEIGHT,
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
            height: CHART_HEIGHT,
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
            height: CHART_HEIGHT,
        },
        ...(dlt
            ? [
                  {
                      widget: timeChart(
                          "dlt_executors_over_time",
                          dlt,
                          "line",
                          axis("executors", "quantitative", "Executors"),
                          series,
                          frame(
                              "DLT pipeline executors over time",
                              `The pipeline's enhanced autoscaling under the same load, from its event log (${plan.pipeline!.eventLogTable}, ` +
                                  "cluster_resources events), beside the cluster's workers above.",
                          ),
                      ),
                      height: CHART_HEIGHT,
                  },
              ]
            : []),
    ]);
}

/** The runs page: every analysed run side by side, what it ran on against how it did. */
export function comparisonLayout(plan: ScalingPlan, tables: DashboardTables, comparison: DashboardDataset): LayoutItem[] {
    const column = (fieldName: string, displayName: string) => ({ fieldName, displayName });
    return stacked([
        {
            widget: {
                name: "comparison_summary",
                multilineTextboxSpec: {
                    lines: [
                        `Every analysed run in ${tables.results}, newest first. Change the stack config (cluster.kind, ` +
                            "minWorkers/maxWorkers, nodeTypeId, dlt.*) between runs, and read here which compute kept up with the " +
                            "peak load and what it took: the capacity-planning table. Each run's compute is what the analysis read " +
                            "from the cluster.",
                    ],
                },
            },
            height: 2,
        },
        {
            widget: dataWidget("run_comparison_table", comparison, {
                version: 2,
                widgetType: "table",
                encodings: {
                    columns: [
                        column("run_start", "Run start"),
                        column("compute", "Compute"),
                        column("dlt_compute", "DLT pipeline"),
                        column("node_type", "Node type"),
                        column("min_workers", "Min workers"),
                        column("max_workers", "Max workers"),
                        column("workers_peak", "Peak workers"),
                        column("peak_offered_rows_per_second", "Peak offered rows/s"),
                        column("peak_processed_rows_per_second", "Peak processed rows/s"),
                        column("kept_up", "Kept up"),
                        column("windows_kept_up", "Windows kept up"),
                        column("windows", "Windows"),
                        column("lag_p95_seconds", "Lag p95 (s)"),
                        column("worker_minutes", "Node-minutes"),
                        column("estimated_dbus", "Estimated DBUs"),
                    ],
                },
                frame: frame(
                    "Runs side by side",
                    `One row per run of ${plan.schemaFullName}.${tables.results}. Kept up: every window met the verdict's ` +
                        "criteria; lag p95 over every micro-batch of the run; node-minutes: driver and workers, from the cluster's events.",
                ),
            }),
            height: CHART_HEIGHT * 2,
        },
    ]);
}
