import { ApiError, invalidParameter, notFound } from "./apiError";
import { Catalog } from "./catalog";
import { Router } from "./router";

/** A reply that is not JSON: the bytes of a file, with their headers (the Files API's download). */
export class RawReply {
    constructor(
        readonly body: Buffer,
        readonly headers: Record<string, string>,
    ) {}
}

interface StoredFile {
    content: Buffer;
    lastModified: Date;
    /** The volume it was written to: a volume deleted and created again under the same name holds none of its files. */
    volume: Record<string, any>;
}

/**
 * The Files API 2.0 on Unity Catalog volumes (`/api/2.0/fs/files/Volumes/<catalog>/<schema>/<volume>/<path>`):
 * PUT uploads a file (the body as it is, `overwrite` false refuses an existing file with 409 ALREADY_EXISTS), GET
 * downloads it (200, `Content-Type: application/octet-stream`, `Content-Length`, `Last-Modified`), HEAD reads its
 * metadata. A file in a volume that does not exist, or no file at the path, is 404 NOT_FOUND (what the SDK maps to
 * NotFound). This emulator holds volume files only: a path outside `/Volumes/<catalog>/<schema>/<volume>/` (a
 * workspace or DBFS path, a bare volume, `..`) is refused with 400 INVALID_PARAMETER_VALUE. A volume's files go with
 * it when the volume or its schema is deleted (a managed volume loses its files). The SDK's presigned-URL download
 * (`POST /api/2.0/fs/create-download-url`) is not served; the SDK then falls back to this endpoint.
 */
export class Files {
    readonly files = new Map<string, StoredFile>();

    constructor(private readonly catalog: Catalog) {}

    routes(router: Router): void {
        const path = String.raw`\/api\/2\.0\/fs\/files(\/.*)`;
        router.add("PUT", new RegExp(path), (call) => {
            const file = this.volumeFile(call.params[0]);
            if (call.query.get("overwrite") === "false" && this.stored(file)) {
                throw new ApiError(409, "ALREADY_EXISTS", `The file being created already exists: ${file}`);
            }
            this.files.set(file, {
                content: Buffer.from(String(call.body.content ?? ""), "base64"),
                lastModified: new Date(),
                volume: this.catalog.volumes.get(this.volumeName(file))!,
            });
            return {};
        });
        router.add("GET", new RegExp(path), (call) => this.reply(this.file(call.params[0]), true));
        router.add("HEAD", new RegExp(path), (call) => this.reply(this.file(call.params[0]), false));
    }

    /** The canonical path of a file in an existing volume; refuses anything else. */
    private volumeFile(raw: string): string {
        const parts = raw.split("/").filter(Boolean);
        if (parts[0] !== "Volumes" || parts.length < 5 || parts.some((part) => part === "." || part === "..")) {
            throw invalidParameter(`Invalid path: ${raw}. A file path must be /Volumes/<catalog>/<schema>/<volume>/<file>.`);
        }
        const volume = parts.slice(1, 4).join(".").toLowerCase();
        if (!this.catalog.volumes.has(volume)) {
            throw notFound(`Volume '${parts.slice(1, 4).join(".")}' does not exist.`, "NOT_FOUND");
        }
        return `/${parts.join("/")}`;
    }

    private volumeName(file: string): string {
        return file.split("/").slice(2, 5).join(".").toLowerCase();
    }

    /** A file that exists, in the very volume it was written to. */
    private stored(file: string): StoredFile | undefined {
        const found = this.files.get(file);
        if (found && this.catalog.volumes.get(this.volumeName(file)) !== found.volume) {
            this.files.delete(file);
            return undefined;
        }
        return found;
    }

    private file(raw: string): StoredFile {
        const found = this.stored(this.volumeFile(raw));
        if (!found) {
            throw notFound(`The file ${raw} does not exist.`, "NOT_FOUND");
        }
        return found;
    }

    private reply(file: StoredFile, withBody: boolean): RawReply {
        return new RawReply(withBody ? file.content : Buffer.alloc(0), {
            "Content-Type": "application/octet-stream",
            "Content-Length": String(file.content.length),
            "Last-Modified": file.lastModified.toUTCString(),
        });
    }
}
