/**
 * What the plan passes the analysis job (its parameters: the windows, the tables, the verdict's criteria, the cost's
 * rates, the tags and the chart folder), and the phases document every notebook reads its tables from.
 */
import type { StackConfig } from "../config/schema";
import { throughputWindows } from "./limits";
import { RESULT_TABLES } from "./notebookContract";
import { ANALYSIS_TIMEOUT_MINUTES } from "./settings";
import type { AnalysisPlan, PhasePlan, RunCompute } from "./types";

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

/** How the analysis judges and prices a run: the stack config's verdict and cost keys, the tags, the chart folder. */
export interface AnalysisJudgement {
    verdict: StackConfig["verdict"];
    cost: StackConfig["cost"];
    tags: Record<string, string>;
    chartFolder: string;
}

export function analysisPlan(
    resourcePrefix: string,
    catalog: string,
    schemaName: string,
    phases: PhasePlan[],
    runMinutes: number,
    pipelineEventLogTable: string | undefined,
    compute: RunCompute,
    judged: AnalysisJudgement,
): AnalysisPlan {
    const optional = (value: number | undefined) => (value === undefined ? "" : String(value));
    return {
        jobName: `${resourcePrefix}-analysis`,
        timeoutSeconds: ANALYSIS_TIMEOUT_MINUTES * 60,
        parameters: {
            catalog,
            // In the stack's volume, so a run's chart stays where the run happened (and goes with `pulumi destroy`).
            chart_folder: judged.chartFolder,
            cluster_events_table: RESULT_TABLES.clusterEvents,
            // The cluster's custom tags (components/cluster.ts), which system.billing.usage carries as custom_tags.
            cluster_tags_json: JSON.stringify(judged.tags),
            dbu_per_node_hour: optional(judged.cost.dbuPerNodeHour),
            lag_recovery_triggers: String(judged.verdict.lagRecoveryTriggers),
            lag_threshold_triggers: String(judged.verdict.lagThresholdTriggers),
            max_batch_to_trigger: String(judged.verdict.maxBatchToTrigger),
            price_per_dbu: optional(judged.cost.pricePerDbu),
            processed_tolerance_percent: String(judged.verdict.processedTolerancePercent),
            // Labels on every result row, so runs on different compute can be compared side by side.
            compute: compute.phases,
            metrics_table: RESULT_TABLES.metrics,
            phases_json: phaseTablesJson(phases),
            pipeline_compute: compute.pipeline ?? "",
            // The DLT pipeline's published event log, so its executors join the results; empty = no pipeline.
            pipeline_event_log_table: pipelineEventLogTable ?? "",
            results_table: RESULT_TABLES.results,
            // Empty: the latest run in stream_metrics. The timeline job passes its own trigger time.
            run_start: "",
            schema: schemaName,
            windows_json: JSON.stringify(throughputWindows(phases, runMinutes)),
        },
    };
}
