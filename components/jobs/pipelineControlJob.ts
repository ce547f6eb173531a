import * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";
import { PipelineControlPlan } from "../../plan/types";
import { PIPELINE_CONTROL_TASK_KEY } from "../../plan/settings";
import { ScheduledNotebookJobArgs, emailNotifications, healthRules, jobParametersWith, jobSchedule } from "./jobInputs";
import { childOptions } from "../childOptions";

/** The control job's own settings; `notebookPath` is the control notebook's (it only polls the pipeline). */
export interface PipelineControlJobArgs extends ScheduledNotebookJobArgs {
    /** Job name, schedule, timeout and notebook parameters from the plan. */
    control: PipelineControlPlan;
    /** The triggered DLT pipeline the job runs through a timeline. */
    pipelineId: pulumi.Input<string>;
}

/**
 * Runs the DLT pipeline through one timeline: waits for its source tables, keeps a pipeline update going from the
 * timeline's start to its end, then stops the pipeline (also when the run fails or is cancelled). Scheduled with
 * the baseline phase; the timeline job runs it as a task.
 */
export class PipelineControlJob extends pulumi.ComponentResource {
    public readonly jobId: pulumi.Output<string>;
    public readonly url: pulumi.Output<string>;

    constructor(name: string, args: PipelineControlJobArgs, opts?: pulumi.ComponentResourceOptions) {
        super("streambench:index:PipelineControlJob", name, {}, opts);
        const { control } = args;

        // One run at a time: two control runs would start and stop the same pipeline under each other. No task
        // retries: a retry would restart the timeline's pipeline half-way; the run's own loop restarts failed updates.
        const job = new databricks.Job(
            `${name}-job`,
            {
                name: control.jobName,
                description: "Streaming autoscaling benchmark: runs the DLT pipeline from the timeline's start to its end, then stops it.",
                maxConcurrentRuns: 1,
                queue: { enabled: false },
                timeoutSeconds: control.timeoutSeconds,
                parameters: jobParametersWith(control.parameters, { pipeline_id: args.pipelineId }),
                tasks: [
                    {
                        taskKey: PIPELINE_CONTROL_TASK_KEY,
                        existingClusterId: args.clusterId,
                        notebookTask: { notebookPath: args.notebookPath, source: "WORKSPACE" },
                        timeoutSeconds: control.timeoutSeconds,
                    },
                ],
                schedule: jobSchedule(control.cron, args.timezone, args.paused),
                // A healthy run lasts the timeline and then waits for the pipeline to stop.
                health: { rules: healthRules(control.timeoutSeconds, false, control.expectedRunSeconds) },
                emailNotifications: emailNotifications(args.notificationEmails, false),
                tags: args.tags,
            },
            childOptions(this, opts),
        );

        this.jobId = job.id;
        this.url = job.url;
        this.registerOutputs({ jobId: this.jobId, url: this.url });
    }
}
