import { ApiError, notFound, refuseUnknownKeys, requireString } from "./apiError";
import { Router } from "./router";

const SCHEMA_FIELDS = ["catalog_name", "comment", "custom_max_retention_hours", "name", "properties", "storage_root"];
const SCHEMA_UPDATE_FIELDS = ["comment", "custom_max_retention_hours", "enable_predictive_optimization", "new_name", "owner", "properties"];
const VOLUME_FIELDS = ["catalog_name", "comment", "name", "schema_name", "storage_location", "volume_type"];
const VOLUME_UPDATE_FIELDS = ["comment", "new_name", "owner"];

/** Unity Catalog names: at most 255 characters, and no space, period, slash or control character (UC object names). */
const MAX_NAME_LENGTH = 255;

function refuseInvalidName(name: string, what: string): void {
    if (name.length > MAX_NAME_LENGTH) {
        throw new ApiError(
            400,
            "INVALID_PARAMETER_VALUE",
            `${what} name '${name.slice(0, 40)}…' is longer than ${MAX_NAME_LENGTH} characters.`,
        );
    }
    if (/[\s./\x00-\x1f\x7f]/.test(name)) {
        throw new ApiError(
            400,
            "INVALID_PARAMETER_VALUE",
            `${what} name '${name}' may not contain spaces, periods, slashes or control characters.`,
        );
    }
}

export interface CatalogOptions {
    /** Catalogs that exist in the metastore; schemas can only go into one of these. */
    catalogs: string[];
    owner: string;
    metastoreId: string;
    workspaceId: string;
}

/**
 * Unity Catalog schemas and volumes (`/api/2.1/unity-catalog/...`). Names are lower-cased as UC stores them.
 * Refuses a schema that exists, a schema in a catalog that does not, a volume in a missing schema, and dropping a
 * schema that still holds volumes (or tables) without `force=true`.
 */
export class Catalog {
    readonly schemas = new Map<string, Record<string, any>>();
    readonly volumes = new Map<string, Record<string, any>>();
    /** Tables by schema full name: stand-ins for what jobs and pipelines would write (for force-delete checks). */
    readonly tables = new Map<string, string[]>();
    private sequence = 0;

    constructor(private readonly options: CatalogOptions) {}

    routes(router: Router): void {
        const schemas = String.raw`\/api\/2\.1\/unity-catalog\/schemas`;
        const volumes = String.raw`\/api\/2\.1\/unity-catalog\/volumes`;
        // The provider checks the schema's metastore_id against the workspace's before it deletes the schema
        // (catalog/utils.go validateMetastoreId); a 404 here makes it treat the schema as already gone.
        router.add("GET", /\/api\/2\.1\/unity-catalog\/current-metastore-assignment/, () => ({
            workspace_id: Number(this.options.workspaceId),
            metastore_id: this.options.metastoreId,
            default_catalog_name: this.options.catalogs[0],
        }));
        router.add("POST", new RegExp(schemas), (call) => this.createSchema(call.body));
        router.add("GET", new RegExp(`${schemas}/([^/]+)`), (call) => this.schema(call.params[0]));
        router.add("PATCH", new RegExp(`${schemas}/([^/]+)`), (call) => this.updateSchema(call.params[0], call.body));
        router.add("DELETE", new RegExp(`${schemas}/([^/]+)`), (call) =>
            this.deleteSchema(call.params[0], call.query.get("force") === "true"),
        );
        router.add("POST", new RegExp(volumes), (call) => this.createVolume(call.body));
        router.add("GET", new RegExp(`${volumes}/([^/]+)`), (call) => this.volume(call.params[0]));
        router.add("PATCH", new RegExp(`${volumes}/([^/]+)`), (call) => this.updateVolume(call.params[0], call.body));
        router.add("DELETE", new RegExp(`${volumes}/([^/]+)`), (call) => {
            this.volume(call.params[0]);
            this.volumes.delete(call.params[0].toLowerCase());
            return {};
        });
    }

    private createSchema(body: Record<string, any>): object {
        refuseUnknownKeys(body, SCHEMA_FIELDS, "schemas/create");
        const catalogName = requireString(body, "catalog_name", "schemas/create").toLowerCase();
        const name = requireString(body, "name", "schemas/create").toLowerCase();
        refuseInvalidName(name, "Schema");
        if (!this.options.catalogs.includes(catalogName)) {
            throw notFound(`Catalog '${catalogName}' does not exist.`, "CATALOG_DOES_NOT_EXIST");
        }
        const fullName = `${catalogName}.${name}`;
        if (this.schemas.has(fullName)) {
            // UC refuses a second schema of the same name; the SDK maps *ALREADY_EXISTS codes to 409 Conflict
            // (databricks-sdk-go apierr/error_mapping.go). The provider reports "Schema '<name>' already exists".
            throw new ApiError(409, "SCHEMA_ALREADY_EXISTS", `Schema '${name}' already exists`);
        }
        const now = Date.now();
        this.sequence += 1;
        const schema = {
            ...body,
            name,
            catalog_name: catalogName,
            full_name: fullName,
            owner: this.options.owner,
            metastore_id: this.options.metastoreId,
            schema_id: `00000000-0000-4000-8000-${String(this.sequence).padStart(12, "0")}`,
            catalog_type: "MANAGED_CATALOG",
            created_at: now,
            created_by: this.options.owner,
            updated_at: now,
            updated_by: this.options.owner,
        };
        this.schemas.set(fullName, schema);
        return schema;
    }

