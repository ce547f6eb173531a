import * as path from "path";
import { ApiError, invalidParameter, notFound, refuseUnknownKeys, requireString } from "./apiError";
import { Router, queryParam } from "./router";

export type ObjectType = "DIRECTORY" | "NOTEBOOK" | "FILE" | "DASHBOARD";

export interface WorkspaceObject {
    path: string;
    objectType: ObjectType;
    objectId: number;
    language?: string;
    /** The file or notebook text. */
    content?: Buffer;
    createdAt: number;
    modifiedAt: number;
    /** Seeded by the emulator (the root, /Users, the user's home), not created by a caller. */
    seeded: boolean;
}

const MAX_IMPORT_BYTES = 10 * 1024 * 1024;
const IMPORT_FIELDS = ["content", "format", "language", "overwrite", "path"];
const FORMATS = ["SOURCE", "HTML", "JUPYTER", "DBC", "R_MARKDOWN", "AUTO", "RAW"];

/**
 * The Workspace API 2.0 tree (get-status, mkdirs, import, export, list, delete). As in Databricks
 * (Workspace API reference): a path that does not exist is 404 RESOURCE_DOES_NOT_EXIST; an import whose parent
 * folder does not exist is refused with 404 (the provider then mkdirs the parent and retries:
 * terraform-provider-databricks workspace/resource_notebook.go and resource_workspace_file.go); deleting a
 * non-empty folder without `recursive` is 400 DIRECTORY_NOT_EMPTY.
 */
export class WorkspaceTree {
    readonly objects = new Map<string, WorkspaceObject>();
    private nextId = 1_000_000;

    constructor(seededFolders: string[]) {
        for (const folder of ["/", ...seededFolders]) {
            this.put(folder, "DIRECTORY", { seeded: true });
        }
    }

    routes(router: Router): void {
        const api = String.raw`\/api\/2\.0\/workspace`;
        router.add("GET", new RegExp(`${api}/get-status`), (call) => this.status(this.get(normalize(queryParam(call, "path")))));
        router.add("GET", new RegExp(`${api}/list`), (call) => {
            const folder = this.get(normalize(queryParam(call, "path")));
            if (folder.objectType !== "DIRECTORY") {
                return { objects: [this.status(folder)] };
            }
            const children = this.children(folder.path).map((child) => this.status(child));
            return children.length === 0 ? {} : { objects: children };
        });
        router.add("POST", new RegExp(`${api}/mkdirs`), (call) => {
            this.mkdirs(normalize(requireString(call.body, "path", "workspace/mkdirs")));
            return {};
        });
        router.add("POST", new RegExp(`${api}/import`), (call) => {
            this.import(call.body);
            return {};
        });
        router.add("GET", new RegExp(`${api}/export`), (call) => {
            const object = this.get(normalize(queryParam(call, "path")));
            if (object.objectType === "DIRECTORY") {
                throw invalidParameter(`Exporting a folder needs format DBC or SOURCE with direct_download: ${object.path}`);
            }
            return {
                content: (object.content ?? Buffer.alloc(0)).toString("base64"),
                file_type: object.objectType === "NOTEBOOK" ? "py" : "",
            };
        });
        router.add("POST", new RegExp(`${api}/delete`), (call) => {
            this.delete(normalize(requireString(call.body, "path", "workspace/delete")), call.body.recursive === true);
            return {};
        });
    }

    get(objectPath: string): WorkspaceObject {
        const object = this.objects.get(objectPath);
        if (!object) {
            throw notFound(`Path (${objectPath}) doesn't exist.`);
        }
        return object;
    }

    /** Adds an object whose parent folder must exist (an import, a dashboard's .lvdash.json). */
    addObject(objectPath: string, objectType: ObjectType, fields: Partial<WorkspaceObject> = {}, overwrite = false): WorkspaceObject {
        const parent = this.objects.get(path.posix.dirname(objectPath));
        if (!parent || parent.objectType !== "DIRECTORY") {
            throw notFound(`The parent folder (${path.posix.dirname(objectPath)}) does not exist.`);
        }
        const existing = this.objects.get(objectPath);
        if (existing && (!overwrite || existing.objectType === "DIRECTORY")) {
            throw new ApiError(409, "RESOURCE_ALREADY_EXISTS", `${objectPath} already exists.`);
        }
        return this.put(objectPath, objectType, { ...fields, createdAt: existing?.createdAt, objectId: existing?.objectId });
    }

