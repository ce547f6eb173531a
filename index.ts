import * as pulumi from "@pulumi/pulumi";
import { StreamingBenchmark } from "./components/benchmark";
import { readStackConfig } from "./config";
import { allTables, buildScalingPlan } from "./plan";

// Bad config stops here, before any resource is declared, with one error listing every problem.
const plan = buildScalingPlan(pulumi.getStack(), readStackConfig());
const benchmark = new StreamingBenchmark("streambench", { plan });

export const clusterId = benchmark.clusterId;
export const clusterUrl = benchmark.clusterUrl;
export const jobIds = benchmark.jobIds;
export const jobUrls = benchmark.jobUrls;
export const schemaFullName = benchmark.schemaFullName;
export const checkpointVolumePath = benchmark.volumePath;
export const workspaceFolder = benchmark.workspaceFolder;
export const tables = allTables(plan);
export const expectedThroughput = plan.throughput.map((window) => ({
    minutes: `${window.startMinute}-${window.endMinute}`,
    ...window.rowsPerSecondByPhase,
    totalRowsPerSecond: window.totalRowsPerSecond,
}));
