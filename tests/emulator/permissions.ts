import { ApiError, invalidParameter, notFound, refuseUnknownKeys } from "./apiError";
import { Router } from "./router";

/** Levels each object type takes (Permissions API reference). */
const LEVELS: Record<string, string[]> = {
    clusters: ["CAN_ATTACH_TO", "CAN_RESTART", "CAN_MANAGE"],
    jobs: ["CAN_VIEW", "CAN_MANAGE_RUN", "IS_OWNER", "CAN_MANAGE"],
    pipelines: ["CAN_VIEW", "CAN_RUN", "CAN_MANAGE", "IS_OWNER"],
    directories: ["CAN_READ", "CAN_RUN", "CAN_EDIT", "CAN_MANAGE"],
    notebooks: ["CAN_READ", "CAN_RUN", "CAN_EDIT", "CAN_MANAGE"],
    dashboards: ["CAN_READ", "CAN_RUN", "CAN_EDIT", "CAN_MANAGE"],
};
const OBJECT_TYPES: Record<string, string> = {
    clusters: "cluster",
    jobs: "job",
    pipelines: "pipeline",
    directories: "directory",
    notebooks: "notebook",
    dashboards: "dashboard",
};

interface Grant {
    principal: { user_name?: string; group_name?: string; service_principal_name?: string };
    level: string;
}

export interface PermissionsOptions {
    /** Whether an object of the type exists (the API answers 404 for permissions of a missing object). */
    exists: (type: string, id: string) => boolean;
    owner: string;
    /** Groups of the workspace; granting to another group is refused. */
    groups: string[];
}

/**
 * The Permissions API (`/api/2.0/permissions/{type}/{id}`): GET, PUT (replace the whole ACL), PATCH (add).
 * Without an explicit ACL an object has the defaults: its creator (IS_OWNER for jobs and pipelines, CAN_MANAGE
 * otherwise) and the `admins` group's inherited CAN_MANAGE. Refuses a level the type does not take, a group the
 * workspace does not have, and a job ACL without exactly one owner.
 */
export class Permissions {
    /** Explicit ACLs by `/<type>/<id>`. */
    readonly acls = new Map<string, Grant[]>();

    constructor(private readonly options: PermissionsOptions) {}

    routes(router: Router): void {
        const api = String.raw`\/api\/2\.0\/permissions\/([a-z-]+)\/([^/]+)`;
        router.add("GET", new RegExp(`${api}/permissionLevels`), (call) => {
            this.check(call.params[0], call.params[1]);
            return { permission_levels: LEVELS[call.params[0]].map((level) => ({ permission_level: level, description: level })) };
        });
        router.add("GET", new RegExp(api), (call) => this.view(call.params[0], call.params[1]));
        router.add("PUT", new RegExp(api), (call) => this.set(call.params[0], call.params[1], call.body, true));
        router.add("PATCH", new RegExp(api), (call) => this.set(call.params[0], call.params[1], call.body, false));
    }

    /** Forgets the ACL of a deleted object. */
    forget(type: string, id: string): void {
        this.acls.delete(`/${type}/${id}`);
    }

    private check(type: string, id: string): void {
        if (!LEVELS[type]) {
            throw invalidParameter(`Unsupported object type ${type}`);
        }
        if (!this.options.exists(type, id)) {
            throw notFound(`${OBJECT_TYPES[type]} ${id} does not exist.`);
        }
    }

    private defaults(type: string): Grant[] {
        const ownerLevel = type === "jobs" || type === "pipelines" ? "IS_OWNER" : "CAN_MANAGE";
        return [{ principal: { user_name: this.options.owner }, level: ownerLevel }];
    }

    private set(type: string, id: string, body: Record<string, any>, replace: boolean): object {
        this.check(type, id);
        refuseUnknownKeys(body, ["access_control_list"], "permissions");
        const grants: Grant[] = (body.access_control_list ?? []).map((entry: Record<string, any>) => {
            const { permission_level: level, ...principal } = entry;
            refuseUnknownKeys(principal, ["user_name", "group_name", "service_principal_name"], "access_control_list entry");
            if (!LEVELS[type].includes(level)) {
                throw invalidParameter(
                    `Permission level ${level} is not supported for ${OBJECT_TYPES[type]}s (${LEVELS[type].join(", ")}).`,
                );
            }
            if (principal.group_name && !this.options.groups.includes(principal.group_name)) {
                throw invalidParameter(`Principal: GroupName(${principal.group_name}) does not exist`);
            }
            return { principal, level };
        });
        const merged = replace ? grants : [...(this.acls.get(`/${type}/${id}`) ?? this.defaults(type)), ...grants];
        if (type === "jobs" || type === "pipelines") {
            const owners = merged.filter((grant) => grant.level === "IS_OWNER");
            if (owners.length !== 1) {
                throw new ApiError(
                    400,
                    "INVALID_PARAMETER_VALUE",
                    `The ${OBJECT_TYPES[type]} must have exactly one owner (IS_OWNER); the request gives ${owners.length}.`,
                );
            }
        }
        this.acls.set(`/${type}/${id}`, merged);
        return this.view(type, id);
    }

    private view(type: string, id: string): object {
        this.check(type, id);
        const grants = this.acls.get(`/${type}/${id}`) ?? this.defaults(type);
        return {
            object_id: `/${type}/${id}`,
            object_type: OBJECT_TYPES[type],
            access_control_list: [
                ...grants.map((grant) => ({ ...grant.principal, all_permissions: [{ permission_level: grant.level, inherited: false }] })),
                {
                    group_name: "admins",
                    all_permissions: [{ permission_level: "CAN_MANAGE", inherited: true, inherited_from_object: [`/${type}/`] }],
                },
            ],
        };
    }
}
