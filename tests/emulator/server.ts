/**
 * A stateful stand-in for a Databricks workspace's REST API, for the project's end-to-end tests: the real Pulumi
 * engine and Databricks provider, the run-on-deploy commands (notebooks/streambench/ops/deploy.py) and the ops CLI
 * (cli/ops.ts) talk to it as to a workspace. It keeps what is created, answers in Databricks' shapes and refuses what
 * Databricks refuses (400/404/409 with `{error_code, message}`); it records every request in order.
 *
 * Test controls (no token needed) live under `/__emulator/`: the request log, the objects, what bills, faults,
 * and cluster states. The same controls are methods of `WorkspaceEmulator` for in-process tests.
 */
import { createHash } from "crypto";
import * as http from "http";
import { AddressInfo } from "net";
import { ApiError } from "./apiError";
import { Catalog } from "./catalog";
import { Compute } from "./compute";
import { Dashboards } from "./dashboards";
import { Files, RawReply } from "./files";
import { Identity, identityRoutes } from "./identity";
import { Jobs } from "./jobs";
import { Permissions } from "./permissions";
import { Pipelines } from "./pipelines";
import { Statements } from "./statements";
import { Call, Router } from "./router";
import { WorkspaceTree } from "./workspaceTree";
import { parseBody, readBody } from "./body";
import { OAuthServer } from "./oauth";
import type { EmulatorOptions, Fault, HeldObject, RecordedRequest } from "./types";

export class WorkspaceEmulator {
    readonly identity: Identity;
    readonly compute: Compute;
    readonly catalog: Catalog;
    readonly tree: WorkspaceTree;
    readonly jobs: Jobs;
    readonly pipelines: Pipelines;
    readonly permissions: Permissions;
    readonly dashboards: Dashboards;
    readonly files: Files;
    readonly statements: Statements;
    readonly requests: RecordedRequest[] = [];
    /** `METHOD path` of every request no route knew, in order. */
    readonly unknownRoutes: string[] = [];
    /** OAuth machine-to-machine: discovery, the token endpoint and the tokens it issued. */
    readonly oauth: OAuthServer;
    private readonly router = new Router();
    private readonly faults: (Fault & { remaining: number; pattern: RegExp })[] = [];
    private readonly hanging = new Set<http.ServerResponse>();
    private readonly log: (line: string) => void;
    private server?: http.Server;
    private baseUrl = "";

    constructor(private readonly options: EmulatorOptions) {
        if (options.tokens.length === 0 && (options.servicePrincipals ?? []).length === 0) {
            throw new Error("the emulator needs at least one accepted token or service principal");
        }
        this.oauth = new OAuthServer(options.servicePrincipals ?? [], options.oauthTokenLifetimeSeconds ?? 3600, options.now ?? Date.now);
        this.log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
        const userName = options.userName ?? "bench.user@example.com";
        this.identity = { userName, userId: "7001", workspaceId: "1234567890123456" };
        this.compute = new Compute({ clusterStartMs: options.clusterStartMs, creator: userName });
        this.catalog = new Catalog({
            catalogs: options.catalogs ?? ["main"],
            owner: userName,
            metastoreId: "11111111-2222-4333-8444-555555555555",
            workspaceId: this.identity.workspaceId,
        });
        this.tree = new WorkspaceTree(["/Users", `/Users/${userName}`, "/Shared"]);
        this.pipelines = new Pipelines({
            pipelineStartMs: options.pipelineStartMs ?? 1500,
            triggeredUpdateMs: options.triggeredUpdateMs ?? 3000,
            creator: userName,
        });
        this.jobs = new Jobs(
            this.compute,
            userName,
            () => this.baseUrl,
            (pipelineId) => this.pipelines.pipelines.has(pipelineId),
            (parameters) => this.catalog.writePhaseTables(parameters),
        );
        this.permissions = new Permissions({
            owner: userName,
            groups: options.groups ?? ["admins", "users"],
            exists: (type, id) => this.exists(type, id),
        });
        this.dashboards = new Dashboards(this.tree, options.warehouses ?? []);
        this.files = new Files(this.catalog);
        this.statements = new Statements(options.warehouses ?? [], (fullName) =>
            [...this.catalog.tables.values()].some((tables) => tables.includes(fullName)),
        );

        identityRoutes(this.router, this.identity);
        this.compute.routes(this.router);
        this.catalog.routes(this.router);
        this.tree.routes(this.router);
        this.jobs.routes(this.router);
        this.pipelines.routes(this.router);
        this.permissions.routes(this.router);
        this.dashboards.routes(this.router);
        this.files.routes(this.router);
        this.statements.routes(this.router);
    }

