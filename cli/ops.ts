/**
 * Ops commands for a deployed stack, through the official Databricks SDK (notebooks/streambench/ops, run in the
 * `.venv-ops` that `npm run setup` creates):
 *
 *   npm run ops -- status  --stack prod   active runs of the stack's jobs, with the plan's streams and rows/s
 *   npm run ops -- run     --stack prod   start the timeline job, follow it to its end (--no-follow: return at once)
 *   npm run ops -- stop    --stack prod   cancel every active run and stop the stack's DLT pipeline
 *   npm run ops -- analyze --stack prod   run the stack's analysis job: its verdict table, its chart into .streambench/<stack>/
 *   npm run ops -- compare --stack prod   every analysed run side by side, on the stack's SQL warehouse
 *
 * This side reads the stack file and builds the plan (job names, tags), and takes the ids of the stack's objects
 * from `pulumi stack output` where the Pulumi CLI and the stack's state are at hand; the SDK does the rest.
 */
import { spawn } from "child_process";
import type { BenchmarkIds } from "../components/benchmark";
import * as fs from "fs";
import * as path from "path";
import { StackConfigError, StackFileError } from "../config/error";
import { namespaceValues, parseStackConfig } from "../config/parse";
import { PROJECT_DIR, loadStackFile } from "../config/stackFile";
import { stackNameProblem } from "../config/stackName";
import { buildScalingPlan, resourceTags } from "../plan/build";
import { ScalingPlan } from "../plan/types";
import { DEFAULT_DASHBOARD_TABLES, runComparison } from "../components/dashboard/datasets";
import { UsageError, parseCommandLine } from "./commandLine";
import { thresholdsOf } from "./thresholdArgs";
import type { Threshold } from "../config/thresholds";
import { isSecureValue, plaintextSecretProblems, pulumiStackOutputs, secretHints } from "./stackOutputs";

export const USAGE = `Usage: npm run ops -- <command> --stack <stack> [--no-follow] [--last N] [--fail-if "<metric> <op> <number>"]...

Commands:
  status    the active runs of the stack's jobs, with the plan's streams and rows/s
  run       start the timeline job and follow it to its end (Ctrl-C detaches; --no-follow returns at once)
  stop      cancel every active run of the stack's jobs (streams stop with the run) and stop its DLT pipeline
  analyze   run the stack's analysis job and follow it: print the verdict per window (kept up or not) and the
            run's cost, and download its chart into .streambench/<stack>/ (--no-follow: return once started);
            cluster.kind allPurpose only (on a job cluster every timeline run ends with its analysis)
  compare   every analysed run side by side, newest first (--last N: the latest N): compute, node type, workers,
            DLT or not, peak offered and processed rows/s, kept up, lag p95, node-minutes; from benchmark_results,
            read on the SQL warehouse streambench:warehouseId (the dashboard's "Runs compared" page shows the same)

Options:
  --stack, -s   the Pulumi stack (reads Pulumi.<stack>.yaml)
  --no-follow   run, analyze: print the run's page and return
  --last        compare: only the latest N runs
  --fail-if     analyze: exit 99 when "<metric> <op> <number>" is true for the run or a window (repeatable; beside
                streambench:thresholds); --thresholds <file>: a YAML list of them. JUnit and JSON go to .streambench/<stack>/
  --help, -h    this text

Credentials: whatever the Databricks SDK's unified authentication finds, in the provider's order: databricks:host
(and databricks:profile, databricks:clientId) in Pulumi.<stack>.yaml, then DATABRICKS_HOST with DATABRICKS_TOKEN, or
DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET (OAuth machine-to-machine), then a ~/.databrickscfg profile
(DATABRICKS_CONFIG_PROFILE, also one from \`databricks auth login\`). A secret in the stack file only \`pulumi\` can
decrypt: export it. A secret in plain text in the stack file is refused.`;

const COMMANDS = ["status", "run", "stop", "analyze", "compare"] as const;

/** The most runs `compare --last` shows. */
export const MAX_COMPARED_RUNS = 1000;

export interface OpsIo {
    stdout(line: string): void;
    stderr(line: string): void;
}

export interface OpsSettings {
    /** Where the `Pulumi.<stack>.yaml` files are; default the repository root. */
    projectDir?: string;
    /** Ids of the stack's objects; default: `pulumi stack output --json`, when it works. */
    stackOutputs?: () => Record<string, unknown> | undefined;
    /** Seconds between two looks at a followed run (default 10), and the most `stop` waits for cancelled runs to end. */
    pollSeconds?: number;
    settleSeconds?: number;
    /** Where `analyze` downloads the chart; default `.streambench/<stack>` in the repository. */
    stateDir?: string;
    /** The SDK's bound on one HTTP request and on its retries, in seconds (tests shorten them). */
    httpTimeoutSeconds?: number;
    retryTimeoutSeconds?: number;
}

/** The Python with the current databricks-sdk: STREAMBENCH_OPS_PYTHON, else `.venv-ops` of `npm run setup`. */
export function opsPython(env: NodeJS.ProcessEnv): string {
    return env.STREAMBENCH_OPS_PYTHON ?? path.join(PROJECT_DIR, ".venv-ops", "bin", "python");
}

