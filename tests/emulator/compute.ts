import { ApiError, invalidParameter, refuseUnknownKeys, requireString } from "./apiError";
import { Router, queryParam } from "./router";

/** JSON fields of compute.CreateCluster / EditCluster in databricks-sdk-go v0.175.0. */
const CLUSTER_FIELDS = [
    "apply_policy_default_values",
    "autoscale",
    "autotermination_minutes",
    "aws_attributes",
    "azure_attributes",
    "clone_from",
    "cluster_log_conf",
    "cluster_name",
    "custom_tags",
    "data_security_mode",
    "dependency_mode",
    "docker_image",
    "driver_instance_pool_id",
    "driver_node_type_flexibility",
    "driver_node_type_id",
    "enable_elastic_disk",
    "enable_local_disk_encryption",
    "gcp_attributes",
    "init_scripts",
    "instance_pool_id",
    "is_single_node",
    "kind",
    "node_type_id",
    "num_workers",
    "policy_id",
    "remote_disk_throughput",
    "runtime_engine",
    "single_user_name",
    "spark_conf",
    "spark_env_vars",
    "spark_version",
    "ssh_public_keys",
    "total_initial_remote_disk_size",
    "use_ml_runtime",
    "worker_node_type_flexibility",
    "workload_type",
] as const;

/** JSON fields of compute.ClusterSpec (a job's `new_cluster`) in databricks-sdk-go v0.175.0: CreateCluster's but clone_from. */
export const CLUSTER_SPEC_FIELDS: readonly string[] = CLUSTER_FIELDS.filter((field) => field !== "clone_from");

/**
 * Runtimes as `GET /api/2.1/clusters/spark-versions` lists them (key + display name). The SDK's
 * `SelectSparkVersion` (databricks-sdk-go service/compute/ext_spark_version.go) picks by key markers (-ml-, -gpu-,
 * -photon-, -aarch64-, -scala<v>) and "LTS" in the name; `latest` sorts by the DBR number.
 */
export const SPARK_VERSIONS = [
    { key: "15.4.x-scala2.12", name: "15.4 LTS (includes Apache Spark 3.5.0, Scala 2.12)" },
    { key: "15.4.x-photon-scala2.12", name: "15.4 LTS Photon (includes Apache Spark 3.5.0, Scala 2.12)" },
    { key: "15.4.x-cpu-ml-scala2.12", name: "15.4 LTS ML (includes Apache Spark 3.5.0, Scala 2.12)" },
    { key: "16.4.x-scala2.12", name: "16.4 LTS (includes Apache Spark 3.5.2, Scala 2.12)" },
    { key: "16.4.x-gpu-ml-scala2.12", name: "16.4 LTS ML (includes Apache Spark 3.5.2, GPU, Scala 2.12)" },
    { key: "17.2.x-scala2.13", name: "17.2 (includes Apache Spark 4.0.0, Scala 2.13)" },
    { key: "17.3.x-scala2.13", name: "17.3 LTS (includes Apache Spark 4.0.0, Scala 2.13)" },
    { key: "18.0.x-scala2.13", name: "18.0 Beta (includes Apache Spark 4.1.0, Scala 2.13)" },
];

/**
 * Node types as `GET /api/2.1/clusters/list-node-types` lists them. The SDK's `Smallest` sorts by cores, memory,
 * local disks and picks the first that fits (`local_disk` needs `node_instance_type.local_disks >= 1`).
 */
export const NODE_TYPES = [
    { node_type_id: "m5.large", memory_mb: 8192, num_cores: 2, local_disks: 0 },
    { node_type_id: "m5.xlarge", memory_mb: 16384, num_cores: 4, local_disks: 0 },
    { node_type_id: "m5d.xlarge", memory_mb: 16384, num_cores: 4, local_disks: 1 },
    { node_type_id: "i3.xlarge", memory_mb: 31232, num_cores: 4, local_disks: 1 },
    { node_type_id: "i3.2xlarge", memory_mb: 62464, num_cores: 8, local_disks: 1 },
    { node_type_id: "m6gd.xlarge", memory_mb: 16384, num_cores: 4, local_disks: 1, is_graviton: true },
    { node_type_id: "g4dn.xlarge", memory_mb: 16384, num_cores: 4, local_disks: 1, num_gpus: 1 },
].map((type) => ({
    node_type_id: type.node_type_id,
    instance_type_id: type.node_type_id,
    memory_mb: type.memory_mb,
    num_cores: type.num_cores,
    num_gpus: type.num_gpus ?? 0,
    is_graviton: type.is_graviton ?? false,
    is_deprecated: false,
    category: "General Purpose",
    description: type.node_type_id,
    node_instance_type: { instance_type_id: type.node_type_id, local_disks: type.local_disks, local_disk_size_gb: type.local_disks * 237 },
}));

/** Cluster states that hold (or are getting) compute: they bill. */
const BILLING_STATES = new Set(["PENDING", "RUNNING", "RESIZING", "RESTARTING"]);

