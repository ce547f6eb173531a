import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { namespaceValues, parseStackConfig } from "../../config/parse";
import { stackFileConfig } from "../../config/stackFile";
import { buildScalingPlan } from "../../plan/build";
import { execFileSync, spawnSync } from "child_process";
import {
    MAX_SPEED,
    SAME_CTRL_C_MS,
    databricksConnectRequirement,
    main,
    parseLocalArgs,
    runSpec,
    runnerProcess,
    signalForwarder,
} from "../../cli/local";

const ROOT = path.join(__dirname, "..", "..");

function run(argv: string[], env: NodeJS.ProcessEnv = {}, projectDir = ROOT): Promise<{ code: number; stdout: string; stderr: string }> {
    const out: string[] = [];
    const err: string[] = [];
    return main(argv, env, { stdout: (line) => out.push(line), stderr: (line) => err.push(line) }, projectDir).then((code) => ({
        code,
        stdout: out.join("\n"),
        stderr: err.join("\n"),
    }));
}

function committedPlan(stack: string) {
    const stackConfig = stackFileConfig(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8"));
    return buildScalingPlan(stack, parseStackConfig(stack, namespaceValues(stackConfig)));
}

describe("npm run local: command line", () => {
    const bad: [string[], RegExp][] = [
        [[], /--stack <stack> is required/],
        [["--stack", "dev", "--speed", "0"], /--speed must be a number above 0 and at most 60/],
        [["--stack", "dev", "--speed=-3"], /--speed must be a number above 0/],
        [["--stack", "dev", "--speed", "fast"], /--speed must be a number above 0/],
        [["--stack", "dev", "--speed", String(MAX_SPEED + 1)], /at most 60/],
        [["--stack", "dev", "--speed", ""], /--speed must be a number/],
        [["--stack", "dev", "--cluster-id", "0123-456789-abc"], /--cluster-id is only used with --connect/],
        [["--stack", "dev", "--connect", "--cluster-id", "a b"], /"a b" is not a cluster id/],
        [
            ["--stack", "dev", "--spark-connect", "--connect"],
            /--spark-connect \(a local Spark Connect server\) and --connect \(the stack's cluster\) exclude each other/,
        ],
        [["--stack", "dev", "--spark-connect", "--cluster-id", "0101-abc"], /--cluster-id is only used with --connect/],
        [["--stack", "dev", "--fast"], /Unknown option '--fast'/],
        [["--stack", "dev", "extra"], /Unexpected argument 'extra'|positional/i],
    ];
    for (const [argv, message] of bad) {
        it(`refuses ${JSON.stringify(argv)} with usage (exit 2)`, async () => {
            const result = await run(argv);
            assert.strictEqual(result.code, 2);
            assert.match(result.stderr, message);
            assert.match(result.stderr, /Usage: npm run local -- --stack <stack>/);
        });
    }

    it("reads the speed, the mode and the stack", () => {
        assert.deepStrictEqual(parseLocalArgs(["-s", "dev", "--speed", "2.5"]), {
            stack: "dev",
            speed: 2.5,
            sparkConnect: false,
            connect: false,
            clusterId: undefined,
            python: undefined,
            dryRun: false,
            failIf: [],
            thresholdsFile: undefined,
        });
        assert.strictEqual(parseLocalArgs(["--help"]), undefined);
        assert.strictEqual(parseLocalArgs(["--stack", "dev"])?.speed, 1);
        assert.strictEqual(parseLocalArgs(["--stack", "dev", "--spark-connect"])?.sparkConnect, true);
        assert.strictEqual(parseLocalArgs(["--stack", "dev"])?.sparkConnect, false);
    });

    it("--help lists --spark-connect and --connect's credentials (the SDK's unified authentication)", async () => {
        const result = await run(["--help"]);
        assert.strictEqual(result.code, 0);
        assert.match(result.stdout, /\[--spark-connect \| --connect \[--cluster-id <id>\]\]/);
        assert.match(result.stdout, /--spark-connect +play it through a Spark Connect server that the runner starts in local Spark/);
        assert.match(
            result.stdout,
            /Databricks SDK's unified authentication finds \(the stack's\n +databricks:host and databricks:profile/,
        );
    });

    it("--spark-connect runs the local runner in the project's .venv with mode spark-connect, on local tables", async () => {
        const result = await run(["--stack", "dev", "--spark-connect", "--speed", "10", "--dry-run"]);
        assert.strictEqual(result.code, 0, result.stderr);
        const spec = JSON.parse(result.stdout);
        assert.strictEqual(spec.mode, "spark-connect");
        assert.strictEqual(spec.analysisParameters.compute, "local Spark");
        assert.deepStrictEqual([spec.clusterId, spec.host, spec.profile], ["", "", ""]);
        const plan = committedPlan("dev");
        const options = parseLocalArgs(["--stack", "dev", "--spark-connect"])!;
        assert.strictEqual(runnerProcess(plan, options, { PYTHON: process.execPath }).python, process.execPath);
    });

    it("names the stacks there are when the stack file is missing (exit 1)", async () => {
        const result = await run(["--stack", "staging"]);
        assert.strictEqual(result.code, 1);
        assert.match(result.stderr, /no stack file .*Pulumi\.staging\.yaml: check --stack \(stacks here: .*dev.*prod/);
    });

    it("stops on a bad stack config with the config error, before any Python runs", async () => {
        const project = fs.mkdtempSync(path.join(os.tmpdir(), "streambench-local-"));
        fs.writeFileSync(path.join(project, "Pulumi.broken.yaml"), "config:\n  streambench:baselineStreams: 0\n  streambench:speed: 3\n");
        const result = await run(["--stack", "broken", "--python", "/nonexistent/python"], {}, project);
        assert.strictEqual(result.code, 1);
        assert.match(result.stderr, /streambench:baselineStreams: must be at least 1/);
        assert.match(result.stderr, /streambench:speed: unknown key/);
    });
});

describe("npm run local: the run spec (the parameters the runner plays)", () => {
    for (const stack of ["dev", "prod"]) {
        it(`${stack}: every phase gets its job's parameters with the timeline job's trigger time and offset`, () => {
            const plan = committedPlan(stack);
            const spec = runSpec(plan, { stack, speed: 10, connect: false, dryRun: false }, ROOT);
            assert.deepStrictEqual(
                spec.phases.map((phase) => phase.phase),
                plan.phases.map((phase) => phase.name),
            );
            for (const phase of plan.phases) {
                const parameters = spec.phases.find((entry) => entry.phase === phase.name)!.parameters;
                const { trigger_time, start_offset_minutes, ...rest } = parameters;
                const { trigger_time: _jobTrigger, start_offset_minutes: _jobOffset, ...jobRest } = phase.parameters;
                assert.deepStrictEqual(rest, jobRest, "every other parameter is the job's own");
                assert.strictEqual(trigger_time, "{{job.trigger.time.iso_datetime}}");
                assert.strictEqual(start_offset_minutes, String(phase.windowStartMinute));
            }
            assert.strictEqual(spec.analysisParameters.windows_json, JSON.stringify(plan.throughput));
            assert.strictEqual(spec.analysisParameters.run_start, "{{job.trigger.time.iso_datetime}}");
            assert.strictEqual(spec.stateDir, path.join(ROOT, ".streambench", stack));
            assert.strictEqual(spec.volumePath, plan.volumePath);
            assert.strictEqual(spec.speed, 10);
            assert.strictEqual(spec.mode, "local");
        });
    }

    it("--connect takes the cluster from --cluster-id, else DATABRICKS_CLUSTER_ID, and names the stack's cluster", () => {
        const plan = committedPlan("dev");
        const fromFlag = runSpec(plan, { stack: "dev", speed: 1, connect: true, clusterId: "0101-abc", dryRun: false }, ROOT, {
            DATABRICKS_CLUSTER_ID: "0202-def",
        });
        assert.strictEqual(fromFlag.clusterId, "0101-abc");
        assert.strictEqual(fromFlag.mode, "connect");
        assert.strictEqual(fromFlag.clusterName, "streambench-dev");
        assert.strictEqual(
            runSpec(plan, { stack: "dev", speed: 1, connect: true, dryRun: false }, ROOT, { DATABRICKS_CLUSTER_ID: "0202-def" }).clusterId,
            "0202-def",
        );
    });

    it("labels the run with the compute the runner plays it on: local Spark, or the stack's cluster with --connect; never a pipeline", () => {
        const plan = committedPlan("prod");
        assert.strictEqual(plan.analysis.parameters.pipeline_compute, "classic pipeline", "prod's jobs label their pipeline");
        const labels = (connect: boolean) => {
            const { compute, pipeline_compute } = runSpec(
                plan,
                { stack: "prod", speed: 10, connect, dryRun: false },
                ROOT,
            ).analysisParameters;
            return [compute, pipeline_compute];
        };
        assert.deepStrictEqual(labels(false), ["local Spark", ""]);
        assert.deepStrictEqual(labels(true), ["all-purpose cluster", ""]);
    });

    it("--dry-run prints the spec without running anything", async () => {
        const result = await run(["--stack", "dev", "--speed", "10", "--dry-run", "--python", "/nonexistent/python"]);
        assert.strictEqual(result.code, 0, result.stderr);
        const spec = JSON.parse(result.stdout);
        assert.strictEqual(spec.speed, 10);
        assert.strictEqual(spec.phases.length, 3);
    });
});

describe("npm run local --connect: where it goes, and no credential on the way", () => {
    it("passes the stack's host and profile, the cluster from the stack's outputs and the stack's tags; a secret host never", () => {
        const plan = committedPlan("dev");
        const options = { stack: "dev", speed: 1, connect: true, dryRun: false };
        const stackConfig = { "databricks:host": "https://dbc-1.cloud.databricks.com", "databricks:profile": "bench" };
        const spec = runSpec(plan, options, ROOT, {}, stackConfig, { benchmark: { ids: { clusterId: "0303-ghi" } } });
        assert.deepStrictEqual([spec.host, spec.profile, spec.clusterId], ["https://dbc-1.cloud.databricks.com", "bench", "0303-ghi"]);
        assert.deepStrictEqual(spec.tags, { project: "streambench", stack: "dev" });
        assert.strictEqual(
            runSpec(plan, options, ROOT, { DATABRICKS_CLUSTER_ID: "0202-def" }, {}, { benchmark: { ids: { clusterId: "0303-ghi" } } })
                .clusterId,
            "0202-def",
        );
        assert.strictEqual(runSpec(plan, options, ROOT, {}, { "databricks:host": '{"secure":"v1:abc"}' }).host, "");
        // A stack on a job cluster has no cluster to connect to: its outputs hold no cluster id, and none is made up.
        assert.strictEqual(runSpec(plan, options, ROOT, {}, {}, { benchmark: { ids: { timelineJobId: "7" } } }).clusterId, "");
        // Never a credential in the spec: none of the stack file's secrets, nor the environment's.
        const withSecrets = runSpec(
            plan,
            options,
            ROOT,
            { DATABRICKS_TOKEN: "dapi-SENTINEL" },
            {
                ...stackConfig,
                "databricks:token": "dapi-SENTINEL-2",
            },
        );
        assert.ok(!JSON.stringify(withSecrets).includes("SENTINEL"));
    });

    it("gives the runner this process's environment as it is: no token added, the SDK reads DATABRICKS_* itself", () => {
        const plan = committedPlan("dev");
        const env = { DATABRICKS_CONFIG_PROFILE: "bench", PATH: process.env.PATH };
        const runner = runnerProcess(plan, { stack: "dev", speed: 1, connect: true, python: process.execPath, dryRun: false }, env);
        assert.deepStrictEqual(runner, { python: process.execPath, env });
    });

    // The runner's own credential handling (notebooks/streambench/local/databricks_connect.py), reached through this
    // command with the project's .venv (databricks-sdk, no databricks-connect): the runner's output is the command's.
    it("never prints the token: host and token swapped go through the command and the SDK side, and are refused unnamed", async function () {
        const python = path.join(ROOT, ".venv", "bin", "python");
        assert.ok(fs.existsSync(python), `no ${python}: run \`npm run setup\``);
        this.timeout(60_000);
        const token = "dapi" + "0123456789abcdef".repeat(2);
        const project = fs.mkdtempSync(path.join(os.tmpdir(), "streambench-local-"));
        fs.copyFileSync(path.join(ROOT, "Pulumi.dev.yaml"), path.join(project, "Pulumi.dev.yaml"));
        const home = fs.mkdtempSync(path.join(os.tmpdir(), "streambench-home-"));
        const main = `require('./cli/local').main(process.argv.slice(1), process.env, {stdout: (l) => console.log(l), stderr: (l) => console.error(l)}, process.env.PROJECT_DIR).then((code) => process.exit(code))`;
        const result = spawnSync(
            process.execPath,
            [
                "-r",
                "ts-node/register/transpile-only",
                "-e",
                main,
                "--",
                "--stack",
                "dev",
                "--connect",
                "--cluster-id",
                "0101-abc",
                "--python",
                python,
            ],
            {
                cwd: ROOT,
                encoding: "utf8",
                timeout: 60_000,
                env: {
                    PATH: process.env.PATH,
                    HOME: home,
                    PROJECT_DIR: project,
                    DATABRICKS_HOST: token,
                    DATABRICKS_TOKEN: "https://dbc-1.cloud.databricks.com",
                },
            },
        );
        const output = `${result.stdout}${result.stderr}`;
        assert.strictEqual(result.status, 1, output);
        assert.match(output, /DATABRICKS_HOST holds what looks like a token, not a workspace URL \(not printed\)/);
        assert.match(output, /databricks-connect is not installed in this Python/);
        assert.ok(!output.includes(token), "the token was printed");
    });
});

describe("npm run local --connect: what it needs", () => {
    it("pins databricks-connect to the cluster's runtime line", () => {
        assert.strictEqual(databricksConnectRequirement("16.4.x-scala2.12"), "databricks-connect==16.4.*");
        assert.strictEqual(databricksConnectRequirement("15.4.x-photon-scala2.12"), "databricks-connect==15.4.*");
        assert.match(databricksConnectRequirement(undefined), /<your cluster's runtime, e\.g\. 16\.4\.\*>/);
    });

    it("without its venv, says how to install databricks-connect apart from .venv (exit 1)", async () => {
        const result = await run(["--stack", "dev", "--connect"], { STREAMBENCH_CONNECT_PYTHON: "/nonexistent/.venv-connect/bin/python" });
        assert.strictEqual(result.code, 1);
        assert.match(result.stderr, /--connect needs databricks-connect, in its own venv \(it conflicts with pyspark in \.venv\)/);
        assert.match(result.stderr, /python3 -m venv \.venv-connect && \.venv-connect\/bin\/pip install 'databricks-connect==/);
    });
});

/** Whether a process is gone (a zombie counts as gone: it runs nothing). */
function gone(pid: number): boolean {
    try {
        return !/^[^Z]/.test(execFileSync("ps", ["-o", "stat=", "-p", String(pid)], { encoding: "utf8" }).trim());
    } catch {
        return true; // ps exits 1 when there is no such process
    }
}

async function waitUntil(condition: () => boolean, deadlineMs = 10_000): Promise<boolean> {
    const deadline = Date.now() + deadlineMs;
    while (!condition() && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return condition();
}

/** A stand-in runner: a shell script that reads the spec, then runs `body(dir)`; its pid in `<dir>/runner.pid`. */
function standInRunner(body: (dir: string) => string): { runner: string; dir: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "streambench-runner-"));
    const runner = path.join(dir, "python");
    fs.writeFileSync(runner, `#!/bin/sh\ncat > /dev/null\necho $$ > ${dir}/runner.pid\n${body(dir)}\n`, { mode: 0o755 });
    return { runner, dir };
}

describe("npm run local: Ctrl-C and signals", () => {
    it("passes Ctrl-C on to the runner in its own process group and returns its exit code (130)", async function () {
        this.timeout(20_000);
        // Like run.py, the stand-in takes SIGINT as "stop cleanly" and then exits 130.
        const { runner, dir } = standInRunner(
            (dir) => `trap 'echo cleanly > ${dir}/stopped; exit 130' INT\nwhile true; do sleep 0.1; done`,
        );
        const before = ["SIGINT", "SIGTERM", "SIGHUP"].map((signal) => process.listenerCount(signal));
        const finished = run(["--stack", "dev", "--python", runner]);
        assert.ok(await waitUntil(() => fs.existsSync(path.join(dir, "runner.pid"))), "the runner never started");
        const runnerPid = Number(fs.readFileSync(path.join(dir, "runner.pid"), "utf8").trim());
        assert.deepStrictEqual(
            ["SIGINT", "SIGTERM", "SIGHUP"].map((signal) => process.listenerCount(signal)),
            before.map((count) => count + 1),
            "npm run local must catch SIGINT, SIGTERM and SIGHUP while its runner runs",
        );
        const group = Number(execFileSync("ps", ["-o", "pgid=", "-p", String(runnerPid)], { encoding: "utf8" }).trim());
        assert.strictEqual(group, runnerPid, "the runner leads a process group of its own");
        // Ctrl-C in a terminal reaches this process (the foreground group); the runner's group only through it.
        process.kill(process.pid, "SIGINT");
        const result = await finished;
        assert.strictEqual(result.code, 130);
        assert.strictEqual(fs.readFileSync(path.join(dir, "stopped"), "utf8").trim(), "cleanly");
        assert.deepStrictEqual(
            ["SIGINT", "SIGTERM", "SIGHUP"].map((signal) => process.listenerCount(signal)),
            before,
            "the listeners are removed after the run",
        );
    });

    it("kills what the runner leaves behind when it dies (a JVM that was starting)", async function () {
        this.timeout(20_000);
        // The stand-in starts a child that would run for 10 minutes, then dies by SIGKILL (no clean-up of its own).
        const { runner, dir } = standInRunner((dir) => `sleep 600 &\necho $! > ${dir}/child.pid\nkill -KILL $$`);
        const result = await run(["--stack", "dev", "--python", runner]);
        const child = Number(fs.readFileSync(path.join(dir, "child.pid"), "utf8").trim());
        try {
            assert.strictEqual(result.code, 128 + 9, "exit code 137: the runner was killed by SIGKILL");
            assert.ok(await waitUntil(() => gone(child)), `the runner's child ${child} outlived it`);
        } finally {
            if (!gone(child)) {
                process.kill(child, "SIGKILL");
            }
        }
    });

    it("takes two SIGINTs milliseconds apart (the terminal's and npm's copy of one Ctrl-C) as one", () => {
        const cases: { at: number[]; signal: NodeJS.Signals; forwarded: number }[] = [
            { at: [0, 5], signal: "SIGINT", forwarded: 1 },
            { at: [0, SAME_CTRL_C_MS - 1], signal: "SIGINT", forwarded: 1 },
            { at: [0, SAME_CTRL_C_MS], signal: "SIGINT", forwarded: 2 },
            { at: [0, 1000, 1005], signal: "SIGINT", forwarded: 2 },
            { at: [0, 5], signal: "SIGTERM", forwarded: 2 },
        ];
        for (const { at, signal, forwarded } of cases) {
            const sent: NodeJS.Signals[] = [];
            let clock = 0;
            const forward = signalForwarder(
                (forwardedSignal) => sent.push(forwardedSignal),
                () => clock,
            );
            for (const time of at) {
                clock = time;
                forward(signal);
            }
            assert.strictEqual(sent.length, forwarded, JSON.stringify({ at, signal }));
        }
    });
});
