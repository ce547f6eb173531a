/**
 * The scaling plan: every number of the benchmark, derived from the validated stack config by pure functions.
 * Components, job parameters, stack outputs, the offline plan and the README table all read it; nothing copies it.
 */
import { createHash } from "crypto";
import type { StackConfig } from "../config/schema";
import { StackConfigError } from "../config/error";
import { describeQuartzCron, shiftQuartzCron } from "../config/quartz";
import { stackNameSuffix, stackSlug } from "../config/stackName";
import { analysisPlan, phaseTablesJson } from "./analysis";
import { nameLengthProblems, oversizedParameterProblems, throughputWindows, writerProblems } from "./limits";
import { PIPELINE_EVENT_LOG_TABLE, RESULT_TABLES, RUN_ID_REFERENCE, TRIGGER_TIME_REFERENCE } from "./notebookContract";
import { phaseTimeoutSeconds, timelineJobPlan } from "./timeline";
import {
    CHART_FOLDER,
    COMPUTE_LABELS,
    ClusterKind,
    DEFAULT_AUTOTERMINATION_MINUTES,
    DEFAULT_DLT_MAX_WORKERS,
    DEFAULT_DLT_MIN_WORKERS,
    DRAIN_LIMIT_SECONDS,
    PIPELINE_CLUSTER_SHUTDOWN_DELAY_SECONDS,
    PIPELINE_MAX_FAILED_UPDATES,
    PIPELINE_MIN_UPDATE_SECONDS,
    PIPELINE_POLL_INTERVAL_SECONDS,
    PIPELINE_STOP_TIMEOUT_SECONDS,
    START_LEAD_SECONDS,
    STATUS_INTERVAL_SECONDS,
    TEST_MODE_BASELINE_STREAMS,
    TEST_MODE_RATE_DIVISOR,
    TRIGGER_INTERVAL_SECONDS,
} from "./settings";
import type { AccessPlan, PhasePlan, PipelinePlan, RunCompute, ScalingPlan } from "./types";

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

/** What a phase is before its job settings: streams, rate, window and tables. */
type PhaseShape = Pick<
    PhasePlan,
    "name" | "streamCount" | "ratePerStream" | "firstStreamId" | "windowStartMinute" | "windowEndMinute" | "tableNameFormat" | "tables"
>;

/** A scale phase: one stream at `ratePerStream` into its own table, over its window of the timeline. */
function scalePhase(
    name: "3x" | "9x",
    ratePerStream: number,
    firstStreamId: number,
    [windowStartMinute, windowEndMinute]: [number, number],
    tablePrefix: string,
): PhaseShape {
    const table = `${tablePrefix}_${name}_scale`;
    return {
        name,
        streamCount: 1,
        ratePerStream,
        firstStreamId,
        windowStartMinute,
        windowEndMinute,
        tableNameFormat: table,
        tables: [table],
    };
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
        // Their stream ids follow the baseline's.
        scalePhase("3x", load.scale3xRate, load.baselineStreams + 1, [timeline.scale3xStartMinute, timeline.scale3xEndMinute], tablePrefix),
        scalePhase("9x", load.scale9xRate, load.baselineStreams + 2, [timeline.scale9xStartMinute, timeline.scale9xEndMinute], tablePrefix),
    ];
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
                drain_limit_seconds: String(DRAIN_LIMIT_SECONDS),
                metrics_table: RESULT_TABLES.metrics,
                num_partitions: String(config.partitions),
                phase: shape.name,
                phases_json: phasesJson,
                rows_per_second: String(shape.ratePerStream),
                schema: schemaName,
                start_lead_seconds: String(START_LEAD_SECONDS),
                start_offset_minutes: "0",
                status_interval_seconds: String(STATUS_INTERVAL_SECONDS),
                trigger_interval_seconds: String(TRIGGER_INTERVAL_SECONDS),
                trigger_time: TRIGGER_TIME_REFERENCE,
                window_minutes: String(windowMinutes),
            },
        };
    });
    const planProblems = [
        ...writerProblems(phases),
        ...nameLengthProblems(stack, schemaName, phases),
        ...oversizedParameterProblems(phases),
    ];
    if (planProblems.length > 0) {
        throw new StackConfigError(stack, planProblems);
    }
    const pipeline = config.dlt.enabled ? pipelinePlan(resourcePrefix, config, schemaName, phases) : undefined;
    const { kind } = config.cluster;
    const compute = runCompute(kind, pipeline);
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
            kind,
            clusterName: resourcePrefix,
            minWorkers: config.cluster.minWorkers,
            maxWorkers: config.cluster.maxWorkers,
            sparkVersion: config.cluster.sparkVersion,
            nodeTypeId: config.cluster.nodeTypeId,
            autoterminationMinutes:
                kind === "allPurpose" ? (config.cluster.autoterminationMinutes ?? DEFAULT_AUTOTERMINATION_MINUTES) : undefined,
            dataSecurityMode: config.cluster.dataSecurityMode,
            singleUserName: config.cluster.singleUserName,
            tags: resourceTags(stack),
        },
        compute,
        phases,
        access: accessPlan(config.permissions),
        pipeline,
        analysis: analysisPlan(
            resourcePrefix,
            config.catalog,
            schemaName,
            phases,
            config.timeline.runMinutes,
            config.dlt.enabled ? PIPELINE_EVENT_LOG_TABLE : undefined,
            compute,
            { verdict: config.verdict, cost: config.cost, tags: resourceTags(stack), chartFolder: `${volumePath}/${CHART_FOLDER}` },
        ),
        timelineJob: timelineJobPlan(resourcePrefix, phases, config.timeline.runMinutes, pipeline !== undefined, kind),
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