/** What `compare` runs: the dashboard's run comparison (the latest `last` runs), on the stack's SQL warehouse. */
export function compareRequest(plan: ScalingPlan, last?: number) {
    return {
        warehouseId: plan.warehouseId ?? null,
        query: runComparison(plan, DEFAULT_DASHBOARD_TABLES, last).query,
        table: `${plan.schemaFullName}.${DEFAULT_DASHBOARD_TABLES.results}`,
        last: last ?? null,
    };
}

/** What the Python side gets: the plan's names, the stack's tags and the ids its outputs give. */
export function opsRequest(
    command: string,
    plan: ScalingPlan,
    stackConfig: Record<string, string>,
    outputs: Record<string, any> = {},
    follow = true,
    last?: number,
) {
    // The stack's `benchmark` output: every id, absent when the stack has no such object (no regex on URLs).
    const ids: Partial<BenchmarkIds> = outputs.benchmark?.ids ?? {};
    const phaseIds: Record<string, unknown> = ids.phaseJobIds ?? {};
    // With cluster.kind job the timeline job is the stack's only job: its tasks run the phases, control and analysis.
    const ownJobs = plan.cluster.kind === "allPurpose";
    return {
        command,
        stack: plan.stack,
        host: stackConfig["databricks:host"] || null,
        profile: stackConfig["databricks:profile"] || null,
        // Stack config comes first, as for the provider; a `--secret` client id only `pulumi` can decrypt (secretHints).
        clientId: (!isSecureValue(stackConfig["databricks:clientId"]) && stackConfig["databricks:clientId"]) || null,
        tags: resourceTags(plan.stack),
        jobs: [
            { name: plan.timelineJob.jobName, role: "timeline", id: ids.timelineJobId ?? null },
            ...(ownJobs ? plan.phases : []).map((phase) => ({
                name: phase.jobName,
                role: "phase",
                id: phaseIds[phase.name] ?? null,
                streams: phase.streamCount,
                ratePerStream: phase.ratePerStream,
            })),
            ...(plan.pipeline && ownJobs
                ? [
                      {
                          name: plan.pipeline.control.jobName,
                          role: "pipeline-control",
                          id: ids.pipelineControlJobId ?? null,
                      },
                  ]
                : []),
            ...(ownJobs ? [{ name: plan.analysis.jobName, role: "analysis", id: ids.analysisJobId ?? null }] : []),
        ],
        pipeline: plan.pipeline ? { name: plan.pipeline.name, id: ids.pipelineId ?? null } : null,
        follow,
        runMinutes: plan.runMinutes,
        compare: command === "compare" ? compareRequest(plan, last) : null,
        // Where `analyze` puts the chart it downloads, beside `npm run local`'s results.
        stateDir: path.join(PROJECT_DIR, ".streambench", plan.stack),
    };
}

/** `--last N` of compare: a whole number from 1 to MAX_COMPARED_RUNS; undefined = every run. */
function lastRuns(command: string, last: string | boolean | undefined): number | undefined {
    if (last === undefined) {
        return undefined;
    }
    if (command !== "compare") {
        throw new UsageError("--last is an option of compare only");
    }
    const count = Number(last);
    if (!/^\d+$/.test(String(last)) || count < 1 || count > MAX_COMPARED_RUNS) {
        throw new UsageError(`--last: a whole number of runs from 1 to ${MAX_COMPARED_RUNS}, got ${JSON.stringify(last)}`);
    }
    return count;
}

