/**
 * The DLT pipeline's lifecycle under the real engine: the real Pulumi CLI and Databricks provider
 * (../shared/real-pulumi) deploy a stack with the pipeline into the workspace emulator (tests/emulator); the
 * control notebook's own Python runs a timeline through the real databricks-sdk against the same emulator; the
 * real `pulumi destroy` takes it down.
 *
 * What it holds the stack to:
 * - after `pulumi up`, no pipeline holds compute and no pipeline update was ever requested;
 * - a run starts the pipeline (an update per triggered run, back to back) and stops it at the timeline's end;
 * - `pulumi destroy`, with a pipeline left running (a control run that never reached its stop), stops it
 *   before it deletes it, and leaves nothing that bills.
 */
import * as assert from "assert";
import { spawn } from "child_process";
import * as path from "path";
import { WorkspaceEmulator } from "../emulator/server";
import { RecordedRequest } from "../emulator/types";
import { pythonExecutable } from "../python";
import { PROJECT_DIR, ScratchProject, requirePulumiCli, sentinelToken } from "./harness";

const STACK = "lifecycle";
/** dev's test mode, with the DLT pipeline and the run-on-deploy command (its delete cancels and stops). */
const STACK_FILE = `config:
  streambench:testMode: true
  streambench:runOnDeploy: true
  streambench:cluster:
    minWorkers: 1
    maxWorkers: 2
  streambench:schedule:
    cron: "0 0 * * * ?"
    paused: true
  streambench:dlt:
    enabled: true
    minWorkers: 1
    maxWorkers: 2
`;

/** Runs a process without blocking the event loop (the emulator answers from this same process). */
function runPythonAsync(code: string, input: unknown): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
        const child = spawn(pythonExecutable(), ["-c", code], { cwd: path.join(PROJECT_DIR, "notebooks") });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk) => (stdout += chunk));
        child.stderr.on("data", (chunk) => (stderr += chunk));
        child.on("error", reject);
        child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
        child.stdin.end(JSON.stringify(input));
    });
}

/** The control notebook's loop, through the real SDK, on the deployed control job's own parameters. */
const CONTROL_RUN = `
import json, sys
from datetime import datetime, timezone
from databricks.sdk import WorkspaceClient
from streambench.pipeline_control import parse_params, run_pipeline
request = json.load(sys.stdin)
params = parse_params(request["parameters"])
lines = []
summary = run_pipeline(WorkspaceClient(host=request["host"], token=request["token"]).pipelines, params, lambda: [],
                       log=lines.append)
print(json.dumps({"summary": summary, "log": lines}))
`;

function pipelineCalls(requests: RecordedRequest[], pipelineId: string): string[] {
    return requests
        .filter((request) => request.path.startsWith(`/api/2.0/pipelines/${pipelineId}`))
        .map((request) => `${request.method} ${request.path.slice(`/api/2.0/pipelines/${pipelineId}`.length) || "/"}`);
}

