import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { main } from "../../cli/ops";
import { RUN_COMPARISON_COLUMNS } from "../../components/dashboard/datasets";
import { WorkspaceEmulator } from "../emulator/server";

const TOKEN = `dapi${"6b1e".repeat(8)}`;
const PRINCIPAL = { clientId: "0b9c0000-0000-4000-8000-000000000a11", clientSecret: `dose${"4d".repeat(16)}` };
const PROD_TAGS = { project: "streambench", stack: "prod" };

/** `npm run ops` against the workspace emulator: the official SDK's unified authentication, the stack's own jobs only. */
describe("ops CLI (databricks-sdk)", function () {
    this.timeout(120_000);
    let emulator: WorkspaceEmulator;
    let url: string;
    let home: string;

    beforeEach(async () => {
        emulator = new WorkspaceEmulator({ tokens: [TOKEN], servicePrincipals: [PRINCIPAL], clusterStartMs: 0, log: () => undefined });
        url = await emulator.start();
        home = fs.mkdtempSync(path.join(os.tmpdir(), "ops-home-"));
    });
    afterEach(async () => {
        await emulator.stop();
        fs.rmSync(home, { recursive: true, force: true });
    });

    async function call(method: string, route: string, body?: unknown): Promise<any> {
        const response = await fetch(`${url}${route}`, {
            method,
            headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" },
            body: body === undefined ? undefined : JSON.stringify(body),
        });
        return response.json();
    }

    /** A job as the stack deploys it (name and tags), optionally with an active run; returns its id. */
    async function job(name: string, tags: Record<string, string> = PROD_TAGS, running = false): Promise<number> {
        const { job_id: jobId } = await call("POST", "/api/2.2/jobs/create", { name, tags, tasks: [{ task_key: "t" }] });
        if (running) {
            await call("POST", "/api/2.2/jobs/run-now", { job_id: jobId });
        }
        return jobId;
    }

    /** The environment of a user with only these credentials (no profile file of this machine). */
    const only = (variables: Record<string, string>) => ({
        PATH: process.env.PATH,
        HOME: home,
        DATABRICKS_CONFIG_FILE: path.join(home, ".databrickscfg"),
        ...variables,
    });
    const pat = () => only({ DATABRICKS_HOST: url, DATABRICKS_TOKEN: TOKEN });

    async function ops(argv: string[], env: NodeJS.ProcessEnv, settings: Parameters<typeof main>[3] = {}) {
        const stdout: string[] = [];
        const stderr: string[] = [];
        const code = await main(
            argv,
            env,
            { stdout: (line) => stdout.push(line), stderr: (line) => stderr.push(line) },
            {
                stackOutputs: () => undefined,
                settleSeconds: 0,
                ...settings,
            },
        );
        return { code, stdout: stdout.join("\n"), stderr: stderr.join("\n") };
    }

    const activeRuns = () => emulator.billing().activeRuns;

    for (const [method, env] of [
        ["a personal access token", () => pat()],
        [
            "OAuth machine-to-machine (client id and secret)",
            () =>
                only({ DATABRICKS_HOST: url, DATABRICKS_CLIENT_ID: PRINCIPAL.clientId, DATABRICKS_CLIENT_SECRET: PRINCIPAL.clientSecret }),
        ],
        [
            "a config profile",
            () => {
                fs.writeFileSync(path.join(home, ".databrickscfg"), `[bench]\nhost = ${url}\ntoken = ${TOKEN}\n`);
                return only({ DATABRICKS_CONFIG_PROFILE: "bench" });
            },
        ],
    ] as const) {
        it(`status with ${method}: the active run with its planned load, the jobs not deployed`, async () => {
            const baseline = await job("streambench-prod-baseline", PROD_TAGS, true);
            const result = await ops(["status", "--stack", "prod"], env());
            assert.strictEqual(result.code, 0, result.stderr);
            assert.match(
                result.stdout,
                new RegExp(`streambench-prod-baseline\\s+${baseline}\\s+\\d+\\s+RUNNING\\s+\\S+ \\S+\\s+50 × 1,000 = 50,000`),
            );
            assert.match(result.stdout, /streambench-prod-timeline\s+-\s+-\s+not deployed/);
            assert.ok(
                !(result.stdout + result.stderr).includes(PRINCIPAL.clientSecret) && !(result.stdout + result.stderr).includes(TOKEN),
            );
        });
    }

    it("stop cancels the stack's runs only: a job of the same name without the stack's tags is left running, and said so", async () => {
        const own = await job("streambench-prod-baseline", PROD_TAGS, true);
        const other = await job("streambench-prod-baseline", { project: "streambench", stack: "someone-else" }, true);
        const result = await ops(["stop", "--stack", "prod"], pat());
        assert.strictEqual(result.code, 0, result.stdout + result.stderr);
        assert.deepStrictEqual(
            activeRuns().map((run) => run.jobId),
            [other],
        );
        assert.match(result.stdout, new RegExp(`job ${other} \\(streambench-prod-baseline\\) lacks the stack's tags`));
        assert.ok(!activeRuns().some((run) => run.jobId === own));
    });

    it("stop tries every job after one fails, says what still runs, and exits 1; a 503 the SDK retries is no failure", async () => {
        await job("streambench-prod-timeline", PROD_TAGS, true);
        await job("streambench-prod-baseline", PROD_TAGS, true);
        await job("streambench-prod-3x", PROD_TAGS, true);
        emulator.addFault({ method: "POST", path: "/api/2.2/jobs/runs/cancel-all", status: 500, message: "boom" });
        emulator.addFault({ method: "POST", path: "/api/2.2/jobs/runs/cancel-all", status: 503 });
        const result = await ops(["stop", "--stack", "prod"], pat());
        assert.strictEqual(result.code, 1);
        assert.match(result.stdout, /FAILED: streambench-prod-timeline \(job \d+\): cancel failed/);
        assert.match(result.stdout, /still running: streambench-prod-timeline run \d+/);
        assert.match(result.stdout, /streambench-prod-baseline \(job \d+\): every active run cancelled/);
        assert.match(result.stdout, /streambench-prod-3x \(job \d+\): every active run cancelled/);
        assert.strictEqual(activeRuns().length, 1);
    });

    /** A continuous pipeline named as the stack names it (it bills from its create); returns its id. */
    async function pipeline(name: string, tags: Record<string, string>): Promise<string> {
        const created = await call("POST", "/api/2.0/pipelines", {
            name,
            tags,
            catalog: "main",
            schema: "streambench_prod",
            continuous: true,
            clusters: [{ label: "default", autoscale: { min_workers: 1, max_workers: 5, mode: "ENHANCED" } }],
        });
        return created.pipeline_id;
    }
    const billingPipelines = () => emulator.billing().pipelines.map((held) => held.pipelineId);

    it("stop stops the stack's pipeline, and leaves a pipeline of that name without the stack's tags running", async () => {
        const own = await pipeline("streambench-prod-dlt", PROD_TAGS);
        assert.deepStrictEqual(billingPipelines(), [own]);
        const stopped = await ops(["stop", "--stack", "prod"], pat());
        assert.strictEqual(stopped.code, 0, stopped.stdout + stopped.stderr);
        assert.match(stopped.stdout, new RegExp(`streambench-prod-dlt \\(pipeline ${own}\\): stopped`));
        assert.deepStrictEqual(billingPipelines(), []);

        await call("DELETE", `/api/2.0/pipelines/${own}`);
        const other = await pipeline("streambench-prod-dlt", { project: "streambench", stack: "someone-else" });
        const left = await ops(["stop", "--stack", "prod"], pat());
        assert.match(left.stdout, new RegExp(`pipeline ${other} \\(streambench-prod-dlt\\) lacks the stack's tags: left alone`));
        assert.deepStrictEqual(billingPipelines(), [other]);
    });

    it("run starts the timeline job and prints its page; followed, it ends when the run ends", async () => {
        const timeline = await job("streambench-prod-timeline");
        const started = await ops(["run", "--stack", "prod", "--no-follow"], pat());
        assert.strictEqual(started.code, 0, started.stderr);
        assert.match(started.stdout, new RegExp(`Started streambench-prod-timeline run (\\d+): ${url}/#job/${timeline}/run/\\d+`));

        await call("POST", "/api/2.2/jobs/runs/cancel-all", { job_id: timeline });
        const followed = ops(["run", "--stack", "prod"], pat(), { pollSeconds: 0.2 });
        // Cancel once the follower has looked at the run twice (the start, then its first progress line).
        const looks = () => emulator.requests.filter((request) => request.path === "/api/2.2/jobs/runs/get").length;
        const before = looks();
        while (!activeRuns().some((run) => run.jobId === timeline) || looks() < before + 2) {
            await new Promise((resolve) => setTimeout(resolve, 100));
        }
        await call("POST", "/api/2.2/jobs/runs/cancel-all", { job_id: timeline });
        const result = await followed;
        assert.match(result.stdout, /\[[#.]{20}\] [\d.]+\/15 min/);
        assert.match(result.stdout, /ended: TERMINATED CANCELED/);
        assert.strictEqual(result.code, 1);
    });

    /** The stack's schema and checkpoint volume, as `pulumi up` creates them, with the analysis's chart in it. */
    it("a run-now answered without a run id is an error, not 'started run undefined'", async () => {
        await job("streambench-prod-timeline");
        emulator.addFault({ method: "POST", path: "/api/2.2/jobs/run-now", reply: {} });
        const result = await ops(["run", "--stack", "prod", "--no-follow"], pat());
        assert.strictEqual(result.code, 1);
        assert.match(result.stderr, /started no run of streambench-prod-timeline: its answer held no run id/);
        assert.doesNotMatch(result.stdout, /undefined|None/);
    });

    it("an answer over the 16 MB cap is refused in one line, read no further than the cap", async () => {
        emulator.addFault({ method: "GET", path: "/api/2.2/jobs/list", reply: { jobs: [], padding: "x".repeat(17 * 1024 * 1024) } });
        const result = await ops(["status", "--stack", "prod"], pat());
        assert.strictEqual(result.code, 1);
        assert.match(result.stderr, /^ops: the workspace's answer to GET \/api\/2\.2\/jobs\/list is over the 16 MB cap: refused$/m);
    });

    it("host and token swapped: refused without printing the token, and no request is made", async () => {
        const result = await ops(["status", "--stack", "prod"], only({ DATABRICKS_HOST: TOKEN, DATABRICKS_TOKEN: url }));
        assert.strictEqual(result.code, 1);
        assert.match(result.stderr, /DATABRICKS_HOST holds what looks like a token, not a workspace URL \(not printed\)/);
        assert.ok(!(result.stdout + result.stderr).includes(TOKEN));
        assert.deepStrictEqual(emulator.requests, []);
    });

    it("http:// is refused for a remote host (the token would travel unencrypted), taken for loopback", async () => {
        const remote = await ops(
            ["status", "--stack", "prod"],
            only({ DATABRICKS_HOST: "http://dbc-1234.cloud.databricks.com", DATABRICKS_TOKEN: TOKEN }),
        );
        assert.strictEqual(remote.code, 1);
        assert.match(remote.stderr, /uses http:\/\/, which would send credentials unencrypted/);
        assert.strictEqual((await ops(["status", "--stack", "prod"], pat())).code, 0);
    });

    it("uses the ids of the stack's outputs, and never a job of that id without the stack's tags", async () => {
        const stranger = await job("streambench-prod-baseline", { project: "other" }, true);
        const result = await ops(["stop", "--stack", "prod"], pat(), {
            stackOutputs: () => ({ benchmark: { ids: { phaseJobIds: { baseline: stranger } } } }),
        });
        assert.strictEqual(result.code, 0, result.stderr);
        assert.deepStrictEqual(
            activeRuns().map((run) => run.jobId),
            [stranger],
        );
        assert.ok(emulator.requests.some((request) => request.path === "/api/2.2/jobs/get" && request.query.job_id === String(stranger)));
    });

    it("the command line: --help, an unknown command, no --stack, a stack name with a path", async () => {
        assert.strictEqual((await ops(["--help"], pat())).code, 0);
        for (const argv of [
            ["restart", "--stack", "prod"],
            ["status"],
            ["status", "--stack", "../x"],
            ["status", "--stack", "prod", "--colour"],
        ]) {
            const result = await ops(argv, pat());
            assert.strictEqual(result.code, 2, argv.join(" "));
            assert.match(result.stderr, /^ops: .*\n\nUsage: npm run ops/);
        }
        assert.deepStrictEqual(emulator.requests, []);
    });

    it("a streambench:* value set with --secret: says the stack file cannot be decrypted offline and how to set it (exit 1)", async () => {
        const project = fs.mkdtempSync(path.join(os.tmpdir(), "ops-project-"));
        const prod = fs.readFileSync(path.join(__dirname, "..", "..", "Pulumi.prod.yaml"), "utf8");
        fs.writeFileSync(path.join(project, "Pulumi.prod.yaml"), `${prod}  streambench:warehouseId:\n    secure: AAABAGVuY3J5cHRlZA==\n`);
        const result = await ops(["status", "--stack", "prod"], pat(), { projectDir: project });
        fs.rmSync(project, { recursive: true, force: true });
        assert.strictEqual(result.code, 1);
        assert.match(result.stderr, /streambench:warehouseId: is a secret .*cannot decrypt it/s);
        assert.ok(!result.stderr.includes("AAABAGVuY3J5cHRlZA=="), "printed the ciphertext");
        assert.deepStrictEqual(emulator.requests, []);
    });

    it("cluster.kind job: status knows the timeline job only, and analyze says the analysis is the timeline's last task (exit 1)", async () => {
        const project = fs.mkdtempSync(path.join(os.tmpdir(), "ops-project-"));
        const stackFile =
            "config:\n  streambench:testMode: true\n  streambench:cluster:\n    kind: job\n  streambench:dlt:\n    enabled: true\n";
        fs.writeFileSync(path.join(project, "Pulumi.jobs.yaml"), stackFile);
        try {
            const timeline = await job("streambench-jobs-timeline", { project: "streambench", stack: "jobs" }, true);
            const status = await ops(["status", "--stack", "jobs"], pat(), { projectDir: project });
            assert.strictEqual(status.code, 0, status.stderr);
            assert.match(status.stdout, new RegExp(`streambench-jobs-timeline\\s+${timeline}\\s+\\d+\\s+RUNNING`));
            // No phase, control or analysis job to report as "not deployed": the timeline's tasks run them.
            assert.doesNotMatch(status.stdout, /streambench-jobs-(baseline|3x|9x|dlt-control|analysis)\b/);
            const requestsBefore = emulator.requests.length;
            const analyze = await ops(["analyze", "--stack", "jobs"], pat(), { projectDir: project });
            assert.strictEqual(analyze.code, 1);
            assert.match(
                analyze.stderr,
                /cluster\.kind job\): it has no analysis job\. .*last task of every streambench-jobs-timeline run/,
            );
            assert.strictEqual(emulator.requests.length, requestsBefore, "analyze called the workspace");
        } finally {
            fs.rmSync(project, { recursive: true, force: true });
        }
    });

    describe("compare", () => {
        const WAREHOUSE = "0123456789abcdef";
        let project: string;
        beforeEach(async () => {
            await emulator.stop();
            emulator = new WorkspaceEmulator({ tokens: [TOKEN], warehouses: [WAREHOUSE], log: () => undefined });
            url = await emulator.start();
            project = fs.mkdtempSync(path.join(os.tmpdir(), "ops-project-"));
            fs.writeFileSync(
                path.join(project, "Pulumi.lab.yaml"),
                `config:\n  streambench:testMode: true\n  streambench:warehouseId: "${WAREHOUSE}"\n`,
            );
            await call("POST", "/api/2.1/unity-catalog/schemas", { catalog_name: "main", name: "dlt_autoscaling_lab" });
        });
        afterEach(() => fs.rmSync(project, { recursive: true, force: true }));

        /** One run_comparison row, as JSON_ARRAY strings, in the dataset's column order. */
        const run = (start: string, compute: string, keptUp: string | null, lag: string | null, minutes: string | null) =>
            Object.values({
                run_start: start,
                compute,
                dlt_compute: compute === "job cluster" ? "classic pipeline" : null,
                node_type: "i3.xlarge",
                min_workers: "1",
                max_workers: compute === "job cluster" ? "4" : "2",
                workers_peak: "2",
                peak_offered_rows_per_second: "1700.0",
                peak_processed_rows_per_second: keptUp === "true" ? "1702.4" : "1210.0",
                kept_up: keptUp,
                windows_kept_up: keptUp === "true" ? "4" : "2",
                windows: "4",
                lag_p95_seconds: lag,
                worker_minutes: minutes,
                estimated_dbus: null,
            });

        it("prints the runs side by side from the dashboard's query on the stack's warehouse, every chunk, --last as LIMIT", async () => {
            emulator.catalog.writeTables("main", "dlt_autoscaling_lab", ["benchmark_results"]);
            const compared = ops(["compare", "--stack", "lab", "--last", "2"], pat(), { projectDir: project, pollSeconds: 0.1 });
            while (emulator.statements.running().length === 0) {
                await new Promise((resolve) => setTimeout(resolve, 50));
            }
            const [statement] = emulator.statements.running();
            assert.strictEqual(statement.warehouseId, WAREHOUSE);
            assert.match(
                statement.statement,
                /FROM `main`\.`dlt_autoscaling_lab`\.`benchmark_results` AS r[\s\S]*ORDER BY run_start DESC\nLIMIT 2$/,
            );
            emulator.statements.finish(statement.id, {
                columns: RUN_COMPARISON_COLUMNS,
                rows: [
                    run("2026-12-02T02:00:00.000Z", "job cluster", "true", "8.4", "61.5"),
                    run("2026-12-01T02:00:00.000Z", "all-purpose cluster", "false", "95.0", null),
                ],
                chunkRows: 1,
            });
            const result = await compared;
            assert.strictEqual(result.code, 0, result.stderr);
            const lines = result.stdout.split("\n");
            const header = lines.findIndex((line) => line.startsWith("RUN START (UTC)"));
            assert.ok(header >= 0, result.stdout);
            assert.match(
                lines[header],
                /COMPUTE\s+NODE TYPE\s+WORKERS\s+DLT\s+PEAK OFFERED\/S\s+PEAK PROCESSED\/S\s+KEPT UP\s+WINDOWS OK\s+LAG P95 S\s+NODE-MIN/,
            );
            assert.match(
                lines[header + 2],
                /^2026-12-02 02:00:00\s+job cluster\s+i3\.xlarge\s+1-4 \(peak 2\)\s+classic pipeline\s+1,700\s+1,702\s+yes\s+4\/4\s+8\.4\s+61\.5\s+-$/,
            );
            assert.match(
                lines[header + 3],
                /^2026-12-01 02:00:00\s+all-purpose cluster\s+i3\.xlarge\s+1-2 \(peak 2\)\s+no\s+1,700\s+1,210\s+NO\s+2\/4\s+95\.0\s+-\s+-$/,
            );
            assert.match(result.stdout, /the latest 2 analysed runs of main\.dlt_autoscaling_lab\.benchmark_results, newest first/);
            const chunks = emulator.requests.filter((request) => /\/result\/chunks\/1$/.test(request.path));
            assert.strictEqual(chunks.length, 1, "the second chunk was not fetched");
        });

        it("says there is no analysed run yet while benchmark_results does not exist (exit 0)", async () => {
            const result = await ops(["compare", "--stack", "lab"], pat(), { projectDir: project });
            assert.strictEqual(result.code, 0, result.stderr);
            assert.match(
                result.stdout,
                /No analysed run yet: main\.dlt_autoscaling_lab\.benchmark_results does not exist.*npm run ops -- analyze --stack lab/,
            );
        });

        it("without streambench:warehouseId names the key and calls nothing (exit 1); --last is compare's, a whole number", async () => {
            const noWarehouse = await ops(["compare", "--stack", "prod"], pat());
            assert.strictEqual(noWarehouse.code, 1);
            assert.match(
                noWarehouse.stderr,
                /compare reads main\.dlt_autoscaling_prod\.benchmark_results on a SQL warehouse: set streambench:warehouseId in Pulumi\.prod\.yaml/,
            );
            for (const [argv, message] of [
                [["compare", "--stack", "lab", "--last", "0"], /--last: a whole number of runs from 1 to 1000, got "0"/],
                [["compare", "--stack", "lab", "--last", "2.5"], /--last: a whole number of runs/],
                [["status", "--stack", "lab", "--last", "3"], /--last is an option of compare only/],
            ] as const) {
                const refused = await ops([...argv], pat(), { projectDir: project });
                assert.deepStrictEqual([refused.code, message.test(refused.stderr)], [2, true], refused.stderr);
            }
            assert.deepStrictEqual(
                emulator.requests.filter((request) => request.path.includes("/sql/")),
                [],
            );
        });
    });

    it("a stack without a stack file names the stacks that exist; no Python with the SDK says to run setup", async () => {
        const missing = await ops(["status", "--stack", "staging"], pat());
        assert.strictEqual(missing.code, 1);
        assert.match(missing.stderr, /no stack file .*Pulumi\.staging\.yaml: check --stack \(stacks here: .*dev.*prod/);
        const noPython = await ops(["status", "--stack", "prod"], { ...pat(), STREAMBENCH_OPS_PYTHON: "/nonexistent/python" });
        assert.strictEqual(noPython.code, 1);
        assert.match(noPython.stderr, /no Python with the Databricks SDK at \/nonexistent\/python: run `npm run setup`/);
    });
});