/** Runs one ops command; resolves to the exit code (0 ok, 1 failed, 2 wrong usage). */
export async function main(argv: string[], env: NodeJS.ProcessEnv, io: OpsIo, settings: OpsSettings = {}): Promise<number> {
    let parsed: { command: string; stack: string; follow: boolean; last?: number; thresholds: Threshold[] } | undefined;
    try {
        const { values, positionals } = parseCommandLine(argv, {
            "no-follow": { type: "boolean" },
            last: { type: "string" },
            "fail-if": { type: "string", multiple: true },
            thresholds: { type: "string" },
        });
        if (values.help) {
            io.stdout(USAGE);
            return 0;
        }
        const [command, ...extra] = positionals;
        if (!command || !(COMMANDS as readonly string[]).includes(command) || extra.length > 0 || !values.stack) {
            throw new UsageError(
                !command
                    ? "no command given"
                    : extra.length > 0
                      ? `unexpected argument "${extra[0]}"`
                      : !values.stack
                        ? `${command} needs --stack <stack>`
                        : `unknown command "${command}"`,
            );
        }
        const problem = stackNameProblem(values.stack);
        if (problem) {
            throw new UsageError(`--stack: ${problem}`);
        }
        const thresholdOptions = {
            failIf: (values["fail-if"] as string[] | undefined) ?? [],
            thresholdsFile: values.thresholds as string | undefined,
        };
        if (command !== "analyze" && (thresholdOptions.failIf.length > 0 || thresholdOptions.thresholdsFile)) {
            throw new UsageError("--fail-if and --thresholds belong to analyze (npm run local takes them too)");
        }
        parsed = {
            command,
            stack: values.stack,
            follow: !values["no-follow"],
            last: lastRuns(command, values.last as string | undefined),
            // Checked here, with every bad one named (exit 2); the stack config's thresholds come first.
            thresholds: thresholdsOf({ thresholds: [] }, thresholdOptions, settings.projectDir ?? PROJECT_DIR),
        };
    } catch (error) {
        if (error instanceof UsageError) {
            io.stderr(`ops: ${error.message}\n\n${USAGE}`);
            return 2;
        }
        throw error;
    }
    const projectDir = settings.projectDir ?? PROJECT_DIR;
    let request: ReturnType<typeof opsRequest> &
        Pick<OpsSettings, "pollSeconds" | "settleSeconds" | "httpTimeoutSeconds" | "retryTimeoutSeconds"> & { thresholds: Threshold[] };
    try {
        const stackConfig = loadStackFile(parsed.stack, projectDir);
        const leaked = plaintextSecretProblems(parsed.stack, stackConfig);
        if (leaked.length > 0) {
            throw new StackConfigError(parsed.stack, leaked);
        }
        const plan = buildScalingPlan(parsed.stack, parseStackConfig(parsed.stack, namespaceValues(stackConfig)));
        if (parsed.command === "analyze" && plan.cluster.kind === "job") {
            io.stderr(
                `ops: ${parsed.stack} runs on a job cluster (streambench:cluster.kind job): it has no analysis job. The analysis is ` +
                    `the last task of every ${plan.timelineJob.jobName} run, on that run's own job cluster, whose events it reads.`,
            );
            return 1;
        }
        if (parsed.command === "compare" && !plan.warehouseId) {
            io.stderr(
                `ops: compare reads ${plan.schemaFullName}.${DEFAULT_DASHBOARD_TABLES.results} on a SQL warehouse: set streambench:warehouseId ` +
                    `in Pulumi.${parsed.stack}.yaml (the dashboard's warehouse), or run the dashboard's "Runs compared" query in a notebook.`,
            );
            return 1;
        }
        secretHints(stackConfig, env).forEach((hint) => io.stderr(`ops: ${hint}`));
        const outputs = (settings.stackOutputs ?? (() => pulumiStackOutputs(projectDir, parsed!.stack)))() ?? {};
        request = {
            ...opsRequest(parsed.command, plan, stackConfig, outputs, parsed.follow, parsed.last),
            thresholds: [...plan.thresholds, ...parsed.thresholds],
            ...(settings.pollSeconds === undefined ? {} : { pollSeconds: settings.pollSeconds }),
            ...(settings.settleSeconds === undefined ? {} : { settleSeconds: settings.settleSeconds }),
            ...(settings.stateDir === undefined ? {} : { stateDir: settings.stateDir }),
            ...(settings.httpTimeoutSeconds === undefined ? {} : { httpTimeoutSeconds: settings.httpTimeoutSeconds }),
            ...(settings.retryTimeoutSeconds === undefined ? {} : { retryTimeoutSeconds: settings.retryTimeoutSeconds }),
        };
    } catch (error) {
        if (error instanceof StackFileError || error instanceof StackConfigError) {
            io.stderr(`ops: ${error.message}`);
            return 1;
        }
        throw error;
    }
    const python = opsPython(env);
    if (!fs.existsSync(python)) {
        io.stderr(`ops: no Python with the Databricks SDK at ${python}: run \`npm run setup\``);
        return 1;
    }
    return runPython(python, request, env, io);
}

function runPython(python: string, request: object, env: NodeJS.ProcessEnv, io: OpsIo): Promise<number> {
    return new Promise((resolve) => {
        const child = spawn(python, ["-m", "streambench.ops"], {
            env: { ...env, PYTHONPATH: path.join(PROJECT_DIR, "notebooks") },
            stdio: ["pipe", "pipe", "pipe"],
        });
        // Ctrl-C reaches the child too (same process group): it detaches from a followed run and exits.
        const forward = (stream: NodeJS.ReadableStream, write: (line: string) => void) => {
            let pending = "";
            stream.setEncoding("utf8");
            stream.on("data", (chunk: string) => {
                const lines = (pending + chunk).split("\n");
                pending = lines.pop() ?? "";
                lines.forEach(write);
            });
            stream.on("end", () => pending && write(pending));
        };
        forward(child.stdout, (line) => io.stdout(line));
        forward(child.stderr, (line) => io.stderr(line));
        child.stdin.end(JSON.stringify(request));
        child.on("close", (code) => resolve(code ?? 1));
    });
}

if (require.main === module) {
    process.on("SIGINT", () => undefined); // the Python child handles Ctrl-C; this process waits for it to exit
    main(process.argv.slice(2), process.env, { stdout: (line) => console.log(line), stderr: (line) => console.error(line) }).then((code) =>
        process.exit(code),
    );
}
