import { ApiError } from "./apiError";

/** One API call as a handler sees it. */
export interface Call {
    method: string;
    path: string;
    /** Capture groups of the route's pattern, decoded. */
    params: string[];
    query: URLSearchParams;
    /** The JSON body, or the fields of a multipart form (a file field as its text). */
    body: Record<string, any>;
    /** Response headers the handler adds (e.g. X-Databricks-Org-Id). */
    responseHeaders: Record<string, string>;
}

export interface Route {
    method: string;
    pattern: RegExp;
    handle: (call: Call) => unknown;
}

/** Routes in the order given; the first whose method and whole path match answers. */
export class Router {
    private readonly routes: Route[] = [];

    add(method: string, pattern: RegExp, handle: (call: Call) => unknown): this {
        this.routes.push({ method, pattern: new RegExp(`^${pattern.source}$`), handle });
        return this;
    }

    match(method: string, path: string): { route: Route; params: string[] } | undefined {
        for (const route of this.routes) {
            const found = route.method === method ? route.pattern.exec(path) : null;
            if (found) {
                return { route, params: found.slice(1).map((part) => decodeURIComponent(part)) };
            }
        }
        return undefined;
    }
}

/** A required query parameter. */
export function queryParam(call: Call, name: string): string {
    const value = call.query.get(name);
    if (value === null || value === "") {
        throw new ApiError(400, "INVALID_PARAMETER_VALUE", `Missing required field: ${name}`);
    }
    return value;
}
