import * as pulumi from "@pulumi/pulumi";
import { JOB_CLUSTER_KEY, STREAMING_BACKLOG_ALERT_SECONDS, TIMEOUT_GRACE_MINUTES } from "../../plan/settings";

// Job settings shaped like the provider's `databricks.Job` inputs, shared by the job components. The plan holds
// the numbers (timeouts, crons, parameters); these functions only put them in the provider's shape.

/** What every benchmark job takes besides its part of the plan. */
export interface BenchmarkJobArgs {
    tags: Record<string, string>;
    /** Addresses told about failures and overlong runs (and, for a streaming phase, backlog). */
    notificationEmails: string[];
}

/** What a job of one notebook task on the benchmark cluster takes besides its part of the plan. */
export interface ClusterNotebookJobArgs extends BenchmarkJobArgs {
    /** The benchmark cluster the notebook task runs on (it needs no compute of its own). */
    clusterId: pulumi.Input<string>;
    /** Workspace path of the notebook. */
    notebookPath: pulumi.Input<string>;
}

/** What a scheduled notebook job on the benchmark cluster takes besides its part of the plan. */
export interface ScheduledNotebookJobArgs extends ClusterNotebookJobArgs {
    timezone: string;
    paused: boolean;
}

/** What the plan says of every job: its name in the workspace and its timeout. */
export type JobPlan = { jobName: string; timeoutSeconds: number };

/**
 * The settings every benchmark job shares: the plan's name and timeout, one run at a time (every stream table,
 * checkpoint, pipeline and results table has one writer), its notifications and its tags.
 */
export function benchmarkJobInputs(job: JobPlan, args: BenchmarkJobArgs, streaming: boolean) {
    return {
        name: job.jobName,
        maxConcurrentRuns: 1,
        timeoutSeconds: job.timeoutSeconds,
        emailNotifications: emailNotifications(args.notificationEmails, streaming),
        tags: args.tags,
    };
}

/** A job's one notebook task, on the benchmark cluster, timing out with its job. */
export function clusterNotebookTask(taskKey: string, job: JobPlan, args: ClusterNotebookJobArgs) {
    return {
        taskKey,
        existingClusterId: args.clusterId,
        notebookTask: { notebookPath: args.notebookPath, source: "WORKSPACE" },
        timeoutSeconds: job.timeoutSeconds,
    };
}

/**
 * A notebook task on the job's own job cluster (`cluster.kind: job`), timing out with its part of the plan. Its
 * parameters are the task's own (`baseParameters`): the tasks of one job pass different values under the same names,
 * and a job-level parameter would override them all.
 */
export function jobClusterNotebookTask(
    taskKey: string,
    job: JobPlan,
    notebookPath: pulumi.Input<string>,
    parameters: Record<string, pulumi.Input<string>>,
) {
    return {
        taskKey,
        jobClusterKey: JOB_CLUSTER_KEY,
        notebookTask: { notebookPath, source: "WORKSPACE", baseParameters: parameters },
        timeoutSeconds: job.timeoutSeconds,
    };
}

/** A notebook's parameters as the plan builds them (plan/notebookContract.ts): every value a string. */
export type NotebookParameters<P> = { [K in keyof P]: string };

/** Job parameters in the order the provider keeps them (by name), so previews show no spurious diff. */
export function jobParameters<P extends NotebookParameters<P>>(parameters: P): { name: string; default: string }[] {
    return (Object.keys(parameters) as (keyof P & string)[]).sort().map((name) => ({ name, default: parameters[name] }));
}

/**
 * Job parameters of which only `deployed` (ids known once their resource exists) wait for the deployment: every
 * other parameter stays known at preview, so the policy pack checks it on a first deploy too.
 */
export function jobParametersWith<P extends NotebookParameters<P>>(
    parameters: P,
    deployed: Record<string, pulumi.Input<string>>,
): { name: string; default: pulumi.Input<string> }[] {
    const placeholders = Object.fromEntries(Object.keys(deployed).map((name) => [name, ""]));
    return jobParameters({ ...parameters, ...placeholders }).map((parameter) =>
        parameter.name in deployed ? { ...parameter, default: deployed[parameter.name] } : parameter,
    );
}

/** The Quartz schedule block of a scheduled job. */
export function jobSchedule(cron: string, timezone: string, paused: boolean) {
    return { quartzCronExpression: cron, timezoneId: timezone, pauseStatus: paused ? "PAUSED" : "UNPAUSED" };
}

/** Job health rules: a run nearing its timeout, and (for streaming phases) a backlog. */
export function healthRules(
    timeoutSeconds: number,
    streaming: boolean,
    expectedRunSeconds = timeoutSeconds - TIMEOUT_GRACE_MINUTES * 60,
): { metric: string; op: string; value: number }[] {
    const rules = [{ metric: "RUN_DURATION_SECONDS", op: "GREATER_THAN", value: expectedRunSeconds + 60 }];
    if (streaming) {
        // The rate source produces rows on the clock, so a backlog shows up only when the stream falls behind.
        rules.push({ metric: "STREAMING_BACKLOG_SECONDS", op: "GREATER_THAN", value: STREAMING_BACKLOG_ALERT_SECONDS });
    }
    return rules;
}

/** Email notifications of a benchmark job; none when no address is configured. */
export function emailNotifications(emails: string[], streaming: boolean) {
    if (emails.length === 0) {
        return undefined;
    }
    return {
        onFailures: emails,
        onDurationWarningThresholdExceededs: emails,
        ...(streaming ? { onStreamingBacklogExceededs: emails } : {}),
    };
}
