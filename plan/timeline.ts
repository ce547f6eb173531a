/**
 * The timeline of one run as jobs see it: the timeline job's tasks (every phase on one trigger time, the pipeline's
 * control beside them, the analysis after them) and how long a phase's run may last.
 */
import { TRIGGER_TIME_REFERENCE } from "./notebookContract";
import { ANALYSIS_TASK_KEY, ANALYSIS_TIMEOUT_MINUTES, ClusterKind, PIPELINE_TIMELINE_TASK_KEY, TIMEOUT_GRACE_MINUTES } from "./settings";
import type { PhaseName, PhasePlan, TimelineJobPlan, TimelineTask } from "./types";

/**
 * A phase job's timeout: just past its window's end measured from the start of the timeline, because in the
 * timeline run every phase job starts at minute 0 and waits for its window in the notebook.
 */
export function phaseTimeoutSeconds(windowEndMinute: number): number {
    return longestRunMinutes(windowEndMinute) * 60;
}

/** How long a job whose window ends at `windowEndMinute` may run, counted from its trigger. */
export function longestRunMinutes(windowEndMinute: number): number {
    return windowEndMinute + TIMEOUT_GRACE_MINUTES;
}

/**
 * Task keys of the timeline job: the seed's `baseline`, `scale_3x`, `scale_9x` (letters first, so that sorting by key
 * keeps the timeline's order); a profile's phase is `phase_<name>`, apart from the `dlt` and `analyze` tasks.
 */
export function timelineTaskKey(phase: PhaseName): string {
    if (phase === "baseline") {
        return phase;
    }
    return /^[0-9]/.test(phase) ? `scale_${phase}` : `phase_${phase}`;
}

/**
 * The timeline job: one task per phase on one trigger time, each with its window's offset; with DLT the pipeline's
 * control beside them; after all of them the analysis of the run. With `cluster.kind: job` the job is scheduled on
 * the base cron, and its analysis reads the job cluster it runs on (`cluster_id` empty).
 */
export function timelineJobPlan(
    resourcePrefix: string,
    phases: PhasePlan[],
    runMinutes: number,
    withPipeline = false,
    kind: ClusterKind = "allPurpose",
    /** The base schedule (`cluster.kind: job` schedules the timeline job on it). */
    baseCron?: string,
): TimelineJobPlan {
    const tasks: TimelineTask[] = phases.map((phase) => ({
        taskKey: timelineTaskKey(phase.name),
        phase: phase.name,
        jobParameters: { trigger_time: TRIGGER_TIME_REFERENCE, start_offset_minutes: String(phase.windowStartMinute) },
    }));
    if (withPipeline) {
        // Beside the phases, on the same trigger time: the pipeline runs from minute 0 to the timeline's end.
        tasks.push({
            taskKey: PIPELINE_TIMELINE_TASK_KEY,
            phase: "pipeline",
            jobParameters: { trigger_time: TRIGGER_TIME_REFERENCE, start_offset_minutes: "0" },
        });
    }
    // After every phase and the pipeline's stop, finished or not, the analysis of this very run (its timeline starts
    // at the trigger).
    // Sorted like the tasks, so that the provider's read-back shows no reordering.
    const dependsOn = tasks.map((task) => task.taskKey).sort((a, b) => a.localeCompare(b));
    // On a job cluster, the run's cluster is the one the analysis runs on (cluster_id empty = the current cluster).
    const analysisParameters: Record<string, string> = { run_start: TRIGGER_TIME_REFERENCE, ...(kind === "job" ? { cluster_id: "" } : {}) };
    tasks.push({ taskKey: ANALYSIS_TASK_KEY, phase: "analysis", jobParameters: analysisParameters, dependsOn });
    return {
        jobName: `${resourcePrefix}-timeline`,
        timeoutSeconds: phaseTimeoutSeconds(runMinutes) + ANALYSIS_TIMEOUT_MINUTES * 60,
        ...(kind === "job" && baseCron ? { cron: baseCron } : {}),
        tasks: tasks.sort((a, b) => a.taskKey.localeCompare(b.taskKey)),
    };
}
