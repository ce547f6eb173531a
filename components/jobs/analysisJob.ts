import * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";
import { AnalysisPlan } from "../../plan/types";
import { ANALYSIS_TASK_KEY } from "../../plan/settings";
import { emailNotifications, jobParametersWith } from "./jobInputs";
import { childOptions } from "../childOptions";

export interface AnalysisJobArgs {
    /** Job name, timeout and notebook parameters from the plan. */
    analysis: AnalysisPlan;
    /** The benchmark cluster: the job runs on it and reads its events. */
    clusterId: pulumi.Input<string>;
    /** Workspace path of the analysis notebook. */
    notebookPath: pulumi.Input<string>;
    tags: Record<string, string>;
    notificationEmails: string[];
}

/** The analysis of a finished run: results per window into benchmark_results, the cluster's events into cluster_events. */
export class AnalysisJob extends pulumi.ComponentResource {
    public readonly jobId: pulumi.Output<string>;
    public readonly url: pulumi.Output<string>;

    constructor(name: string, args: AnalysisJobArgs, opts?: pulumi.ComponentResourceOptions) {
        super("streambench:index:AnalysisJob", name, {}, opts);

        // On the benchmark cluster so it needs no compute of its own; one run at a time since it replaces a
        // run's rows.
        const job = new databricks.Job(
            `${name}-job`,
            {
                name: args.analysis.jobName,
                description:
                    "Streaming autoscaling benchmark: target against achieved rows/s per window of a run, and how the cluster scaled.",
                maxConcurrentRuns: 1,
                timeoutSeconds: args.analysis.timeoutSeconds,
                parameters: jobParametersWith(args.analysis.parameters, { cluster_id: args.clusterId }),
                tasks: [
                    {
                        taskKey: ANALYSIS_TASK_KEY,
                        existingClusterId: args.clusterId,
                        notebookTask: { notebookPath: args.notebookPath, source: "WORKSPACE" },
                        timeoutSeconds: args.analysis.timeoutSeconds,
                    },
                ],
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
