import * as pulumi from "@pulumi/pulumi";
import { StreamingBenchmark } from "./components/benchmark";
import { readStackConfig, workspaceCredentials } from "./config/parse";
import { allTables, buildScalingPlan } from "./plan/build";
import { planWarnings } from "./plan/limits";

// Bad config stops here, before any resource is declared, with one error listing every problem.
const plan = buildScalingPlan(pulumi.getStack(), readStackConfig());
planWarnings(plan).forEach((warning) => pulumi.log.warn(warning));
const benchmark = new StreamingBenchmark("streambench", { plan, credentials: workspaceCredentials() });

// With cluster.kind job there is no all-purpose cluster and no job but the timeline job: each run starts its own job cluster.
const onJobCluster = "none with cluster.kind job: the timeline job runs it on each run's job cluster (timelineJobUrl)";
export const clusterId = benchmark.clusterId ?? onJobCluster;
export const clusterUrl = benchmark.clusterUrl ?? onJobCluster;
export const jobIds = benchmark.jobIds;
export const jobUrls = benchmark.jobUrls;
export const timelineJobId = benchmark.timelineJobId;
export const timelineJobUrl = benchmark.timelineJobUrl;
export const analysisJobUrl = benchmark.analysisJobUrl ?? onJobCluster;
// What the runs' results are labelled with: the phases' compute and the pipeline's (cluster.kind, dlt.serverless).
export const compute = plan.compute;
export const pipelineUrl = benchmark.pipelineUrl ?? "no DLT pipeline: set streambench:dlt.enabled";
// How the pipeline computes: serverless or classic (with its enhanced-autoscaling bounds), development or production mode.
export const pipelineCompute = plan.pipeline
    ? {
          serverless: plan.pipeline.serverless,
          autoscale: plan.pipeline.autoscale ?? "sized by Databricks (serverless: enhanced autoscaling always on)",
          mode: plan.pipeline.development ? "development" : "production",
      }
    : "no DLT pipeline: set streambench:dlt.enabled";
export const pipelineControlJobUrl =
    benchmark.pipelineControlJobUrl ?? (plan.pipeline ? onJobCluster : "no DLT pipeline: set streambench:dlt.enabled");
export const dashboardUrl = benchmark.dashboardUrl ?? "no dashboard: set streambench:warehouseId";
export const schemaFullName = benchmark.schemaFullName;
export const checkpointVolumePath = benchmark.volumePath;
export const workspaceFolder = benchmark.workspaceFolder;
export const tables = allTables(plan);
export const expectedThroughput = plan.throughput.map((window) => ({
    minutes: `${window.startMinute}-${window.endMinute}`,
    ...window.rowsPerSecondByPhase,
    totalRowsPerSecond: window.totalRowsPerSecond,
}));