    private schema(fullName: string): Record<string, any> {
        const schema = this.schemas.get(fullName.toLowerCase());
        if (!schema) {
            throw notFound(`Schema '${fullName}' does not exist.`, "SCHEMA_DOES_NOT_EXIST");
        }
        return schema;
    }

    /**
     * Managed Delta tables a run writes into a schema (the generator creates every table of the timeline first):
     * what a workspace holds after a run, so that dropping the schema needs `force`. False when the schema is gone.
     */
    writeTables(catalogName: string, schemaName: string, tables: string[]): boolean {
        const fullName = `${catalogName}.${schemaName}`.toLowerCase();
        if (!this.schemas.has(fullName)) {
            return false;
        }
        const held = this.tables.get(fullName) ?? [];
        for (const table of tables.map((name) => `${fullName}.${name.toLowerCase()}`)) {
            if (!held.includes(table)) {
                held.push(table);
            }
        }
        this.tables.set(fullName, held);
        return true;
    }

    /**
     * What a generator run does first: create every table of the timeline (its phases document, the notebook's
     * `phases_json` parameter) in its schema. Table names follow the document's `table_name_format`
     * (`{stream_id:03d}` or `{number:03d}`, Python's format spec: the id, or the stream's number in its phase from 1).
     */
    writePhaseTables(parameters: Record<string, string>): void {
        if (!parameters.catalog || !parameters.schema || !parameters.phases_json) {
            return;
        }
        const tables = (
            JSON.parse(parameters.phases_json) as { table_name_format: string; first_stream_id: number; stream_count: number }[]
        ).flatMap((phase) =>
            Array.from({ length: phase.stream_count }, (_, index) =>
                phase.table_name_format.replace(/\{(stream_id|number)(?::0(\d+)d)?\}/g, (_match, field: string, width?: string) =>
                    String(field === "number" ? index + 1 : phase.first_stream_id + index).padStart(Number(width ?? 0), "0"),
                ),
            ),
        );
        this.writeTables(parameters.catalog, parameters.schema, tables);
    }

    private updateSchema(fullName: string, body: Record<string, any>): object {
        refuseUnknownKeys(body, SCHEMA_UPDATE_FIELDS, "schemas/update");
        const schema = this.schema(fullName);
        if (body.new_name) {
            throw new ApiError(400, "INVALID_PARAMETER_VALUE", "Renaming a schema is not supported by this emulator");
        }
        Object.assign(schema, body, { updated_at: Date.now() });
        return schema;
    }

    private deleteSchema(fullName: string, force: boolean): object {
        const schema = this.schema(fullName);
        const inside = [...this.volumes.values()]
            .filter((volume) => `${volume.catalog_name}.${volume.schema_name}` === schema.full_name)
            .map((volume) => volume.full_name);
        inside.push(...(this.tables.get(schema.full_name) ?? []));
        if (inside.length > 0 && !force) {
            throw new ApiError(
                400,
                "SCHEMA_NOT_EMPTY",
                `Cannot delete schema '${schema.full_name}': it is not empty (${inside.join(", ")}). Use force=true to delete its contents.`,
            );
        }
        for (const volume of inside) {
            this.volumes.delete(volume);
        }
        this.tables.delete(schema.full_name);
        this.schemas.delete(schema.full_name);
        return {};
    }

    private createVolume(body: Record<string, any>): object {
        refuseUnknownKeys(body, VOLUME_FIELDS, "volumes/create");
        const catalogName = requireString(body, "catalog_name", "volumes/create").toLowerCase();
        const schemaName = requireString(body, "schema_name", "volumes/create").toLowerCase();
        const name = requireString(body, "name", "volumes/create").toLowerCase();
        const volumeType = requireString(body, "volume_type", "volumes/create");
        refuseInvalidName(name, "Volume");
        this.schema(`${catalogName}.${schemaName}`);
        if (volumeType === "MANAGED" && body.storage_location) {
            throw new ApiError(400, "INVALID_PARAMETER_VALUE", "A managed volume cannot have a storage_location.");
        }
        const fullName = `${catalogName}.${schemaName}.${name}`;
        if (this.volumes.has(fullName)) {
            throw new ApiError(409, "RESOURCE_ALREADY_EXISTS", `Volume '${fullName}' already exists`);
        }
        const now = Date.now();
        this.sequence += 1;
        const volume = {
            ...body,
            catalog_name: catalogName,
            schema_name: schemaName,
            name,
            full_name: fullName,
            volume_id: `00000000-0000-4000-9000-${String(this.sequence).padStart(12, "0")}`,
            owner: this.options.owner,
            metastore_id: this.options.metastoreId,
            storage_location: `s3://emulator-metastore/${this.options.metastoreId}/volumes/${this.sequence}`,
            created_at: now,
            created_by: this.options.owner,
            updated_at: now,
            updated_by: this.options.owner,
        };
        this.volumes.set(fullName, volume);
        return volume;
    }

    private volume(fullName: string): Record<string, any> {
        const volume = this.volumes.get(fullName.toLowerCase());
        if (!volume) {
            throw notFound(`Volume '${fullName}' does not exist.`);
        }
        return volume;
    }

    private updateVolume(fullName: string, body: Record<string, any>): object {
        refuseUnknownKeys(body, VOLUME_UPDATE_FIELDS, "volumes/update");
        const volume = this.volume(fullName);
        if (body.new_name) {
            throw new ApiError(400, "INVALID_PARAMETER_VALUE", "Renaming a volume is not supported by this emulator");
        }
        Object.assign(volume, body, { updated_at: Date.now() });
        return volume;
    }
}
