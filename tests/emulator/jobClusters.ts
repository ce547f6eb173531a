import { invalidParameter, refuseUnknownKeys } from "./apiError";
import { CLUSTER_SPEC_FIELDS, Compute } from "./compute";

/** JSON fields of jobs.JobCluster in databricks-sdk-go v0.175.0. */
const JOB_CLUSTER_FIELDS = ["job_cluster_key", "new_cluster", "serverless_compute_id"];
/** The compute a task may name, one at most (jobs.Task; none = serverless compute). */
const TASK_COMPUTE_FIELDS = ["existing_cluster_id", "job_cluster_key", "new_cluster"] as const;

/**
 * What the Jobs API refuses in a job's `job_clusters`, and returns the keys its tasks may reference. The SDK's
 * jobs.JobCluster: `job_cluster_key` "is required and must be unique within the job"; `new_cluster` is a
 * compute.ClusterSpec, checked as the Clusters API checks a cluster (runtime, node type, autoscale bounds, the
 * SINGLE_USER user), which has a size (`num_workers` or `autoscale`: "Missing required field: ... new_cluster.size",
 * terraform-provider-databricks issue 25).
 */
export function jobClusterKeys(jobClusters: unknown, compute: Compute): Set<string> {
    if (jobClusters !== undefined && !Array.isArray(jobClusters)) {
        throw invalidParameter("job_clusters must be a list.");
    }
    const keys = new Set<string>();
    (jobClusters ?? []).forEach((jobCluster: Record<string, any>, index: number) => {
        const what = `job_clusters[${index}]`;
        refuseUnknownKeys(jobCluster, JOB_CLUSTER_FIELDS, what);
        const key = jobCluster.job_cluster_key;
        if (typeof key !== "string" || key === "") {
            throw invalidParameter(`Missing required field: ${what}.job_cluster_key`);
        }
        if (keys.has(key)) {
            throw invalidParameter(`Job cluster key ${key} is not unique: every job cluster of a job needs its own key.`);
        }
        keys.add(key);
        const spec = jobCluster.new_cluster;
        if (!spec) {
            throw invalidParameter(`Missing required field: ${what}.new_cluster`);
        }
        compute.validateSpec(spec, `${what}.new_cluster`, CLUSTER_SPEC_FIELDS);
        if (spec.num_workers === undefined && spec.autoscale === undefined) {
            throw invalidParameter(`Missing required field: settings.${what}.new_cluster.size`);
        }
    });
    return keys;
}

/**
 * A task's compute as the Jobs API takes it: at most one of a job cluster (which must be one of the job's, the
 * answer lakebridge issue 2132 records: "Job cluster '<key>' is not defined in field 'job_clusters'."), a new
 * cluster or an existing cluster (jobs.Task documents them as alternatives: "If job_cluster_key, ... If
 * existing_cluster_id, ..."). The existing cluster must exist.
 */
export function checkTaskCompute(task: Record<string, any>, jobClusters: Set<string>, compute: Compute): void {
    const named = TASK_COMPUTE_FIELDS.filter((field) => task[field] !== undefined && task[field] !== "");
    if (named.length > 1) {
        throw invalidParameter(
            `Task ${task.task_key}: only one of job_cluster_key, new_cluster or existing_cluster_id may be specified, got ${named.join(" and ")}.`,
        );
    }
    if (task.job_cluster_key && !jobClusters.has(task.job_cluster_key)) {
        throw invalidParameter(`Job cluster '${task.job_cluster_key}' is not defined in field 'job_clusters'.`);
    }
    if (task.existing_cluster_id) {
        compute.get(task.existing_cluster_id);
    }
    if (task.new_cluster) {
        compute.validateSpec(task.new_cluster, `task ${task.task_key} new_cluster`, CLUSTER_SPEC_FIELDS);
    }
}
