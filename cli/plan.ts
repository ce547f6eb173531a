/**
 * The offline plan: `npm run plan -- --stack prod`. Needs no credentials and no Pulumi CLI. It reads
 * `Pulumi.<stack>.yaml`, evaluates the real program under mocks (the code `pulumi up` runs) and prints the
 * expected behaviour and every resource the stack declares with its key settings. Bad config prints the same
 * error as `pulumi up` and exits 1.
 */
import { parseStackConfig, namespaceValues } from "../config/parse";
import { EXECUTION_CONTEXT_LIMIT } from "../plan/settings";
import { PipelinePlan, ScalingPlan } from "../plan/types";
import { buildScalingPlan } from "../plan/build";
import { notebookTaskCount, peakStreamsOnDriver, planWarnings } from "../plan/limits";
import { stackNameProblem } from "../config/stackName";
import { UsageError, parseCommandLine, textTable } from "./commandLine";
import { readStackFileText, stackFileEngineConfig } from "../config/stackFile";
import { Declared, Evaluation, customResources, evaluateProgram } from "./offline";

export { textTable };

export function renderExpectedBehaviour(plan: ScalingPlan): string {
    const throughput = textTable(
        ["minutes", ...plan.phases.map((phase) => phase.name), "total rows/s"],
        plan.throughput.map((window) => [
            `${window.startMinute}-${window.endMinute}`,
            ...plan.phases.map((phase) => window.rowsPerSecondByPhase[phase.name]),
            window.totalRowsPerSecond,
        ]),
    );
    const onJobCluster = plan.cluster.kind === "job";
    const phases = textTable(
        ["phase", "streams x rows/s", "window (min)", "schedule (Quartz)", "timeout"],
        plan.phases.map((phase) => [
            phase.name,
            `${phase.streamCount} x ${phase.ratePerStream.toLocaleString("en-US")}`,
            `${phase.windowStartMinute}-${phase.windowEndMinute}`,
            // On a job cluster a phase is a task of the timeline job: it fires with it and waits for its window.
            onJobCluster ? `timeline's, +${phase.windowStartMinute} min` : phase.cron,
            `${phase.timeoutSeconds / 60} min`,
        ]),
    );
    return [
        `Stack ${plan.stack}${plan.testMode ? " (test mode: at most 5 streams a phase, rates / 10)" : ""}: ${plan.schemaFullName}, ` +
            `${plan.phases.reduce((sum, phase) => sum + phase.tables.length, 0)} tables, ${plan.partitions} partitions per stream`,
        `Schedule: ${plan.schedule.description}${plan.schedule.paused ? ", PAUSED" : ""}`,
        `Compute: ${computeText(plan)}`,
        "",
        "Expected throughput:",
        throughput,
        "",
        "Phases:",
        phases,
        "",
        ...(plan.pipeline
            ? [
                  `DLT pipeline: ${plan.pipeline.name}, triggered (\`pulumi up\` starts no compute), ${pipelineComputeText(plan.pipeline)}, ` +
                      `${plan.pipeline.development ? "development" : "production"} mode. ` +
                      (onJobCluster
                          ? `Its control, a task of ${plan.timelineJob.jobName} on the job cluster, `
                          : `Its control job ${plan.pipeline.control.jobName} (schedule "${plan.pipeline.control.cron}", and a task of ` +
                            `${plan.timelineJob.jobName}) `) +
                      `keeps it updating from minute 0 to ${plan.runMinutes} of each timeline, then stops it.`,
                  "",
              ]
            : []),
        `Driver: at most ${peakStreamsOnDriver(plan.phases, plan.runMinutes)} streaming queries at once; ` +
            `${notebookTaskCount(plan)} notebook tasks of the cluster's ${EXECUTION_CONTEXT_LIMIT} execution contexts.`,
        ...planWarnings(plan).map((warning) => `WARNING: ${warning}`),
    ].join("\n");
}

