/**
 * The scaling plan: every number of the benchmark, derived from the validated stack config by pure functions.
 * Components, job parameters, stack outputs, the offline plan and the README table all read it; nothing copies it.
 */
import { describeQuartzCron, shiftQuartzCron } from "./cron";
import { StackConfig, TEST_MODE_BASELINE_STREAMS, TEST_MODE_RATE_DIVISOR } from "./config";

export type PhaseName = "baseline" | "3x" | "9x";

/** Minutes a phase job may run past its window before Databricks times it out (cluster start, stream shutdown). */
export const TIMEOUT_GRACE_MINUTES = 5;
/** Task retries for transient failures; a retry resumes from the same run's checkpoints. */
export const TASK_MAX_RETRIES = 2;
export const TASK_MIN_RETRY_INTERVAL_MILLIS = 60_000;
/** The generator prints its status line this often (the original's 30 s monitor). */
export const STATUS_INTERVAL_SECONDS = 30;
/** Micro-batch trigger of every generator stream. */
export const TRIGGER_INTERVAL_SECONDS = 10;
/** Databricks fills these in per run; `job.run_id` stays the same across task retries of one run. */
export const RUN_ID_REFERENCE = "{{job.run_id}}";
export const TRIGGER_TIME_REFERENCE = "{{job.trigger.time.iso_datetime}}";

/** The notebook parameters every phase job passes; the generator notebook reads exactly these. */
export const GENERATOR_PARAMETER_NAMES = [
    "catalog",
    "checkpoint_root",
    "first_stream_id",
    "num_partitions",
    "phase",
    "rows_per_second",
    "schema",
    "status_interval_seconds",
    "stream_count",
    "table_name_format",
    "trigger_interval_seconds",
    "trigger_time",
    "window_minutes",
] as const;
export type GeneratorParameters = Record<(typeof GENERATOR_PARAMETER_NAMES)[number], string>;

export interface PhasePlan {
    name: PhaseName;
    /** Streams this phase runs at once, each into its own table. */
    streamCount: number;
    ratePerStream: number;
    /** stream_id of the phase's first stream; ids are unique across phases. */
    firstStreamId: number;
    windowStartMinute: number;
    windowEndMinute: number;
    /** Python `str.format` pattern the notebook turns into table names (`{stream_id:03d}`). */
    tableNameFormat: string;
    tables: string[];
    /** Checkpoint folder of one run of this phase; each stream checkpoints in `<root>/<table>`. */
    checkpointRoot: string;
    checkpointPaths: string[];
    /** Quartz schedule: the base schedule shifted to the window start. */
    cron: string;
    timeoutSeconds: number;
    parameters: GeneratorParameters;
}

export interface ThroughputWindow {
    startMinute: number;
    endMinute: number;
    /** Rows per second each phase adds in this window (0 when inactive). */
    rowsPerSecondByPhase: Record<PhaseName, number>;
    totalRowsPerSecond: number;
}

/** The shared all-purpose cluster every phase job runs on. */
export interface ClusterPlan {
    clusterName: string;
    minWorkers: number;
    maxWorkers: number;
    /** Unset: the latest LTS runtime, looked up at deploy time. */
    sparkVersion?: string;
    /** Unset: the smallest node type with local disk and at least 4 cores, looked up at deploy time. */
    nodeTypeId?: string;
    autoterminationMinutes: number;
    dataSecurityMode: string;
    singleUserName?: string;
    tags: Record<string, string>;
}

export interface ScalingPlan {
    stack: string;
    testMode: boolean;
    /** Prefix of every workspace object name: cluster, jobs, folder. */
    resourcePrefix: string;
    catalog: string;
    schemaName: string;
    schemaFullName: string;
    volumeName: string;
    /** `/Volumes/<catalog>/<schema>/<volume>`. */
    volumePath: string;
    partitions: number;
    runMinutes: number;
    cluster: ClusterPlan;
    phases: PhasePlan[];
    throughput: ThroughputWindow[];
    schedule: { baseCron: string; timezone: string; paused: boolean; description: string };
}

/** Tags on every taggable resource, so workspace admins can tell whose benchmark they are looking at. */
export function resourceTags(stack: string, extra: Record<string, string> = {}): Record<string, string> {
    return { project: "streambench", stack, ...extra };
}

