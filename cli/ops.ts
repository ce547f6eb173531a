/**
 * Ops commands for a deployed stack, on the workspace REST API:
 *
 *   npm run ops -- status  --stack prod   active runs of the stack's jobs, with the plan's streams and rows/s
 *   npm run ops -- stop    --stack prod   cancel every active run (the notebook's `finally` stops its streams) and stop
 *                                         the stack's DLT pipeline
 *   npm run ops -- analyze --stack prod   start the stack's analysis job
 *
 * Job names come from the scaling plan of `Pulumi.<stack>.yaml`, exactly as `pulumi up` names them.
 * Credentials: see credentials.ts.
 */
import * as path from "path";
import { StackConfigError, StackFileError } from "../config/error";
import { namespaceValues, parseStackConfig } from "../config/parse";
import { ScalingPlan } from "../plan/types";
import { buildScalingPlan } from "../plan/build";
import { stackNameProblem } from "../config/stackName";
import { UsageError, parseCommandLine as parseScriptArguments, textTable } from "./commandLine";
import { loadStackFile } from "../config/stackFile";
import { CredentialsError, WorkspaceCredentials, resolveCredentials } from "../workspace/credentials";
import {
    CANCEL_SETTLE_MS,
    DEFAULT_TIMEOUT_SECONDS,
    Job,
    MAX_TIMEOUT_SECONDS,
    Run,
    WorkspaceApiError,
    WorkspaceClient,
    printable,
} from "../workspace/api";

export const USAGE = `Usage: npm run ops -- <command> --stack <stack> [--timeout <seconds>]

Commands:
  status    show the active runs of the stack's benchmark jobs, with the plan's streams and rows/s
  stop      cancel every active run of the stack's benchmark jobs (streams stop with the run), stop its DLT pipeline
  analyze   start the stack's analysis job (streambench-<stack>-analysis)

Options:
  --stack, -s   the Pulumi stack (reads Pulumi.<stack>.yaml)
  --timeout     seconds to wait for each workspace request (default ${DEFAULT_TIMEOUT_SECONDS})
  --help, -h    this text

Credentials, in the Databricks provider's order: databricks:host / databricks:token in Pulumi.<stack>.yaml (for a
secret token, export DATABRICKS_TOKEN=$(pulumi config get databricks:token)), else DATABRICKS_HOST /
DATABRICKS_TOKEN, else a ~/.databrickscfg profile (DATABRICKS_CONFIG_PROFILE, or [DEFAULT]).`;

export interface OpsIo {
    stdout(line: string): void;
    stderr(line: string): void;
}

export interface OpsSettings {
    /** Where the `Pulumi.<stack>.yaml` files are; default the repository root. */
    projectDir?: string;
}

/**
 * The stack's benchmark jobs, which `status` and `stop` act on: the timeline job, the phase jobs and the DLT
 * pipeline's control job.
 */
export function stackJobNames(plan: ScalingPlan): string[] {
    return [
        plan.timelineJob.jobName,
        ...plan.phases.map((phase) => phase.jobName),
        ...(plan.pipeline ? [plan.pipeline.control.jobName] : []),
    ];
}

export function analysisJobName(plan: ScalingPlan): string {
    return plan.analysis.jobName;
}

/** A failure the user fixes (exit 1, one message). */
class OpsError extends Error {}

interface Context {
    stack: string;
    plan: ScalingPlan;
    credentials: WorkspaceCredentials;
    client: WorkspaceClient;
    io: OpsIo;
}

const COMMANDS: Record<string, (context: Context) => Promise<void>> = {
    status: showStatus,
    stop: stopActiveRuns,
    analyze: startAnalysis,
};

/** Runs one ops command; resolves to the exit code (0 ok, 1 failed, 2 wrong usage). */
export async function main(argv: string[], env: NodeJS.ProcessEnv, rawIo: OpsIo, settings: OpsSettings = {}): Promise<number> {
    let token: string | undefined;
    // Everything printed goes through here: no terminal control sequences from the server, no token in any form
    // (even where a setting holds it by mistake, e.g. DATABRICKS_HOST set to the token).
    const io: OpsIo = { stdout: (line) => rawIo.stdout(printable(line, token)), stderr: (line) => rawIo.stderr(printable(line, token)) };
    try {
        const { command, stack, timeoutSeconds } = parseCommandLine(argv);
        if (!command) {
            io.stdout(USAGE);
            return 2;
        }
        const { plan, stackConfig } = loadStack(settings.projectDir ?? path.join(__dirname, ".."), stack);
        const credentials = resolveCredentials(stack, stackConfig, env);
        token = credentials.token;
        const client = new WorkspaceClient({ host: credentials.host, token: credentials.token, timeoutSeconds });
        await COMMANDS[command]({ stack, plan, credentials, client, io });
        return 0;
    } catch (error) {
        if (error instanceof UsageError) {
            io.stderr(`ops: ${error.message}\n\n${USAGE}`);
            return 2;
        }
        const known =
            error instanceof OpsError ||
            error instanceof StackFileError ||
            error instanceof WorkspaceApiError ||
            error instanceof CredentialsError ||
            error instanceof StackConfigError;
        const message = error instanceof Error ? error.message : String(error);
        io.stderr(`ops: ${known ? "" : "unexpected error: "}${message}`);
        return 1;
    }
}