export interface Cluster {
    spec: Record<string, any>;
    clusterId: string;
    state: string;
    stateMessage: string;
    /** Epoch ms at which a PENDING cluster reports RUNNING; undefined = stays PENDING. */
    runningAt?: number;
    pinned: boolean;
    createdAt: number;
}

export interface ComputeOptions {
    /** Milliseconds a new cluster stays PENDING before RUNNING; undefined = it stays PENDING (no compute here). */
    clusterStartMs?: number;
    creator: string;
}

/** The Clusters API 2.1 (and 2.0 aliases): create, get, edit, terminate, permanent delete, list, pin. */
export class Compute {
    readonly clusters = new Map<string, Cluster>();
    private sequence = 0;

    constructor(private readonly options: ComputeOptions) {}

    routes(router: Router): void {
        const api = String.raw`\/api\/2\.[01]\/clusters`;
        router.add("GET", new RegExp(`${api}/spark-versions`), () => ({ versions: SPARK_VERSIONS }));
        router.add("GET", new RegExp(`${api}/list-node-types`), () => ({ node_types: NODE_TYPES }));
        router.add("POST", new RegExp(`${api}/create`), (call) => ({ cluster_id: this.create(call.body) }));
        router.add("GET", new RegExp(`${api}/get`), (call) => this.details(this.get(queryParam(call, "cluster_id"))));
        router.add("POST", new RegExp(`${api}/edit`), (call) => this.edit(call.body));
        router.add("POST", new RegExp(`${api}/delete`), (call) =>
            this.terminate(requireString(call.body, "cluster_id", "clusters/delete")),
        );
        router.add("POST", new RegExp(`${api}/permanent-delete`), (call) =>
            this.permanentDelete(requireString(call.body, "cluster_id", "clusters/permanent-delete")),
        );
        router.add("POST", new RegExp(`${api}/start`), (call) => this.start(requireString(call.body, "cluster_id", "clusters/start")));
        router.add("POST", new RegExp(`${api}/pin`), (call) =>
            this.setPinned(requireString(call.body, "cluster_id", "clusters/pin"), true),
        );
        router.add("POST", new RegExp(`${api}/unpin`), (call) =>
            this.setPinned(requireString(call.body, "cluster_id", "clusters/unpin"), false),
        );
        router.add("GET", new RegExp(`${api}/list`), (call) => {
            const pinnedOnly = call.query.get("filter_by.is_pinned") === "true";
            const clusters = [...this.clusters.values()].filter((cluster) => !pinnedOnly || cluster.pinned);
            return clusters.length === 0 ? {} : { clusters: clusters.map((cluster) => this.details(cluster)) };
        });
        router.add("POST", new RegExp(`${api}/events`), () => ({ events: [], total_count: 0 }));
    }

    /** Clusters that bill: starting or running. */
    billing(): { clusterId: string; name: string; state: string }[] {
        return [...this.clusters.values()]
            .map((cluster) => this.refresh(cluster))
            .filter((cluster) => BILLING_STATES.has(cluster.state))
            .map((cluster) => ({ clusterId: cluster.clusterId, name: cluster.spec.cluster_name ?? "", state: cluster.state }));
    }

    /** A control for tests: force a state (e.g. keep a cluster PENDING, or make it RUNNING). */
    setState(clusterId: string, state: string): void {
        const cluster = this.get(clusterId);
        cluster.state = state;
        cluster.runningAt = undefined;
        cluster.stateMessage = state === "PENDING" ? "Finding instances for new nodes, acquiring more instances if necessary" : "";
    }

    get(clusterId: string): Cluster {
        const cluster = this.clusters.get(clusterId);
        if (!cluster) {
            // 400, not 404: the SDK's generated error override maps exactly this answer of clusters/get to
            // ResourceDoesNotExist (databricks-sdk-go apierr/error_overrides.go).
            throw invalidParameter(`Cluster ${clusterId} does not exist`);
        }
        return this.refresh(cluster);
    }

    private create(body: Record<string, any>): string {
        this.validateSpec(body, "clusters/create");
        this.sequence += 1;
        const now = Date.now();
        const date = new Date(now);
        const clusterId = `${String(date.getUTCMonth() + 1).padStart(2, "0")}${String(date.getUTCDate()).padStart(2, "0")}-${String(now).slice(-6)}-emu${String(this.sequence).padStart(5, "0")}`;
        this.clusters.set(clusterId, {
            spec: body,
            clusterId,
            state: "PENDING",
            stateMessage: "Finding instances for new nodes, acquiring more instances if necessary",
            runningAt: this.options.clusterStartMs === undefined ? undefined : now + this.options.clusterStartMs,
            pinned: false,
            createdAt: now,
        });
        return clusterId;
    }

