/**
 * `npm run local -- --stack dev [--speed 10] [--spark-connect | --connect]`: plays the stack's whole timeline on Spark
 * from this machine and draws the result, without a deploy.
 *
 * This side reads `Pulumi.<stack>.yaml`, builds the scaling plan with the same pure functions as `pulumi up`,
 * and hands the Python runner (notebooks/streambench/local/run.py) each phase's job parameters as the timeline job passes
 * them, and the analysis job's parameters. The runner plays them with the notebooks' own code, on an embedded
 * local Spark with Delta (the project's .venv), with `--spark-connect` through a Spark Connect server the runner
 * starts in that local Spark, or with `--connect` on the stack's cluster through Databricks Connect (a separate venv:
 * databricks-connect conflicts with pyspark). `--connect` passes only where to go (the stack's host, profile and
 * cluster); the Databricks SDK's unified authentication finds the credentials on the Python side.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseArgs } from "util";
import { StackConfigError, StackFileError } from "../config/error";
import { namespaceValues, parseStackConfig, workspaceAccess } from "../config/parse";
import { RUN_ID_REFERENCE, TRIGGER_TIME_REFERENCE } from "../plan/notebookContract";
import { COMPUTE_LABELS } from "../plan/settings";
import { ScalingPlan } from "../plan/types";
import { buildScalingPlan } from "../plan/build";
import { resourceTags } from "../plan/build";
import { loadStackFile } from "../config/stackFile";
import { stackNameProblem } from "../config/stackName";
import { pulumiStackOutputs, secretHints } from "./stackOutputs";
import { Threshold } from "../config/thresholds";
import { thresholdsOf } from "./thresholdArgs";
import { MAX_LOCAL_RUN_MINUTES, MAX_SPEED, checkSpeed } from "./localSpeed";
import { UsageError } from "./commandLine";

const REPOSITORY_ROOT = path.join(__dirname, "..");

export const USAGE = `Usage: npm run local -- --stack <stack> [--speed <N>] [--spark-connect | --connect [--cluster-id <id>]] [--python <path>]

Plays the stack's whole timeline (every phase on its window, then the analysis) and writes
.streambench/<stack>/results.png: measured rows/s by stream type against the plan's target, and the
per-window table.

Options:
  --stack, -s    the Pulumi stack's name (reads Pulumi.<stack>.yaml): letters, digits, -, _ and .
  --speed        compress the clock N times (N in decimal digits: 10, 2.5): a plan minute lasts 60/N s;
                 rows/s per stream stay, trigger and status intervals shrink with it (whole seconds, at
                 least 1). Default 1,
                 at most ${MAX_SPEED}; below 1 slows the clock down, as long as the whole run lasts at
                 most ${MAX_LOCAL_RUN_MINUTES / 60} h. --speed 10 plays a 15-minute timeline in 90 s.
  --spark-connect  play it through a Spark Connect server that the runner starts in local Spark (and
                 stops): the way standard access mode, serverless and Databricks Connect run it
  --connect      run on the stack's cluster through Databricks Connect instead of local Spark
                 (needs databricks-connect in its own venv, .venv-connect: see docs/operations.md).
                 Credentials: whatever the Databricks SDK's unified authentication finds (the stack's
                 databricks:host and databricks:profile, DATABRICKS_* variables, a ~/.databrickscfg profile)
  --cluster-id   the cluster for --connect (default DATABRICKS_CLUSTER_ID, else the stack's clusterId
                 output, else the cluster named streambench-<stack> that carries the stack's tags)
  --python       the Python to run with (default: .venv/bin/python; with --connect .venv-connect/bin/python)
  --dry-run      print the run spec (every phase's parameters as the runner gets them) and stop
  --fail-if      "<metric> <op> <number>", repeatable: exit 99 when it is true for the run or a window
                 (metrics: kept_up, lag_p95_seconds, batch_p95_to_trigger, reaction_seconds, node_minutes, cost)
  --thresholds   a YAML file listing such expressions (beside streambench:thresholds of the stack config)
  --help, -h     this text

Ctrl-C stops every stream cleanly and still analyses and draws what was played.`;

export interface LocalOptions {
    stack: string;
    speed: number;
    /** Through a local Spark Connect server (`--spark-connect`). */
    sparkConnect?: boolean;
    connect: boolean;
    clusterId?: string;
    python?: string;
    dryRun: boolean;
    /** `--fail-if` expressions, and the thresholds file's, as written (checked by `thresholdsOf`). */
    failIf?: string[];
    thresholdsFile?: string;
}

/** A number as --speed takes it: decimal digits with an optional fraction (`10`, `2.5`, `.5`). */
const DECIMAL = /^(\d+\.?\d*|\.\d+)$/;

