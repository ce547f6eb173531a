import { randomUUID } from "crypto";
import { ApiError, invalidParameter, notFound, refuseUnknownKeys } from "./apiError";
import { Router } from "./router";

/** JSON fields of pipelines.CreatePipeline / EditPipeline (databricks-sdk-go v0.175.0). */
const PIPELINE_FIELDS = [
    "allow_duplicate_names",
    "budget_policy_id",
    "catalog",
    "channel",
    "clusters",
    "configuration",
    "continuous",
    "deployment",
    "development",
    "dry_run",
    "edition",
    "environment",
    "event_log",
    "expected_last_modified",
    "filters",
    "gateway_definition",
    "id",
    "ingestion_definition",
    "libraries",
    "name",
    "notifications",
    "parameters",
    "photon",
    "pipeline_id",
    "restart_window",
    "root_path",
    "run_as",
    "schema",
    "serverless",
    "serverless_compute_id",
    "storage",
    "tags",
    "target",
    "trigger",
    "usage_policy_id",
];
const START_UPDATE_FIELDS = [
    "cause",
    "full_refresh",
    "full_refresh_selection",
    "parameters",
    "refresh_selection",
    "replace_where_overrides",
    "reset_checkpoint_selection",
    "rewind_spec",
    "validate_only",
];

/** Pipeline states in which the pipeline holds a cluster, i.e. bills. IDLE, FAILED and DELETED do not. */
const BILLING_STATES = new Set(["DEPLOYING", "STARTING", "RUNNING", "RECOVERING", "RESETTING", "STOPPING"]);

export interface PipelineUpdate {
    updateId: string;
    state: "QUEUED" | "INITIALIZING" | "RUNNING" | "COMPLETED" | "CANCELED" | "FAILED";
    createdAt: number;
    fullRefresh: boolean;
    /** A triggered update ends (COMPLETED) at this time; a continuous one runs until stopped. */
    endsAt?: number;
}

export interface Pipeline {
    pipelineId: string;
    spec: Record<string, any>;
    state: string;
    /** Epoch ms at which a STARTING pipeline reports RUNNING. */
    runningAt?: number;
    updates: PipelineUpdate[];
    lastModified: number;
    clusterId?: string;
}

export interface PipelineOptions {
    /** Milliseconds from an update's start to RUNNING. */
    pipelineStartMs: number;
    /** Milliseconds a triggered update runs before it completes and the pipeline is IDLE again. */
    triggeredUpdateMs: number;
    creator: string;
}

/**
 * The Pipelines API 2.0 (DLT / Lakeflow Declarative Pipelines): create, get, edit, delete, list, updates, stop.
 * The lifecycle is the one that costs money (DATABRICKS-FACTS.md): creating a `continuous: true` pipeline starts
 * an update at once and the pipeline goes STARTING then RUNNING, and keeps its cluster (bills) until stopped; a
 * triggered pipeline (`continuous: false`) stays IDLE until `POST /pipelines/{id}/updates`, and goes back to IDLE
 * when that update completes. `POST .../stop` stops either. Names are unique unless `allow_duplicate_names`.
 */
export class Pipelines {
    readonly pipelines = new Map<string, Pipeline>();
    /** When set, every update fails (e.g. a fresh workspace where the pipeline's source tables do not exist yet). */
    failUpdates = false;

    constructor(private readonly options: PipelineOptions) {}

    routes(router: Router): void {
        const api = String.raw`\/api\/2\.0\/pipelines`;
        router.add("POST", new RegExp(api), (call) => this.create(call.body));
        router.add("GET", new RegExp(api), () => ({
            statuses: [...this.pipelines.values()].map((pipeline) => this.status(this.refresh(pipeline))),
        }));
        router.add("GET", new RegExp(`${api}/([^/]+)`), (call) => this.view(this.get(call.params[0])));
        router.add("PUT", new RegExp(`${api}/([^/]+)`), (call) => this.edit(call.params[0], call.body));
        router.add("DELETE", new RegExp(`${api}/([^/]+)`), (call) => {
            const pipeline = this.get(call.params[0]);
            this.pipelines.delete(pipeline.pipelineId);
            return {};
        });
        router.add("POST", new RegExp(`${api}/([^/]+)/updates`), (call) => {
            refuseUnknownKeys(call.body, START_UPDATE_FIELDS, "pipelines/updates");
            const pipeline = this.get(call.params[0]);
            if (this.activeUpdate(pipeline)) {
                throw new ApiError(409, "RESOURCE_CONFLICT", `An active update already exists for pipeline ${pipeline.pipelineId}.`);
            }
            return { update_id: this.startUpdate(pipeline, call.body.full_refresh === true).updateId };
        });
        router.add("GET", new RegExp(`${api}/([^/]+)/updates`), (call) => ({
            updates: this.get(call.params[0]).updates.map((update) => this.updateView(call.params[0], update)),
        }));
        router.add("GET", new RegExp(`${api}/([^/]+)/updates/([^/]+)`), (call) => {
            const update = this.get(call.params[0]).updates.find((candidate) => candidate.updateId === call.params[1]);
            if (!update) {
                throw notFound(`Update ${call.params[1]} of pipeline ${call.params[0]} does not exist.`);
            }
            return { update: this.updateView(call.params[0], update) };
        });
        router.add("POST", new RegExp(`${api}/([^/]+)/stop`), (call) => {
            this.stop(this.get(call.params[0]));
            return {};
        });
        router.add("GET", new RegExp(`${api}/([^/]+)/events`), () => ({ events: [] }));
    }

