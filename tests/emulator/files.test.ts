import * as assert from "assert";
import { emulatorCaller } from "./client";
import { WorkspaceEmulator } from "./server";

const TOKEN = `dapi${"5c3d".repeat(8)}`;
const VOLUME = "/Volumes/main/bench_s/checkpoints";

/** The Files API on volumes and the per-task run output, as the ops CLI's `analyze` uses them. */
describe("workspace emulator: the Files API on volumes and a run's output", () => {
    let emulator: WorkspaceEmulator;
    let url: string;

    const call = emulatorCaller(() => url, TOKEN);

    async function put(path: string, bytes: Buffer, overwrite = true): Promise<number> {
        const response = await fetch(`${url}/api/2.0/fs/files${path}?overwrite=${overwrite}`, {
            method: "PUT",
            headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/octet-stream" },
            body: new Uint8Array(bytes),
        });
        await response.text();
        return response.status;
    }

    beforeEach(async () => {
        emulator = new WorkspaceEmulator({ tokens: [TOKEN], log: () => undefined });
        url = await emulator.start();
        await call("POST", "/api/2.1/unity-catalog/schemas", { catalog_name: "main", name: "bench_s" });
        await call("POST", "/api/2.1/unity-catalog/volumes", {
            catalog_name: "main",
            schema_name: "bench_s",
            name: "checkpoints",
            volume_type: "MANAGED",
        });
    });
    afterEach(() => emulator.stop());

    it("stores a file in a volume and serves its bytes back with their length", async () => {
        const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 255, 10, 13]);
        assert.strictEqual(await put(`${VOLUME}/charts/run.png`, bytes), 200);
        const response = await fetch(`${url}/api/2.0/fs/files${VOLUME}/charts/run.png`, { headers: { Authorization: `Bearer ${TOKEN}` } });
        assert.strictEqual(response.status, 200);
        assert.strictEqual(response.headers.get("content-type"), "application/octet-stream");
        assert.strictEqual(response.headers.get("content-length"), String(bytes.length));
        assert.deepStrictEqual(Buffer.from(await response.arrayBuffer()), bytes);
        assert.strictEqual(await put(`${VOLUME}/charts/run.png`, bytes, false), 409);
    });

    it("refuses a path outside a volume (400), and answers 404 for a missing file or volume", async () => {
        for (const path of [
            "/Workspace/Users/x/run.png",
            "/Volumes/main/bench_s/checkpoints",
            "/Volumes/main/bench_s",
            "/dbfs/tmp/run.png",
        ]) {
            const answer = await call("GET", `/api/2.0/fs/files${path}`);
            assert.strictEqual(answer.status, 400, path);
            assert.strictEqual(answer.body.error_code, "INVALID_PARAMETER_VALUE");
        }
        const missing = await call("GET", `/api/2.0/fs/files${VOLUME}/charts/none.png`);
        assert.deepStrictEqual([missing.status, missing.body.error_code], [404, "NOT_FOUND"]);
        assert.strictEqual(await put("/Volumes/main/bench_s/no_volume/run.png", Buffer.from("x")), 404);
    });

    it("loses a volume's files with the volume", async () => {
        assert.strictEqual(await put(`${VOLUME}/charts/run.png`, Buffer.from("x")), 200);
        assert.strictEqual((await call("DELETE", "/api/2.1/unity-catalog/volumes/main.bench_s.checkpoints")).status, 200);
        await call("POST", "/api/2.1/unity-catalog/volumes", {
            catalog_name: "main",
            schema_name: "bench_s",
            name: "checkpoints",
            volume_type: "MANAGED",
        });
        assert.strictEqual((await call("GET", `/api/2.0/fs/files${VOLUME}/charts/run.png`)).status, 404);
    });

    it("gives a run's output per task run only, with the notebook's exit value once it ended", async () => {
        const { body: created } = await call("POST", "/api/2.2/jobs/create", { name: "a", tasks: [{ task_key: "analyze" }] });
        const { body: started } = await call("POST", "/api/2.2/jobs/run-now", { job_id: created.job_id });
        const refused = await call("GET", `/api/2.2/jobs/runs/get-output?run_id=${started.run_id}`);
        assert.strictEqual(refused.status, 400);
        assert.match(refused.body.message, /Retrieving the output of runs with multiple tasks is not supported/);
        const { body: run } = await call("GET", `/api/2.2/jobs/runs/get?run_id=${started.run_id}`);
        const taskRun = run.tasks[0].run_id;
        assert.strictEqual(run.tasks[0].task_key, "analyze");
        assert.strictEqual((await call("GET", `/api/2.2/jobs/runs/get-output?run_id=${taskRun}`)).body.notebook_output, undefined);
        emulator.jobs.finish(started.run_id, { analyze: '{"kept_up": true}' });
        const output = await call("GET", `/api/2.2/jobs/runs/get-output?run_id=${taskRun}`);
        assert.deepStrictEqual(output.body.notebook_output, { result: '{"kept_up": true}', truncated: false });
        assert.strictEqual(output.body.metadata.state.result_state, "SUCCESS");
        assert.strictEqual((await call("GET", "/api/2.2/jobs/runs/get-output?run_id=999999")).status, 400);
    });
});