/** What the phases run on, in words: the all-purpose cluster with its jobs, or the timeline job's job cluster. */
export function computeText(plan: ScalingPlan): string {
    const { cluster } = plan;
    const size =
        cluster.workers !== undefined
            ? `fixed size, ${cluster.workers} workers`
            : `autoscaling ${cluster.minWorkers}-${cluster.maxWorkers} workers`;
    const bounds = `${size}, ${cluster.dataSecurityMode}`;
    return cluster.kind === "job"
        ? `one job cluster of ${plan.timelineJob.jobName} (${bounds}), started for each run and ended with it; its tasks run ` +
              `the phases, ${plan.pipeline ? "the DLT control, " : ""}the analysis, and it carries the schedule (results: "${plan.compute.phases}")`
        : `the all-purpose cluster ${cluster.clusterName} (${bounds}, auto-terminates after ${cluster.autoterminationMinutes} min), ` +
              `one job per phase on it (results: "${plan.compute.phases}")`;
}

/** A pipeline's compute in words: serverless, or its classic cluster's enhanced-autoscaling bounds. */
export function pipelineComputeText(pipeline: PipelinePlan): string {
    return pipeline.autoscale
        ? `on a classic cluster with enhanced autoscaling, ${pipeline.autoscale.minWorkers}-${pipeline.autoscale.maxWorkers} workers`
        : "serverless (Databricks sizes it, enhanced autoscaling always on)";
}

const SHORT_TYPES: Record<string, string> = {
    "databricks:index/cluster:Cluster": "cluster",
    "databricks:index/schema:Schema": "schema",
    "databricks:index/volume:Volume": "volume",
    "databricks:index/directory:Directory": "folder",
    "databricks:index/notebook:Notebook": "notebook",
    "databricks:index/workspaceFile:WorkspaceFile": "workspace file",
    "databricks:index/job:Job": "job",
    "databricks:index/permissions:Permissions": "permissions",
    "databricks:index/pipeline:Pipeline": "DLT pipeline",
    "databricks:index/dashboard:Dashboard": "dashboard",
    "command:local:Command": "command",
};

/** A declared cluster's size: its autoscale bounds, or its fixed number of workers. */
function sizeText(cluster: { autoscale?: { minWorkers?: number; maxWorkers?: number }; numWorkers?: number }): string {
    return cluster.autoscale
        ? `autoscale ${cluster.autoscale.minWorkers}-${cluster.autoscale.maxWorkers} workers`
        : `${cluster.numWorkers} workers (fixed)`;
}

/** The settings of a resource that say what it is, never a credential. */
export function keySettings(resource: Declared, jobNamesById: Map<string, string> = new Map()): string {
    const inputs = resource.inputs;
    switch (resource.type) {
        case "databricks:index/cluster:Cluster":
            return [
                inputs.clusterName,
                sizeText(inputs),
                `runtime ${inputs.sparkVersion}`,
                `node ${inputs.nodeTypeId}`,
                inputs.dataSecurityMode,
                `auto-terminate ${inputs.autoterminationMinutes} min`,
                inputs.noWait ? "up does not wait for RUNNING" : "up waits for RUNNING",
            ].join(", ");
        case "databricks:index/schema:Schema":
            return `${inputs.catalogName}.${inputs.name}${inputs.forceDestroy ? ", tables dropped on destroy" : ""}`;
        case "databricks:index/volume:Volume":
            return `${inputs.catalogName}.${inputs.schemaName}.${inputs.name}, ${inputs.volumeType}`;
        case "databricks:index/notebook:Notebook":
        case "databricks:index/workspaceFile:WorkspaceFile":
            return `${inputs.path} <- ${inputs.source}`;
        case "databricks:index/directory:Directory":
            return inputs.path;
        case "databricks:index/job:Job": {
            const tasks = (inputs.tasks ?? []).map((task: any) =>
                task.notebookTask
                    ? `${task.taskKey}: notebook ${task.notebookTask.notebookPath}${task.jobClusterKey ? ` on job cluster ${task.jobClusterKey}` : ""}`
                    : `${task.taskKey}: runs job ${jobNamesById.get(String(task.runJobTask?.jobId)) ?? "<id at deploy>"}`,
            );
            const jobClusters = (inputs.jobClusters ?? []).map(
                ({ jobClusterKey, newCluster }: any) =>
                    `job cluster ${jobClusterKey}: ${sizeText(newCluster ?? {})}, ` +
                    `runtime ${newCluster?.sparkVersion}, node ${newCluster?.nodeTypeId}, ${newCluster?.dataSecurityMode}`,
            );
            const schedule = inputs.schedule
                ? `cron "${inputs.schedule.quartzCronExpression}" ${inputs.schedule.timezoneId} ${inputs.schedule.pauseStatus}`
                : "no schedule";
            return [
                inputs.name,
                schedule,
                `max ${inputs.maxConcurrentRuns} run`,
                `timeout ${inputs.timeoutSeconds / 60} min`,
                ...jobClusters,
                ...tasks,
            ].join(", ");
        }
        case "databricks:index/pipeline:Pipeline": {
            const autoscale = inputs.clusters?.[0]?.autoscale ?? {};
            return [
                inputs.name,
                `${inputs.catalog}.${inputs.schema}`,
                inputs.continuous ? "continuous" : "triggered",
                inputs.serverless
                    ? "serverless, no cluster block"
                    : `autoscale ${autoscale.minWorkers}-${autoscale.maxWorkers} workers ${autoscale.mode}`,
                inputs.development ? "development mode" : "production mode",
                `event log ${inputs.eventLog?.name}`,
            ].join(", ");
        }
        case "command:local:Command": {
            const environment = inputs.environment?.value ?? inputs.environment ?? {};
            return `create: ${inputs.create}; delete: ${inputs.delete}; environment: ${Object.keys(environment).sort().join(", ")} (values not shown)`;
        }
        default:
            return inputs.name ?? "";
    }
}

