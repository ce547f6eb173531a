/**
 * OAuth machine-to-machine (service principal client id + secret), as a Databricks workspace serves it: the SDKs
 * discover the token endpoint at `GET /oidc/.well-known/oauth-authorization-server`, then post
 * `grant_type=client_credentials&scope=all-apis` to it with the client id and secret as HTTP Basic credentials
 * (or as form fields), and send the access token as `Authorization: Bearer`. Tokens expire after their lifetime.
 */
import { randomBytes, timingSafeEqual } from "crypto";

export interface ServicePrincipal {
    clientId: string;
    clientSecret: string;
}

/** What a bearer token is to the workspace. */
export type TokenVerdict = "accepted" | "expired" | "unknown";

export class OAuthServer {
    private readonly issued = new Map<string, { clientId: string; expiresAt: number }>();

    constructor(
        private readonly principals: ServicePrincipal[],
        private readonly lifetimeSeconds: number,
        private readonly now: () => number,
    ) {}

    /** The answer to an `/oidc/...` request: discovery, or a token for valid client credentials. */
    handle(
        method: string,
        path: string,
        baseUrl: string,
        authorization: string | undefined,
        body: string,
    ): { status: number; body: object } {
        if (method === "GET" && path === "/oidc/.well-known/oauth-authorization-server") {
            return {
                status: 200,
                body: {
                    issuer: `${baseUrl}/oidc`,
                    authorization_endpoint: `${baseUrl}/oidc/v1/authorize`,
                    token_endpoint: `${baseUrl}/oidc/v1/token`,
                    grant_types_supported: ["client_credentials", "authorization_code", "refresh_token"],
                    token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
                },
            };
        }
        if (method !== "POST" || path !== "/oidc/v1/token") {
            return { status: 404, body: { error: "not_found", error_description: `No OAuth endpoint ${method} ${path}` } };
        }
        const form = new URLSearchParams(body);
        if (form.get("grant_type") !== "client_credentials") {
            return { status: 400, body: { error: "unsupported_grant_type", error_description: "Only client_credentials is served here." } };
        }
        const client = this.client(authorization, form);
        if (!client) {
            return { status: 401, body: { error: "invalid_client", error_description: "Client authentication failed" } };
        }
        const accessToken = `eyemu.${randomBytes(24).toString("hex")}`;
        this.issued.set(accessToken, { clientId: client.clientId, expiresAt: this.now() + this.lifetimeSeconds * 1000 });
        return {
            status: 200,
            body: {
                access_token: accessToken,
                token_type: "Bearer",
                expires_in: this.lifetimeSeconds,
                scope: form.get("scope") ?? "all-apis",
            },
        };
    }

    /** Whether a bearer token is one this server issued, and still valid. */
    verdict(token: string): TokenVerdict {
        const issued = this.issued.get(token);
        if (!issued) {
            return "unknown";
        }
        return this.now() < issued.expiresAt ? "accepted" : "expired";
    }

    /** How many tokens were issued (tests: a client that refreshes asks again). */
    get issuedCount(): number {
        return this.issued.size;
    }

    private client(authorization: string | undefined, form: URLSearchParams): ServicePrincipal | undefined {
        const basic = /^Basic (.+)$/.exec(authorization ?? "")?.[1];
        const decoded = basic ? Buffer.from(basic, "base64").toString("utf8") : undefined;
        const [clientId, clientSecret] = decoded
            ? [decoded.slice(0, decoded.indexOf(":")), decoded.slice(decoded.indexOf(":") + 1)]
            : [form.get("client_id") ?? "", form.get("client_secret") ?? ""];
        const same = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
        return this.principals.find((principal) => principal.clientId === clientId && same(principal.clientSecret, clientSecret));
    }
}
