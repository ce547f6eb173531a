import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { namespaceValues, parseStackConfig } from "../../config/parse";
import { stackFileConfig } from "../../config/stackFile";
import { buildScalingPlan } from "../../plan/build";
import { resolveCredentials } from "../../workspace/credentials";
import { analysisJobName, main, stackJobNames } from "../../cli/ops";
import { FakeWorkspace, RecordedRequest, Reply, startWorkspace } from "../fakeWorkspace";

/** Must never show up in anything the CLI prints. */
const SENTINEL_TOKEN = "dapi-SENTINEL-7f3a9c0e5b1d";

const PROD_STACK_FILE = `config:
  streambench:testMode: false
  streambench:schedule:
    cron: "0 0 2 * * ?"
    paused: false
`;

const SECRET_TOKEN_STACK_FILE = `config:
  databricks:host: https://dbc-secret.cloud.databricks.com
  databricks:token:
    secure: AAABAGVuY3J5cHRlZA==
  streambench:testMode: true
`;

interface WorkspaceState {
    /** Job name → id. */
    jobs: Record<string, number>;
    /** Job id → active runs. */
    activeRuns?: Record<number, object[]>;
    /** DLT pipeline name → id and state. */
    pipelines?: Record<string, { id: string; state: string }>;
}

/** A well-behaved workspace holding `state`. */
function jobsApi(state: WorkspaceState): (request: RecordedRequest) => Reply {
    const cancelling = new Set<number>();
    return (request) => {
        const route = `${request.method} ${request.path}`;
        if (route === "GET /api/2.2/jobs/list") {
            const jobs = Object.entries(state.jobs)
                .filter(([name]) => name.toLowerCase() === request.query.name?.toLowerCase())
                .map(([name, job_id]) => ({ job_id, settings: { name } }));
            return { status: 200, body: jobs.length ? { jobs, has_more: false } : { has_more: false } };
        }
        if (route === "GET /api/2.2/jobs/runs/list") {
            const jobId = Number(request.query.job_id);
            const runs = state.activeRuns?.[jobId] ?? [];
            if (cancelling.has(jobId)) {
                delete state.activeRuns?.[jobId];
            }
            return { status: 200, body: runs.length ? { runs, has_more: false } : { has_more: false } };
        }
        if (route === "POST /api/2.2/jobs/runs/cancel-all") {
            // Cancellation completes asynchronously: the first listing after it still shows the runs ending, later ones not.
            const jobId = Number((request.body as { job_id?: number } | undefined)?.job_id);
            cancelling.add(jobId);
            return { status: 200, body: {} };
        }
        if (route === "POST /api/2.2/jobs/run-now") {
            return { status: 200, body: { run_id: 5555, number_in_job: 5555 } };
        }
        if (route === "GET /api/2.0/pipelines") {
            const name = /^name LIKE '(.*)'$/.exec(request.query.filter ?? "")?.[1];
            const statuses = Object.entries(state.pipelines ?? {})
                .filter(([pipelineName]) => pipelineName === name)
                .map(([pipelineName, pipeline]) => ({ pipeline_id: pipeline.id, name: pipelineName, state: pipeline.state }));
            return { status: 200, body: statuses.length ? { statuses } : {} };
        }
        const stop = /^POST \/api\/2\.0\/pipelines\/([^/]+)\/stop$/.exec(route);
        if (stop && Object.values(state.pipelines ?? {}).some((pipeline) => pipeline.id === stop[1])) {
            return { status: 200, body: {} };
        }
        return { status: 404, body: { error_code: "ENDPOINT_NOT_FOUND", message: `No API found for '${route}'` } };
    };
}

/** A deployed prod stack: the timeline job, then the phase jobs. */
const PROD_JOBS = {
    "streambench-prod-timeline": 100,
    "streambench-prod-baseline": 101,
    "streambench-prod-3x": 102,
    "streambench-prod-9x": 103,
};
const JOB_LIST = (name: string) => `GET /api/2.2/jobs/list?name=${name}`;
const ACTIVE_RUNS = (jobId: number) => `GET /api/2.2/jobs/runs/list?job_id=${jobId}&active_only=true`;
const CANCEL_ALL = "POST /api/2.2/jobs/runs/cancel-all";
/** ops looks up the stack's jobs by name, the timeline job first, then the phases. */
const PROD_JOB_LISTS = ["timeline", "baseline", "3x", "9x"].map((job) => JOB_LIST(`streambench-prod-${job}`));

function baselineRun(runId: number) {
    return {
        run_id: runId,
        job_id: 101,
        start_time: Date.UTC(2025, 5, 1, 2, 0, 3),
        run_page_url: `https://dbc-test.cloud.databricks.com/?o=1#job/101/run/${runId}`,
        state: { life_cycle_state: "RUNNING", state_message: "" },
    };
}