    /** Starts listening on 127.0.0.1 (port 0 = any free port); resolves to the workspace URL. */
    async start(port = 0): Promise<string> {
        this.server = http.createServer((request, response) => void this.serve(request, response));
        await new Promise<void>((resolve) => this.server!.listen(port, "127.0.0.1", resolve));
        this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
        return this.baseUrl;
    }

    get url(): string {
        return this.baseUrl;
    }

    async stop(): Promise<void> {
        for (const response of this.hanging) {
            response.destroy();
        }
        this.hanging.clear();
        if (this.server) {
            this.server.closeAllConnections();
            await new Promise<void>((resolve) => this.server!.close(() => resolve()));
        }
    }

    addFault(fault: Fault): void {
        this.faults.push({ ...fault, remaining: fault.times ?? 1, pattern: new RegExp(`^(?:${fault.path})$`) });
    }

    clearFaults(): void {
        this.faults.length = 0;
    }

    /** Faults not yet used up. */
    pendingFaults(): Fault[] {
        return this.faults
            .filter((fault) => fault.remaining > 0)
            .map(({ remaining, pattern: _pattern, ...fault }) => ({ ...fault, times: remaining }));
    }

    /** What holds compute now: clusters starting or running, pipelines not idle, runs still active. */
    billing(): {
        clusters: ReturnType<Compute["billing"]>;
        pipelines: ReturnType<Pipelines["billing"]>;
        activeRuns: { runId: number; jobId: number }[];
    } {
        return {
            clusters: this.compute.billing(),
            pipelines: this.pipelines.billing(),
            activeRuns: this.jobs.activeRuns().map((run) => ({ runId: run.runId, jobId: run.jobId })),
        };
    }

    /** Every object callers created and the workspace still holds (seeded folders and trashed dashboards aside). */
    objects(): HeldObject[] {
        return [
            ...[...this.compute.clusters.values()].map((cluster): HeldObject => ({
                kind: "cluster",
                id: cluster.clusterId,
                name: cluster.spec.cluster_name ?? "",
            })),
            ...[...this.catalog.schemas.values()].map((schema): HeldObject => ({
                kind: "schema",
                id: schema.full_name,
                name: schema.full_name,
            })),
            ...[...this.catalog.volumes.values()].map((volume): HeldObject => ({
                kind: "volume",
                id: volume.full_name,
                name: volume.full_name,
            })),
            ...[...this.catalog.tables.values()].flat().map((table): HeldObject => ({ kind: "table", id: table, name: table })),
            ...[...this.tree.objects.values()]
                .filter((object) => !object.seeded)
                .map((object): HeldObject => ({ kind: "workspace-object", id: String(object.objectId), name: object.path })),
            ...[...this.jobs.jobs.values()].map((job): HeldObject => ({
                kind: "job",
                id: String(job.jobId),
                name: job.settings.name ?? "",
            })),
            ...[...this.pipelines.pipelines.values()].map((pipeline): HeldObject => ({
                kind: "pipeline",
                id: pipeline.pipelineId,
                name: pipeline.spec.name,
            })),
            ...[...this.dashboards.dashboards.values()]
                .filter((dashboard) => dashboard.lifecycleState === "ACTIVE")
                .map((dashboard): HeldObject => ({ kind: "dashboard", id: dashboard.dashboardId, name: dashboard.path })),
            ...[...this.permissions.acls.keys()]
                .filter((key) => this.exists(key.split("/")[1], key.split("/")[2]))
                .map((key): HeldObject => ({ kind: "permissions", id: key, name: key })),
            ...this.jobs
                .activeRuns()
                .map((run): HeldObject => ({ kind: "active-run", id: String(run.runId), name: `run ${run.runId} of job ${run.jobId}` })),
        ];
    }