/** The command, stack and timeout; no command means: print usage (--help). */
function parseCommandLine(argv: string[]): { command?: string; stack: string; timeoutSeconds: number } {
    const { values, positionals } = parseScriptArguments(argv, { timeout: { type: "string" } });
    if (values.help) {
        return { stack: "", timeoutSeconds: DEFAULT_TIMEOUT_SECONDS };
    }
    const [command, ...extra] = positionals;
    if (!command) {
        throw new UsageError("no command given");
    }
    if (!Object.hasOwn(COMMANDS, command)) {
        throw new UsageError(`unknown command "${command}"`);
    }
    if (extra.length > 0) {
        throw new UsageError(`unexpected argument "${extra[0]}"`);
    }
    if (!values.stack) {
        throw new UsageError(`${command} needs --stack <stack>`);
    }
    const timeoutSeconds = values.timeout === undefined ? DEFAULT_TIMEOUT_SECONDS : Number(values.timeout);
    if (!(timeoutSeconds > 0 && timeoutSeconds <= MAX_TIMEOUT_SECONDS)) {
        throw new UsageError(
            `--timeout must be a number of seconds above 0 and at most ${MAX_TIMEOUT_SECONDS}, not ${JSON.stringify(values.timeout)}`,
        );
    }
    return { command, stack: stackFromArgument(values.stack), timeoutSeconds };
}

/**
 * The stack name of `--stack`: `stack`, or `org/stack` / `org/project/stack` as `pulumi stack ls` may print it (the
 * stack file is named after the last part). Anything else is refused before it reaches a path or a message.
 */
function stackFromArgument(argument: string): string {
    const parts = argument.split("/");
    const qualifierProblem = parts.length > 3 || parts.slice(0, -1).some((part) => !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(part));
    const stack = parts[parts.length - 1];
    const problem = qualifierProblem
        ? `${JSON.stringify(argument)} is not a stack, org/stack or org/project/stack`
        : stackNameProblem(stack);
    if (problem) {
        throw new UsageError(`--stack: ${problem}`);
    }
    return stack;
}

/** The stack file's config (engine form) and the scaling plan built from it, as `pulumi up` builds it. */
function loadStack(projectDir: string, stack: string): { plan: ScalingPlan; stackConfig: Record<string, string> } {
    const stackConfig = loadStackFile(stack, projectDir);
    // No workspace check: a runOnDeploy stack needs a host for `pulumi up`, but ops brings its own credentials.
    const plan = buildScalingPlan(stack, parseStackConfig(stack, namespaceValues(stackConfig)));
    return { plan, stackConfig };
}

/** Each expected job name with the jobs of that name in the workspace; fails when none of them exists. */
async function findStackJobs(context: Context, names: string[]): Promise<{ name: string; jobs: Job[] }[]> {
    const found: { name: string; jobs: Job[] }[] = [];
    for (const name of names) {
        found.push({ name, jobs: await context.client.jobsNamed(name) });
    }
    if (found.every((entry) => entry.jobs.length === 0)) {
        throw new OpsError(
            `none of the jobs of stack ${context.stack} (${names.join(", ")}) is in ${context.credentials.host} ` +
                `(host from ${context.credentials.hostSource}): deploy with \`pulumi up --stack ${context.stack}\`, or check DATABRICKS_HOST / databricks:host`,
        );
    }
    return found;
}

/** "50 × 1,000 rows/s" for a phase job, "-" for other jobs. */
function plannedLoad(plan: ScalingPlan, jobName: string): { text: string; rowsPerSecond: number } {
    const phase = plan.phases.find((candidate) => candidate.jobName === jobName);
    if (!phase) {
        return { text: "-", rowsPerSecond: 0 };
    }
    return {
        text: `${phase.streamCount} × ${formatNumber(phase.ratePerStream)} = ${formatNumber(phase.streamCount * phase.ratePerStream)}`,
        rowsPerSecond: phase.streamCount * phase.ratePerStream,
    };
}