/** An active run of the timeline job (streambench-prod-timeline, job 100). */
function timelineRun(runId: number) {
    return { ...baselineRun(runId), job_id: 100, run_page_url: `https://dbc-test.cloud.databricks.com/?o=1#job/100/run/${runId}` };
}

/** A temp project dir with `Pulumi.<stack>.yaml` files and an empty home (no ~/.databrickscfg unless written). */
function tempProject(stackFiles: Record<string, string>): { dir: string; home: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "streambench-ops-"));
    for (const [stack, text] of Object.entries(stackFiles)) {
        fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), text);
    }
    const home = path.join(dir, "home");
    fs.mkdirSync(home);
    return { dir, home };
}

interface OpsResult {
    code: number;
    stdout: string;
    stderr: string;
}

/** The token in no form: as it is, in any case, URL-encoded or base64-encoded. */
function assertNoToken(text: string, token: string): void {
    for (const form of [token, encodeURIComponent(token), Buffer.from(token).toString("base64")]) {
        assert.ok(!text.toLowerCase().includes(form.toLowerCase()), `the token was printed (${form}): ${text}`);
    }
}

/** Runs the CLI in-process and checks, every time, that the token was printed nowhere (in any form). */
async function runOps(argv: string[], env: NodeJS.ProcessEnv, projectDir: string): Promise<OpsResult> {
    const stdout: string[] = [];
    const stderr: string[] = [];
    const code = await main(argv, env, { stdout: (line) => stdout.push(line), stderr: (line) => stderr.push(line) }, { projectDir });
    const result = { code, stdout: stdout.join("\n"), stderr: stderr.join("\n") };
    assertNoToken(`${result.stdout}\n${result.stderr}`, SENTINEL_TOKEN);
    assert.ok(!/\x1b/.test(result.stdout + result.stderr), "printed a terminal escape sequence");
    return result;
}

