import * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";
import { PipelineControlPlan } from "../../plan/types";
import { PIPELINE_CONTROL_TASK_KEY } from "../../plan/settings";
import { BenchmarkJob } from "./benchmarkJob";
import {
    ScheduledNotebookJobArgs,
    benchmarkJobInputs,
    clusterNotebookTask,
    healthRules,
    jobParametersWith,
    jobSchedule,
} from "./jobInputs";

/** The control job's own settings; `notebookPath` is the control notebook's (it only polls the pipeline). */
export interface PipelineControlJobArgs extends ScheduledNotebookJobArgs {
    /** Job name, schedule, timeout and notebook parameters from the plan. */
    control: PipelineControlPlan;
    /** The triggered DLT pipeline the job runs through a timeline. */
    pipelineId: pulumi.Input<string>;
}

/**
 * The control job's inputs. One run at a time: two control runs would start and stop the same pipeline under each
 * other. No task retries: a retry would restart the timeline's pipeline half-way; the run's own loop restarts failed
 * updates.
 */
export function pipelineControlJobInputs(args: PipelineControlJobArgs): databricks.JobArgs {
    const { control } = args;
    return {
        ...benchmarkJobInputs(control, args, false),
        description: "Streaming autoscaling benchmark: runs the DLT pipeline from the timeline's start to its end, then stops it.",
        parameters: jobParametersWith(control.parameters, { pipeline_id: args.pipelineId }),
        tasks: [clusterNotebookTask(PIPELINE_CONTROL_TASK_KEY, control, args)],
        schedule: jobSchedule(control.cron, args.timezone, args.paused),
        queue: { enabled: false },
        // A healthy run lasts the timeline and then waits for the pipeline to stop.
        health: { rules: healthRules(control.timeoutSeconds, false, control.expectedRunSeconds) },
    };
}

/**
 * Runs the DLT pipeline through one timeline: waits for its source tables, keeps a pipeline update going from the
 * timeline's start to its end, then stops the pipeline (also when the run fails or is cancelled). Scheduled with
 * the baseline phase; the timeline job runs it as a task.
 */
export class PipelineControlJob extends BenchmarkJob {
    constructor(name: string, args: PipelineControlJobArgs, opts?: pulumi.ComponentResourceOptions) {
        super("streambench:index:PipelineControlJob", name, pipelineControlJobInputs(args), opts);
    }
}
