/** What the emulator is started with, records and holds: the shapes its tests read. */
export interface EmulatorOptions {
    /** Personal access tokens the workspace accepts as `Authorization: Bearer <token>`. */
    tokens: string[];
    /** Service principals that get OAuth tokens for their client id and secret (machine-to-machine). */
    servicePrincipals?: { clientId: string; clientSecret: string }[];
    /** Lifetime of an OAuth access token (default 3600 s, as Databricks issues them). */
    oauthTokenLifetimeSeconds?: number;
    /** The emulator's clock in ms (default Date.now): tests expire tokens by moving it, not by waiting. */
    now?: () => number;
    userName?: string;
    /** Unity Catalog catalogs that exist (default `main`). */
    catalogs?: string[];
    /** SQL warehouse ids that exist (for dashboards and SQL statements). */
    warehouses?: string[];
    /** Workspace groups (for permissions). */
    groups?: string[];
    /** Milliseconds a new cluster stays PENDING; undefined = stays PENDING until a test changes it. */
    clusterStartMs?: number;
    /** Milliseconds from a pipeline update's start to RUNNING. */
    pipelineStartMs?: number;
    /** Milliseconds a triggered pipeline update runs before it completes. */
    triggeredUpdateMs?: number;
    /** Where unknown routes and faults are reported (default stderr). */
    log?: (line: string) => void;
}

/** One API request as recorded, in arrival order. The token is never stored: only whether it was accepted. */
export interface RecordedRequest {
    seq: number;
    at: number;
    method: string;
    path: string;
    query: Record<string, string>;
    body: unknown;
    /** "accepted", "missing" or "rejected"; a rejected token is stored as a short digest, never in clear. */
    auth: string;
    status: number;
    errorCode?: string;
    /** The fault that answered, if any. */
    fault?: string;
}

/** A scripted failure: the next `times` requests matching method + path get this answer instead of the API's. */
export interface Fault {
    method?: string;
    /** A regular expression (source) matched against the whole request path. */
    path: string;
    /** Answer with this HTTP status and a Databricks error body. */
    status?: number;
    errorCode?: string;
    message?: string;
    /** Adds a Retry-After header (seconds), as Databricks does with 429. */
    retryAfterSeconds?: number;
    /** Answer 200 with this body instead of doing the call: a malformed answer (e.g. a run-now without run_id). */
    reply?: unknown;
    /** Never answer: the request hangs until the client gives up or the emulator closes. */
    hang?: boolean;
    /** How many matching requests the fault answers (default 1). */
    times?: number;
}

/** An object the workspace holds, for tests: what a stack left behind. */
export interface HeldObject {
    kind: "cluster" | "schema" | "volume" | "table" | "workspace-object" | "job" | "pipeline" | "dashboard" | "permissions" | "active-run";
    id: string;
    name: string;
}
