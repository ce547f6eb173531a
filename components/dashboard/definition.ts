/**
 * The benchmark's AI/BI (Lakeview) dashboard, generated from the scaling plan: the JSON string that
 * `databricks.Dashboard` takes as `serializedDashboard`. Pure: the same plan always gives the same string.
 * The queries are built in `sql.ts`, `timeline.ts` and `datasets.ts`, the widgets in `widgets.ts`, their places in
 * `layout.ts`.
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
 * dataset selects (checked in `widgets.ts` when the dashboard is built).
 */
import { ScalingPlan } from "../../plan/types";
import {
    DEFAULT_DASHBOARD_TABLES,
    DashboardDataset,
    DashboardTables,
    achievedVsTarget,
    dltExecutorsOverTime,
    runComparison,
    throughputByStreamType,
    throughputVsTarget,
    workersOverTime,
} from "./datasets";
import { comparisonLayout, latestRunLayout } from "./layout";
import { timeline } from "./timeline";

export interface DashboardDefinition {
    /** `serializedDashboard` of `databricks.Dashboard`. */
    serialized: string;
    datasets: DashboardDataset[];
}

const BARE_TABLE_NAME = /^[A-Za-z0-9_]+$/;

function queryLines(query: string): string[] {
    const lines = query.split("\n");
    return lines.map((line, index) => (index < lines.length - 1 ? `${line}\n` : line));
}

/**
 * The dashboard of the plan's benchmark: throughput per 10 s bucket stacked by stream type, measured total against
 * the plan's target, workers over time, and achieved vs target per window of the latest analysed run; on a second
 * page, every analysed run side by side.
 * `tables` are bare names in the plan's schema (`plan.catalog`.`plan.schemaName`).
 */
export function dashboardDefinition(plan: ScalingPlan, tables: DashboardTables = DEFAULT_DASHBOARD_TABLES): DashboardDefinition {
    for (const [key, table] of Object.entries(tables)) {
        if (!BARE_TABLE_NAME.test(table)) {
            throw new Error(
                `dashboard table ${key} must be a bare table name in ${plan.schemaFullName} (letters, digits, _), got ${JSON.stringify(table)}`,
            );
        }
    }
    const line = timeline(plan, tables.metrics);
    const byType = throughputByStreamType(plan, line);
    const vsTarget = throughputVsTarget(plan, line);
    const workers = workersOverTime(plan, tables, line);
    const achieved = achievedVsTarget(plan, tables);
    const dlt = plan.pipeline ? dltExecutorsOverTime(plan, plan.pipeline.eventLogTable, line) : undefined;
    const comparison = runComparison(plan, tables);
    const datasets = [byType, vsTarget, workers, achieved, ...(dlt ? [dlt] : []), comparison];
    const layout = latestRunLayout(plan, tables, { byType, vsTarget, workers, achieved, dlt });

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
            {
                name: "runs_compared",
                displayName: "Runs compared",
                pageType: "PAGE_TYPE_CANVAS",
                layout: comparisonLayout(plan, tables, comparison),
            },
        ],
    };
    return { serialized: JSON.stringify(dashboard, null, 2), datasets };
}
