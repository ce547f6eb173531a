import * as assert from "assert";
import { emulatorCaller } from "./client";
import { WorkspaceEmulator } from "./server";

const TOKEN = `dapi${"7a2b".repeat(8)}`;

/** Limits Databricks enforces that the stack could run into, and the tables a run leaves in its schema. */
describe("workspace emulator: limits and what a run leaves behind", () => {
    let emulator: WorkspaceEmulator;
    let url: string;

    const call = emulatorCaller(() => url, TOKEN);

    beforeEach(async () => {
        emulator = new WorkspaceEmulator({ tokens: [TOKEN], log: () => undefined });
        url = await emulator.start();
    });
    afterEach(() => emulator.stop());

    const SCHEMAS = "/api/2.1/unity-catalog/schemas";

    for (const name of ["x".repeat(256), "with space", "with.dot", "with/slash"]) {
        it(`refuses the Unity Catalog name ${JSON.stringify(name.slice(0, 20))} for a schema and a volume`, async () => {
            const schema = await call("POST", SCHEMAS, { catalog_name: "main", name });
            assert.strictEqual(schema.status, 400);
            assert.strictEqual(schema.body.error_code, "INVALID_PARAMETER_VALUE");
            assert.strictEqual((await call("POST", SCHEMAS, { catalog_name: "main", name: "ok_schema" })).status, 200);
            const volume = await call("POST", "/api/2.1/unity-catalog/volumes", {
                catalog_name: "main",
                schema_name: "ok_schema",
                name,
                volume_type: "MANAGED",
            });
            assert.strictEqual(volume.status, 400);
            assert.strictEqual(volume.body.error_code, "INVALID_PARAMETER_VALUE");
        });
    }

    it("accepts a 255-character name", async () => {
        assert.strictEqual((await call("POST", SCHEMAS, { catalog_name: "main", name: "x".repeat(255) })).status, 200);
    });

    it("refuses a workspace import over 10 MB (MAX_NOTEBOOK_SIZE_EXCEEDED) and takes one of exactly 10 MB", async () => {
        const limit = 10 * 1024 * 1024;
        const upload = (bytes: number, path: string) =>
            call("POST", "/api/2.0/workspace/import", {
                path,
                format: "RAW",
                content: Buffer.alloc(bytes, "a").toString("base64"),
            });
        const over = await upload(limit + 1, `/Users/${emulator.identity.userName}/big.py`);
        assert.strictEqual(over.status, 400);
        assert.strictEqual(over.body.error_code, "MAX_NOTEBOOK_SIZE_EXCEEDED");
        assert.strictEqual((await upload(limit, `/Users/${emulator.identity.userName}/fits.py`)).status, 200);
    });

    it("refuses a job with more than 1,000 tasks", async () => {
        const tasks = (count: number) => Array.from({ length: count }, (_, index) => ({ task_key: `t${String(index).padStart(4, "0")}` }));
        const over = await call("POST", "/api/2.2/jobs/create", { name: "many", tasks: tasks(1001) });
        assert.strictEqual(over.status, 400);
        assert.strictEqual(over.body.error_code, "INVALID_PARAMETER_VALUE");
        assert.strictEqual((await call("POST", "/api/2.2/jobs/create", { name: "many", tasks: tasks(1000) })).status, 200);
    });

    it("holds the tables a generator run writes: dropping their schema then needs force", async () => {
        assert.strictEqual((await call("POST", SCHEMAS, { catalog_name: "main", name: "bench_s" })).status, 200);
        const cluster = await call("POST", "/api/2.1/clusters/create", {
            cluster_name: "c",
            spark_version: "16.4.x-scala2.12",
            node_type_id: "i3.xlarge",
            autoscale: { min_workers: 1, max_workers: 2 },
            autotermination_minutes: 20,
            data_security_mode: "USER_ISOLATION",
        });
        const phases = [
            { phase: "baseline", table_name_format: "stream_table_{stream_id:03d}", first_stream_id: 1, stream_count: 2 },
            { phase: "3x", table_name_format: "stream_table_3x_scale", first_stream_id: 3, stream_count: 1 },
        ];
        const phaseJob = await call("POST", "/api/2.2/jobs/create", {
            name: "phase",
            parameters: [
                { name: "catalog", default: "main" },
                { name: "schema", default: "elsewhere" },
                { name: "phases_json", default: JSON.stringify(phases) },
            ],
            tasks: [{ task_key: "generate", existing_cluster_id: cluster.body.cluster_id, notebook_task: { notebook_path: "/x" } }],
        });
        // The timeline job passes its own parameters to the phase job: the run writes where they say.
        const timeline = await call("POST", "/api/2.2/jobs/create", {
            name: "timeline",
            tasks: [{ task_key: "baseline", run_job_task: { job_id: phaseJob.body.job_id, job_parameters: { schema: "bench_s" } } }],
        });
        assert.strictEqual((await call("POST", "/api/2.2/jobs/run-now", { job_id: timeline.body.job_id })).status, 200);
        assert.deepStrictEqual(emulator.catalog.tables.get("main.bench_s"), [
            "main.bench_s.stream_table_001",
            "main.bench_s.stream_table_002",
            "main.bench_s.stream_table_3x_scale",
        ]);
        assert.ok(emulator.objects().some((object) => object.kind === "table" && object.name === "main.bench_s.stream_table_001"));

        const refused = await call("DELETE", `${SCHEMAS}/main.bench_s`);
        assert.strictEqual(refused.status, 400);
        assert.strictEqual(refused.body.error_code, "SCHEMA_NOT_EMPTY");
        assert.strictEqual((await call("DELETE", `${SCHEMAS}/main.bench_s?force=true`)).status, 200);
        assert.deepStrictEqual(
            emulator.objects().filter((object) => object.kind === "table" || object.kind === "schema"),
            [],
        );
    });
});