    private exists(type: string, id: string): boolean {
        switch (type) {
            case "clusters":
                return this.compute.clusters.has(id);
            case "jobs":
                return this.jobs.jobs.has(Number(id));
            case "pipelines":
                return this.pipelines.pipelines.has(id);
            case "dashboards":
                return this.dashboards.dashboards.get(id)?.lifecycleState === "ACTIVE";
            case "directories":
            case "notebooks":
                return [...this.tree.objects.values()].some((object) => String(object.objectId) === id);
            default:
                return false;
        }
    }

    private async serve(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
        const url = new URL(request.url ?? "/", "http://emulator");
        const raw = await readBody(request);
        if (url.pathname.startsWith("/__emulator/")) {
            return this.control(request.method ?? "GET", url, raw, response);
        }
        const method = request.method ?? "GET";
        const record: RecordedRequest = {
            seq: this.requests.length + 1,
            at: Date.now(),
            method,
            path: url.pathname,
            query: Object.fromEntries(url.searchParams),
            body: undefined,
            auth: this.checkAuth(request.headers.authorization),
            status: 0,
        };
        this.requests.push(record);
        const headers: Record<string, string> = { "Content-Type": "application/json" };
        if (url.pathname.startsWith("/oidc/")) {
            // OAuth: no bearer token; the client's credentials are in the request, which is never recorded.
            record.auth = "client-credentials";
            const answer = this.oauth.handle(method, url.pathname, this.baseUrl, request.headers.authorization, raw.toString("utf8"));
            record.status = answer.status;
            response.writeHead(answer.status, headers);
            response.end(JSON.stringify(answer.body));
            return;
        }
        const answer = (status: number, body: unknown): void => {
            record.status = status;
            response.writeHead(status, headers);
            response.end(JSON.stringify(body));
        };
        const refuse = (error: ApiError): void => {
            record.errorCode = error.errorCode;
            answer(error.status, { error_code: error.errorCode, message: error.message });
        };
        try {
            // A file upload (the Files API) is its bytes, kept as base64 like any other file content.
            record.body = /octet-stream/.test(request.headers["content-type"] ?? "")
                ? { content: raw.toString("base64") }
                : parseBody(raw, request.headers["content-type"]);
        } catch {
            return refuse(new ApiError(400, "MALFORMED_REQUEST", "Invalid JSON given in the body of the request"));
        }
        // The SDKs' host-metadata probe, sent without credentials: where the workspace's OIDC discovery lives (the
        // Python SDK's OAuth machine-to-machine finds its token endpoint from this) and the workspace id.
        if (url.pathname === "/.well-known/databricks-config") {
            record.status = 200;
            response.writeHead(200, headers);
            response.end(JSON.stringify({ oidc_endpoint: `${this.baseUrl}/oidc`, workspace_id: this.identity.workspaceId }));
            return;
        }
        if (record.auth !== "accepted") {
            // The workspace answers 401 without credentials or with an expired OAuth token, and 403 for a token it
            // does not know ("Invalid access token.", HTTP 403, as the Databricks SDKs' issue reports show it).
            return refuse(
                record.auth === "missing"
                    ? new ApiError(401, "UNAUTHENTICATED", "Credential was not sent or was of an unsupported type for this API.")
                    : record.auth === "expired"
                      ? new ApiError(401, "UNAUTHENTICATED", "Token expired.")
                      : new ApiError(403, "PERMISSION_DENIED", "Invalid access token."),
            );
        }
        const fault = this.faults.find(
            (candidate) =>
                candidate.remaining > 0 && (!candidate.method || candidate.method === method) && candidate.pattern.test(url.pathname),
        );
        if (fault) {
            fault.remaining -= 1;
            record.fault = fault.hang ? "hang" : fault.reply !== undefined ? "reply" : `${fault.status}`;
            this.log(`emulator: fault on ${method} ${url.pathname}: ${fault.hang ? "hanging" : `HTTP ${fault.status}`}`);
            if (fault.hang) {
                this.hanging.add(response);
                response.on("close", () => this.hanging.delete(response));
                return;
            }
            if (fault.reply !== undefined) {
                record.status = 200;
                response.writeHead(200, headers);
                response.end(JSON.stringify(fault.reply));
                return;
            }
            if (fault.retryAfterSeconds !== undefined) {
                headers["Retry-After"] = String(fault.retryAfterSeconds);
            }
            const status = fault.status ?? 500;
            return refuse(
                new ApiError(
                    status,
                    fault.errorCode ?? (status === 429 ? "TOO_MANY_REQUESTS" : "INTERNAL_ERROR"),
                    fault.message ??
                        (status === 429 ? "Too many requests. Please wait and retry." : "Internal error (injected by the test)."),
                ),
            );
        }
        const found = this.router.match(method, url.pathname);
        if (!found) {
            this.unknownRoutes.push(`${method} ${url.pathname}`);
            this.log(`emulator: unknown route ${method} ${url.pathname}${url.search} -> 404`);
            return refuse(new ApiError(404, "ENDPOINT_NOT_FOUND", `No API found for '${method} ${url.pathname}'`));
        }
        const call: Call = {
            method,
            path: url.pathname,
            params: found.params,
            query: url.searchParams,
            body: (record.body as Record<string, any>) ?? {},
            responseHeaders: headers,
        };
        try {
            const result = await found.route.handle(call);
            if (result instanceof RawReply) {
                record.status = 200;
                response.writeHead(200, result.headers);
                return void response.end(result.body);
            }
            answer(200, result);
        } catch (error) {
            if (error instanceof ApiError) {
                return refuse(error);
            }
            this.log(`emulator: handler error on ${method} ${url.pathname}: ${(error as Error).stack}`);
            return refuse(new ApiError(500, "INTERNAL_ERROR", `emulator bug: ${(error as Error).message}`));
        }
    }

