import * as assert from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { jobRuns } from "../../../components/runOnDeploy/jobRuns";
import { FakeWorkspace, startWorkspace } from "../../fakeWorkspace";

const TOKEN = "dapi-JOBRUNS-SENTINEL-91c2";

/** The run-on-deploy commands `pulumi up` / `destroy` run, against a local workspace, with their exit codes. */
describe("components/runOnDeploy/jobRuns.ts (run-on-deploy start / cancel / unchanged)", function () {
    this.timeout(60_000);
    let workspace: FakeWorkspace | undefined;
    let home: string;
    beforeEach(() => {
        home = fs.mkdtempSync(path.join(os.tmpdir(), "streambench-jobruns-"));
    });
    afterEach(async () => {
        await workspace?.close();
        workspace = undefined;
        fs.rmSync(home, { recursive: true, force: true });
    });

    const healthy = () =>
        startWorkspace((request) => {
            if (request.method === "POST" && request.path === "/api/2.2/jobs/run-now") {
                return { status: 200, body: { run_id: 777, number_in_job: 777 } };
            }
            if (request.method === "POST" && request.path === "/api/2.2/jobs/runs/cancel-all") {
                return { status: 200, body: {} };
            }
            return { status: 404, body: { error_code: "ENDPOINT_NOT_FOUND", message: "no such API" } };
        });
    const run = async (command: string | undefined, env: NodeJS.ProcessEnv) => {
        const out: string[] = [];
        const err: string[] = [];
        const code = await jobRuns(
            command,
            { HOME: home, DATABRICKS_TOKEN: TOKEN, ...env },
            { out: (line) => out.push(line), err: (line) => err.push(line) },
        );
        const text = [...out, ...err].join("\n");
        assert.ok(!text.toLowerCase().includes(TOKEN.toLowerCase()), "printed the token");
        return { code, out: out.join("\n"), err: err.join("\n") };
    };

    it("start: run-now on the timeline job, prints the run id, exit 0", async () => {
        workspace = await healthy();
        const result = await run("start", { DATABRICKS_HOST: workspace.url, STREAMBENCH_START_JOB_ID: "42" });
        assert.deepStrictEqual([result.code, result.out, result.err], [0, "Started the timeline run 777 of job 42.", ""]);
        assert.deepStrictEqual(
            workspace.requests.map((request) => [request.method, request.path, request.body, request.authorization]),
            [["POST", "/api/2.2/jobs/run-now", { job_id: 42 }, `Bearer ${TOKEN}`]],
        );
    });

    it("cancel: cancel-all for every job of the benchmark, exit 0", async () => {
        workspace = await healthy();
        const result = await run("cancel", { DATABRICKS_HOST: workspace.url, STREAMBENCH_CANCEL_JOB_IDS: "100,101,102" });
        assert.strictEqual(result.code, 0, result.err);
        assert.deepStrictEqual(
            workspace.requests.map((request) => request.body),
            [{ job_id: 100 }, { job_id: 101 }, { job_id: 102 }],
        );
        assert.match(
            result.out,
            /Cancelled the active runs of job 100\.\nCancelled the active runs of job 101\.\nCancelled the active runs of job 102\./,
        );
    });

    it("cancel: then stops the DLT pipelines once the cancelled runs have ended, exit 0", async () => {
        // Job 105's run (the control notebook) takes one more listing to end after its cancel-all.
        let listingsOf105 = 0;
        workspace = await startWorkspace((request) => {
            if (
                request.method === "POST" &&
                (request.path === "/api/2.2/jobs/runs/cancel-all" || /^\/api\/2\.0\/pipelines\/[^/]+\/stop$/.test(request.path))
            ) {
                return { status: 200, body: {} };
            }
            if (request.method === "GET" && request.path === "/api/2.2/jobs/runs/list") {
                const stillEnding = request.query.job_id === "105" && listingsOf105++ === 0;
                return {
                    status: 200,
                    body: { runs: stillEnding ? [{ run_id: 9, state: { life_cycle_state: "TERMINATING" } }] : [], has_more: false },
                };
            }
            return { status: 404, body: { error_code: "ENDPOINT_NOT_FOUND", message: "no such API" } };
        });
        const pipelineId = "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b";
        const result = await run("cancel", {
            DATABRICKS_HOST: workspace.url,
            STREAMBENCH_CANCEL_JOB_IDS: "100,105",
            STREAMBENCH_STOP_PIPELINE_IDS: pipelineId,
        });
        assert.strictEqual(result.code, 0, result.err);
        const calls = workspace.calls().map((call) => call.replace(/&.*$/, ""));
        assert.deepStrictEqual(calls, [
            "POST /api/2.2/jobs/runs/cancel-all",
            "POST /api/2.2/jobs/runs/cancel-all",
            "GET /api/2.2/jobs/runs/list?job_id=100",
            "GET /api/2.2/jobs/runs/list?job_id=105",
            "GET /api/2.2/jobs/runs/list?job_id=100",
            "GET /api/2.2/jobs/runs/list?job_id=105",
            `POST /api/2.0/pipelines/${pipelineId}/stop`,
        ]);
        assert.match(result.out, new RegExp(`Stopped the DLT pipeline ${pipelineId}`));
    });

    it("cancel: refuses a pipeline id that is not one, before any request", async () => {
        workspace = await healthy();
        const result = await run("cancel", {
            DATABRICKS_HOST: workspace.url,
            STREAMBENCH_CANCEL_JOB_IDS: "100",
            STREAMBENCH_STOP_PIPELINE_IDS: "../../jobs",
        });
        assert.strictEqual(result.code, 1);
        assert.match(result.err, /STREAMBENCH_STOP_PIPELINE_IDS must hold pipeline ids/);
        assert.deepStrictEqual(workspace.requests, []);
    });

    it("unchanged: no request at all, exit 0", async () => {
        workspace = await healthy();
        const result = await run("unchanged", { DATABRICKS_HOST: workspace.url });
        assert.deepStrictEqual([result.code, result.out], [0, "Workload unchanged: the benchmark is not started again."]);
        assert.deepStrictEqual(workspace.requests, []);
    });

    it("a workspace error fails the command (exit 1), so pulumi up / destroy stops, and the token stays hidden", async () => {
        workspace = await startWorkspace(() => ({
            status: 500,
            body: { error_code: "INTERNAL_ERROR", message: `echo ${TOKEN.toLowerCase()} \x1b[31m` },
        }));
        const result = await run("start", { DATABRICKS_HOST: workspace.url, STREAMBENCH_START_JOB_ID: "42" });
        assert.strictEqual(result.code, 1);
        assert.match(
            result.err,
            /^streambench start: http:\/\/127\.0\.0\.1:\d+ failed on POST \/api\/2\.2\/jobs\/run-now \(HTTP 500 INTERNAL_ERROR: echo <token> \); try again later$/,
        );
    });

    it("a cancel that fails half-way stops at the failing job (exit 1)", async () => {
        workspace = await startWorkspace((request) =>
            (request.body as { job_id: number }).job_id === 101
                ? { status: 403, body: { error_code: "PERMISSION_DENIED", message: "no" } }
                : { status: 200, body: {} },
        );
        const result = await run("cancel", { DATABRICKS_HOST: workspace.url, STREAMBENCH_CANCEL_JOB_IDS: "100,101,102" });
        assert.strictEqual(result.code, 1);
        assert.match(result.err, /token rejected .*HTTP 403 PERMISSION_DENIED/);
        assert.deepStrictEqual(
            workspace.requests.map((request) => request.body),
            [{ job_id: 100 }, { job_id: 101 }],
        );
    });

    it("missing job ids, no host, or an unknown command: exit 1, 1 and 2, with no request", async () => {
        workspace = await healthy();
        assert.match(
            (await run("start", { DATABRICKS_HOST: workspace.url, STREAMBENCH_START_JOB_ID: "abc" })).err,
            /STREAMBENCH_START_JOB_ID must hold job ids/,
        );
        assert.strictEqual((await run("cancel", { DATABRICKS_HOST: workspace.url })).code, 1);
        assert.strictEqual((await run("start", { STREAMBENCH_START_JOB_ID: "42" })).code, 1);
        const unknown = await run("restart", { DATABRICKS_HOST: workspace.url });
        assert.deepStrictEqual([unknown.code, unknown.err], [2, "usage: jobRuns.ts start|cancel|unchanged"]);
        assert.deepStrictEqual(workspace.requests, []);
    });

    it("as the process pulumi runs: the exit code reaches the shell", async () => {
        workspace = await healthy();
        const script = (command: string, extra: NodeJS.ProcessEnv) =>
            new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
                const child = spawn(
                    process.execPath,
                    [require.resolve("ts-node/dist/bin"), "--transpile-only", "components/runOnDeploy/jobRuns.ts", command],
                    {
                        cwd: path.join(__dirname, "..", "..", ".."),
                        env: { PATH: process.env.PATH, HOME: home, DATABRICKS_HOST: workspace!.url, DATABRICKS_TOKEN: TOKEN, ...extra },
                    },
                );
                let [stdout, stderr] = ["", ""];
                child.stdout.on("data", (chunk) => (stdout += chunk));
                child.stderr.on("data", (chunk) => (stderr += chunk));
                child.on("close", (status) => resolve({ status, stdout, stderr }));
            });
        const started = await script("start", { STREAMBENCH_START_JOB_ID: "42" });
        assert.deepStrictEqual([started.status, started.stdout.trim()], [0, "Started the timeline run 777 of job 42."], started.stderr);
        const failed = await script("cancel", { STREAMBENCH_CANCEL_JOB_IDS: "" });
        assert.strictEqual(failed.status, 1, failed.stderr);
        assert.match(failed.stderr, /STREAMBENCH_CANCEL_JOB_IDS must hold job ids/);
        const usage = await script("restart", {});
        assert.strictEqual(usage.status, 2);
        assert.deepStrictEqual(
            workspace.requests.map((request) => request.path),
            ["/api/2.2/jobs/run-now"],
        );
    });
});