export function renderResources(evaluation: Evaluation): string {
    const resources = customResources(evaluation);
    // The timeline job's tasks name the jobs they run by name: their ids exist only once deployed.
    const jobNamesById = new Map(
        resources
            .filter((resource) => resource.type === "databricks:index/job:Job")
            .map((resource) => [String(resource.id), String(resource.inputs.name)]),
    );
    return [
        `Resources \`pulumi up\` declares (${resources.length}):`,
        textTable(
            ["type", "name", "key settings"],
            resources.map((resource) => [SHORT_TYPES[resource.type] ?? resource.type, resource.name, keySettings(resource, jobNamesById)]),
        ),
    ].join("\n");
}

/** Builds the whole offline plan text, or the config error `pulumi up` would stop with. */
export async function offlinePlan(stack: string, config: Record<string, string>): Promise<{ text: string; ok: boolean }> {
    const evaluation = await evaluateProgram(stack, config);
    if (evaluation.error) {
        return { text: evaluation.error.message, ok: false };
    }
    const plan = buildScalingPlan(
        stack,
        parseStackConfig(stack, namespaceValues(config), { configHost: config["databricks:host"], environmentHost: "offline" }),
    );
    return { text: [renderExpectedBehaviour(plan), "", renderResources(evaluation)].join("\n"), ok: true };
}

const PLAN_USAGE = "usage: npm run plan -- --stack <stack>   (reads Pulumi.<stack>.yaml)";

export async function main(argv: string[], io: { out: (text: string) => void; err: (text: string) => void }): Promise<number> {
    let stack: string | undefined;
    try {
        stack = parseCommandLine(argv).values.stack;
    } catch (error) {
        io.err(`plan: ${(error as UsageError).message}\n${PLAN_USAGE}`);
        return 2;
    }
    if (!stack) {
        io.err(PLAN_USAGE);
        return 2;
    }
    const problem = stackNameProblem(stack);
    if (problem) {
        io.err(`plan: ${problem}\n${PLAN_USAGE}`);
        return 2;
    }
    try {
        // Every key as written: the program's parse names each problem of the file, as `pulumi up` would, in one error.
        const { text, ok } = await offlinePlan(stack, stackFileEngineConfig(readStackFileText(stack), stack));
        (ok ? io.out : io.err)(text);
        return ok ? 0 : 1;
    } catch (error) {
        io.err((error as Error).message);
        return 1;
    }
}

if (require.main === module) {
    main(process.argv.slice(2), { out: console.log, err: console.error }).then((code) => process.exit(code));
}