    private edit(body: Record<string, any>): object {
        const clusterId = requireString(body, "cluster_id", "clusters/edit");
        const cluster = this.get(clusterId);
        // Clusters API (clusters/edit): "A cluster can be updated if it is in a RUNNING or TERMINATED state ... Any
        // attempt to update a cluster in any other state will be rejected with an INVALID_STATE error code." The
        // provider retries on INVALID_STATE for up to 15 minutes (terraform-provider-databricks clusters/resource_cluster.go).
        if (cluster.state !== "RUNNING" && cluster.state !== "TERMINATED") {
            throw new ApiError(
                400,
                "INVALID_STATE",
                `Cluster ${clusterId} is in unexpected state ${cluster.state[0]}${cluster.state.slice(1).toLowerCase()}.`,
            );
        }
        const { cluster_id: _id, ...spec } = body;
        this.validateSpec(spec, "clusters/edit");
        cluster.spec = spec;
        if (cluster.state === "RUNNING") {
            cluster.state = "RESTARTING";
            cluster.runningAt = Date.now() + (this.options.clusterStartMs ?? 0);
        }
        return {};
    }

    private terminate(clusterId: string): object {
        const cluster = this.get(clusterId);
        cluster.state = "TERMINATED";
        cluster.runningAt = undefined;
        cluster.stateMessage = "Terminated by user";
        return {};
    }

    private start(clusterId: string): object {
        const cluster = this.get(clusterId);
        if (cluster.state === "TERMINATED") {
            cluster.state = "PENDING";
            cluster.runningAt = this.options.clusterStartMs === undefined ? undefined : Date.now() + this.options.clusterStartMs;
        }
        return {};
    }

    private permanentDelete(clusterId: string): object {
        const cluster = this.get(clusterId);
        if (cluster.pinned) {
            throw invalidParameter(`Cluster ${clusterId} is pinned: unpin the cluster first`);
        }
        this.clusters.delete(clusterId);
        return {};
    }

    private setPinned(clusterId: string, pinned: boolean): object {
        this.get(clusterId).pinned = pinned;
        return {};
    }

    /**
     * What Databricks refuses in a cluster spec (DATABRICKS-FACTS.md, Clusters API reference): a cluster's, or a job
     * cluster's (`fields` then ClusterSpec's).
     */
    validateSpec(spec: Record<string, any>, what: string, fields: readonly string[] = CLUSTER_FIELDS): void {
        refuseUnknownKeys(spec, fields, what);
        const sparkVersion = requireString(spec, "spark_version", what);
        if (!SPARK_VERSIONS.some((version) => version.key === sparkVersion)) {
            throw invalidParameter(`Invalid spark version ${sparkVersion}.`);
        }
        if (!spec.instance_pool_id) {
            const nodeType = requireString(spec, "node_type_id", what);
            if (!NODE_TYPES.some((type) => type.node_type_id === nodeType)) {
                throw invalidParameter(`Node type ${nodeType} is not supported.`);
            }
        }
        if (spec.autoscale) {
            const { min_workers: minWorkers, max_workers: maxWorkers } = spec.autoscale;
            if (!Number.isInteger(minWorkers) || minWorkers < 0) {
                throw invalidParameter(`Invalid autoscale min_workers: ${minWorkers}`);
            }
            // Autoscaling needs max_workers strictly above min_workers; equal bounds are refused.
            if (!Number.isInteger(maxWorkers) || maxWorkers <= minWorkers) {
                throw invalidParameter(
                    `The maximum number of workers (${maxWorkers}) must be greater than the minimum number of workers (${minWorkers}).`,
                );
            }
        }
        const minutes = spec.autotermination_minutes;
        if (minutes !== undefined && minutes !== 0 && !(Number.isInteger(minutes) && minutes >= 10 && minutes <= 10000)) {
            throw invalidParameter(
                `Auto-termination minutes must be between 10 and 10000, or 0 to disable auto-termination; got ${minutes}.`,
            );
        }
        if (spec.data_security_mode === "SINGLE_USER" && !spec.single_user_name) {
            throw invalidParameter("single_user_name must be set for a cluster in SINGLE_USER data security mode.");
        }
    }

    /** PENDING turns RUNNING once its start time has come. */
    private refresh(cluster: Cluster): Cluster {
        if (
            (cluster.state === "PENDING" || cluster.state === "RESTARTING") &&
            cluster.runningAt !== undefined &&
            Date.now() >= cluster.runningAt
        ) {
            cluster.state = "RUNNING";
            cluster.stateMessage = "";
            cluster.runningAt = undefined;
        }
        return cluster;
    }

    /** ClusterDetails as clusters/get answers: the spec back, plus what Databricks sets. */
    private details(cluster: Cluster): object {
        const { spec } = cluster;
        return {
            ...spec,
            cluster_id: cluster.clusterId,
            driver_node_type_id: spec.driver_node_type_id ?? spec.node_type_id,
            state: cluster.state,
            state_message: cluster.stateMessage,
            creator_user_name: this.options.creator,
            cluster_source: "API",
            start_time: cluster.createdAt,
            default_tags: {
                Vendor: "Databricks",
                Creator: this.options.creator,
                ClusterName: spec.cluster_name ?? "",
                ClusterId: cluster.clusterId,
            },
        };
    }
}