async function showStatus(context: Context): Promise<void> {
    const { plan, client, credentials, io } = context;
    const rows = [["JOB", "JOB ID", "RUN ID", "STATE", "STARTED (UTC)", "STREAMS × ROWS/S (PLAN)", "RUN PAGE"]];
    let activeRuns = 0;
    let plannedRowsPerSecond = 0;
    for (const { name, jobs } of await findStackJobs(context, stackJobNames(plan))) {
        const load = plannedLoad(plan, name);
        if (jobs.length === 0) {
            rows.push([name, "-", "-", "not deployed", "-", load.text, "-"]);
        }
        for (const job of jobs) {
            const runs = await client.activeRuns(job.job_id);
            if (runs.length === 0) {
                rows.push([name, String(job.job_id), "-", "no active run", "-", load.text, "-"]);
            }
            for (const run of runs) {
                rows.push([
                    name,
                    String(job.job_id),
                    String(run.run_id),
                    runState(run),
                    startTime(run),
                    load.text,
                    run.run_page_url ?? "-",
                ]);
            }
            activeRuns += runs.length;
            plannedRowsPerSecond += runs.length > 0 ? load.rowsPerSecond : 0;
        }
    }
    io.stdout(`Stack ${context.stack} on ${credentials.host} (host from ${credentials.hostSource}, token from ${credentials.tokenSource})`);
    io.stdout(textTable(rows[0], rows.slice(1), { rule: false }));
    if (activeRuns === 0) {
        io.stdout("No benchmark run is active.");
    } else {
        io.stdout(
            `${activeRuns} active run${activeRuns === 1 ? "" : "s"}. Planned load of their phases: ${formatNumber(plannedRowsPerSecond)} rows/s ` +
                `(each phase inside its window). Measured rows/s: each run's output (RUN PAGE), every 30 s.`,
        );
    }
}

async function stopActiveRuns(context: Context): Promise<void> {
    const { plan, client, io } = context;
    let cancelled = 0;
    const cancelledJobIds: number[] = [];
    for (const { name, jobs } of await findStackJobs(context, stackJobNames(plan))) {
        if (jobs.length === 0) {
            io.stdout(`${name}: not deployed`);
        }
        for (const job of jobs) {
            const runs = await client.activeRuns(job.job_id);
            // Always cancel-all: a run that started after the listing is cancelled too.
            await client.cancelAllRuns(job.job_id);
            const what =
                runs.length === 0 ? "no active run" : runs.map((run) => `cancelled run ${run.run_id} (was ${runState(run)})`).join(", ");
            io.stdout(`${name} (job ${job.job_id}): ${what}`);
            cancelled += runs.length;
            cancelledJobIds.push(job.job_id);
        }
    }
    // After the control run has ended (cancel-all completes asynchronously; until then it could start another
    // update); a cancelled notebook may not reach its own stop, so the pipeline is stopped here too. Stopping an
    // idle pipeline changes nothing.
    if (plan.pipeline) {
        const busy = await client.waitUntilNoActiveRuns(cancelledJobIds, CANCEL_SETTLE_MS);
        if (busy.length > 0) {
            io.stdout(
                `Runs of job(s) ${busy.join(", ")} were still ending after ${CANCEL_SETTLE_MS / 1000} s; stopping the pipeline anyway.`,
            );
        }
        const pipelines = await client.pipelinesNamed(plan.pipeline.name);
        if (pipelines.length === 0) {
            io.stdout(`${plan.pipeline.name}: not deployed`);
        }
        for (const pipeline of pipelines) {
            await client.stopPipeline(pipeline.pipeline_id);
            io.stdout(`${plan.pipeline.name} (pipeline ${pipeline.pipeline_id}): stop requested (was ${pipeline.state ?? "UNKNOWN"})`);
        }
    }
    io.stdout(
        cancelled === 0
            ? "No active run to cancel."
            : `Cancel requested for ${cancelled} run${cancelled === 1 ? "" : "s"}; each stops its streams as it ends. ` +
                  `Check with: npm run ops -- status --stack ${context.stack}`,
    );
}

async function startAnalysis(context: Context): Promise<void> {
    const { plan, client, credentials, io, stack } = context;
    const name = analysisJobName(plan);
    const jobs = await client.jobsNamed(name);
    if (jobs.length === 0) {
        throw new OpsError(
            `stack ${stack} has no analysis job yet: no job "${name}" in ${credentials.host}; deploy it first with \`pulumi up --stack ${stack}\``,
        );
    }
    if (jobs.length > 1) {
        throw new OpsError(
            `${jobs.length} jobs are named "${name}" in ${credentials.host} (ids ${jobs.map((job) => job.job_id).join(", ")}): delete or rename the extra ones`,
        );
    }
    const [job] = jobs;
    const { run_id } = await client.runNow(job.job_id);
    io.stdout(`Started ${name} (job ${job.job_id}): run ${run_id}, ${credentials.host}/#job/${job.job_id}/run/${run_id}`);
}

function runState(run: Run): string {
    return run.state?.life_cycle_state ?? run.status?.state ?? "UNKNOWN";
}

function startTime(run: Run): string {
    return run.start_time ? new Date(run.start_time).toISOString().slice(0, 19).replace("T", " ") : "-";
}

function formatNumber(value: number): string {
    return value.toLocaleString("en-US");
}

if (require.main === module) {
    main(process.argv.slice(2), process.env, {
        stdout: (line) => process.stdout.write(`${line}\n`),
        stderr: (line) => process.stderr.write(`${line}\n`),
    }).then((code) => {
        process.exitCode = code;
    });
}
