import * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";
import { PhasePlan } from "../../plan/types";
import { GENERATOR_TASK_KEY, TASK_MAX_RETRIES, TASK_MIN_RETRY_INTERVAL_MILLIS } from "../../plan/settings";
import { BenchmarkJob } from "./benchmarkJob";
import { ScheduledNotebookJobArgs, benchmarkJobInputs, clusterNotebookTask, healthRules, jobParameters, jobSchedule } from "./jobInputs";

/** The phase job's own settings; `notebookPath` is the generator notebook's. */
export interface StreamingJobArgs extends ScheduledNotebookJobArgs {
    /** The phase this job runs: its job name, streams, rates, window, schedule and notebook parameters. */
    phase: PhasePlan;
}

/**
 * The phase job's inputs. One run at a time: each stream's checkpoint has exactly one writer. An overlapping trigger
 * is skipped, not queued, because a queued run would start after its window anyway.
 */
export function streamingJobInputs(args: StreamingJobArgs): databricks.JobArgs {
    const { phase } = args;
    const description =
        `Streaming autoscaling benchmark, ${phase.name} phase: ${phase.streamCount} stream(s) x ` +
        `${phase.ratePerStream} rows/s, minutes ${phase.windowStartMinute}-${phase.windowEndMinute} of the run.`;
    return {
        ...benchmarkJobInputs(phase, args, true),
        description,
        parameters: jobParameters(phase.parameters),
        tasks: [
            {
                ...clusterNotebookTask(GENERATOR_TASK_KEY, phase, args),
                maxRetries: TASK_MAX_RETRIES,
                minRetryIntervalMillis: TASK_MIN_RETRY_INTERVAL_MILLIS,
                retryOnTimeout: false,
            },
        ],
        schedule: jobSchedule(phase.cron, args.timezone, args.paused),
        queue: { enabled: false },
        health: { rules: healthRules(phase.timeoutSeconds, true) },
    };
}

/** One phase of the benchmark as a scheduled job with one notebook task on the shared cluster. */
export class StreamingJob extends BenchmarkJob {
    constructor(name: string, args: StreamingJobArgs, opts?: pulumi.ComponentResourceOptions) {
        super("streambench:index:StreamingJob", name, streamingJobInputs(args), opts);
    }
}