/** A stack name as it may appear in a Unity Catalog name. */
export function stackSlug(stack: string): string {
    return stack.toLowerCase().replace(/[^a-z0-9_]/g, "_");
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

/** The expected-throughput table: one row per stretch of the run in which the set of active phases is constant. */
export function throughputWindows(phases: PhasePlan[], runMinutes: number): ThroughputWindow[] {
    const boundaries = [...new Set([0, runMinutes, ...phases.flatMap((phase) => [phase.windowStartMinute, phase.windowEndMinute])])]
        .filter((minute) => minute >= 0 && minute <= runMinutes)
        .sort((a, b) => a - b);
    const windows: ThroughputWindow[] = [];
    for (let index = 1; index < boundaries.length; index++) {
        const [startMinute, endMinute] = [boundaries[index - 1], boundaries[index]];
        const rowsPerSecondByPhase = { baseline: 0, "3x": 0, "9x": 0 } as Record<PhaseName, number>;
        for (const phase of phases) {
            if (phase.windowStartMinute <= startMinute && phase.windowEndMinute >= endMinute) {
                rowsPerSecondByPhase[phase.name] += phase.streamCount * phase.ratePerStream;
            }
        }
        const totalRowsPerSecond = Object.values(rowsPerSecondByPhase).reduce((sum, rate) => sum + rate, 0);
        windows.push({ startMinute, endMinute, rowsPerSecondByPhase, totalRowsPerSecond });
    }
    return windows;
}

interface PhaseShape {
    name: PhaseName;
    streamCount: number;
    ratePerStream: number;
    firstStreamId: number;
    windowStartMinute: number;
    windowEndMinute: number;
    tableNameFormat: string;
    tables: string[];
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
        {
            name: "3x",
            streamCount: 1,
            ratePerStream: load.scale3xRate,
            firstStreamId: load.baselineStreams + 1,
            windowStartMinute: timeline.scale3xStartMinute,
            windowEndMinute: timeline.scale3xEndMinute,
            tableNameFormat: `${tablePrefix}_3x_scale`,
            tables: [`${tablePrefix}_3x_scale`],
        },
        {
            name: "9x",
            streamCount: 1,
            ratePerStream: load.scale9xRate,
            firstStreamId: load.baselineStreams + 2,
            windowStartMinute: timeline.scale9xStartMinute,
            windowEndMinute: timeline.scale9xEndMinute,
            tableNameFormat: `${tablePrefix}_9x_scale`,
            tables: [`${tablePrefix}_9x_scale`],
        },
    ];
}

/** Builds the whole plan. Pure: the same config always gives the same plan (no clock, no randomness). */
export function buildScalingPlan(stack: string, config: StackConfig): ScalingPlan {
    const schemaName = `${config.database}_${stackSlug(stack)}`;
    const volumePath = `/Volumes/${config.catalog}/${schemaName}/${config.checkpointVolume}`;
    const phases = phaseShapes(config).map((shape): PhasePlan => {
        const checkpointRoot = `${volumePath}/${shape.name}/${RUN_ID_REFERENCE}`;
        const windowMinutes = shape.windowEndMinute - shape.windowStartMinute;
        return {
            ...shape,
            checkpointRoot,
            checkpointPaths: shape.tables.map((table) => `${checkpointRoot}/${table}`),
            cron: shiftQuartzCron(config.schedule.cron, shape.windowStartMinute),
            timeoutSeconds: (windowMinutes + TIMEOUT_GRACE_MINUTES) * 60,
            parameters: {
                catalog: config.catalog,
                checkpoint_root: checkpointRoot,
                first_stream_id: String(shape.firstStreamId),
                num_partitions: String(config.partitions),
                phase: shape.name,
                rows_per_second: String(shape.ratePerStream),
                schema: schemaName,
                status_interval_seconds: String(STATUS_INTERVAL_SECONDS),
                stream_count: String(shape.streamCount),
                table_name_format: shape.tableNameFormat,
                trigger_interval_seconds: String(TRIGGER_INTERVAL_SECONDS),
                trigger_time: TRIGGER_TIME_REFERENCE,
                window_minutes: String(windowMinutes),
            },
        };
    });
    const resourcePrefix = `streambench-${stack}`;
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
            clusterName: resourcePrefix,
            minWorkers: config.cluster.minWorkers,
            maxWorkers: config.cluster.maxWorkers,
            sparkVersion: config.cluster.sparkVersion,
            nodeTypeId: config.cluster.nodeTypeId,
            autoterminationMinutes: config.cluster.autoterminationMinutes,
            dataSecurityMode: config.cluster.dataSecurityMode,
            singleUserName: config.cluster.singleUserName,
            tags: resourceTags(stack),
        },
        phases,
        throughput: throughputWindows(phases, config.timeline.runMinutes),
        schedule: {
            baseCron: config.schedule.cron,
            timezone: config.schedule.timezone,
            paused: config.schedule.paused,
            description: describeQuartzCron(config.schedule.cron, config.schedule.timezone),
        },
    };
}

/** Every table the benchmark writes, in phase order. */
export function allTables(plan: ScalingPlan): string[] {
    return plan.phases.flatMap((phase) => phase.tables);
}
