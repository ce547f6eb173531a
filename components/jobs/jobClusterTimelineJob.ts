import * as databricks from "@pulumi/databricks";
import { clusterSize } from "../cluster";
import * as pulumi from "@pulumi/pulumi";
import { JOB_CLUSTER_KEY, TASK_MAX_RETRIES, TASK_MIN_RETRY_INTERVAL_MILLIS } from "../../plan/settings";
import { ScalingPlan, TimelineTask } from "../../plan/types";
import { BenchmarkJob } from "./benchmarkJob";
import { BenchmarkJobArgs, benchmarkJobInputs, healthRules, jobClusterNotebookTask, jobSchedule } from "./jobInputs";

/** What the timeline job of `cluster.kind: job` runs: every notebook, on the job cluster it declares. */
export interface JobClusterTimelineJobArgs extends BenchmarkJobArgs {
    /** The plan's timeline, phases, analysis, pipeline control, cluster and schedule. */
    plan: Pick<ScalingPlan, "timelineJob" | "phases" | "analysis" | "pipeline" | "cluster" | "schedule">;
    /** The job cluster's runtime and node type: as pinned in the plan, else looked up at deploy. */
    sparkVersion: pulumi.Input<string>;
    nodeTypeId: pulumi.Input<string>;
    generatorPath: pulumi.Input<string>;
    analysisPath: pulumi.Input<string>;
    /** With the DLT pipeline: the control notebook and the pipeline it runs. */
    pipelineControl?: { notebookPath: pulumi.Input<string>; pipelineId: pulumi.Input<string> };
}

/** The dependencies of a task that waits for others: it runs once they have ended, finished or not. */
function after(task: TimelineTask) {
    return task.dependsOn ? { dependsOns: task.dependsOn.map((taskKey) => ({ taskKey })), runIf: "ALL_DONE" } : {};
}

/** One task of the timeline as a notebook task on the job cluster, with the settings its own job has otherwise. */
function timelineTask(task: TimelineTask, args: JobClusterTimelineJobArgs) {
    const { plan } = args;
    if (task.phase === "analysis") {
        return {
            ...jobClusterNotebookTask(task.taskKey, plan.analysis, args.analysisPath, {
                ...plan.analysis.parameters,
                ...task.jobParameters,
            }),
            ...after(task),
        };
    }
    if (task.phase === "pipeline") {
        const control = plan.pipeline?.control;
        if (!control || !args.pipelineControl) {
            throw new Error(`the timeline job has a ${task.taskKey} task but no DLT pipeline was declared`);
        }
        // No retries, as the control job: a retry would restart the timeline's pipeline half-way.
        return {
            ...jobClusterNotebookTask(task.taskKey, control, args.pipelineControl.notebookPath, {
                ...control.parameters,
                pipeline_id: args.pipelineControl.pipelineId,
                ...task.jobParameters,
            }),
            health: { rules: healthRules(control.timeoutSeconds, false, control.expectedRunSeconds) },
            ...after(task),
        };
    }
    const phase = plan.phases.find((candidate) => candidate.name === task.phase);
    if (!phase) {
        throw new Error(`the timeline job has a ${task.taskKey} task but the plan has no ${task.phase} phase`);
    }
    // The phase job's retries (a retry resumes from the run's checkpoints) and health rules, on its task.
    return {
        ...jobClusterNotebookTask(task.taskKey, phase, args.generatorPath, { ...phase.parameters, ...task.jobParameters }),
        maxRetries: TASK_MAX_RETRIES,
        minRetryIntervalMillis: TASK_MIN_RETRY_INTERVAL_MILLIS,
        retryOnTimeout: false,
        health: { rules: healthRules(phase.timeoutSeconds, true) },
        ...after(task),
    };
}

/**
 * The timeline job's inputs with `cluster.kind: job`: one job cluster with the all-purpose cluster's bounds, runtime,
 * node type, access mode and tags, shared by every task; the base schedule; one run at a time (each stream has one
 * writer), an overlapping trigger skipped. The tasks of one run start together; each phase's notebook waits for its
 * window, and the analysis reads the events of the cluster it runs on.
 */
export function jobClusterTimelineJobInputs(args: JobClusterTimelineJobArgs): databricks.JobArgs {
    const { timelineJob, cluster, schedule } = args.plan;
    if (timelineJob.cron === undefined) {
        throw new Error("the timeline job of cluster.kind job needs the plan's schedule (timelineJob.cron)");
    }
    return {
        ...benchmarkJobInputs(timelineJob, args, true),
        description:
            "Streaming autoscaling benchmark on a job cluster: the whole timeline in one run (baseline now, 3x and 9x at their " +
            "windows), then the analysis, every task on one autoscaling job cluster.",
        // Worker bounds, runtime and access mode as the all-purpose cluster has them; Databricks names the cluster after
        // the job and the run, and ends it with the run (so it has no auto-termination).
        jobClusters: [
            {
                jobClusterKey: JOB_CLUSTER_KEY,
                newCluster: {
                    sparkVersion: args.sparkVersion,
                    nodeTypeId: args.nodeTypeId,
                    ...clusterSize(cluster),
                    dataSecurityMode: cluster.dataSecurityMode,
                    ...(cluster.singleUserName ? { singleUserName: cluster.singleUserName } : {}),
                    customTags: cluster.tags,
                },
            },
        ],
        tasks: timelineJob.tasks.map((task) => timelineTask(task, args)),
        schedule: jobSchedule(timelineJob.cron, schedule.timezone, schedule.paused),
        queue: { enabled: false },
        health: { rules: healthRules(timelineJob.timeoutSeconds, false) },
    };
}

/**
 * The whole benchmark run in one job on its own job cluster (`cluster.kind: job`): the phases, the DLT pipeline's
 * control and the analysis as notebook tasks of one run, scheduled on the base cron.
 */
export class JobClusterTimelineJob extends BenchmarkJob {
    constructor(name: string, args: JobClusterTimelineJobArgs, opts?: pulumi.ComponentResourceOptions) {
        super("streambench:index:JobClusterTimelineJob", name, jobClusterTimelineJobInputs(args), opts);
    }
}
