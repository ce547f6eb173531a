/** A local HTTP server that plays the Databricks workspace API in the ops and run-on-deploy tests. */
import * as http from "http";

export interface RecordedRequest {
    method: string;
    path: string;
    query: Record<string, string>;
    authorization?: string;
    body?: unknown;
}

export type Reply = { status: number; body: unknown } | "hang";

export interface FakeWorkspace {
    url: string;
    requests: RecordedRequest[];
    /** `METHOD /path?query` of every request, for compact assertions. */
    calls(): string[];
    close(): Promise<void>;
}

/** A local HTTP server that plays the workspace API with `reply` and records every request. */
export async function startWorkspace(reply: (request: RecordedRequest) => Reply): Promise<FakeWorkspace> {
    const requests: RecordedRequest[] = [];
    const server = http.createServer((req, res) => {
        let text = "";
        req.on("data", (chunk) => (text += chunk));
        req.on("end", () => {
            const url = new URL(req.url ?? "/", "http://localhost");
            const recorded: RecordedRequest = {
                method: req.method ?? "",
                path: url.pathname,
                query: Object.fromEntries(url.searchParams),
                authorization: req.headers.authorization,
                body: text ? JSON.parse(text) : undefined,
            };
            requests.push(recorded);
            const answer = reply(recorded);
            if (answer === "hang") {
                return;
            }
            const payload = typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body);
            res.writeHead(answer.status, { "Content-Type": typeof answer.body === "string" ? "text/html" : "application/json" });
            res.end(payload);
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    return {
        url: `http://127.0.0.1:${port}`,
        requests,
        calls: () =>
            requests.map(
                (request) =>
                    `${request.method} ${request.path}${Object.keys(request.query).length ? `?${new URLSearchParams(request.query)}` : ""}`,
            ),
        close: () => {
            server.closeAllConnections();
            return new Promise((resolve) => server.close(() => resolve()));
        },
    };
}
