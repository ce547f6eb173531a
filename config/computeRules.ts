/**
 * The compute rules across keys of the stack config: the cluster's size (fixed or autoscale bounds), the DLT
 * pipeline's compute, and what only an all-purpose cluster has. The schema's superRefine reports what they find.
 */
import { DEFAULT_DLT_MAX_WORKERS, DEFAULT_DLT_MIN_WORKERS, DEFAULT_MAX_WORKERS, DEFAULT_MIN_WORKERS } from "../plan/settings";
import { CONFIG_NAMESPACE, type StackConfig } from "./schema";

/**
 * The pipeline's compute rules. A serverless pipeline has no workers to bound: bounds that were set (not defaulted)
 * are refused rather than silently dropped. A classic pipeline's bounds, set or defaulted, must be ones the
 * Pipelines API accepts (`max_workers` strictly greater than `min_workers`).
 */
export function dltProblems(
    dlt: StackConfig["dlt"],
    maxWorkersCap: number,
    problem: (path: (string | number)[], message: string) => void,
): void {
    if (dlt.serverless) {
        if (!dlt.enabled) {
            problem(["dlt", "serverless"], "needs dlt.enabled: true; without it no pipeline is declared to run serverless");
        }
        for (const key of ["minWorkers", "maxWorkers"] as const) {
            if (dlt[key] !== undefined) {
                problem(
                    ["dlt", key],
                    `is set (${dlt[key]}), but a serverless pipeline (dlt.serverless) has no workers to bound: Databricks sizes it, ` +
                        `with enhanced autoscaling always on. Remove it with \`pulumi config rm --path ${CONFIG_NAMESPACE}:dlt.${key}\`, ` +
                        "or set dlt.serverless to false",
                );
            }
        }
        return;
    }
    const minWorkers = dlt.minWorkers ?? DEFAULT_DLT_MIN_WORKERS;
    const maxWorkers = dlt.maxWorkers ?? DEFAULT_DLT_MAX_WORKERS;
    const maxShown = dlt.maxWorkers === undefined ? `${maxWorkers}, the default,` : `${maxWorkers}`;
    if (maxWorkers <= minWorkers) {
        problem(
            ["dlt", "maxWorkers"],
            `${maxShown} must be greater than dlt.minWorkers (${minWorkers}): the Pipelines API rejects max_workers <= min_workers`,
        );
    }
    if (maxWorkers > maxWorkersCap) {
        problem(["dlt", "maxWorkers"], `${maxWorkers} is above cluster.maxWorkersCap (${maxWorkersCap})`);
    }
}

/**
 * What only an all-purpose cluster has, set beside `cluster.kind: job`: refused rather than silently dropped. A job
 * cluster ends with its run, and the provider's job cluster (`jobClusters[].newCluster`, like the Jobs API's
 * `new_cluster`) takes no auto-termination; a job cluster takes no notebooks attached by users, so a
 * CAN_ATTACH_TO grant has no cluster to go on.
 */
export function jobClusterProblems(config: StackConfig, problem: (path: (string | number)[], message: string) => void): void {
    if (config.cluster.kind !== "job") {
        return;
    }
    const allPurpose = "or set cluster.kind to allPurpose";
    if (config.cluster.autoterminationMinutes !== undefined) {
        problem(
            ["cluster", "autoterminationMinutes"],
            `is set (${config.cluster.autoterminationMinutes}), but a job cluster (cluster.kind: job) has no auto-termination: it ends with ` +
                `its run. Remove it with \`pulumi config rm --path ${CONFIG_NAMESPACE}:cluster.autoterminationMinutes\`, ${allPurpose}`,
        );
    }
    if (config.permissions.clusterUsers.length > 0) {
        problem(
            ["permissions", "clusterUsers"],
            "grants attach on the all-purpose cluster, which cluster.kind: job does not declare (each run's job cluster takes no " +
                `attached notebooks). Remove it with \`pulumi config rm --path ${CONFIG_NAMESPACE}:permissions.clusterUsers\`, ${allPurpose}`,
        );
    }
}

/**
 * The cluster's size: a fixed `workers`, or autoscale bounds (unset bounds count as their defaults) that the Clusters
 * API takes (max strictly above min); never both, and never above the cap.
 */
export function clusterSizeProblems(cluster: StackConfig["cluster"], problem: (path: (string | number)[], message: string) => void): void {
    if (cluster.workers !== undefined) {
        for (const key of ["minWorkers", "maxWorkers"] as const) {
            if (cluster[key] !== undefined) {
                problem(
                    ["cluster", key],
                    `is set (${cluster[key]}) beside cluster.workers (${cluster.workers}): a cluster has a fixed size or autoscale bounds, ` +
                        `not both. Remove one with \`pulumi config rm --path ${CONFIG_NAMESPACE}:cluster.${key}\` (or cluster.workers)`,
                );
            }
        }
        if (cluster.workers > cluster.maxWorkersCap) {
            problem(["cluster", "workers"], `${cluster.workers} is above cluster.maxWorkersCap (${cluster.maxWorkersCap})`);
        }
        return;
    }
    const minWorkers = cluster.minWorkers ?? DEFAULT_MIN_WORKERS;
    const maxWorkers = cluster.maxWorkers ?? DEFAULT_MAX_WORKERS;
    if (maxWorkers <= minWorkers) {
        problem(
            ["cluster", "maxWorkers"],
            `${maxWorkers} must be greater than cluster.minWorkers (${minWorkers}): the Clusters API rejects max <= min`,
        );
    }
    if (maxWorkers > cluster.maxWorkersCap) {
        problem(["cluster", "maxWorkers"], `${maxWorkers} is above cluster.maxWorkersCap (${cluster.maxWorkersCap})`);
    }
}
