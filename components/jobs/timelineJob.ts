import * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";
import { PhaseName, TimelineJobPlan } from "../../plan/types";
import { BenchmarkJob } from "./benchmarkJob";
import { BenchmarkJobArgs, benchmarkJobInputs, healthRules } from "./jobInputs";

export interface TimelineJobArgs extends BenchmarkJobArgs {
    /** The timeline run from the plan: job name, timeout, one task per phase. */
    timelineJob: TimelineJobPlan;
    /** The jobs the tasks run: the phase jobs by phase, the analysis job, and the DLT pipeline's control job if any. */
    jobIds: Record<PhaseName | "analysis", pulumi.Input<string>> & { pipeline?: pulumi.Input<string> };
}

function jobIdOf(jobIds: TimelineJobArgs["jobIds"], phase: TimelineJobPlan["tasks"][number]["phase"]): pulumi.Input<string> {
    const jobId = jobIds[phase];
    if (jobId === undefined) {
        throw new Error(`the timeline job has a ${phase} task but no ${phase} job was declared`);
    }
    return jobId;
}

/** The timeline job's inputs. One run at a time, like the phase jobs it runs (each stream has one writer). */
export function timelineJobInputs(args: TimelineJobArgs): databricks.JobArgs {
    const { timelineJob } = args;
    return {
        ...benchmarkJobInputs(timelineJob, args, false),
        description: "Streaming autoscaling benchmark: the whole timeline in one run (baseline now, 3x and 9x at their windows).",
        tasks: timelineJob.tasks.map((task) => ({
            taskKey: task.taskKey,
            runJobTask: {
                jobId: pulumi.output(jobIdOf(args.jobIds, task.phase)).apply(Number),
                jobParameters: task.jobParameters,
            },
            ...(task.dependsOn ? { dependsOns: task.dependsOn.map((taskKey) => ({ taskKey })), runIf: "ALL_DONE" } : {}),
        })),
        queue: { enabled: false },
        health: { rules: healthRules(timelineJob.timeoutSeconds, false) },
    };
}

/**
 * One job that runs the whole 15-minute pattern in one run: it starts every phase job at once with its own
 * trigger time, and each phase's notebook waits for its window (3x after 3 minutes, 9x after 6). With the DLT
 * pipeline, its control job runs beside them over the whole timeline. When every one has ended, it runs the
 * analysis of that run.
 */
export class TimelineJob extends BenchmarkJob {
    constructor(name: string, args: TimelineJobArgs, opts?: pulumi.ComponentResourceOptions) {
        super("streambench:index:TimelineJob", name, timelineJobInputs(args), opts);
    }
}
