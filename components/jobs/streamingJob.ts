import * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";
import { PhasePlan } from "../../plan/types";
import { GENERATOR_TASK_KEY, TASK_MAX_RETRIES, TASK_MIN_RETRY_INTERVAL_MILLIS } from "../../plan/settings";
import { ScheduledNotebookJobArgs, emailNotifications, healthRules, jobParameters, jobSchedule } from "./jobInputs";
import { childOptions } from "../childOptions";

/** The phase job's own settings; `notebookPath` is the generator notebook's. */
export interface StreamingJobArgs extends ScheduledNotebookJobArgs {
    /** Job name in the workspace; includes the stack so two stacks never share a job. */
    jobName: string;
    /** The phase this job runs: its streams, rates, window, schedule and notebook parameters. */
    phase: PhasePlan;
}

/** One phase of the benchmark as a scheduled job with one notebook task on the shared cluster. */
export class StreamingJob extends pulumi.ComponentResource {
    public readonly jobId: pulumi.Output<string>;
    public readonly url: pulumi.Output<string>;

    constructor(name: string, args: StreamingJobArgs, opts?: pulumi.ComponentResourceOptions) {
        super("streambench:index:StreamingJob", name, {}, opts);
        const { phase } = args;

        // One run at a time: each stream's checkpoint has exactly one writer. An overlapping trigger is skipped,
        // not queued, because a queued run would start after its window anyway.
        const job = new databricks.Job(
            `${name}-job`,
            {
                name: args.jobName,
                description:
                    `Streaming autoscaling benchmark, ${phase.name} phase: ${phase.streamCount} stream(s) x ` +
                    `${phase.ratePerStream} rows/s, minutes ${phase.windowStartMinute}-${phase.windowEndMinute} of the run.`,
                maxConcurrentRuns: 1,
                queue: { enabled: false },
                timeoutSeconds: phase.timeoutSeconds,
                parameters: jobParameters(phase.parameters),
                tasks: [
                    {
                        taskKey: GENERATOR_TASK_KEY,
                        existingClusterId: args.clusterId,
                        notebookTask: { notebookPath: args.notebookPath, source: "WORKSPACE" },
                        timeoutSeconds: phase.timeoutSeconds,
                        maxRetries: TASK_MAX_RETRIES,
                        minRetryIntervalMillis: TASK_MIN_RETRY_INTERVAL_MILLIS,
                        retryOnTimeout: false,
                    },
                ],
                schedule: jobSchedule(phase.cron, args.timezone, args.paused),
                health: { rules: healthRules(phase.timeoutSeconds, true) },
                emailNotifications: emailNotifications(args.notificationEmails, true),
                tags: args.tags,
            },
            childOptions(this, opts),
        );

        this.jobId = job.id;
        this.url = job.url;
        this.registerOutputs({ jobId: this.jobId, url: this.url });
    }
}