    /** Pipelines that hold compute. */
    billing(): { pipelineId: string; name: string; state: string }[] {
        return [...this.pipelines.values()]
            .map((pipeline) => this.refresh(pipeline))
            .filter((pipeline) => BILLING_STATES.has(pipeline.state))
            .map((pipeline) => ({ pipelineId: pipeline.pipelineId, name: pipeline.spec.name, state: pipeline.state }));
    }

    get(pipelineId: string): Pipeline {
        const pipeline = this.pipelines.get(pipelineId);
        if (!pipeline) {
            throw notFound(`The specified pipeline ${pipelineId} was not found.`);
        }
        return this.refresh(pipeline);
    }

    private create(body: Record<string, any>): object {
        this.validate(body, undefined);
        const { dry_run: dryRun, allow_duplicate_names: _allow, ...spec } = body;
        const pipelineId = randomUUID();
        if (dryRun) {
            return { pipeline_id: pipelineId, effective_settings: { ...spec, id: pipelineId } };
        }
        const pipeline: Pipeline = { pipelineId, spec: { ...spec, id: pipelineId }, state: "IDLE", updates: [], lastModified: Date.now() };
        this.pipelines.set(pipelineId, pipeline);
        if (spec.continuous === true) {
            this.startUpdate(pipeline, false);
        }
        return { pipeline_id: pipelineId, effective_settings: pipeline.spec };
    }

    private edit(pipelineId: string, body: Record<string, any>): object {
        const pipeline = this.get(pipelineId);
        this.validate(body, pipelineId);
        if (body.expected_last_modified !== undefined && body.expected_last_modified !== pipeline.lastModified) {
            throw new ApiError(409, "RESOURCE_CONFLICT", `Pipeline ${pipelineId} was modified since ${body.expected_last_modified}.`);
        }
        const { pipeline_id: _id, expected_last_modified: _modified, allow_duplicate_names: _allow, ...spec } = body;
        pipeline.spec = { ...spec, id: pipelineId };
        pipeline.lastModified = Date.now();
        // An edit restarts a continuous pipeline; a triggered one keeps its state until its next update.
        if (spec.continuous === true) {
            this.stop(pipeline);
            this.startUpdate(pipeline, false);
        } else if (this.activeUpdate(pipeline)?.endsAt === undefined) {
            this.stop(pipeline);
        }
        return {};
    }

    private validate(body: Record<string, any>, pipelineId: string | undefined): void {
        refuseUnknownKeys(body, PIPELINE_FIELDS, pipelineId ? "pipelines/edit" : "pipelines/create");
        if (!body.name) {
            throw invalidParameter("Pipeline name is required.");
        }
        if (!body.allow_duplicate_names) {
            const clash = [...this.pipelines.values()].find((other) => other.spec.name === body.name && other.pipelineId !== pipelineId);
            if (clash) {
                throw new ApiError(
                    409,
                    "RESOURCE_CONFLICT",
                    `Pipeline name '${body.name}' is already used by another pipeline (${clash.pipelineId}).`,
                );
            }
        }
        if (body.catalog && body.target) {
            throw invalidParameter("Specify either 'schema' or 'target', not both, with a catalog.");
        }
        // "Serverless pipelines always use Unity Catalog" and "You cannot manually add compute settings in a clusters
        // object in the JSON configuration for a serverless pipeline. Attempting to do so results in an error."
        // (Databricks docs, Configure a serverless pipeline; the provider: serverless "Requires `catalog` to be set").
        if (body.serverless === true) {
            if (!body.catalog) {
                throw invalidParameter("Serverless pipelines require Unity Catalog: specify 'catalog' (and 'schema').");
            }
            if ((body.clusters ?? []).length > 0) {
                throw invalidParameter("Compute settings ('clusters') cannot be specified for a serverless pipeline.");
            }
        }
        for (const cluster of body.clusters ?? []) {
            const autoscale = cluster.autoscale;
            if (autoscale && !(autoscale.max_workers > autoscale.min_workers)) {
                throw invalidParameter(
                    `Cluster '${cluster.label}': max_workers (${autoscale.max_workers}) must be greater than min_workers (${autoscale.min_workers}).`,
                );
            }
            if (autoscale?.mode && !["ENHANCED", "LEGACY"].includes(autoscale.mode)) {
                throw invalidParameter(`Cluster '${cluster.label}': unknown autoscale mode ${autoscale.mode}.`);
            }
        }
    }