describe("the DLT pipeline's lifecycle under the real engine and the workspace emulator", function () {
    this.timeout(10 * 60_000);
    const token = sentinelToken();
    let emulator: WorkspaceEmulator;
    let project: ScratchProject;
    let pipelineId: string;
    let controlParameters: Record<string, string>;

    before(async function () {
        requirePulumiCli();
        emulator = new WorkspaceEmulator({
            tokens: [token],
            clusterStartMs: 500,
            pipelineStartMs: 800,
            triggeredUpdateMs: 1500,
            log: () => undefined,
        });
        const url = await emulator.start();
        project = new ScratchProject(STACK);
        await project.initStack(STACK, url, token, STACK_FILE);
        await project.mustSucceed(["up", "--yes", "--skip-preview", "--stack", STACK]);
    });

    after(async () => {
        project?.killAll();
        await emulator?.stop();
        if (!process.env.E2E_KEEP) {
            project?.remove();
        }
    });

    it("after pulumi up: a triggered pipeline that holds no compute and was never started", () => {
        const pipelines = [...emulator.pipelines.pipelines.values()];
        assert.strictEqual(pipelines.length, 1);
        const [pipeline] = pipelines;
        pipelineId = pipeline.pipelineId;
        // The provider sends no `continuous` for false (its zero value): a pipeline is triggered unless it says otherwise.
        assert.notStrictEqual(pipeline.spec.continuous, true);
        assert.deepStrictEqual([pipeline.spec.name, pipeline.state, pipeline.updates.length], ["streambench-lifecycle-dlt", "IDLE", 0]);
        assert.deepStrictEqual(emulator.billing().pipelines, []);
        assert.deepStrictEqual(
            emulator.requests.filter(
                (request) => /^\/api\/2\.0\/pipelines\/[^/]+\/updates$/.test(request.path) && request.method === "POST",
            ),
            [],
            "pulumi up started no pipeline update",
        );
        // The run-on-deploy command started the timeline run (the emulator runs no notebooks).
        const control = [...emulator.jobs.jobs.values()].find(
            (job: any) => job.settings.name === "streambench-lifecycle-dlt-control",
        ) as any;
        assert.ok(control, "the control job is deployed");
        controlParameters = Object.fromEntries(
            control.settings.parameters.map((parameter: { name: string; default: string }) => [parameter.name, parameter.default]),
        );
        assert.strictEqual(controlParameters.pipeline_id, pipelineId);
    });

    it("a run starts the pipeline, keeps an update going over the timeline, and stops it at the end", async () => {
        const before = emulator.requests.length;
        // The deployed job's parameters, as Databricks would fill them in for a run that starts now, on a 9 s
        // timeline polled every second (the plan's values: 15 min, every 10 s).
        const parameters = {
            ...controlParameters,
            trigger_time: new Date().toISOString(),
            window_minutes: "0.15",
            poll_interval_seconds: "1",
            min_update_seconds: "1",
            stop_timeout_seconds: "30",
        };
        const finished = await runPythonAsync(CONTROL_RUN, { host: emulator.url, token, parameters });
        assert.strictEqual(finished.code, 0, `the control notebook's loop failed:\n${(finished.stdout + finished.stderr).slice(-4000)}`);
        const output = finished.stdout;
        const { summary } = JSON.parse(output) as { summary: { updates: { update_id: string; state: string }[]; stopped: boolean } };
        const calls = pipelineCalls(emulator.requests.slice(before), pipelineId);
        const starts = calls.filter((call) => call === "POST /updates");
        assert.ok(starts.length >= 2, `a new update after each triggered one ended: ${calls.join(", ")}`);
        assert.strictEqual(calls[0], "POST /updates", "the run starts the pipeline first");
        const stopAt = calls.indexOf("POST /stop");
        assert.ok(stopAt > calls.lastIndexOf("POST /updates"), "stopped after the last update started");
        assert.ok(
            calls.slice(stopAt + 1).every((call) => call === "GET /"),
            `after the stop only the wait for IDLE: ${calls.slice(stopAt).join(", ")}`,
        );
        const updates = emulator.pipelines.get(pipelineId).updates;
        assert.ok(
            updates.some((update) => update.state === "COMPLETED"),
            "an update ran to its end",
        );
        assert.strictEqual(updates.length, starts.length);
        assert.ok(summary.stopped);
        assert.strictEqual(emulator.pipelines.get(pipelineId).state, "IDLE");
        assert.deepStrictEqual(emulator.billing().pipelines, []);
    });

    it("pulumi destroy stops a pipeline left running before it deletes it, and leaves nothing that bills", async () => {
        // A control run that was cancelled before its own stop: the pipeline is still updating.
        const response = await fetch(`${emulator.url}/api/2.0/pipelines/${pipelineId}/updates`, {
            method: "POST",
            headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
            body: "{}",
        });
        assert.strictEqual(response.status, 200);
        assert.strictEqual(emulator.billing().pipelines.length, 1);
        const before = emulator.requests.length;
        await project.mustSucceed(["destroy", "--yes", "--skip-preview", "--stack", STACK]);
        const calls = pipelineCalls(emulator.requests.slice(before), pipelineId);
        const stopAt = calls.indexOf("POST /stop");
        assert.ok(stopAt >= 0 && stopAt < calls.indexOf("DELETE /"), `stop before delete: ${calls.join(", ")}`);
        assert.deepStrictEqual(emulator.billing().pipelines, []);
        assert.deepStrictEqual(emulator.billing().activeRuns, []);
        assert.deepStrictEqual(emulator.pipelines.pipelines.size, 0);
    });
});
