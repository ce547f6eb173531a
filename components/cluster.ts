import * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";
import { ClusterPlan } from "../plan/types";

/** The shared cluster of the benchmark, as the scaling plan describes it. */
export type AutoscalingClusterArgs = ClusterPlan;

/**
 * The runtime and node type of the benchmark's cluster, all-purpose or job cluster: as pinned, else looked up. A
 * lookup follows new LTS releases, so a long-lived stack pins `cluster.sparkVersion`.
 */
export function clusterRuntime(
    cluster: Pick<ClusterPlan, "sparkVersion" | "nodeTypeId">,
    parent: pulumi.Resource,
): { sparkVersion: pulumi.Input<string>; nodeTypeId: pulumi.Input<string> } {
    return {
        sparkVersion: cluster.sparkVersion ?? databricks.getSparkVersionOutput({ longTermSupport: true, latest: true }, { parent }).id,
        nodeTypeId: cluster.nodeTypeId ?? databricks.getNodeTypeOutput({ localDisk: true, minCores: 4 }, { parent }).id,
    };
}

/**
 * The cluster's size: a fixed `numWorkers`, or the autoscale bounds; never both (with both, a resize of a running
 * cluster can drop autoscaling: terraform-provider-databricks issue 6017).
 */
export function clusterSize(cluster: Pick<ClusterPlan, "workers" | "minWorkers" | "maxWorkers">) {
    return cluster.workers !== undefined
        ? { numWorkers: cluster.workers }
        : { autoscale: { minWorkers: cluster.minWorkers, maxWorkers: cluster.maxWorkers } };
}

/** The all-purpose autoscaling cluster whose scaling the benchmark exists to show (or a fixed-size one beside it). */
export class AutoscalingCluster extends pulumi.ComponentResource {
    public readonly clusterId: pulumi.Output<string>;
    public readonly url: pulumi.Output<string>;

    constructor(name: string, args: AutoscalingClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("streambench:index:AutoscalingCluster", name, {}, opts);

        // Looked up only when not pinned; a new LTS release then restarts the cluster on the next `up`.
        const { sparkVersion, nodeTypeId } = clusterRuntime(args, this);

        // noWait so that `pulumi up` returns once the cluster is requested; the first job run waits for it instead.
        const cluster = new databricks.Cluster(
            `${name}-cluster`,
            {
                clusterName: args.clusterName,
                sparkVersion,
                nodeTypeId,
                ...clusterSize(args),
                autoterminationMinutes: args.autoterminationMinutes,
                dataSecurityMode: args.dataSecurityMode,
                singleUserName: args.singleUserName,
                customTags: args.tags,
                noWait: true,
            },
            { parent: this },
        );

        this.clusterId = cluster.id;
        this.url = cluster.url;
        this.registerOutputs({ clusterId: this.clusterId, url: this.url });
    }
}
