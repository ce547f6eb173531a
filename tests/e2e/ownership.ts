import { HeldObject } from "../emulator/types";
import { StateResource } from "./harness";

/** What identifies a stack's objects in the workspace: the ids in its state, and the stack in every name. */
export interface StackFootprint {
    stack: string;
    ids: Set<string>;
    jobIds: Set<string>;
}

export function footprint(stack: string, resources: StateResource[]): StackFootprint {
    const ids = new Set(resources.map((resource) => resource.id).filter((id): id is string => Boolean(id)));
    const jobIds = new Set(
        resources.filter((resource) => resource.type === "databricks:index/job:Job").map((resource) => resource.id as string),
    );
    return { stack, ids, jobIds };
}

/** Whether a workspace object belongs to the stack: by id from its state, or by the stack's name in it. */
export function belongsTo(object: HeldObject, print: StackFootprint): boolean {
    if (print.ids.has(object.id) || print.ids.has(object.name)) {
        return true;
    }
    if (object.kind === "active-run") {
        return print.jobIds.has(/of job (\d+)$/.exec(object.name)?.[1] ?? "");
    }
    if (object.kind === "permissions") {
        return print.ids.has(object.id.split("/")[2]);
    }
    const marker = new RegExp(`(streambench-${print.stack}|dlt_autoscaling_${print.stack})(?![\\w-])|streambench-${print.stack}[-/ ]`);
    return marker.test(object.name);
}