export { MAX_SPEED };

/** Something to fix before a run (exit 1, one message). */
export class LocalRunError extends Error {}

/** The options, or undefined for --help. Throws UsageError naming the bad flag. */
export function parseLocalArgs(argv: string[]): LocalOptions | undefined {
    let parsed;
    try {
        parsed = parseArgs({
            args: argv,
            options: {
                stack: { type: "string", short: "s" },
                speed: { type: "string" },
                connect: { type: "boolean" },
                "spark-connect": { type: "boolean" },
                "cluster-id": { type: "string" },
                python: { type: "string" },
                "dry-run": { type: "boolean" },
                "fail-if": { type: "string", multiple: true },
                thresholds: { type: "string" },
                help: { type: "boolean", short: "h" },
            },
            allowPositionals: false,
            strict: true,
        });
    } catch (error) {
        throw new UsageError((error as Error).message);
    }
    const { values } = parsed;
    if (values.help) {
        return undefined;
    }
    if (!values.stack) {
        throw new UsageError("--stack <stack> is required");
    }
    const stackProblem = stackNameProblem(values.stack);
    if (stackProblem) {
        throw new UsageError(`--stack: ${stackProblem} (the <stack> of Pulumi.<stack>.yaml, not a path)`);
    }
    // Decimal only: Number() also reads "0x10" as 16, "1e1" as 10 and " 10" as 10.
    const speed = values.speed === undefined ? 1 : DECIMAL.test(values.speed) ? Number(values.speed) : NaN;
    if (!Number.isFinite(speed) || speed <= 0 || speed > MAX_SPEED) {
        throw new UsageError(
            `--speed must be a number above 0 and at most ${MAX_SPEED}, in decimal digits (a plan minute lasts 60/N s), not ${JSON.stringify(values.speed)}`,
        );
    }
    if (values["spark-connect"] && values.connect) {
        throw new UsageError("--spark-connect (a local Spark Connect server) and --connect (the stack's cluster) exclude each other");
    }
    if (values["cluster-id"] !== undefined && !values.connect) {
        throw new UsageError("--cluster-id is only used with --connect");
    }
    if (values["cluster-id"] !== undefined && !/^[A-Za-z0-9_-]+$/.test(values["cluster-id"])) {
        throw new UsageError(`--cluster-id "${values["cluster-id"]}" is not a cluster id`);
    }
    return {
        stack: values.stack,
        speed,
        sparkConnect: Boolean(values["spark-connect"]),
        connect: Boolean(values.connect),
        clusterId: values["cluster-id"],
        python: values.python,
        dryRun: Boolean(values["dry-run"]),
        failIf: values["fail-if"] ?? [],
        thresholdsFile: values.thresholds,
    };
}

/** The stack file's config (engine form) and the scaling plan built from it, as `pulumi up` builds it. */
export function loadStack(
    projectDir: string,
    stack: string,
    env: NodeJS.ProcessEnv,
): { plan: ScalingPlan; stackConfig: Record<string, string> } {
    const stackConfig = loadStackFile(stack, projectDir);
    const plan = buildScalingPlan(stack, parseStackConfig(stack, namespaceValues(stackConfig), workspaceAccess(stackConfig, env)));
    return { plan, stackConfig };
}

/** What the runner gets (notebooks/streambench/local/timeline.py `parse_run_spec` reads it). */
export interface RunSpec {
    stack: string;
    mode: "local" | "spark-connect" | "connect";
    speed: number;
    /** `.streambench/<stack>`: local warehouse and checkpoints, and the results of every mode. */
    stateDir: string;
    volumePath: string;
    runIdReference: string;
    triggerTimeReference: string;
    /** Each phase with the job parameters the timeline job runs it with. */
    phases: { phase: string; parameters: Record<string, string> }[];
    /** The analysis job's parameters as the timeline job runs it. */
    analysisParameters: Record<string, string>;
    clusterName: string;
    clusterId: string;
    /** What the run is held to: a failed threshold exits EXIT_THRESHOLD_FAILED (streambench/gates.py). */
    thresholds?: Threshold[];
    /** The cluster's pinned runtime; "" = latest LTS, looked up at deploy. */
    sparkVersion: string;
    /** `--connect`: the stack's `databricks:host` and `databricks:profile` ("" = what the SDK finds); never a credential. */
    host: string;
    profile: string;
    /** The stack's tags: the cluster found by name must carry them. */
    tags: Record<string, string>;
}