describe("ops CLI", function () {
    this.timeout(10_000);
    let workspace: FakeWorkspace | undefined;
    let project: { dir: string; home: string };

    beforeEach(() => {
        project = tempProject({ prod: PROD_STACK_FILE, secret: SECRET_TOKEN_STACK_FILE });
    });
    afterEach(async () => {
        await workspace?.close();
        workspace = undefined;
        fs.rmSync(project.dir, { recursive: true, force: true });
    });

    const envFor = (url: string): NodeJS.ProcessEnv => ({ HOME: project.home, DATABRICKS_HOST: url, DATABRICKS_TOKEN: SENTINEL_TOKEN });
    const ops = (argv: string[], env: NodeJS.ProcessEnv) => runOps(argv, env, project.dir);

    describe("status", () => {
        it("lists the active run with its state, start, run page and planned load, and says which jobs are idle", async () => {
            workspace = await startWorkspace(jobsApi({ jobs: PROD_JOBS, activeRuns: { 101: [baselineRun(9001)] } }));
            const result = await ops(["status", "--stack", "prod"], envFor(workspace.url));

            assert.strictEqual(result.code, 0, result.stderr);
            assert.deepStrictEqual(workspace.calls(), [
                ...PROD_JOB_LISTS,
                ACTIVE_RUNS(100),
                ACTIVE_RUNS(101),
                ACTIVE_RUNS(102),
                ACTIVE_RUNS(103),
            ]);
            for (const request of workspace.requests) {
                assert.strictEqual(request.authorization, `Bearer ${SENTINEL_TOKEN}`);
            }
            const lines = result.stdout.split("\n");
            const baseline = lines.find((line) => line.startsWith("streambench-prod-baseline"));
            assert.match(
                baseline ?? "",
                /^streambench-prod-baseline\s+101\s+9001\s+RUNNING\s+2025-06-01 02:00:03\s+50 × 1,000 = 50,000\s+https:\/\/dbc-test\S+\/run\/9001$/,
            );
            assert.match(
                lines.find((line) => line.startsWith("streambench-prod-3x")) ?? "",
                /102\s+-\s+no active run\s+-\s+1 × 3,000 = 3,000/,
            );
            assert.match(
                lines.find((line) => line.startsWith("streambench-prod-9x")) ?? "",
                /103\s+-\s+no active run\s+-\s+1 × 9,000 = 9,000/,
            );
            assert.match(
                lines.find((line) => line.startsWith("streambench-prod-timeline")) ?? "",
                /^streambench-prod-timeline\s+100\s+-\s+no active run\s+-\s+-\s+-$/,
            );
            assert.deepStrictEqual(
                lines.filter((line) => line.startsWith("streambench-prod-")).map((line) => line.split(/\s+/)[0]),
                ["streambench-prod-timeline", "streambench-prod-baseline", "streambench-prod-3x", "streambench-prod-9x"],
            );
            assert.match(
                result.stdout,
                /^Stack prod on http:\/\/127\.0\.0\.1:\d+ \(host from DATABRICKS_HOST, token from DATABRICKS_TOKEN\)$/m,
            );
            assert.match(result.stdout, /1 active run\. Planned load of their phases: 50,000 rows\/s/);
            assert.strictEqual(result.stderr, "");
        });

        it('lists an active run of the timeline job with "-" as its planned load (it runs every phase in turn)', async () => {
            workspace = await startWorkspace(jobsApi({ jobs: PROD_JOBS, activeRuns: { 100: [timelineRun(9000)] } }));
            const result = await ops(["status", "--stack", "prod"], envFor(workspace.url));

            assert.strictEqual(result.code, 0, result.stderr);
            assert.deepStrictEqual(workspace.calls().slice(4), [ACTIVE_RUNS(100), ACTIVE_RUNS(101), ACTIVE_RUNS(102), ACTIVE_RUNS(103)]);
            const lines = result.stdout.split("\n");
            assert.match(
                lines.find((line) => line.startsWith("streambench-prod-timeline")) ?? "",
                /^streambench-prod-timeline\s+100\s+9000\s+RUNNING\s+2025-06-01 02:00:03\s+-\s+https:\/\/dbc-test\S+#job\/100\/run\/9000$/,
            );
            assert.match(
                lines.find((line) => line.startsWith("streambench-prod-baseline")) ?? "",
                /101\s+-\s+no active run\s+-\s+50 × 1,000 = 50,000\s+-$/,
            );
            assert.match(result.stdout, /1 active run\. Planned load of their phases: 0 rows\/s/);
            assert.doesNotMatch(result.stdout, /No benchmark run is active/);
            assert.strictEqual(result.stderr, "");
        });

        it("says when no run is active and which jobs are not deployed", async () => {
            workspace = await startWorkspace(jobsApi({ jobs: { "streambench-prod-baseline": 101 } }));
            const result = await ops(["status", "--stack", "prod"], envFor(workspace.url));

            assert.strictEqual(result.code, 0, result.stderr);
            assert.match(result.stdout, /streambench-prod-3x\s+-\s+-\s+not deployed/);
            assert.match(result.stdout, /^streambench-prod-timeline\s+-\s+-\s+not deployed\s+-\s+-\s+-$/m);
            assert.match(result.stdout, /No benchmark run is active\./);
            assert.deepStrictEqual(workspace.calls(), [...PROD_JOB_LISTS, ACTIVE_RUNS(101)]);
        });

        it("pages through jobs/list and keeps only the exact name (the API filter ignores case)", async () => {
            workspace = await startWorkspace((request) => {
                if (request.path === "/api/2.2/jobs/list" && request.query.name === "streambench-prod-baseline") {
                    return request.query.page_token === "page-2"
                        ? {
                              status: 200,
                              body: { jobs: [{ job_id: 101, settings: { name: "streambench-prod-baseline" } }], has_more: false },
                          }
                        : {
                              status: 200,
                              body: {
                                  jobs: [{ job_id: 900, settings: { name: "STREAMBENCH-PROD-BASELINE" } }],
                                  has_more: true,
                                  next_page_token: "page-2",
                              },
                          };
                }
                return jobsApi({ jobs: {} })(request);
            });
            const result = await ops(["status", "--stack", "prod"], envFor(workspace.url));

            assert.strictEqual(result.code, 0, result.stderr);
            assert.deepStrictEqual(workspace.calls(), [
                JOB_LIST("streambench-prod-timeline"),
                JOB_LIST("streambench-prod-baseline"),
                `${JOB_LIST("streambench-prod-baseline")}&page_token=page-2`,
                JOB_LIST("streambench-prod-3x"),
                JOB_LIST("streambench-prod-9x"),
                ACTIVE_RUNS(101),
            ]);
        });

        it("fails when none of the stack's jobs exists (not deployed, or the wrong workspace)", async () => {
            workspace = await startWorkspace(jobsApi({ jobs: {} }));
            const result = await ops(["status", "--stack", "prod"], envFor(workspace.url));

            assert.strictEqual(result.code, 1);
            assert.match(
                result.stderr,
                /none of the jobs of stack prod .* is in http:\/\/127\.0\.0\.1:\d+ \(host from DATABRICKS_HOST\): deploy with `pulumi up --stack prod`/,
            );
            assert.ok(
                result.stderr.includes("(streambench-prod-timeline, streambench-prod-baseline, streambench-prod-3x, streambench-prod-9x)"),
                result.stderr,
            );
            assert.strictEqual(workspace.requests.length, 4);
        });
    });

    describe("stop", () => {
        it("cancels every active run of every stack job and says which runs it cancelled", async () => {
            const nineX = { ...baselineRun(9003), job_id: 103, state: { life_cycle_state: "PENDING" } };
            workspace = await startWorkspace(jobsApi({ jobs: PROD_JOBS, activeRuns: { 101: [baselineRun(9001)], 103: [nineX] } }));
            const result = await ops(["stop", "--stack", "prod"], envFor(workspace.url));

            assert.strictEqual(result.code, 0, result.stderr);
            const cancels = workspace.requests.filter((request) => `${request.method} ${request.path}` === CANCEL_ALL);
            assert.deepStrictEqual(
                cancels.map((request) => request.body),
                [{ job_id: 100 }, { job_id: 101 }, { job_id: 102 }, { job_id: 103 }],
            );
            assert.ok(cancels.every((request) => request.authorization === `Bearer ${SENTINEL_TOKEN}`));
            assert.match(result.stdout, /streambench-prod-timeline \(job 100\): no active run/);
            assert.match(result.stdout, /streambench-prod-baseline \(job 101\): cancelled run 9001 \(was RUNNING\)/);
            assert.match(result.stdout, /streambench-prod-3x \(job 102\): no active run/);
            assert.match(result.stdout, /streambench-prod-9x \(job 103\): cancelled run 9003 \(was PENDING\)/);
            assert.match(result.stdout, /Cancel requested for 2 runs/);
        });

        it("cancels the active run of the timeline job too", async () => {
            workspace = await startWorkspace(jobsApi({ jobs: PROD_JOBS, activeRuns: { 100: [timelineRun(9000)] } }));
            const result = await ops(["stop", "--stack", "prod"], envFor(workspace.url));

            assert.strictEqual(result.code, 0, result.stderr);
            assert.deepStrictEqual(workspace.calls(), [
                ...PROD_JOB_LISTS,
                ACTIVE_RUNS(100),
                CANCEL_ALL,
                ACTIVE_RUNS(101),
                CANCEL_ALL,
                ACTIVE_RUNS(102),
                CANCEL_ALL,
                ACTIVE_RUNS(103),
                CANCEL_ALL,
            ]);
            assert.deepStrictEqual(workspace.requests[5].body, { job_id: 100 });
            assert.match(result.stdout, /^streambench-prod-timeline \(job 100\): cancelled run 9000 \(was RUNNING\)$/m);
            assert.match(result.stdout, /streambench-prod-baseline \(job 101\): no active run/);
            assert.match(result.stdout, /Cancel requested for 1 run;/);
        });

        it("stops the stack's DLT pipeline after cancelling its control run", async () => {
            fs.writeFileSync(path.join(project.dir, "Pulumi.prod.yaml"), `${PROD_STACK_FILE}  streambench:dlt:\n    enabled: true\n`);
            const pipelineId = "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b";
            workspace = await startWorkspace(
                jobsApi({
                    jobs: { ...PROD_JOBS, "streambench-prod-dlt-control": 105 },
                    activeRuns: { 105: [{ ...baselineRun(9005), job_id: 105 }] },
                    pipelines: { "streambench-prod-dlt": { id: pipelineId, state: "RUNNING" } },
                }),
            );
            const result = await ops(["stop", "--stack", "prod"], envFor(workspace.url));

            assert.strictEqual(result.code, 0, result.stderr);
            const calls = workspace.calls();
            const stopAt = calls.indexOf(`POST /api/2.0/pipelines/${pipelineId}/stop`);
            assert.ok(
                stopAt > calls.lastIndexOf(CANCEL_ALL),
                `the pipeline is stopped after the control run is cancelled: ${calls.join(", ")}`,
            );
            assert.ok(calls.includes("GET /api/2.0/pipelines?filter=name+LIKE+%27streambench-prod-dlt%27"), calls.join(", "));
            assert.match(result.stdout, /streambench-prod-dlt-control \(job 105\): cancelled run 9005/);
            assert.match(result.stdout, new RegExp(`streambench-prod-dlt \\(pipeline ${pipelineId}\\): stop requested \\(was RUNNING\\)`));
        });
    });

    describe("analyze", () => {
        it("starts the analysis job with run-now", async () => {
            workspace = await startWorkspace(jobsApi({ jobs: { ...PROD_JOBS, "streambench-prod-analysis": 104 } }));
            const result = await ops(["analyze", "--stack", "prod"], envFor(workspace.url));

            assert.strictEqual(result.code, 0, result.stderr);
            assert.deepStrictEqual(workspace.calls(), [JOB_LIST("streambench-prod-analysis"), "POST /api/2.2/jobs/run-now"]);
            assert.deepStrictEqual(workspace.requests[1].body, { job_id: 104 });
            assert.match(
                result.stdout,
                /Started streambench-prod-analysis \(job 104\): run 5555, http:\/\/127\.0\.0\.1:\d+\/#job\/104\/run\/5555/,
            );
        });

        it("says the stack has no analysis job yet, and starts nothing", async () => {
            workspace = await startWorkspace(jobsApi({ jobs: PROD_JOBS }));
            const result = await ops(["analyze", "--stack", "prod"], envFor(workspace.url));

            assert.strictEqual(result.code, 1);
            assert.match(
                result.stderr,
                /^ops: stack prod has no analysis job yet: no job "streambench-prod-analysis" in .*deploy it first with `pulumi up --stack prod`$/,
            );
            assert.deepStrictEqual(workspace.calls(), [JOB_LIST("streambench-prod-analysis")]);
        });
    });

    describe("workspace failures", () => {
        it("401: the token was rejected, check DATABRICKS_TOKEN", async () => {
            workspace = await startWorkspace(() => ({
                status: 401,
                body: { error_code: "UNAUTHENTICATED", message: "Invalid access token." },
            }));
            const result = await ops(["status", "--stack", "prod"], envFor(workspace.url));

            assert.strictEqual(result.code, 1);
            assert.strictEqual(result.stderr.split("\n").length, 1);
            assert.match(
                result.stderr,
                /^ops: token rejected by http:\/\/127\.0\.0\.1:\d+ \(HTTP 401 UNAUTHENTICATED: Invalid access token\.\): check DATABRICKS_TOKEN \/ databricks:token$/,
            );
            assert.strictEqual(result.stdout, "");
        });

        it("500: status, error_code and message, with an echoed token blanked out", async () => {
            workspace = await startWorkspace(() => ({
                status: 500,
                body: { error_code: "INTERNAL_ERROR", message: `backend failure for Bearer ${SENTINEL_TOKEN}` },
            }));
            const result = await ops(["stop", "--stack", "prod"], envFor(workspace.url));

            assert.strictEqual(result.code, 1);
            assert.match(
                result.stderr,
                /^ops: http:\/\/127\.0\.0\.1:\d+ failed on GET \/api\/2\.2\/jobs\/list \(HTTP 500 INTERNAL_ERROR: backend failure for Bearer <token>\); try again later$/,
            );
            assert.ok(!workspace.calls().some((call) => call.startsWith(CANCEL_ALL)));
        });

        it("timeout: a workspace that never answers fails within --timeout", async () => {
            // No wall-clock bound (a loaded machine may take seconds to run this): the workspace never answers, so only
            // the client's own 0.3 s timeout can end the call, after one request and no retry; the default 30 s
            // timeout would run into the suite's 10 s.
            workspace = await startWorkspace(() => "hang");
            const result = await ops(["status", "--stack", "prod", "--timeout", "0.3"], envFor(workspace.url));

            assert.deepStrictEqual(workspace.calls(), ["GET /api/2.2/jobs/list?name=streambench-prod-timeline"]);
            assert.strictEqual(result.code, 1);
            assert.match(
                result.stderr,
                /^ops: no answer from http:\/\/127\.0\.0\.1:\d+ within 0\.3 s \(GET \/api\/2\.2\/jobs\/list\).*check DATABRICKS_HOST \/ databricks:host$/,
            );
        });

        it("connection refused: cannot reach the host, check DATABRICKS_HOST", async () => {
            const closed = await startWorkspace(() => "hang");
            await closed.close();
            const result = await ops(["status", "--stack", "prod"], envFor(closed.url));

            assert.strictEqual(result.code, 1);
            assert.match(
                result.stderr,
                /^ops: cannot reach http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\): check DATABRICKS_HOST \/ databricks:host$/,
            );
        });

        it("a host that is not a workspace (an HTML page): asks whether DATABRICKS_HOST is the workspace URL", async () => {
            workspace = await startWorkspace(() => ({ status: 200, body: "<html>Sign in</html>" }));
            const result = await ops(["status", "--stack", "prod"], envFor(workspace.url));

            assert.strictEqual(result.code, 1);
            assert.match(
                result.stderr,
                /sent an answer that is not JSON \(HTTP 200\) for GET \/api\/2\.2\/jobs\/list: is it a Databricks workspace URL\? check DATABRICKS_HOST/,
            );
        });
    });

    describe("hostile workspaces", () => {
        it("a has_more page token that repeats: stops after the second page with a clear error", async () => {
            workspace = await startWorkspace(() => ({ status: 200, body: { jobs: [], has_more: true, next_page_token: "same" } }));
            const result = await ops(["status", "--stack", "prod"], envFor(workspace.url));
            assert.strictEqual(result.code, 1);
            assert.match(
                result.stderr,
                /^ops: http:\/\/127\.0\.0\.1:\d+ sent the same next_page_token twice for GET \/api\/2\.2\/jobs\/list: stopped paging/,
            );
            assert.strictEqual(workspace.requests.length, 2);
        });

        it("has_more without end (a new token every page): stops at 100 pages", async () => {
            let page = 0;
            workspace = await startWorkspace(() => ({ status: 200, body: { jobs: [], has_more: true, next_page_token: `t${++page}` } }));
            const result = await ops(["status", "--stack", "prod"], envFor(workspace.url));
            assert.strictEqual(result.code, 1);
            assert.match(result.stderr, /had more than 100 pages for GET \/api\/2\.2\/jobs\/list: stopped paging/);
            assert.strictEqual(workspace.requests.length, 100);
        });

        it("a server that echoes the token in another case, URL-encoded or base64: none of it is printed", async () => {
            for (const echo of [
                SENTINEL_TOKEN.toLowerCase(),
                SENTINEL_TOKEN.toUpperCase(),
                encodeURIComponent(SENTINEL_TOKEN),
                Buffer.from(SENTINEL_TOKEN).toString("base64"),
            ]) {
                workspace = await startWorkspace(() => ({
                    status: 500,
                    body: { error_code: "INTERNAL_ERROR", message: `bad header ${echo}` },
                }));
                const result = await ops(["status", "--stack", "prod"], envFor(workspace.url));
                assert.strictEqual(result.code, 1);
                assert.match(result.stderr, /INTERNAL_ERROR: bad header <token>\)/);
                await workspace.close();
                workspace = undefined;
            }
        });

        it("DATABRICKS_HOST set to the token itself: the host is not printed either", async () => {
            workspace = await startWorkspace(jobsApi({ jobs: PROD_JOBS }));
            const result = await runOps(
                ["status", "--stack", "prod"],
                { HOME: project.home, DATABRICKS_HOST: workspace.url, DATABRICKS_TOKEN: workspace.url },
                project.dir,
            );
            assert.strictEqual(result.code, 0, result.stderr);
            assertNoToken(result.stdout, workspace.url);
            assert.match(result.stdout, /^Stack prod on <token> \(host from DATABRICKS_HOST/m);
        });

        it("ANSI escape sequences in the server's text are stripped, the text is kept", async () => {
            workspace = await startWorkspace(() => ({
                status: 500,
                body: { error_code: "INTERNAL_ERROR", message: "\x1b[31mred\x1b[0m \x1b]0;pwned\x07title \x1b[2Jcleared" },
            }));
            const result = await ops(["status", "--stack", "prod"], envFor(workspace.url));
            assert.strictEqual(result.code, 1);
            assert.match(result.stderr, /INTERNAL_ERROR: red title cleared\)/);
        });

        it("--timeout 1e9 is a usage error, not an unreachable host", async () => {
            for (const timeout of ["1e9", "3601", "Infinity", "0", "soon"]) {
                const result = await ops(["status", "--stack", "prod", "--timeout", timeout], envFor("http://127.0.0.1:9"));
                assert.strictEqual(result.code, 2, timeout);
                assert.ok(
                    result.stderr.startsWith(`ops: --timeout must be a number of seconds above 0 and at most 3600, not "${timeout}"`),
                    result.stderr,
                );
            }
        });
    });

    describe("credentials", () => {
        it("no host anywhere: says where to set one, and makes no request", async () => {
            const result = await ops(["status", "--stack", "prod"], { HOME: project.home, DATABRICKS_TOKEN: SENTINEL_TOKEN });

            assert.strictEqual(result.code, 1);
            assert.match(
                result.stderr,
                /^ops: no workspace host: export DATABRICKS_HOST=https:\/\/<workspace>, or `pulumi config set databricks:host https:\/\/<workspace> --stack prod`/,
            );
        });

        it("a secret token in the stack file: says which export to run", async () => {
            const result = await ops(["status", "--stack", "secret"], { HOME: project.home });

            assert.strictEqual(result.code, 1);
            assert.ok(
                result.stderr.includes("export DATABRICKS_TOKEN=$(pulumi config get databricks:token --stack secret)"),
                result.stderr,
            );
            assert.ok(!result.stderr.includes("AAABAGVuY3J5cHRlZA=="), "printed the ciphertext");
        });

        it("host from the stack file's databricks:host, token from DATABRICKS_TOKEN (which wins over a secret)", async () => {
            workspace = await startWorkspace(jobsApi({ jobs: { "streambench-secret-baseline": 7 } }));
            fs.writeFileSync(
                path.join(project.dir, "Pulumi.secret.yaml"),
                SECRET_TOKEN_STACK_FILE.replace("https://dbc-secret.cloud.databricks.com", workspace.url),
            );
            const result = await ops(["status", "--stack", "secret"], { HOME: project.home, DATABRICKS_TOKEN: SENTINEL_TOKEN });

            assert.strictEqual(result.code, 0, result.stderr);
            assert.ok(workspace.requests.every((request) => request.authorization === `Bearer ${SENTINEL_TOKEN}`));
            assert.match(result.stdout, /streambench-secret-baseline\s+7\s+-\s+no active run\s+-\s+5 × 100 = 500/);
        });

        it("a ~/.databrickscfg profile named by DATABRICKS_CONFIG_PROFILE", async () => {
            workspace = await startWorkspace(jobsApi({ jobs: PROD_JOBS }));
            fs.writeFileSync(
                path.join(project.home, ".databrickscfg"),
                `[DEFAULT]\nhost = https://other.cloud.databricks.com\ntoken = dapi-other\n\n[bench]\nhost = ${workspace.url}\ntoken = ${SENTINEL_TOKEN}\n`,
            );
            const result = await ops(["status", "--stack", "prod"], { HOME: project.home, DATABRICKS_CONFIG_PROFILE: "bench" });

            assert.strictEqual(result.code, 0, result.stderr);
            assert.strictEqual(workspace.requests.length, 8);
            assert.ok(workspace.requests.every((request) => request.authorization === `Bearer ${SENTINEL_TOKEN}`));
        });
    });

    describe("command line", () => {
        it("--help prints the usage, exit 2", async () => {
            const result = await ops(["--help"], {});
            assert.strictEqual(result.code, 2);
            assert.match(result.stdout, /^Usage: npm run ops -- <command> --stack <stack>/);
            assert.match(result.stdout, /status .*\n\s+stop .*\n\s+analyze /);
        });

        it("an unknown command or option, or no --stack: the problem and the usage, exit 2", async () => {
            for (const [argv, problem] of [
                [["restart", "--stack", "prod"], 'unknown command "restart"'],
                [["status", "--stak", "prod"], "Unknown option '--stak'"],
                [["status"], "status needs --stack <stack>"],
                [[], "no command given"],
            ] as const) {
                const result = await ops([...argv], {});
                assert.strictEqual(result.code, 2, argv.join(" "));
                assert.ok(result.stderr.startsWith(`ops: ${problem}`), result.stderr);
                assert.match(result.stderr, /Usage: npm run ops/);
            }
        });

        it("a --stack with a path or shell characters is refused, quoted, before any file or request (exit 2)", async () => {
            workspace = await startWorkspace(jobsApi({ jobs: PROD_JOBS }));
            for (const stack of ["/../../../tmp/evil", "../prod", "a/b/c/prod", "prod;id", "$(id)", "..", "org/../prod"]) {
                const result = await ops(["status", "--stack", stack], envFor(workspace.url));
                assert.strictEqual(result.code, 2, stack);
                assert.ok(result.stderr.startsWith(`ops: --stack: ${JSON.stringify(stack)} is not`), result.stderr);
            }
            assert.deepStrictEqual(workspace.calls(), []);
            const qualified = await ops(["status", "--stack", "acme/streambench/prod"], envFor(workspace.url));
            assert.strictEqual(qualified.code, 0, qualified.stderr);
        });

        it("a runOnDeploy stack works: status, stop and analyze need no databricks:host in the stack file", async () => {
            workspace = await startWorkspace(jobsApi({ jobs: { ...PROD_JOBS, "streambench-prod-analysis": 104 } }));
            fs.writeFileSync(path.join(project.dir, "Pulumi.prod.yaml"), `${PROD_STACK_FILE}  streambench:runOnDeploy: true\n`);
            for (const command of ["status", "stop", "analyze"]) {
                const result = await ops([command, "--stack", "prod"], envFor(workspace.url));
                assert.strictEqual(result.code, 0, `${command}: ${result.stderr}`);
            }
        });

        it("a stack file with a namespace typo: the config error, not an unexpected one (exit 1)", async () => {
            fs.writeFileSync(path.join(project.dir, "Pulumi.prod.yaml"), "config:\n  streambnech:testMode: true\n");
            const result = await ops(["status", "--stack", "prod"], { HOME: project.home });
            assert.strictEqual(result.code, 1);
            assert.match(
                result.stderr,
                /^ops: Stack "prod" has 1 config problem.*\n {2}- streambnech:testMode: unknown namespace "streambnech"/s,
            );
        });

        it("a streambench:* value set with --secret: says the stack file cannot be decrypted offline and how to set it (exit 1)", async () => {
            fs.writeFileSync(
                path.join(project.dir, "Pulumi.prod.yaml"),
                `${PROD_STACK_FILE}  streambench:warehouseId:\n    secure: AAABAGVuY3J5cHRlZA==\n`,
            );
            const result = await ops(["status", "--stack", "prod"], { HOME: project.home });
            assert.strictEqual(result.code, 1);
            assert.match(
                result.stderr,
                /^ops: Stack "prod" has 1 config problem.*\n {2}- streambench:warehouseId: is a secret .*cannot decrypt it/s,
            );
            assert.ok(result.stderr.includes("`pulumi config set --path streambench:warehouseId <value>`"), result.stderr);
            assert.ok(!result.stderr.includes("AAABAGVuY3J5cHRlZA=="), "printed the ciphertext");
        });

        it("a stack without a stack file: names the stacks that exist", async () => {
            const result = await ops(["status", "--stack", "staging"], { HOME: project.home });
            assert.strictEqual(result.code, 1);
            assert.match(result.stderr, /^ops: no stack file .*Pulumi\.staging\.yaml: check --stack \(stacks here: prod, secret\)$/);
        });
    });
});

