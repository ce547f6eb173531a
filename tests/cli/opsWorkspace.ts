import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { main } from "../../cli/ops";
import { WorkspaceEmulator } from "../emulator/server";

export const TOKEN = `dapi${"3c7a".repeat(8)}`;
export const PROD_TAGS = { project: "streambench", stack: "prod" };
export const SOMEONE_ELSES_TAGS = { project: "streambench", stack: "someone-else" };

/** What a test of `npm run ops` holds: a fresh workspace emulator per test and the calls to set it up. */
export interface OpsWorkspace {
    emulator: WorkspaceEmulator;
    url: string;
    /** A Databricks REST call with the test's token. */
    call(method: string, route: string, body?: unknown): Promise<any>;
    /** A job as the stack deploys it (name and tags), optionally with an active run; returns its id. */
    job(name: string, tags?: Record<string, string>, running?: boolean): Promise<number>;
    /** A continuous pipeline of that name (it bills from its create, as a running one does); returns its id. */
    pipeline(name: string, tags: Record<string, string>): Promise<string>;
    /** `npm run ops` with a token and no stack outputs, as one would run it. */
    ops(argv: string[], settings?: Parameters<typeof main>[3]): Promise<{ code: number; stdout: string; stderr: string }>;
    /** The job ids of the runs still active. */
    activeJobs(): number[];
    /** The pipelines still holding compute. */
    billingPipelines(): string[];
}

/** Registers the hooks of a describe block: an emulator and a HOME of its own for every test. */
export function opsWorkspace(): OpsWorkspace {
    let home = "";
    const workspace: OpsWorkspace = {
        emulator: undefined as unknown as WorkspaceEmulator,
        url: "",
        async call(method, route, body) {
            const response = await fetch(`${workspace.url}${route}`, {
                method,
                headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" },
                body: body === undefined ? undefined : JSON.stringify(body),
            });
            return response.json();
        },
        async job(name, tags = PROD_TAGS, running = false) {
            const { job_id: jobId } = await workspace.call("POST", "/api/2.2/jobs/create", { name, tags, tasks: [{ task_key: "t" }] });
            if (running) {
                await workspace.call("POST", "/api/2.2/jobs/run-now", { job_id: jobId });
            }
            return jobId;
        },
        async pipeline(name, tags) {
            const created = await workspace.call("POST", "/api/2.0/pipelines", {
                name,
                tags,
                // Pipeline names are unique unless asked otherwise; a stray copy is what these tests are about.
                allow_duplicate_names: true,
                catalog: "main",
                schema: "streambench_prod",
                continuous: true,
                clusters: [{ label: "default", autoscale: { min_workers: 1, max_workers: 5, mode: "ENHANCED" } }],
            });
            return created.pipeline_id;
        },
        async ops(argv, settings = {}) {
            const stdout: string[] = [];
            const stderr: string[] = [];
            const env = {
                PATH: process.env.PATH,
                HOME: home,
                DATABRICKS_CONFIG_FILE: path.join(home, ".databrickscfg"),
                DATABRICKS_HOST: workspace.url,
                DATABRICKS_TOKEN: TOKEN,
            };
            const code = await main(
                argv,
                env,
                { stdout: (line) => stdout.push(line), stderr: (line) => stderr.push(line) },
                { stackOutputs: () => undefined, settleSeconds: 0, ...settings },
            );
            return { code, stdout: stdout.join("\n"), stderr: stderr.join("\n") };
        },
        activeJobs: () => workspace.emulator.billing().activeRuns.map((run) => run.jobId),
        billingPipelines: () => workspace.emulator.billing().pipelines.map((held) => held.pipelineId),
    };
    beforeEach(async () => {
        workspace.emulator = new WorkspaceEmulator({ tokens: [TOKEN], clusterStartMs: 0, log: () => undefined });
        workspace.url = await workspace.emulator.start();
        home = fs.mkdtempSync(path.join(os.tmpdir(), "ops-home-"));
    });
    afterEach(async () => {
        await workspace.emulator.stop();
        fs.rmSync(home, { recursive: true, force: true });
    });
    return workspace;
}