/** The run spec of a plan: job parameters with the timeline job's overrides, nothing recomputed. With `--connect`, where
 * to go: the stack file's host and profile, and the cluster from --cluster-id, DATABRICKS_CLUSTER_ID or the stack's
 * `benchmark` output (`outputs`); no credential. */
export function runSpec(
    plan: ScalingPlan,
    options: LocalOptions,
    projectDir: string,
    env: NodeJS.ProcessEnv = {},
    stackConfig: Record<string, string> = {},
    outputs: Record<string, unknown> = {},
): RunSpec {
    // The stack's `benchmark` output holds the cluster's id only when the stack has an all-purpose cluster.
    const benchmarkIds = (outputs.benchmark as { ids?: { clusterId?: unknown } } | undefined)?.ids;
    const outputClusterId = typeof benchmarkIds?.clusterId === "string" ? benchmarkIds.clusterId : "";
    const fromStack = (key: string) => (options.connect && !/^\{"secure"/.test(stackConfig[key] ?? "") ? (stackConfig[key] ?? "") : "");
    const overrides = (phase: string) => plan.timelineJob.tasks.find((task) => task.phase === phase)?.jobParameters ?? {};
    return {
        stack: plan.stack,
        mode: options.connect ? "connect" : options.sparkConnect ? "spark-connect" : "local",
        speed: options.speed,
        stateDir: path.join(projectDir, ".streambench", plan.stack),
        volumePath: plan.volumePath,
        runIdReference: RUN_ID_REFERENCE,
        triggerTimeReference: TRIGGER_TIME_REFERENCE,
        phases: plan.phases.map((phase) => ({ phase: phase.name, parameters: { ...phase.parameters, ...overrides(phase.name) } })),
        // The runner plays the phases only: on local Spark, or with --connect on the stack's cluster; no pipeline runs.
        analysisParameters: {
            ...plan.analysis.parameters,
            ...overrides("analysis"),
            compute: options.connect ? plan.compute.phases : COMPUTE_LABELS.localSpark,
            pipeline_compute: "",
        },
        clusterName: plan.cluster.clusterName,
        clusterId: options.connect ? (options.clusterId ?? (env.DATABRICKS_CLUSTER_ID || outputClusterId)) : "",
        sparkVersion: plan.cluster.sparkVersion ?? "",
        host: fromStack("databricks:host"),
        profile: fromStack("databricks:profile"),
        tags: resourceTags(plan.stack),
    };
}

/** `databricks-connect==16.4.*` for a runtime pinned to `16.4.x-scala2.12`; a placeholder when the runtime is not pinned. */
export function databricksConnectRequirement(sparkVersion: string | undefined): string {
    const line = /^(\d+)\.(\d+)\.x-/.exec(sparkVersion ?? "");
    return line ? `databricks-connect==${line[1]}.${line[2]}.*` : "databricks-connect==<your cluster's runtime, e.g. 16.4.*>";
}

/** The Python that runs the runner, and the environment it gets: this process's own, nothing added (with `--connect`
 * the SDK reads the DATABRICKS_* variables there itself). Throws LocalRunError saying what to install. */
export function runnerProcess(
    plan: ScalingPlan,
    options: LocalOptions,
    env: NodeJS.ProcessEnv,
): { python: string; env: NodeJS.ProcessEnv } {
    if (!options.connect) {
        const python = options.python ?? env.PYTHON ?? path.join(REPOSITORY_ROOT, ".venv", "bin", "python");
        if (!fs.existsSync(python)) {
            throw new LocalRunError(
                `no Python at ${python}: run \`npm run setup\` (it creates .venv with pyspark, delta-spark and matplotlib)`,
            );
        }
        return { python, env };
    }
    const python = options.python ?? env.STREAMBENCH_CONNECT_PYTHON ?? path.join(REPOSITORY_ROOT, ".venv-connect", "bin", "python");
    if (!fs.existsSync(python)) {
        throw new LocalRunError(
            `--connect needs databricks-connect, in its own venv (it conflicts with pyspark in .venv): ` +
                `python3 -m venv .venv-connect && .venv-connect/bin/pip install '${databricksConnectRequirement(plan.cluster.sparkVersion)}' matplotlib==3.11.2` +
                ` (no Python at ${python}; or pass --python <path>)`,
        );
    }
    return { python, env };
}

export interface LocalIo {
    stdout(line: string): void;
    stderr(line: string): void;
}

/**
 * Runs the command; resolves to the exit code (0 played to the end, 99 a threshold failed, 130 stopped by Ctrl-C, 1
 * failed, 2 usage).
 */
export async function main(argv: string[], env: NodeJS.ProcessEnv, io: LocalIo, projectDir = REPOSITORY_ROOT): Promise<number> {
    try {
        const options = parseLocalArgs(argv);
        if (!options) {
            io.stdout(USAGE);
            return 0;
        }
        const { plan, stackConfig } = loadStack(projectDir, options.stack, env);
        checkSpeed(options.speed, plan);
        // The stack's outputs name its cluster; asked only when nothing else does.
        const outputs =
            options.connect && !options.clusterId && !env.DATABRICKS_CLUSTER_ID ? (pulumiStackOutputs(projectDir, plan.stack) ?? {}) : {};
        const spec = {
            ...runSpec(plan, options, projectDir, env, stackConfig, outputs),
            thresholds: thresholdsOf(plan, options, projectDir),
        };
        if (options.dryRun) {
            io.stdout(JSON.stringify(spec, null, 2));
            return 0;
        }
        const runner = runnerProcess(plan, options, env);
        if (options.connect) {
            secretHints(stackConfig, env).forEach((hint) => io.stderr(`local: ${hint}`));
        }
        return await runRunner(runner.python, runner.env, spec, projectDir);
    } catch (error) {
        if (error instanceof UsageError) {
            io.stderr(`local: ${error.message}\n\n${USAGE}`);
            return 2;
        }
        const known = error instanceof LocalRunError || error instanceof StackFileError || error instanceof StackConfigError;
        const message = error instanceof Error ? error.message : String(error);
        io.stderr(`local: ${known ? "" : "unexpected error: "}${message}`);
        return 1;
    }
}

/** The signals `npm run local` passes on to its runner. */
const FORWARDED_SIGNALS: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/** One Ctrl-C can reach this process twice, milliseconds apart: from the terminal (to its foreground group) and from
 * npm, which passes SIGINT on to its script (when the script's shell execs node, as bash does). The runner takes a
 * second Ctrl-C as "quit at once", so SIGINTs closer together than this are one. */
export const SAME_CTRL_C_MS = 300;

/** Passes each signal on with `send`, a SIGINT only when the last one passed on is at least SAME_CTRL_C_MS old. */
export function signalForwarder(send: (signal: NodeJS.Signals) => void, now: () => number = Date.now): (signal: NodeJS.Signals) => void {
    let lastInterrupt = -Infinity;
    return (signal) => {
        if (signal === "SIGINT") {
            const at = now();
            if (at - lastInterrupt < SAME_CTRL_C_MS) {
                return;
            }
            lastInterrupt = at;
        }
        send(signal);
    };
}

/** The exit code of a process that ended with `code`, or was ended by `signal` (128 + its number, as a shell says). */
function exitCode(code: number | null, signal: NodeJS.Signals | null): number {
    return code ?? 128 + (signal ? os.constants.signals[signal] : 0);
}

/**
 * Starts the runner with the spec on stdin and waits for it. The runner gets a process group of its own, which
 * whatever it starts shares (the local JVM): this process passes Ctrl-C, SIGTERM and SIGHUP on to it, waits for it
 * to stop its streams and write, and when it has exited kills what is left of its group, so that nothing it started
 * (a JVM still starting when the runner was killed) outlives the run.
 */
function runRunner(python: string, env: NodeJS.ProcessEnv, spec: RunSpec, projectDir: string): Promise<number> {
    return new Promise((resolve, reject) => {
        const child = spawn(python, [path.join(REPOSITORY_ROOT, "notebooks", "streambench", "local", "run.py")], {
            cwd: projectDir,
            env,
            stdio: ["pipe", "inherit", "inherit"],
            detached: true,
        });
        const forward = signalForwarder((signal) => child.kill(signal));
        const listeners = FORWARDED_SIGNALS.map((signal) => ({ signal, listener: () => forward(signal) }));
        listeners.forEach(({ signal, listener }) => process.on(signal, listener));
        const stopListening = () => listeners.forEach(({ signal, listener }) => process.off(signal, listener));
        child.on("error", (error) => {
            stopListening();
            reject(new LocalRunError(`could not start ${python}: ${error.message}`));
        });
        child.on("close", (code, signal) => {
            stopListening();
            killGroup(child.pid);
            resolve(exitCode(code, signal));
        });
        child.stdin.end(JSON.stringify(spec));
    });
}

/** SIGKILL to what is left of the runner's process group (its id is the runner's pid); nothing left is fine. */
function killGroup(groupId: number | undefined): void {
    if (groupId === undefined) {
        return;
    }
    try {
        process.kill(-groupId, "SIGKILL");
    } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ESRCH") {
            throw error;
        }
    }
}

if (require.main === module) {
    main(process.argv.slice(2), process.env, { stdout: (line) => console.log(line), stderr: (line) => console.error(line) }).then((code) =>
        process.exit(code),
    );
}
