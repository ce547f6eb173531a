import * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";
import { PhaseName, TimelineJobPlan } from "../../plan/types";
import { emailNotifications, healthRules } from "./jobInputs";
import { childOptions } from "../childOptions";

export interface TimelineJobArgs {
    /** The timeline run from the plan: job name, timeout, one task per phase. */
    timelineJob: TimelineJobPlan;
    /** The jobs the tasks run: the phase jobs by phase, the analysis job, and the DLT pipeline's control job if any. */
    jobIds: Record<PhaseName | "analysis", pulumi.Input<string>> & { pipeline?: pulumi.Input<string> };
    tags: Record<string, string>;
    notificationEmails: string[];
}

function jobIdOf(jobIds: TimelineJobArgs["jobIds"], phase: TimelineJobPlan["tasks"][number]["phase"]): pulumi.Input<string> {
    const jobId = jobIds[phase];
    if (jobId === undefined) {
        throw new Error(`the timeline job has a ${phase} task but no ${phase} job was declared`);
    }
    return jobId;
}

/**
 * One job that runs the whole 15-minute pattern in one run: it starts every phase job at once with its own
 * trigger time, and each phase's notebook waits for its window (3x after 3 minutes, 9x after 6). With the DLT
 * pipeline, its control job runs beside them over the whole timeline. When every one has ended, it runs the
 * analysis of that run.
 */
export class TimelineJob extends pulumi.ComponentResource {
    public readonly jobId: pulumi.Output<string>;
    public readonly url: pulumi.Output<string>;

    constructor(name: string, args: TimelineJobArgs, opts?: pulumi.ComponentResourceOptions) {
        super("streambench:index:TimelineJob", name, {}, opts);
        const { timelineJob } = args;

        // One run at a time, like the phase jobs it runs (each stream has one writer).
        const job = new databricks.Job(
            `${name}-job`,
            {
                name: timelineJob.jobName,
                description: "Streaming autoscaling benchmark: the whole timeline in one run (baseline now, 3x and 9x at their windows).",
                maxConcurrentRuns: 1,
                queue: { enabled: false },
                timeoutSeconds: timelineJob.timeoutSeconds,
                health: { rules: healthRules(timelineJob.timeoutSeconds, false) },
                emailNotifications: emailNotifications(args.notificationEmails, false),
                tasks: timelineJob.tasks.map((task) => ({
                    taskKey: task.taskKey,
                    runJobTask: {
                        jobId: pulumi.output(jobIdOf(args.jobIds, task.phase)).apply(Number),
                        jobParameters: task.jobParameters,
                    },
                    ...(task.dependsOn ? { dependsOns: task.dependsOn.map((taskKey) => ({ taskKey })), runIf: "ALL_DONE" } : {}),
                })),
                tags: args.tags,
            },
            childOptions(this, opts),
        );

        this.jobId = job.id;
        this.url = job.url;
        this.registerOutputs({ jobId: this.jobId, url: this.url });
    }
}
