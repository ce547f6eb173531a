/**
 * The commands `pulumi up` / `pulumi destroy` run for `runOnDeploy` (components/runOnDeploy/index.ts):
 *   start      run the timeline job now (STREAMBENCH_START_JOB_ID) and print the run's id and page
 *   cancel     cancel every active run of the benchmark's jobs (STREAMBENCH_CANCEL_JOB_IDS, comma-separated), then
 *              stop the DLT pipelines (STREAMBENCH_STOP_PIPELINE_IDS, comma-separated, may be empty)
 *   unchanged  nothing to do: the workload did not change, the running benchmark is left alone
 * Credentials come from DATABRICKS_HOST / DATABRICKS_TOKEN (set from the stack config by the component) or a
 * ~/.databrickscfg profile, as for the provider. Nothing here prints the token.
 */
import { CredentialsError, resolveCredentials } from "../../workspace/credentials";
import { WorkspaceApiError, WorkspaceClient, printable, CANCEL_SETTLE_MS } from "../../workspace/api";

export interface JobRunsIo {
    out: (line: string) => void;
    err: (line: string) => void;
}

function jobIds(text: string | undefined, variable: string): number[] {
    const ids = (text ?? "").split(",").filter(Boolean).map(Number);
    if (ids.length === 0 || ids.some((id) => !Number.isInteger(id) || id <= 0)) {
        throw new CredentialsError(`${variable} must hold job ids (set by the stack), got ${JSON.stringify(text ?? "")}`);
    }
    return ids;
}

function pipelineIds(text: string | undefined): string[] {
    const ids = (text ?? "").split(",").filter(Boolean);
    if (ids.some((id) => !/^[0-9a-f-]+$/i.test(id))) {
        throw new CredentialsError(`STREAMBENCH_STOP_PIPELINE_IDS must hold pipeline ids (set by the stack), got ${JSON.stringify(text)}`);
    }
    return ids;
}

/** Runs one command; returns the process exit code. */
export async function jobRuns(
    command: string | undefined,
    env: NodeJS.ProcessEnv,
    io: JobRunsIo,
    client?: WorkspaceClient,
): Promise<number> {
    if (command === "unchanged") {
        io.out("Workload unchanged: the benchmark is not started again.");
        return 0;
    }
    if (command !== "start" && command !== "cancel") {
        io.err("usage: jobRuns.ts start|cancel|unchanged");
        return 2;
    }
    let token: string | undefined;
    try {
        let workspace = client;
        if (!workspace) {
            const credentials = resolveCredentials(env.PULUMI_STACK ?? "<stack>", {}, env);
            token = credentials.token;
            workspace = new WorkspaceClient(credentials);
        }
        if (command === "start") {
            const [jobId] = jobIds(env.STREAMBENCH_START_JOB_ID, "STREAMBENCH_START_JOB_ID");
            const { run_id } = await workspace.runNow(jobId);
            io.out(`Started the timeline run ${run_id} of job ${jobId}.`);
            return 0;
        }
        // Both lists are checked before the first request, so a bad one changes nothing.
        const cancelJobIds = jobIds(env.STREAMBENCH_CANCEL_JOB_IDS, "STREAMBENCH_CANCEL_JOB_IDS");
        const stopPipelineIds = pipelineIds(env.STREAMBENCH_STOP_PIPELINE_IDS);
        for (const jobId of cancelJobIds) {
            await workspace.cancelAllRuns(jobId);
            io.out(`Cancelled the active runs of job ${jobId}.`);
        }
        // After the control run has ended, so that it cannot start another update (cancel-all completes
        // asynchronously); a cancelled notebook may not reach its own stop.
        if (stopPipelineIds.length > 0) {
            const busy = await workspace.waitUntilNoActiveRuns(cancelJobIds, CANCEL_SETTLE_MS);
            if (busy.length > 0) {
                io.err(
                    `Runs of job(s) ${busy.join(", ")} were still ending after ${CANCEL_SETTLE_MS / 1000} s; stopping the pipeline anyway.`,
                );
            }
        }
        for (const pipelineId of stopPipelineIds) {
            await workspace.stopPipeline(pipelineId);
            io.out(`Stopped the DLT pipeline ${pipelineId} (its active update, if any, is cancelled).`);
        }
        return 0;
    } catch (error) {
        if (error instanceof CredentialsError || error instanceof WorkspaceApiError) {
            io.err(printable(`streambench ${command}: ${error.message}`, token));
            return 1;
        }
        throw error;
    }
}

if (require.main === module) {
    jobRuns(process.argv[2], process.env, { out: console.log, err: console.error }).then((code) => process.exit(code));
}
