/**
 * A small typed client for the few Jobs API 2.2 calls the ops CLI makes, over Node 20's global `fetch`.
 *
 * Why hand-written: the official JS SDK (`@databricks/sdk-experimental`) is marked "PREVIEW - NOT FOR PRODUCTION
 * USE", and four REST calls do not justify a new dependency. Every failure becomes a WorkspaceApiError whose
 * message says what to fix. The token goes into the Authorization header and nowhere else: it is never part of a
 * message, and anything the server echoes back has it blanked out.
 */

export const DEFAULT_TIMEOUT_SECONDS = 30;
/** The longest `--timeout` taken: an hour per request (Node's timers also stop at 2^31 - 1 ms, about 24.8 days). */
export const MAX_TIMEOUT_SECONDS = 3600;
/** Pages of one listing before giving up: the stack has at most a handful of jobs and active runs. */
export const MAX_PAGES = 100;
/** How long a cancel waits for the cancelled runs to end before it stops the DLT pipeline. */
export const CANCEL_SETTLE_MS = 120_000;

/** ANSI escape sequences (colours, cursor moves, OSC titles) and other control characters, but newline and tab. */
const TERMINAL_CONTROL = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]|[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;

/**
 * Text safe to print: without terminal control sequences (a server's text could otherwise recolour or rewrite the
 * terminal), and without the token in any form a server or a setting might echo it: as it is, in another case,
 * URL-encoded, JSON-escaped or base64-encoded.
 */
export function printable(text: string, secret: string | undefined): string {
    let safe = text.replace(TERMINAL_CONTROL, "");
    if (secret) {
        const forms = new Set([
            secret,
            encodeURIComponent(secret),
            JSON.stringify(secret).slice(1, -1),
            Buffer.from(secret).toString("base64"),
        ]);
        for (const form of forms) {
            safe = safe.replace(new RegExp(form.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "gi"), "<token>");
        }
    }
    return safe;
}

export interface WorkspaceClientOptions {
    /** Workspace URL, e.g. `https://dbc-123.cloud.databricks.com` (no trailing slash). */
    host: string;
    token: string;
    /** Per request, including reading the answer. */
    timeoutSeconds?: number;
}

export interface Job {
    job_id: number;
    settings?: { name?: string };
}

export interface Run {
    run_id: number;
    job_id?: number;
    /** Milliseconds since the epoch. */
    start_time?: number;
    run_page_url?: string;
    state?: { life_cycle_state?: string; state_message?: string };
    status?: { state?: string };
}

export interface PipelineSummary {
    pipeline_id: string;
    name?: string;
    /** IDLE, STARTING, RUNNING, STOPPING, FAILED, ... */
    state?: string;
}

interface Page {
    has_more?: boolean;
    next_page_token?: string;
}

/** A failed workspace call; `message` is one line that names the cause and the setting to check. */
export class WorkspaceApiError extends Error {
    constructor(
        message: string,
        readonly httpStatus?: number,
    ) {
        super(message);
        this.name = "WorkspaceApiError";
    }
}

const HOST_HINT = "check DATABRICKS_HOST / databricks:host";
const TOKEN_HINT = "check DATABRICKS_TOKEN / databricks:token";
const NETWORK_ERROR_CODES = new Set(["ENOTFOUND", "EAI_AGAIN", "ECONNREFUSED", "ECONNRESET", "EHOSTUNREACH", "ENETUNREACH"]);

export class WorkspaceClient {
    private readonly host: string;
    private readonly token: string;
    private readonly timeoutSeconds: number;

    constructor(options: WorkspaceClientOptions) {
        this.host = options.host;
        this.token = options.token;
        this.timeoutSeconds = options.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
    }

    /** Jobs named exactly `name` (the API filter ignores case; names are not unique in a workspace). */
    async jobsNamed(name: string): Promise<Job[]> {
        const jobs = await this.allPages<Job>("/api/2.2/jobs/list", "jobs", { name });
        return jobs.filter((job) => job.settings?.name === name);
    }

    /** Runs of the job that are queued, pending, running or terminating. */
    async activeRuns(jobId: number): Promise<Run[]> {
        return this.allPages<Run>("/api/2.2/jobs/runs/list", "runs", { job_id: String(jobId), active_only: "true" });
    }

    /**
     * Every page of a listing, following `next_page_token` while `has_more`. A server that repeats a token, or that
     * goes on past MAX_PAGES pages, would keep this loop going forever: that is an error instead.
     */
    private async allPages<T>(path: string, field: "jobs" | "runs" | "statuses", query: Record<string, string>): Promise<T[]> {
        const items: T[] = [];
        const seenTokens = new Set<string>();
        let pageToken: string | undefined;
        for (let pages = 1; ; pages++) {
            const page = await this.request<Page & Record<string, T[] | undefined>>("GET", path, {
                query: { ...query, page_token: pageToken },
            });
            items.push(...(page[field] ?? []));
            // The Jobs API says `has_more`; the Pipelines API only sends a `next_page_token` while there is more.
            pageToken = page.has_more === false ? undefined : page.next_page_token;
            if (!pageToken) {
                return items;
            }
            if (seenTokens.has(pageToken)) {
                throw new WorkspaceApiError(
                    `${this.host} sent the same next_page_token twice for GET ${path}: stopped paging (a broken proxy or server?); ${HOST_HINT}`,
                );
            }
            if (pages >= MAX_PAGES) {
                throw new WorkspaceApiError(`${this.host} had more than ${MAX_PAGES} pages for GET ${path}: stopped paging; ${HOST_HINT}`);
            }
            seenTokens.add(pageToken);
        }
    }

    /** Asks Databricks to cancel every active run of the job; cancellation completes asynchronously. */
    async cancelAllRuns(jobId: number): Promise<void> {
        await this.request("POST", "/api/2.2/jobs/runs/cancel-all", { body: { job_id: jobId } });
    }

    /**
     * Stops the DLT pipeline by cancelling its active update (Pipelines API); a pipeline with no active update is
     * left as it is. Returns at once: the pipeline reaches IDLE asynchronously.
     */
    async stopPipeline(pipelineId: string): Promise<void> {
        await this.request("POST", `/api/2.0/pipelines/${encodeURIComponent(pipelineId)}/stop`);
    }

    /** Pipelines named exactly `name` (names are unique only when the workspace enforces it). */
    async pipelinesNamed(name: string): Promise<PipelineSummary[]> {
        const pipelines = await this.allPages<PipelineSummary>("/api/2.0/pipelines", "statuses", {
            filter: `name LIKE '${name.replace(/'/g, "''")}'`,
        });
        return pipelines.filter((pipeline) => pipeline.name === name);
    }

    /**
     * Polls until none of the jobs has an active run, or `timeoutMs` has passed; returns the jobs that still have
     * one. Cancellation completes asynchronously, and a run being cancelled can still act (e.g. start a pipeline
     * update) until it has ended.
     */
    async waitUntilNoActiveRuns(
        jobIds: number[],
        timeoutMs: number,
        pollMs = 2_000,
        sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms)),
    ): Promise<number[]> {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
            const busy: number[] = [];
            for (const jobId of jobIds) {
                if ((await this.activeRuns(jobId)).length > 0) {
                    busy.push(jobId);
                }
            }
            if (busy.length === 0 || Date.now() >= deadline) {
                return busy;
            }
            await sleep(pollMs);
        }
    }

    async runNow(jobId: number): Promise<{ run_id: number }> {
        return this.request<{ run_id: number }>("POST", "/api/2.2/jobs/run-now", { body: { job_id: jobId } });
    }

    private async request<T>(
        method: "GET" | "POST",
        path: string,
        options: { query?: Record<string, string | undefined>; body?: unknown } = {},
    ): Promise<T> {
        const url = new URL(path, this.host);
        for (const [key, value] of Object.entries(options.query ?? {})) {
            if (value !== undefined) {
                url.searchParams.set(key, value);
            }
        }
        const call = `${method} ${path}`;
        let status: number;
        let text: string;
        try {
            const response = await fetch(url, {
                method,
                headers: {
                    Authorization: `Bearer ${this.token}`,
                    Accept: "application/json",
                    ...(options.body === undefined ? {} : { "Content-Type": "application/json" }),
                },
                body: options.body === undefined ? undefined : JSON.stringify(options.body),
                redirect: "manual",
                signal: AbortSignal.timeout(this.timeoutSeconds * 1000),
            });
            status = response.status;
            text = await response.text();
        } catch (error) {
            throw this.networkError(error, call);
        }
        if (status < 200 || status >= 300) {
            throw this.httpError(status, text, call);
        }
        const value = text.trim() === "" ? {} : parseJson<object>(text);
        if (value === undefined) {
            throw this.notAWorkspace(call, `an answer that is not JSON (HTTP ${status})`);
        }
        return value as T;
    }

    private networkError(error: unknown, call: string): WorkspaceApiError {
        const name = (error as { name?: string }).name;
        if (name === "TimeoutError" || name === "AbortError") {
            return new WorkspaceApiError(
                `no answer from ${this.host} within ${this.timeoutSeconds} s (${call}): the workspace is slow or unreachable; ${HOST_HINT}`,
            );
        }
        const cause = (error as { cause?: { code?: string; message?: string } }).cause;
        const reason = cause?.code ?? cause?.message ?? String(error);
        const hint = cause?.code && NETWORK_ERROR_CODES.has(cause.code) ? HOST_HINT : `${HOST_HINT} (and your network / proxy)`;
        return new WorkspaceApiError(`cannot reach ${this.host} (${this.redact(reason)}): ${hint}`);
    }

    private httpError(status: number, text: string, call: string): WorkspaceApiError {
        const body = parseJson<{ error_code?: string; message?: string }>(text);
        const apiError = body && (body.error_code || body.message) ? [body.error_code, body.message].filter(Boolean).join(": ") : undefined;
        const detail = this.redact(apiError ? `HTTP ${status} ${apiError}` : `HTTP ${status}`);
        if (status === 401 || status === 403) {
            const permissions = status === 403 ? " (or that its user may see and run the stack's jobs)" : "";
            return new WorkspaceApiError(`token rejected by ${this.host} (${detail}): ${TOKEN_HINT}${permissions}`, status);
        }
        if (status >= 300 && status < 400) {
            return this.notAWorkspace(call, `a redirect (HTTP ${status}) instead of an API answer`);
        }
        if (status >= 500) {
            return new WorkspaceApiError(`${this.host} failed on ${call} (${detail}); try again later`, status);
        }
        if (!body) {
            return this.notAWorkspace(call, `HTTP ${status} without a Databricks error body`, status);
        }
        return new WorkspaceApiError(`${this.host} refused ${call} (${detail})`, status);
    }

    private notAWorkspace(call: string, what: string, status?: number): WorkspaceApiError {
        return new WorkspaceApiError(`${this.host} sent ${what} for ${call}: is it a Databricks workspace URL? ${HOST_HINT}`, status);
    }

    /** Blanks the token out of text that came from outside (a proxy or server may echo request headers). */
    private redact(text: string): string {
        return printable(text, this.token);
    }
}

function parseJson<T>(text: string): T | undefined {
    try {
        const value = JSON.parse(text);
        return value !== null && typeof value === "object" ? (value as T) : undefined;
    } catch {
        return undefined;
    }
}
