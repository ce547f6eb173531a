import { Router } from "./router";

/** The one user every accepted token belongs to, and the workspace's id. */
export interface Identity {
    userName: string;
    userId: string;
    /** Sent as the X-Databricks-Org-Id response header: the provider reads the workspace id from it. */
    workspaceId: string;
}

/**
 * SCIM `Me`, which `databricks.getCurrentUser` reads (home = /Users/<userName>), and the provider's host-metadata
 * probe. Before any data source the provider resolves the workspace id from the `X-Databricks-Org-Id` response
 * header of SCIM Me; without it every data source fails (../shared/real-pulumi/README.md).
 */
export function identityRoutes(router: Router, identity: Identity): void {
    router.add("GET", /\/api\/2\.0\/preview\/scim\/v2\/Me/, (call) => {
        call.responseHeaders["X-Databricks-Org-Id"] = identity.workspaceId;
        return {
            schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
            id: identity.userId,
            userName: identity.userName,
            displayName: identity.userName.split("@")[0],
            active: true,
            emails: [{ value: identity.userName, type: "work", primary: true }],
            groups: [{ display: "admins", type: "direct", value: "1000" }],
        };
    });
}