/** What a run ran on: the phases on the all-purpose cluster or a job cluster; the pipeline, if any, classic or serverless. */
export function runCompute(kind: ClusterKind, pipeline: Pick<PipelinePlan, "serverless"> | undefined): RunCompute {
    return {
        phases: kind === "job" ? COMPUTE_LABELS.jobCluster : COMPUTE_LABELS.allPurposeCluster,
        ...(pipeline ? { pipeline: pipeline.serverless ? COMPUTE_LABELS.serverlessPipeline : COMPUTE_LABELS.classicPipeline } : {}),
    };
}

/** The DLT pipeline and its control job: the pipeline runs over the whole timeline, from minute 0 to its end. */
export function pipelinePlan(resourcePrefix: string, config: StackConfig, schemaName: string, phases: PhasePlan[]): PipelinePlan {
    const runMinutes = config.timeline.runMinutes;
    const { serverless } = config.dlt;
    return {
        name: `${resourcePrefix}-dlt`,
        serverless,
        autoscale: serverless
            ? undefined
            : {
                  minWorkers: config.dlt.minWorkers ?? DEFAULT_DLT_MIN_WORKERS,
                  maxWorkers: config.dlt.maxWorkers ?? DEFAULT_DLT_MAX_WORKERS,
              },
        development: config.dlt.development ?? config.testMode,
        configuration: {
            // Databricks documents the shutdown delay for classic pipeline compute ("Configure classic compute for
            // pipelines"); a serverless pipeline has no cluster of its own to keep warm, so it goes without.
            ...(serverless ? {} : { "pipelines.clusterShutdown.delay": `${PIPELINE_CLUSTER_SHUTDOWN_DELAY_SECONDS}s` }),
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
 * A digest of what a benchmark run does: phases, streams, rates, windows, parameters and the notebook sources.
 * Schedules and cluster settings are left out: changing them does not change the workload.
 */
export function workloadFingerprint(plan: ScalingPlan, notebookSources: string[]): string {
    const workload = plan.phases.map(({ cron: _cron, ...phase }) => phase);
    // The timeline job's own schedule (cluster.kind job) is a schedule too.
    const { cron: _timelineCron, ...timeline } = plan.timelineJob;
    const hash = createHash("sha256").update(JSON.stringify({ workload, partitions: plan.partitions, timeline }));
    notebookSources.forEach((source) => hash.update("\0").update(source));
    return hash.digest("hex");
}

/** Every table the benchmark writes, in phase order. */
export function allTables(plan: ScalingPlan): string[] {
    return plan.phases.flatMap((phase) => phase.tables);
}

/** Grants from the config, sorted by group so the declared list is stable. */
export function accessPlan(permissions: StackConfig["permissions"]): AccessPlan {
    const grants = (groups: string[], permissionLevel: string) =>
        [...new Set(groups)].sort().map((groupName) => ({ groupName, permissionLevel }));
    const runManagers = new Set(permissions.jobRunManagers);
    return {
        // A group that may manage runs may also view them: one grant per group, the higher level.
        jobs: [
            ...grants(
                permissions.jobViewers.filter((group) => !runManagers.has(group)),
                "CAN_VIEW",
            ),
            ...grants(permissions.jobRunManagers, "CAN_MANAGE_RUN"),
        ].sort((a, b) => a.groupName.localeCompare(b.groupName)),
        cluster: grants(permissions.clusterUsers, "CAN_ATTACH_TO"),
    };
}
