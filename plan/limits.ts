/**
 * What a plan must stay within, and the load it puts on one driver: throughput per window, Unity Catalog name
 * lengths, one writer per table and checkpoint, the Jobs API's parameter size, streaming queries and execution
 * contexts. Refusals come back as config problems, the rest as warnings `pulumi up` shows.
 */
import { EXECUTION_CONTEXT_LIMIT, LIMITS, MAX_JOB_PARAMETER_BYTES, STREAMS_PER_DRIVER_WARNING } from "./settings";
import type { PhaseName, PhasePlan, ScalingPlan, ThroughputWindow } from "./types";

/** The expected-throughput table: one row per stretch of the run in which the set of active phases is constant. */
export function throughputWindows(phases: PhasePlan[], runMinutes: number): ThroughputWindow[] {
    const boundaries = [...new Set([0, runMinutes, ...phases.flatMap((phase) => [phase.windowStartMinute, phase.windowEndMinute])])]
        .filter((minute) => minute >= 0 && minute <= runMinutes)
        .sort((a, b) => a - b);
    const windows: ThroughputWindow[] = [];
    for (let index = 1; index < boundaries.length; index++) {
        const [startMinute, endMinute] = [boundaries[index - 1], boundaries[index]];
        const rowsPerSecondByPhase = Object.fromEntries(phases.map((phase) => [phase.name, 0])) as Record<PhaseName, number>;
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

/**
 * Two writers on one table or one checkpoint corrupt neither loudly nor at once, so the plan refuses them: every
 * table and every checkpoint path of the timeline must belong to exactly one stream.
 */
export function writerProblems(phases: Pick<PhasePlan, "name" | "tables" | "checkpointPaths">[]): { key: string; message: string }[] {
    const problems: { key: string; message: string }[] = [];
    for (const [what, key, list] of [
        ["table", "streambench:tablePrefix", (phase: (typeof phases)[number]) => phase.tables],
        ["checkpoint", "streambench:checkpointVolume", (phase: (typeof phases)[number]) => phase.checkpointPaths],
    ] as const) {
        const writers = new Map<string, string[]>();
        for (const phase of phases) {
            for (const name of list(phase)) {
                writers.set(name, [...(writers.get(name) ?? []), phase.name]);
            }
        }
        for (const [name, phaseNames] of writers) {
            if (phaseNames.length > 1) {
                problems.push({ key, message: `two writers on one ${what}: ${name} is written by ${phaseNames.join(" and ")}` });
            }
        }
    }
    return problems;
}

/**
 * Unity Catalog names (schemas, tables) are at most 255 characters (Databricks docs, "Names": "limited to 255
 * characters"). config.ts checks each part; this checks the names built from them: `<database>_<stack>` and
 * `<tablePrefix>_<number>` / `<tablePrefix>_3x_scale`.
 */
export function nameLengthProblems(
    stack: string,
    schemaName: string,
    phases: Pick<PhasePlan, "tables">[],
): { key: string; message: string }[] {
    const problems: { key: string; message: string }[] = [];
    if (schemaName.length > LIMITS.maxNameLength) {
        problems.push({
            key: "streambench:database",
            message:
                `the schema name <database>_<stack> is ${schemaName.length} characters with stack ${JSON.stringify(stack)}, ` +
                `above Unity Catalog's ${LIMITS.maxNameLength}: use a shorter database`,
        });
    }
    const longest = phases.flatMap((phase) => phase.tables).reduce((a, b) => (b.length > a.length ? b : a), "");
    if (longest.length > LIMITS.maxNameLength) {
        problems.push({
            key: "streambench:tablePrefix",
            message: `the table name ${longest.slice(0, 20)}… is ${longest.length} characters, above Unity Catalog's ${LIMITS.maxNameLength}: use a shorter tablePrefix`,
        });
    }
    return problems;
}

/** Size of a phase job's parameters as the Jobs API receives them (JSON, UTF-8). */
export function jobParameterBytes(phase: PhasePlan): number {
    return Buffer.byteLength(JSON.stringify(phase.parameters), "utf8");
}

/** Phases whose parameters would not fit the Jobs API, as config problems naming the keys that make them long. */
export function oversizedParameterProblems(phases: PhasePlan[]): { key: string; message: string }[] {
    const oversized = phases.find((phase) => jobParameterBytes(phase) > MAX_JOB_PARAMETER_BYTES);
    if (!oversized) {
        return [];
    }
    const message =
        `the ${oversized.name} job's parameters take ${jobParameterBytes(oversized)} bytes, above the Jobs API's ` +
        `${MAX_JOB_PARAMETER_BYTES}; use a shorter name`;
    return ["catalog", "database", "tablePrefix", "checkpointVolume"].map((key) => ({ key: `streambench:${key}`, message }));
}

/** The most streaming queries the driver runs at once, over the whole timeline. */
export function peakStreamsOnDriver(phases: PhasePlan[], runMinutes: number): number {
    return Math.max(
        ...throughputWindows(phases, runMinutes).map((window) =>
            phases
                .filter((phase) => phase.windowStartMinute <= window.startMinute && phase.windowEndMinute >= window.endMinute)
                .reduce((sum, phase) => sum + phase.streamCount, 0),
        ),
    );
}

/** What the plan should tell the user before a deploy: driver load and execution contexts, with what to change. */
export function planWarnings(plan: Pick<ScalingPlan, "phases" | "runMinutes" | "warehouseId" | "pipeline">): string[] {
    const warnings: string[] = [];
    if (!plan.warehouseId) {
        warnings.push(
            "No dashboard: streambench:warehouseId is not set (`pulumi config set streambench:warehouseId <SQL warehouse id>`). Everything else deploys.",
        );
    }
    const peak = peakStreamsOnDriver(plan.phases, plan.runMinutes);
    if (peak > STREAMS_PER_DRIVER_WARNING) {
        warnings.push(
            `${peak} streaming queries run at once on one driver (above ${STREAMS_PER_DRIVER_WARNING}): the driver, not the workers, ` +
                `will likely limit throughput. Lower streambench:baselineStreams and raise streambench:baselineRate to keep the load.`,
        );
    }
    const sourceTables = plan.phases.reduce((sum, phase) => sum + phase.streamCount, 0);
    if (plan.pipeline && sourceTables > STREAMS_PER_DRIVER_WARNING) {
        warnings.push(
            `The DLT pipeline reads ${sourceTables} tables, one streaming flow each, on its driver (above ${STREAMS_PER_DRIVER_WARNING}); ` +
                `Databricks publishes no flow limit. Lower streambench:baselineStreams or set streambench:dlt.enabled false.`,
        );
    }
    const notebookTasks = notebookTaskCount(plan);
    if (notebookTasks > EXECUTION_CONTEXT_LIMIT) {
        warnings.push(`${notebookTasks} notebook tasks exceed the cluster's ${EXECUTION_CONTEXT_LIMIT} execution contexts.`);
    }
    return warnings;
}

/** Notebook tasks a timeline holds on the cluster at once: one per phase, and the pipeline's control. */
export function notebookTaskCount(plan: Pick<ScalingPlan, "phases" | "pipeline">): number {
    return plan.phases.length + (plan.pipeline ? 1 : 0);
}