    private checkAuth(header: string | undefined): string {
        const token = /^Bearer (.+)$/.exec(header ?? "")?.[1];
        if (!token) {
            return "missing";
        }
        if (this.options.tokens.includes(token)) {
            return "accepted";
        }
        const verdict = this.oauth.verdict(token);
        if (verdict !== "unknown") {
            return verdict;
        }
        return `rejected (sha256 ${createHash("sha256").update(token).digest("hex").slice(0, 12)})`;
    }

    private control(method: string, url: URL, raw: Buffer, response: http.ServerResponse): void {
        const reply = (status: number, body: unknown): void => {
            response.writeHead(status, { "Content-Type": "application/json" });
            response.end(JSON.stringify(body));
        };
        const route = `${method} ${url.pathname.slice("/__emulator".length)}`;
        try {
            const body = raw.length > 0 ? JSON.parse(raw.toString("utf8")) : {};
            const clusterState = /^POST \/clusters\/([^/]+)\/state$/.exec(route);
            if (route === "GET /requests") {
                return reply(200, { requests: this.requests, unknownRoutes: this.unknownRoutes });
            } else if (route === "GET /objects") {
                return reply(200, { objects: this.objects() });
            } else if (route === "GET /billing") {
                return reply(200, this.billing());
            } else if (route === "POST /faults") {
                this.addFault(body);
                return reply(200, { faults: this.pendingFaults() });
            } else if (route === "GET /faults") {
                return reply(200, { faults: this.pendingFaults() });
            } else if (route === "DELETE /faults") {
                this.clearFaults();
                return reply(200, {});
            } else if (clusterState) {
                this.compute.setState(decodeURIComponent(clusterState[1]), body.state);
                return reply(200, {});
            } else if (route === "POST /pipelines/fail-updates") {
                this.pipelines.failUpdates = body.fail === true;
                return reply(200, {});
            }
            return reply(404, { message: `unknown control ${route}` });
        } catch (error) {
            return reply(error instanceof ApiError ? error.status : 400, { message: (error as Error).message });
        }
    }
}