    /** Removes an object (and, for a folder, what it holds) without the API's checks: a dashboard moved to trash. */
    remove(objectPath: string): void {
        for (const key of [...this.objects.keys()]) {
            if (key === objectPath || key.startsWith(`${objectPath}/`)) {
                this.objects.delete(key);
            }
        }
    }

    children(folder: string): WorkspaceObject[] {
        return [...this.objects.values()].filter((object) => object.path !== "/" && path.posix.dirname(object.path) === folder);
    }

    private mkdirs(folder: string): void {
        const parts = folder.split("/").filter(Boolean);
        let current = "";
        for (const part of parts) {
            current = `${current}/${part}`;
            const existing = this.objects.get(current);
            if (existing && existing.objectType !== "DIRECTORY") {
                throw new ApiError(
                    400,
                    "RESOURCE_ALREADY_EXISTS",
                    `Cannot create directory ${folder}: ${current} is a ${existing.objectType.toLowerCase()}`,
                );
            }
            if (!existing) {
                this.put(current, "DIRECTORY");
            }
        }
    }

    private import(body: Record<string, any>): void {
        refuseUnknownKeys(body, IMPORT_FIELDS, "workspace/import");
        const objectPath = normalize(requireString(body, "path", "workspace/import"));
        const format = body.format ?? "SOURCE";
        if (!FORMATS.includes(format)) {
            throw invalidParameter(`Invalid format ${format}`);
        }
        // JSON imports carry the content base64-encoded; the multipart parser hands file parts over the same way.
        const content = typeof body.content === "string" ? Buffer.from(body.content, "base64") : Buffer.alloc(0);
        // Workspace API import: "The base64-encoded content. This has a limit of 10 MB."
        if (content.length > MAX_IMPORT_BYTES) {
            throw new ApiError(
                400,
                "MAX_NOTEBOOK_SIZE_EXCEEDED",
                `File size imported is (${content.length} bytes), exceeded max size (${MAX_IMPORT_BYTES} bytes)`,
            );
        }
        const overwrite = body.overwrite === true || body.overwrite === "true";
        if (format === "RAW" || (format === "AUTO" && !content.toString("utf8").startsWith("# Databricks notebook source"))) {
            this.addObject(objectPath, "FILE", { content }, overwrite);
            return;
        }
        if (format === "SOURCE" && !body.language) {
            throw invalidParameter("The language is required when importing a notebook in SOURCE format.");
        }
        this.addObject(objectPath, "NOTEBOOK", { content, language: body.language ?? "PYTHON" }, overwrite);
    }

    private delete(objectPath: string, recursive: boolean): void {
        const object = this.get(objectPath);
        if (object.path === "/") {
            throw invalidParameter("Cannot delete the root folder.");
        }
        if (object.objectType === "DIRECTORY" && !recursive && this.children(objectPath).length > 0) {
            throw new ApiError(400, "DIRECTORY_NOT_EMPTY", `Folder (${objectPath}) is not empty.`);
        }
        this.remove(objectPath);
    }

    private put(objectPath: string, objectType: ObjectType, fields: Partial<WorkspaceObject> = {}): WorkspaceObject {
        const now = Date.now();
        const object: WorkspaceObject = {
            path: objectPath,
            objectType,
            objectId: fields.objectId ?? this.nextId++,
            language: fields.language,
            content: fields.content,
            createdAt: fields.createdAt ?? now,
            modifiedAt: now,
            seeded: fields.seeded ?? false,
        };
        this.objects.set(objectPath, object);
        return object;
    }

    private status(object: WorkspaceObject): object {
        return {
            object_type: object.objectType,
            path: object.path,
            object_id: object.objectId,
            resource_id: String(object.objectId),
            created_at: object.createdAt,
            modified_at: object.modifiedAt,
            ...(object.language ? { language: object.language } : {}),
            ...(object.content ? { size: object.content.length } : {}),
        };
    }
}

/** Absolute, no trailing slash; `/Workspace/Users/...` is the same object as `/Users/...`. */
export function normalize(objectPath: string): string {
    if (!objectPath.startsWith("/")) {
        throw invalidParameter(`Path (${objectPath}) must be absolute.`);
    }
    const clean = path.posix.normalize(objectPath).replace(/\/+$/, "") || "/";
    return clean.startsWith("/Workspace/") ? clean.slice("/Workspace".length) : clean;
}
