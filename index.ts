import * as pulumi from "@pulumi/pulumi";
import { StreamingBenchmark } from "./components/benchmark";
import { readStackConfig, workspaceCredentials } from "./config/parse";
import { allTables, buildScalingPlan } from "./plan/build";
import { planWarnings } from "./plan/limits";
import { buildRunSpec } from "./plan/runSpec";

// Bad config stops here, before any resource is declared, with one error listing every problem.
const plan = buildScalingPlan(pulumi.getStack(), readStackConfig());
planWarnings(plan).forEach((warning) => pulumi.log.warn(warning));
const deployed = new StreamingBenchmark("streambench", { plan, credentials: workspaceCredentials() });

// Every output is a value: an object the stack does not declare (no all-purpose cluster with cluster.kind job, no
// pipeline without dlt.enabled, no dashboard without warehouseId) has no output at all.
export const clusterId = deployed.clusterId;
export const clusterUrl = deployed.clusterUrl;
export const jobIds = deployed.jobIds;
export const jobUrls = deployed.jobUrls;
export const timelineJobId = deployed.timelineJobId;
export const timelineJobUrl = deployed.timelineJobUrl;
export const analysisJobUrl = deployed.analysisJobUrl;
// What the runs' results are labelled with: the phases' compute and the pipeline's (cluster.kind, dlt.serverless).
export const compute = plan.compute;
export const pipelineUrl = deployed.pipelineUrl;
// How the pipeline computes: serverless or classic (with its enhanced-autoscaling bounds), development or production mode.
export const pipelineCompute = plan.pipeline
    ? {
          serverless: plan.pipeline.serverless,
          ...(plan.pipeline.autoscale ? { autoscale: plan.pipeline.autoscale } : {}),
          mode: plan.pipeline.development ? "development" : "production",
      }
    : undefined;
export const pipelineControlJobUrl = deployed.pipelineControlJobUrl;
export const dashboardUrl = deployed.dashboardUrl;
export const schemaFullName = deployed.schemaFullName;
export const checkpointVolumePath = deployed.volumePath;
export const workspaceFolder = deployed.workspaceFolder;
export const tables = allTables(plan);
export const expectedThroughput = plan.throughput.map((window) => ({
    minutes: `${window.startMinute}-${window.endMinute}`,
    ...window.rowsPerSecondByPhase,
    totalRowsPerSecond: window.totalRowsPerSecond,
}));
// For tools (`pulumi stack output benchmark --json`): the run spec and the id of every object they act on.
export const benchmark = deployed.ids.apply((ids) => ({ spec: buildRunSpec(plan), ids }));
