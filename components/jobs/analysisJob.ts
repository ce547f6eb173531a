import * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";
import { AnalysisPlan } from "../../plan/types";
import { ANALYSIS_TASK_KEY } from "../../plan/settings";
import { BenchmarkJob } from "./benchmarkJob";
import { ClusterNotebookJobArgs, benchmarkJobInputs, clusterNotebookTask, jobParametersWith } from "./jobInputs";

/** The analysis job's own settings; `clusterId` is the benchmark cluster, which it runs on and reads the events of. */
export interface AnalysisJobArgs extends ClusterNotebookJobArgs {
    /** Job name, timeout and notebook parameters from the plan. */
    analysis: AnalysisPlan;
}

/**
 * The analysis job's inputs. On the benchmark cluster so it needs no compute of its own; one run at a time since it
 * replaces a run's rows.
 */
export function analysisJobInputs(args: AnalysisJobArgs): databricks.JobArgs {
    return {
        ...benchmarkJobInputs(args.analysis, args, false),
        description: "Streaming autoscaling benchmark: target against achieved rows/s per window of a run, and how the cluster scaled.",
        parameters: jobParametersWith(args.analysis.parameters, { cluster_id: args.clusterId }),
        tasks: [clusterNotebookTask(ANALYSIS_TASK_KEY, args.analysis, args)],
    };
}

/** The analysis of a finished run: results per window into benchmark_results, the cluster's events into cluster_events. */
export class AnalysisJob extends BenchmarkJob {
    constructor(name: string, args: AnalysisJobArgs, opts?: pulumi.ComponentResourceOptions) {
        super("streambench:index:AnalysisJob", name, analysisJobInputs(args), opts);
    }
}