    private startUpdate(pipeline: Pipeline, fullRefresh: boolean): PipelineUpdate {
        const now = Date.now();
        const update: PipelineUpdate = {
            updateId: randomUUID(),
            state: "INITIALIZING",
            createdAt: now,
            fullRefresh,
            endsAt: pipeline.spec.continuous === true ? undefined : now + this.options.pipelineStartMs + this.options.triggeredUpdateMs,
        };
        pipeline.updates.unshift(update);
        pipeline.state = "STARTING";
        pipeline.runningAt = now + this.options.pipelineStartMs;
        pipeline.clusterId = `pipeline-cluster-${pipeline.pipelineId.slice(0, 8)}`;
        return update;
    }

    private stop(pipeline: Pipeline): void {
        const update = this.activeUpdate(pipeline);
        // "Stops the pipeline by canceling the active update. If there is no active update for the pipeline, this
        // request is a no-op." (Pipelines API, stop): a pipeline left FAILED by its last update stays FAILED.
        if (!update) {
            return;
        }
        update.state = "CANCELED";
        pipeline.state = "IDLE";
        pipeline.runningAt = undefined;
        pipeline.clusterId = undefined;
    }

    private activeUpdate(pipeline: Pipeline): PipelineUpdate | undefined {
        return pipeline.updates.find((update) => ["QUEUED", "INITIALIZING", "RUNNING"].includes(update.state));
    }

    /** Moves time-driven states on: STARTING -> RUNNING (or FAILED), a triggered update -> COMPLETED and IDLE. */
    private refresh(pipeline: Pipeline): Pipeline {
        const now = Date.now();
        const update = this.activeUpdate(pipeline);
        if (pipeline.state === "STARTING" && pipeline.runningAt !== undefined && now >= pipeline.runningAt) {
            if (this.failUpdates) {
                pipeline.state = "FAILED";
                pipeline.clusterId = undefined;
                if (update) {
                    update.state = "FAILED";
                }
            } else {
                pipeline.state = "RUNNING";
                if (update) {
                    update.state = "RUNNING";
                }
            }
            pipeline.runningAt = undefined;
        }
        if (pipeline.state === "RUNNING" && update?.endsAt !== undefined && now >= update.endsAt) {
            update.state = "COMPLETED";
            pipeline.state = "IDLE";
            pipeline.clusterId = undefined;
        }
        return pipeline;
    }

    private status(pipeline: Pipeline): object {
        return {
            pipeline_id: pipeline.pipelineId,
            name: pipeline.spec.name,
            state: pipeline.state,
            creator_user_name: this.options.creator,
            run_as_user_name: this.options.creator,
            latest_updates: pipeline.updates.slice(0, 5).map((update) => ({
                update_id: update.updateId,
                state: update.state,
                creation_time: new Date(update.createdAt).toISOString(),
            })),
            ...(pipeline.clusterId ? { cluster_id: pipeline.clusterId } : {}),
        };
    }

    private view(pipeline: Pipeline): object {
        return {
            ...this.status(pipeline),
            spec: pipeline.spec,
            last_modified: pipeline.lastModified,
            health: pipeline.state === "FAILED" ? "UNHEALTHY" : "HEALTHY",
        };
    }

    private updateView(pipelineId: string, update: PipelineUpdate): object {
        return {
            pipeline_id: pipelineId,
            update_id: update.updateId,
            state: update.state,
            creation_time: update.createdAt,
            full_refresh: update.fullRefresh,
            cause: "API_CALL",
        };
    }
}
