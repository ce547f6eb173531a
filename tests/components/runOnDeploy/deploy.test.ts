import * as assert from "assert";
import { execFile } from "child_process";
import * as path from "path";
import { opsPython } from "../../../cli/ops";
import { PROJECT_DIR } from "../../../config/stackFile";
import { WorkspaceEmulator } from "../../emulator/server";

const TOKEN = `dapi${"8e2f".repeat(8)}`;
const PRINCIPAL = { clientId: "0c8d0000-0000-4000-8000-00000000d3e1", clientSecret: `dose${"5a".repeat(16)}` };

/** The run-on-deploy commands `pulumi up` / `destroy` run (notebooks/streambench/ops/deploy.py), on the SDK. */
describe("run-on-deploy commands (start / cancel / unchanged)", function () {
    this.timeout(60_000);
    let emulator: WorkspaceEmulator;
    let url: string;

    beforeEach(async () => {
        emulator = new WorkspaceEmulator({ tokens: [TOKEN], servicePrincipals: [PRINCIPAL], log: () => undefined });
        url = await emulator.start();
    });
    afterEach(() => emulator.stop());

    const deploy = (command: string, env: Record<string, string>) =>
        new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
            execFile(
                opsPython(process.env),
                ["-m", "streambench.ops.deploy", command],
                { env: { PATH: process.env.PATH, HOME: "/nonexistent", PYTHONPATH: path.join(PROJECT_DIR, "notebooks"), ...env } },
                (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
            ),
        );
    const jobsApi = async (route: string, body: unknown): Promise<any> =>
        (
            await fetch(`${url}/api/2.2/jobs/${route}`, {
                method: "POST",
                headers: { Authorization: `Bearer ${TOKEN}` },
                body: JSON.stringify(body),
            })
        ).json();

    it("start runs the timeline job with a token, and with an OAuth client id and secret", async () => {
        const { job_id: jobId } = await jobsApi("create", {
            name: "streambench-dev-timeline",
            tasks: [{ task_key: "t" }],
            max_concurrent_runs: 2,
        });
        for (const credentials of <Record<string, string>[]>[
            { DATABRICKS_TOKEN: TOKEN },
            { DATABRICKS_CLIENT_ID: PRINCIPAL.clientId, DATABRICKS_CLIENT_SECRET: PRINCIPAL.clientSecret },
        ]) {
            const result = await deploy("start", { DATABRICKS_HOST: url, ...credentials, STREAMBENCH_START_JOB_ID: String(jobId) });
            assert.strictEqual(result.code, 0, result.stderr);
            assert.match(result.stdout, new RegExp(`Started the timeline run \\d+ of job ${jobId}\\.`));
            assert.ok(!(result.stdout + result.stderr).includes(PRINCIPAL.clientSecret));
        }
        assert.strictEqual(emulator.billing().activeRuns.length, 2);
    });

    it("cancel cancels every listed job's runs; a bad id list changes nothing", async () => {
        const { job_id: jobId } = await jobsApi("create", { name: "streambench-dev-baseline", tasks: [{ task_key: "t" }] });
        await jobsApi("run-now", { job_id: jobId });
        const env = { DATABRICKS_HOST: url, DATABRICKS_TOKEN: TOKEN };
        const refused = await deploy("cancel", { ...env, STREAMBENCH_CANCEL_JOB_IDS: `${jobId},x` });
        assert.strictEqual(refused.code, 1);
        assert.match(refused.stderr, /STREAMBENCH_CANCEL_JOB_IDS must hold ids/);
        assert.strictEqual(emulator.billing().activeRuns.length, 1);
        const result = await deploy("cancel", { ...env, STREAMBENCH_CANCEL_JOB_IDS: String(jobId), STREAMBENCH_STOP_PIPELINE_IDS: "" });
        assert.strictEqual(result.code, 0, result.stderr);
        assert.strictEqual(emulator.billing().activeRuns.length, 0);
    });

    /** A continuous pipeline (it bills until stopped); returns its id. */
    const pipeline = async (name: string): Promise<string> => {
        const response = await fetch(`${url}/api/2.0/pipelines`, {
            method: "POST",
            headers: { Authorization: `Bearer ${TOKEN}` },
            body: JSON.stringify({ name, catalog: "main", schema: "streambench_dev", continuous: true }),
        });
        return ((await response.json()) as { pipeline_id: string }).pipeline_id;
    };

    it("cancel: a job deleted by hand is nothing to cancel; the other jobs are cancelled and the pipeline stopped (exit 0)", async () => {
        const { job_id: timeline } = await jobsApi("create", { name: "streambench-dev-timeline", tasks: [{ task_key: "t" }] });
        const { job_id: baseline } = await jobsApi("create", { name: "streambench-dev-baseline", tasks: [{ task_key: "t" }] });
        await jobsApi("run-now", { job_id: timeline });
        await jobsApi("run-now", { job_id: baseline });
        const pipelineId = await pipeline("streambench-dev-dlt");
        const result = await deploy("cancel", {
            DATABRICKS_HOST: url,
            DATABRICKS_TOKEN: TOKEN,
            STREAMBENCH_CANCEL_JOB_IDS: `${timeline},999999,${baseline}`,
            STREAMBENCH_STOP_PIPELINE_IDS: pipelineId,
        });
        assert.strictEqual(result.code, 0, result.stderr);
        assert.match(result.stdout, /Job 999999 no longer exists: nothing to cancel\./);
        assert.deepStrictEqual(emulator.billing().activeRuns, []);
        assert.deepStrictEqual(emulator.billing().pipelines, []);
    });

    it("cancel: a job whose cancel fails does not stop the others or the pipeline; it is reported and the exit is 1", async () => {
        const { job_id: timeline } = await jobsApi("create", { name: "streambench-dev-timeline", tasks: [{ task_key: "t" }] });
        const { job_id: baseline } = await jobsApi("create", { name: "streambench-dev-baseline", tasks: [{ task_key: "t" }] });
        await jobsApi("run-now", { job_id: timeline });
        await jobsApi("run-now", { job_id: baseline });
        const pipelineId = await pipeline("streambench-dev-dlt");
        emulator.addFault({ method: "POST", path: "/api/2.2/jobs/runs/cancel-all", status: 500, message: "boom" });
        const result = await deploy("cancel", {
            DATABRICKS_HOST: url,
            DATABRICKS_TOKEN: TOKEN,
            STREAMBENCH_CANCEL_JOB_IDS: `${timeline},${baseline}`,
            STREAMBENCH_STOP_PIPELINE_IDS: pipelineId,
        });
        assert.strictEqual(result.code, 1, result.stdout + result.stderr);
        assert.match(result.stderr, new RegExp(`job ${timeline}: cancel failed: .*boom`));
        assert.match(result.stdout, new RegExp(`Cancelled the active runs of job ${baseline}\\.`));
        assert.deepStrictEqual(
            emulator.billing().activeRuns.map((run) => run.jobId),
            [timeline],
        );
        assert.deepStrictEqual(emulator.billing().pipelines, []);
    });

    it("unchanged does nothing; an unknown command is a usage error", async () => {
        const unchanged = await deploy("unchanged", {});
        assert.deepStrictEqual([unchanged.code, unchanged.stdout.trim()], [0, "Workload unchanged: the benchmark is not started again."]);
        assert.strictEqual((await deploy("restart", {})).code, 2);
        assert.deepStrictEqual(emulator.requests, []);
    });
});
