import { randomBytes } from "crypto";
import { invalidParameter, notFound, refuseUnknownKeys, requireString } from "./apiError";
import { Router } from "./router";
import { WorkspaceTree, normalize } from "./workspaceTree";

const DASHBOARD_FIELDS = [
    "display_name",
    "parent_path",
    "serialized_dashboard",
    "warehouse_id",
    "etag",
    "dataset_catalog",
    "dataset_schema",
];

export interface Dashboard {
    dashboardId: string;
    fields: Record<string, any>;
    path: string;
    lifecycleState: "ACTIVE" | "TRASHED";
    etag: number;
    createTime: string;
    updateTime: string;
    published?: Record<string, any>;
}

/**
 * Lakeview (AI/BI) dashboards (`/api/2.0/lakeview/dashboards`). A dashboard is also a workspace object,
 * `<parent_path>/<display_name>.lvdash.json`, so its parent folder must exist; deleting it moves it to the trash
 * (lifecycle_state TRASHED), out of its folder. Its warehouse must exist.
 */
export class Dashboards {
    readonly dashboards = new Map<string, Dashboard>();

    constructor(
        private readonly tree: WorkspaceTree,
        private readonly warehouses: string[],
    ) {}

    routes(router: Router): void {
        const api = String.raw`\/api\/2\.0\/lakeview\/dashboards`;
        router.add("POST", new RegExp(api), (call) => this.view(this.create(call.body)));
        router.add("GET", new RegExp(`${api}/([0-9a-f]+)`), (call) => this.view(this.get(call.params[0])));
        router.add("PATCH", new RegExp(`${api}/([0-9a-f]+)`), (call) => this.view(this.update(call.params[0], call.body)));
        router.add("DELETE", new RegExp(`${api}/([0-9a-f]+)`), (call) => {
            const dashboard = this.get(call.params[0]);
            if (dashboard.lifecycleState === "ACTIVE") {
                dashboard.lifecycleState = "TRASHED";
                this.tree.remove(dashboard.path);
            }
            return {};
        });
        router.add("POST", new RegExp(`${api}/([0-9a-f]+)/published`), (call) => {
            const dashboard = this.get(call.params[0]);
            dashboard.published = {
                display_name: dashboard.fields.display_name,
                warehouse_id: call.body.warehouse_id ?? dashboard.fields.warehouse_id,
                embed_credentials: call.body.embed_credentials ?? true,
                revision_create_time: new Date().toISOString(),
            };
            return dashboard.published;
        });
        router.add("GET", new RegExp(`${api}/([0-9a-f]+)/published`), (call) => {
            const published = this.get(call.params[0]).published;
            if (!published) {
                throw notFound(`Dashboard ${call.params[0]} is not published.`);
            }
            return published;
        });
        router.add("DELETE", new RegExp(`${api}/([0-9a-f]+)/published`), (call) => {
            this.get(call.params[0]).published = undefined;
            return {};
        });
    }

    get(dashboardId: string): Dashboard {
        const dashboard = this.dashboards.get(dashboardId);
        if (!dashboard) {
            throw notFound(`Unable to find dashboard [dashboardId=${dashboardId}]`);
        }
        return dashboard;
    }

    private create(body: Record<string, any>): Dashboard {
        refuseUnknownKeys(body, DASHBOARD_FIELDS, "lakeview/dashboards");
        const displayName = requireString(body, "display_name", "lakeview/dashboards");
        const parentPath = normalize(requireString(body, "parent_path", "lakeview/dashboards"));
        this.checkWarehouse(body.warehouse_id);
        this.checkSerialized(body.serialized_dashboard);
        const dashboardPath = `${parentPath}/${displayName}.lvdash.json`;
        this.tree.addObject(dashboardPath, "DASHBOARD", { content: Buffer.from(body.serialized_dashboard ?? "{}") });
        const now = new Date().toISOString();
        const dashboard: Dashboard = {
            dashboardId: randomBytes(16).toString("hex"),
            fields: { ...body, parent_path: parentPath },
            path: dashboardPath,
            lifecycleState: "ACTIVE",
            etag: 1,
            createTime: now,
            updateTime: now,
        };
        this.dashboards.set(dashboard.dashboardId, dashboard);
        return dashboard;
    }

    private update(dashboardId: string, body: Record<string, any>): Dashboard {
        refuseUnknownKeys(body, DASHBOARD_FIELDS, "lakeview/dashboards update");
        const dashboard = this.get(dashboardId);
        if (dashboard.lifecycleState === "TRASHED") {
            throw invalidParameter(`Dashboard ${dashboardId} is in the trash.`);
        }
        if (body.warehouse_id !== undefined) {
            this.checkWarehouse(body.warehouse_id);
        }
        this.checkSerialized(body.serialized_dashboard);
        const { etag: _etag, ...fields } = body;
        Object.assign(dashboard.fields, fields);
        dashboard.etag += 1;
        dashboard.updateTime = new Date().toISOString();
        return dashboard;
    }

    private checkWarehouse(warehouseId: unknown): void {
        if (typeof warehouseId === "string" && warehouseId !== "" && !this.warehouses.includes(warehouseId)) {
            throw notFound(`Warehouse ${warehouseId} does not exist.`);
        }
    }

    private checkSerialized(serialized: unknown): void {
        if (serialized === undefined) {
            return;
        }
        try {
            JSON.parse(String(serialized));
        } catch {
            throw invalidParameter("serialized_dashboard is not valid JSON.");
        }
    }

    private view(dashboard: Dashboard): object {
        return {
            dashboard_id: dashboard.dashboardId,
            display_name: dashboard.fields.display_name,
            parent_path: dashboard.fields.parent_path,
            path: dashboard.path,
            warehouse_id: dashboard.fields.warehouse_id,
            serialized_dashboard: dashboard.fields.serialized_dashboard,
            etag: String(dashboard.etag),
            lifecycle_state: dashboard.lifecycleState,
            create_time: dashboard.createTime,
            update_time: dashboard.updateTime,
        };
    }
}
