import * as assert from "assert";
import { WorkspaceEmulator } from "./server";

const TOKEN = `dapi${"5e1f".repeat(8)}`;

interface FrozenClock {
    advance(ms: number): void;
    restore(): void;
}

/** Date.now() stands still until the test moves it on; `restore` gives back the real clock. */
function frozenClock(): FrozenClock {
    const realNow = Date.now;
    let now = realNow();
    Date.now = () => now;
    return {
        advance: (ms) => {
            now += ms;
        },
        restore: () => {
            Date.now = realNow;
        },
    };
}

/** The emulator answers as Databricks does and refuses what Databricks refuses; an emulator that accepts everything proves nothing. */
describe("workspace emulator", () => {
    let emulator: WorkspaceEmulator;
    let url: string;

    async function call(
        method: string,
        path: string,
        body?: unknown,
        token: string | null = TOKEN,
    ): Promise<{ status: number; body: any; headers: Headers }> {
        const response = await fetch(`${url}${path}`, {
            method,
            headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), "Content-Type": "application/json" },
            body: body === undefined ? undefined : JSON.stringify(body),
        });
        return { status: response.status, body: await response.json(), headers: response.headers };
    }

    const cluster = {
        cluster_name: "c",
        spark_version: "16.4.x-scala2.12",
        node_type_id: "i3.xlarge",
        autoscale: { min_workers: 1, max_workers: 2 },
        autotermination_minutes: 20,
        data_security_mode: "USER_ISOLATION",
    };

    beforeEach(async () => {
        emulator = new WorkspaceEmulator({
            tokens: [TOKEN],
            warehouses: ["0123456789abcdef"],
            pipelineStartMs: 20,
            triggeredUpdateMs: 20,
            log: () => undefined,
        });
        url = await emulator.start();
    });
    afterEach(() => emulator.stop());

    it("answers SCIM Me with the workspace id header the provider needs", async () => {
        const me = await call("GET", "/api/2.0/preview/scim/v2/Me");
        assert.strictEqual(me.status, 200);
        assert.strictEqual(me.headers.get("x-databricks-org-id"), emulator.identity.workspaceId);
        assert.strictEqual(me.body.userName, emulator.identity.userName);
    });

    it("refuses a missing or unknown token and never records it", async () => {
        assert.strictEqual((await call("GET", "/api/2.0/preview/scim/v2/Me", undefined, null)).status, 401);
        const wrong = `dapi${"0".repeat(32)}`;
        const refused = await call("GET", "/api/2.0/preview/scim/v2/Me", undefined, wrong);
        assert.strictEqual(refused.status, 403);
        assert.strictEqual(refused.body.error_code, "PERMISSION_DENIED");
        const log = JSON.stringify(emulator.requests);
        assert.ok(!log.includes(wrong) && !log.includes(TOKEN), log);
    });

    const clusterRefusals: [string, Record<string, unknown>, RegExp][] = [
        ["max_workers equal to min_workers", { autoscale: { min_workers: 2, max_workers: 2 } }, /must be greater than the minimum/],
        ["autotermination below 10", { autotermination_minutes: 5 }, /between 10 and 10000/],
        ["autotermination above 10000", { autotermination_minutes: 10001 }, /between 10 and 10000/],
        ["SINGLE_USER without single_user_name", { data_security_mode: "SINGLE_USER" }, /single_user_name/],
        ["an unknown key", { no_wait: true }, /unknown field\(s\) 'no_wait'/],
        ["an unknown runtime", { spark_version: "1.0.x-scala2.10" }, /Invalid spark version/],
    ];
    for (const [what, change, message] of clusterRefusals) {
        it(`refuses a cluster with ${what}`, async () => {
            const answer = await call("POST", "/api/2.1/clusters/create", { ...cluster, ...change });
            assert.strictEqual(answer.status, 400, JSON.stringify(answer.body));
            assert.ok(answer.body.error_code && message.test(answer.body.message), JSON.stringify(answer.body));
            assert.strictEqual(emulator.compute.clusters.size, 0);
        });
    }

    it("accepts autotermination 0 and keeps a new cluster PENDING until told otherwise", async () => {
        const { body } = await call("POST", "/api/2.1/clusters/create", { ...cluster, autotermination_minutes: 0 });
        assert.strictEqual((await call("GET", `/api/2.1/clusters/get?cluster_id=${body.cluster_id}`)).body.state, "PENDING");
        assert.deepStrictEqual(
            emulator.billing().clusters.map((held) => held.state),
            ["PENDING"],
        );
        // A missing cluster is a 400 with this message: the SDK's error override turns exactly that into not-found.
        const missing = await call("GET", "/api/2.1/clusters/get?cluster_id=nope");
        assert.deepStrictEqual([missing.status, missing.body.message], [400, "Cluster nope does not exist"]);
    });

    it("refuses a schema that exists, and a schema with a volume dropped without force", async () => {
        assert.strictEqual((await call("POST", "/api/2.1/unity-catalog/schemas", { catalog_name: "main", name: "s" })).status, 200);
        const again = await call("POST", "/api/2.1/unity-catalog/schemas", { catalog_name: "main", name: "S" });
        assert.deepStrictEqual([again.status, again.body.error_code], [409, "SCHEMA_ALREADY_EXISTS"]);
        assert.strictEqual((await call("POST", "/api/2.1/unity-catalog/schemas", { catalog_name: "nope", name: "s" })).status, 404);
        assert.strictEqual(
            (
                await call("POST", "/api/2.1/unity-catalog/volumes", {
                    catalog_name: "main",
                    schema_name: "s",
                    name: "v",
                    volume_type: "MANAGED",
                })
            ).status,
            200,
        );
        assert.strictEqual((await call("DELETE", "/api/2.1/unity-catalog/schemas/main.s")).body.error_code, "SCHEMA_NOT_EMPTY");
        assert.strictEqual((await call("DELETE", "/api/2.1/unity-catalog/schemas/main.s?force=true")).status, 200);
        assert.deepStrictEqual(emulator.objects(), []);
    });

    it("refuses an import outside an existing folder and a non-recursive delete of a non-empty folder", async () => {
        const home = `/Users/${emulator.identity.userName}`;
        const content = Buffer.from("# Databricks notebook source\nprint(1)\n").toString("base64");
        const orphan = await call("POST", "/api/2.0/workspace/import", {
            path: `${home}/missing/nb`,
            format: "SOURCE",
            language: "PYTHON",
            content,
        });
        assert.deepStrictEqual([orphan.status, orphan.body.error_code], [404, "RESOURCE_DOES_NOT_EXIST"]);
        await call("POST", "/api/2.0/workspace/mkdirs", { path: `${home}/folder` });
        assert.strictEqual(
            (await call("POST", "/api/2.0/workspace/import", { path: `${home}/folder/nb`, format: "SOURCE", language: "PYTHON", content }))
                .status,
            200,
        );
        assert.strictEqual(
            (await call("POST", "/api/2.0/workspace/import", { path: `${home}/folder/nb`, format: "SOURCE", language: "PYTHON", content }))
                .status,
            409,
        );
        const notEmpty = await call("POST", "/api/2.0/workspace/delete", { path: `${home}/folder` });
        assert.deepStrictEqual([notEmpty.status, notEmpty.body.error_code], [400, "DIRECTORY_NOT_EMPTY"]);
        assert.strictEqual((await call("POST", "/api/2.0/workspace/delete", { path: `${home}/folder`, recursive: true })).status, 200);
        assert.strictEqual((await call("GET", `/api/2.0/workspace/get-status?path=${encodeURIComponent(`${home}/folder`)}`)).status, 404);
    });

    it("accepts jobs of the same name, as Databricks does, and refuses a task on a missing cluster", async () => {
        const first = await call("POST", "/api/2.2/jobs/create", { name: "j", max_concurrent_runs: 1 });
        const second = await call("POST", "/api/2.2/jobs/create", { name: "j", max_concurrent_runs: 1 });
        assert.notStrictEqual(first.body.job_id, second.body.job_id);
        assert.strictEqual((await call("GET", "/api/2.2/jobs/list?name=j")).body.jobs.length, 2);
        const orphan = await call("POST", "/api/2.2/jobs/create", {
            name: "k",
            tasks: [{ task_key: "a", existing_cluster_id: "nope", notebook_task: { notebook_path: "/x" } }],
        });
        assert.deepStrictEqual([orphan.status, orphan.body.message], [400, "Cluster nope does not exist"]);
        const noPipeline = await call("POST", "/api/2.2/jobs/create", {
            name: "p",
            tasks: [{ task_key: "dlt", pipeline_task: { pipeline_id: "nope" } }],
        });
        assert.deepStrictEqual([noPipeline.status, noPipeline.body.message], [400, "Pipeline nope does not exist."]);
        const missing = await call("GET", "/api/2.2/jobs/get?job_id=999");
        assert.deepStrictEqual([missing.status, missing.body.message], [400, "Job 999 does not exist."]);
    });

    it("runs, skips over max_concurrent_runs, and cancels all runs of a job", async () => {
        const { body } = await call("POST", "/api/2.2/jobs/create", { name: "j", max_concurrent_runs: 1, queue: { enabled: false } });
        await call("POST", "/api/2.2/jobs/run-now", { job_id: body.job_id });
        const skipped = await call("POST", "/api/2.2/jobs/run-now", { job_id: body.job_id });
        assert.strictEqual(
            (await call("GET", `/api/2.2/jobs/runs/get?run_id=${skipped.body.run_id}`)).body.state.life_cycle_state,
            "SKIPPED",
        );
        assert.strictEqual((await call("GET", `/api/2.2/jobs/runs/list?job_id=${body.job_id}&active_only=true`)).body.runs.length, 1);
        await call("POST", "/api/2.2/jobs/runs/cancel-all", { job_id: body.job_id });
        assert.deepStrictEqual(emulator.billing().activeRuns, []);
    });

    it("starts a continuous pipeline at create (it bills) and leaves a triggered one IDLE until an update", async () => {
        // The emulator moves pipelines on by Date.now(): the test sets the clock, so no state depends on how long a
        // request takes on a loaded machine (the 20 ms timers were checked after 40-60 ms sleeps).
        const clock = frozenClock();
        try {
            await pipelinesOverTime(clock);
        } finally {
            clock.restore();
        }
    });

    async function pipelinesOverTime(clock: FrozenClock): Promise<void> {
        const spec = {
            catalog: "main",
            schema: "s",
            clusters: [{ label: "default", autoscale: { min_workers: 1, max_workers: 2, mode: "ENHANCED" } }],
        };
        const continuous = await call("POST", "/api/2.0/pipelines", { ...spec, name: "continuous", continuous: true });
        const triggered = await call("POST", "/api/2.0/pipelines", { ...spec, name: "triggered", continuous: false });
        assert.strictEqual((await call("POST", "/api/2.0/pipelines", { ...spec, name: "triggered" })).status, 409);
        const state = async (pipeline: { body: { pipeline_id: string } }) =>
            (await call("GET", `/api/2.0/pipelines/${pipeline.body.pipeline_id}`)).body.state;
        const billed = () =>
            emulator
                .billing()
                .pipelines.map((pipeline) => pipeline.name)
                .sort();

        // pipelineStartMs is 20: the continuous pipeline starts 20 ms after create, not a millisecond sooner.
        clock.advance(19);
        assert.deepStrictEqual([await state(continuous), await state(triggered)], ["STARTING", "IDLE"]);
        clock.advance(1);
        assert.deepStrictEqual([await state(continuous), await state(triggered)], ["RUNNING", "IDLE"]);
        assert.deepStrictEqual(billed(), ["continuous"]);

        // A triggered update starts its cluster (20 ms) and runs (triggeredUpdateMs, 20 ms), billing all along.
        await call("POST", `/api/2.0/pipelines/${triggered.body.pipeline_id}/updates`, {});
        assert.deepStrictEqual(billed(), ["continuous", "triggered"]);
        clock.advance(39);
        assert.deepStrictEqual([await state(triggered), billed()], ["RUNNING", ["continuous", "triggered"]]);
        await call("POST", `/api/2.0/pipelines/${continuous.body.pipeline_id}/stop`, {});
        clock.advance(1);
        assert.deepStrictEqual([await state(continuous), await state(triggered)], ["IDLE", "IDLE"]);
        assert.deepStrictEqual(billed(), [], "a triggered update ends by itself; a continuous pipeline only when stopped");
    }

    it("refuses a serverless pipeline with a clusters block or without a Unity Catalog catalog, and takes one without either", async () => {
        const spec = { name: "serverless", catalog: "main", schema: "s", serverless: true, continuous: false };
        const withCluster = await call("POST", "/api/2.0/pipelines", {
            ...spec,
            clusters: [{ label: "default", autoscale: { min_workers: 1, max_workers: 2, mode: "ENHANCED" } }],
        });
        assert.deepStrictEqual([withCluster.status, withCluster.body.error_code], [400, "INVALID_PARAMETER_VALUE"]);
        assert.match(withCluster.body.message, /serverless/);
        const { catalog: _catalog, schema: _schema, ...withoutCatalog } = spec;
        const hive = await call("POST", "/api/2.0/pipelines", { ...withoutCatalog, storage: "dbfs:/pipelines/x" });
        assert.deepStrictEqual([hive.status, hive.body.error_code], [400, "INVALID_PARAMETER_VALUE"]);
        assert.match(hive.body.message, /Unity Catalog/);
        assert.deepStrictEqual(emulator.billing().pipelines, []);

        const created = await call("POST", "/api/2.0/pipelines", spec);
        assert.strictEqual(created.status, 200);
        const read = await call("GET", `/api/2.0/pipelines/${created.body.pipeline_id}`);
        assert.deepStrictEqual([read.body.state, read.body.spec.serverless, read.body.spec.clusters], ["IDLE", true, undefined]);
        // An edit is held to the same rules: a cluster block cannot be added later.
        const edited = await call("PUT", `/api/2.0/pipelines/${created.body.pipeline_id}`, {
            ...spec,
            clusters: [{ label: "default", num_workers: 2 }],
        });
        assert.strictEqual(edited.status, 400);
    });

    it("injects a 429 with Retry-After, then answers normally; logs unknown routes as 404", async () => {
        emulator.addFault({ method: "GET", path: "/api/2.0/preview/scim/v2/Me", status: 429, retryAfterSeconds: 1 });
        const limited = await call("GET", "/api/2.0/preview/scim/v2/Me");
        assert.deepStrictEqual(
            [limited.status, limited.headers.get("retry-after"), limited.body.error_code],
            [429, "1", "TOO_MANY_REQUESTS"],
        );
        assert.strictEqual((await call("GET", "/api/2.0/preview/scim/v2/Me")).status, 200);
        assert.strictEqual((await call("GET", "/api/2.0/nothing/here")).status, 404);
        assert.deepStrictEqual(emulator.unknownRoutes, ["GET /api/2.0/nothing/here"]);
        assert.deepStrictEqual(
            emulator.requests.map((request) => request.status),
            [429, 200, 404],
        );
    });
});
