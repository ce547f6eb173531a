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
import { LoadProfile, PhaseLoad, loadProfile } from "./profile";
import { phaseTimeoutSeconds, timelineJobPlan } from "./timeline";
import {
    CHART_FOLDER,
    COMPUTE_LABELS,
    ClusterKind,
    DEFAULT_AUTOTERMINATION_MINUTES,
    DEFAULT_DLT_MAX_WORKERS,
    DEFAULT_DLT_MIN_WORKERS,
    DEFAULT_MAX_WORKERS,
    DEFAULT_MIN_WORKERS,
    DRAIN_LIMIT_SECONDS,
    PIPELINE_CLUSTER_SHUTDOWN_DELAY_SECONDS,
    PIPELINE_MAX_FAILED_UPDATES,
    PIPELINE_MIN_UPDATE_SECONDS,
    PIPELINE_POLL_INTERVAL_SECONDS,
    PIPELINE_STOP_TIMEOUT_SECONDS,
    START_LEAD_SECONDS,
    STATUS_INTERVAL_SECONDS,
    TRIGGER_INTERVAL_SECONDS,
} from "./settings";
import type { AccessPlan, PhasePlan, PipelinePlan, RunCompute, ScalingPlan } from "./types";

/** Tags on every taggable resource, so workspace admins can tell whose benchmark they are looking at. */
export function resourceTags(stack: string, extra: Record<string, string> = {}): Record<string, string> {
    return { project: "streambench", stack, ...extra };
}

/** Tables are numbered with at least 3 digits (`stream_table_001`), more when a phase has more streams. */
export function tableNumberWidth(streamCount: number): number {
    return Math.max(3, String(streamCount).length);
}

export function baselineTableName(prefix: string, streamId: number, streamCount: number): string {
    return `${prefix}_${String(streamId).padStart(tableNumberWidth(streamCount), "0")}`;
}

/** What a phase is before its job settings: streams, rate, window and tables. */
type PhaseShape = Pick<
    PhasePlan,
    "name" | "streamCount" | "ratePerStream" | "firstStreamId" | "windowStartMinute" | "windowEndMinute" | "tableNameFormat" | "tables"
>;

/**
 * A phase's table naming: a Python `str.format` pattern of `stream_id` (unique across phases) and `number` (1… within
 * the phase). The seed keeps its table names (`<prefix>_001`…, `<prefix>_3x_scale`); a load profile names every
 * table `<prefix>_<phase>_<nnn>`.
 */
function tableNaming(profile: LoadProfile, phase: PhaseLoad, tablePrefix: string): { format: string; table: (number: number) => string } {
    const width = tableNumberWidth(phase.streams);
    const numbered = (stem: string) => ({
        format: `${stem}_{number:0${width}d}`,
        table: (number: number) => `${stem}_${String(number).padStart(width, "0")}`,
    });
    if (profile.kind !== "seed") {
        return numbered(`${tablePrefix}_${phase.name}`);
    }
    if (phase.name === "baseline") {
        // The seed's baseline is the first phase: its stream ids are its numbers, as its format has always said.
        return { ...numbered(tablePrefix), format: `${tablePrefix}_{stream_id:0${width}d}` };
    }
    const table = `${tablePrefix}_${phase.name}_scale`;
    return { format: table, table: () => table };
}

/** The run's phases from its load profile, in profile order; stream ids run on from one phase to the next. */
function phaseShapes(profile: LoadProfile, tablePrefix: string): PhaseShape[] {
    let firstStreamId = 1;
    return profile.phases.map((phase) => {
        const naming = tableNaming(profile, phase, tablePrefix);
        const shape: PhaseShape = {
            name: phase.name,
            streamCount: phase.streams,
            ratePerStream: phase.rowsPerSecond,
            firstStreamId,
            windowStartMinute: phase.startMinute,
            windowEndMinute: phase.endMinute,
            tableNameFormat: naming.format,
            tables: Array.from({ length: phase.streams }, (_, index) => naming.table(index + 1)),
        };
        firstStreamId += phase.streams;
        return shape;
    });
}

/** Builds the whole plan. Pure: the same config always gives the same plan (no clock, no randomness). */
export function buildScalingPlan(stack: string, config: StackConfig): ScalingPlan {
    // Injective in the stack name (stackName.ts): distinct stacks never share a schema, folder, cluster or job.
    const resourcePrefix = `streambench-${stackNameSuffix(stack)}`;
    const schemaName = `${config.database}_${stackSlug(stack)}`;
    const volumePath = `/Volumes/${config.catalog}/${schemaName}/${config.checkpointVolume}`;
    const profile = loadProfile(config);
    const runMinutes = profile.runMinutes;
    const shapes = phaseShapes(profile, config.tablePrefix);
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
    const pipeline = config.dlt.enabled ? pipelinePlan(resourcePrefix, config, schemaName, phases, runMinutes) : undefined;
    const { kind } = config.cluster;
    const compute = runCompute(kind, pipeline);
    return {
        stack,
        verdict: config.verdict,
        cost: config.cost,
        thresholds: config.thresholds,
        testMode: config.testMode,
        resourcePrefix,
        catalog: config.catalog,
        schemaName,
        schemaFullName: `${config.catalog}.${schemaName}`,
        volumeName: config.checkpointVolume,
        volumePath,
        partitions: config.partitions,
        runMinutes: runMinutes,
        cluster: {
            kind,
            clusterName: resourcePrefix,
            minWorkers: config.cluster.workers ?? config.cluster.minWorkers ?? DEFAULT_MIN_WORKERS,
            maxWorkers: config.cluster.workers ?? config.cluster.maxWorkers ?? DEFAULT_MAX_WORKERS,
            ...(config.cluster.workers !== undefined ? { workers: config.cluster.workers } : {}),
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
            runMinutes,
            config.dlt.enabled ? PIPELINE_EVENT_LOG_TABLE : undefined,
            compute,
            { verdict: config.verdict, cost: config.cost, tags: resourceTags(stack), chartFolder: `${volumePath}/${CHART_FOLDER}` },
        ),
        timelineJob: timelineJobPlan(
            resourcePrefix,
            phases,
            runMinutes,
            pipeline !== undefined,
            kind,
            shiftQuartzCron(config.schedule.cron, 0),
        ),
        runOnDeploy: config.runOnDeploy,
        notificationEmails: config.notificationEmails,
        warehouseId: config.warehouseId,
        throughput: throughputWindows(phases, runMinutes),
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
export function pipelinePlan(
    resourcePrefix: string,
    config: StackConfig,
    schemaName: string,
    phases: PhasePlan[],
    runMinutes: number,
): PipelinePlan {
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