describe("resolveCredentials", () => {
    let home: string;
    beforeEach(() => {
        home = fs.mkdtempSync(path.join(os.tmpdir(), "streambench-home-"));
    });
    afterEach(() => fs.rmSync(home, { recursive: true, force: true }));
    const writeConfig = (text: string) => fs.writeFileSync(path.join(home, ".databrickscfg"), text);

    it("takes the stack's databricks:* first, then the environment (the provider's order), and normalizes the host to its origin", () => {
        const stackConfig = { "databricks:host": "https://from-stack.cloud.databricks.com", "databricks:token": "from-stack" };
        const environment = { HOME: home, DATABRICKS_HOST: "dbc-1.cloud.databricks.com/?o=12", DATABRICKS_TOKEN: "t" };
        assert.deepStrictEqual(resolveCredentials("prod", stackConfig, environment), {
            host: "https://from-stack.cloud.databricks.com",
            token: "from-stack",
            hostSource: "databricks:host in Pulumi.prod.yaml",
            tokenSource: "databricks:token in Pulumi.prod.yaml",
        });
        assert.deepStrictEqual(resolveCredentials("prod", {}, environment), {
            host: "https://dbc-1.cloud.databricks.com",
            token: "t",
            hostSource: "DATABRICKS_HOST",
            tokenSource: "DATABRICKS_TOKEN",
        });
        // A secret token only the Pulumi CLI can decrypt: DATABRICKS_TOKEN stands in for it.
        const secret = resolveCredentials("prod", { ...stackConfig, "databricks:token": '{"secure":"AAAB"}' }, environment);
        assert.deepStrictEqual(
            [secret.token, secret.tokenSource],
            ["t", "DATABRICKS_TOKEN (for the secret databricks:token of Pulumi.prod.yaml)"],
        );
    });

    it("falls back to the [DEFAULT] profile when nothing else is set", () => {
        writeConfig(`[DEFAULT]\nhost = https://default.cloud.databricks.com\ntoken = ${SENTINEL_TOKEN}\n`);
        const credentials = resolveCredentials("prod", {}, { HOME: home });
        assert.strictEqual(credentials.host, "https://default.cloud.databricks.com");
        assert.strictEqual(credentials.token, SENTINEL_TOKEN);
        assert.match(credentials.tokenSource, /^profile DEFAULT in .*\.databrickscfg$/);
    });

    it("does not pair the [DEFAULT] token with a host from elsewhere, and says how to opt in", () => {
        writeConfig(`[DEFAULT]\nhost = https://default.cloud.databricks.com\ntoken = ${SENTINEL_TOKEN}\n`);
        assert.throws(
            () => resolveCredentials("prod", { "databricks:host": "https://prod.cloud.databricks.com" }, { HOME: home }),
            (error: Error) => {
                assert.match(
                    error.message,
                    /^no token for https:\/\/prod\.cloud\.databricks\.com: export DATABRICKS_TOKEN=.*set DATABRICKS_CONFIG_PROFILE=DEFAULT to use it\)$/,
                );
                assert.ok(!error.message.includes(SENTINEL_TOKEN));
                return true;
            },
        );
        const optedIn = resolveCredentials(
            "prod",
            { "databricks:host": "https://prod.cloud.databricks.com" },
            { HOME: home, DATABRICKS_CONFIG_PROFILE: "DEFAULT" },
        );
        assert.strictEqual(optedIn.host, "https://prod.cloud.databricks.com");
        assert.strictEqual(optedIn.token, SENTINEL_TOKEN);
    });

    it("a named profile that is missing, or that uses OAuth instead of a token, is a clear error", () => {
        writeConfig(`[oauth]\nhost = https://o.cloud.databricks.com\nauth_type = databricks-cli\n`);
        assert.throws(
            () => resolveCredentials("prod", {}, { HOME: home, DATABRICKS_CONFIG_PROFILE: "nope" }),
            /profile "nope" \(from DATABRICKS_CONFIG_PROFILE\) is not in .*\.databrickscfg/,
        );
        assert.throws(
            () => resolveCredentials("prod", {}, { HOME: home, DATABRICKS_CONFIG_PROFILE: "oauth" }),
            /uses auth_type=databricks-cli; this CLI supports personal access tokens only/,
        );
    });

    it("a host that is not a URL is named with its source", () => {
        assert.throws(
            () => resolveCredentials("prod", {}, { HOME: home, DATABRICKS_HOST: "ftp://x", DATABRICKS_TOKEN: "t" }),
            /^CredentialsError: DATABRICKS_HOST is not a workspace URL \("ftp:\/\/x"\)/,
        );
    });
});

describe("stackJobNames", () => {
    it("names the timeline job, then the phase jobs and the DLT pipeline's control job of the stack's plan, as the stack deploys them", () => {
        const text = fs.readFileSync(path.join(__dirname, "..", "..", "Pulumi.prod.yaml"), "utf8");
        const plan = buildScalingPlan("prod", parseStackConfig("prod", namespaceValues(stackFileConfig(text))));
        assert.deepStrictEqual(stackJobNames(plan), [
            "streambench-prod-timeline",
            "streambench-prod-baseline",
            "streambench-prod-3x",
            "streambench-prod-9x",
            "streambench-prod-dlt-control",
        ]);
        assert.strictEqual(analysisJobName(plan), "streambench-prod-analysis");
    });
});
