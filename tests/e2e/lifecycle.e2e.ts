/**
 * The real Pulumi engine and providers against the workspace emulator, for `dev`, `prod`, a stack with every
 * option on, a stack with a serverless DLT pipeline and one on a job cluster, all five at once in one workspace:
 *   preview -> up -> preview --expect-no-changes -> refresh --expect-no-changes -> preview --policy-pack policy -> destroy
 */
import * as assert from "assert";
import { spawn } from "child_process";
import { WorkspaceEmulator } from "../emulator/server";
import { HeldObject, RecordedRequest } from "../emulator/types";
import { CommandResult, ScratchProject, StateResource, requirePulumiCli, sentinelToken, tail } from "./harness";
import { StackFootprint, belongsTo, footprint } from "./ownership";

const WAREHOUSE_ID = "0123456789abcdef";

/** Every option on: DLT, the dashboard, permissions, notification e-mails and the run on deploy. */
const FULL_STACK_CONFIG = `config:
  streambench:testMode: true
  streambench:runOnDeploy: true
  streambench:warehouseId: "${WAREHOUSE_ID}"
  streambench:notificationEmails: ["oncall@example.com"]
  streambench:cluster:
    minWorkers: 1
    maxWorkers: 3
  streambench:dlt:
    enabled: true
  streambench:permissions:
    jobViewers: ["bench-viewers"]
    jobRunManagers: ["data-engineers"]
    clusterUsers: ["data-engineers"]
`;

/**
 * A serverless DLT pipeline (`dlt.serverless`): no cluster block, which the emulator refuses on a serverless pipeline;
 * and a custom load profile (`phases`): its phase jobs, tables and the pipeline's sources are the profile's.
 */
const SERVERLESS_STACK_CONFIG = `config:
  streambench:testMode: true
  streambench:phases:
    - { name: soak, streams: 3, rowsPerSecond: 100, startMinute: 0, endMinute: 12 }
    - { name: burst, streams: 2, rowsPerSecond: 2000, startMinute: 4, endMinute: 6 }
  streambench:cluster:
    minWorkers: 1
    maxWorkers: 2
  streambench:dlt:
    enabled: true
    serverless: true
`;

/**
 * The phases on a job cluster (`cluster.kind: job`): the timeline job alone, its tasks on one job cluster, with the
 * DLT pipeline, job permissions and the run on deploy. No all-purpose cluster exists. Its load is a staircase of
 * three steps (a task per phase, `phase_<name>`).
 */
const JOB_CLUSTER_STACK_CONFIG = `config:
  streambench:testMode: true
  streambench:staircase:
    base: { streams: 2, rowsPerSecond: 500 }
    steps: [{ streams: 1, rowsPerSecond: 1000 }, { streams: 1, rowsPerSecond: 2000 }, { streams: 1, rowsPerSecond: 4000 }]
  streambench:runOnDeploy: true
  streambench:cluster:
    kind: job
    minWorkers: 1
    maxWorkers: 3
  streambench:dlt:
    enabled: true
  streambench:permissions:
    jobViewers: ["bench-viewers"]
`;

const STEPS = [
    "preview",
    "up",
    "preview --expect-no-changes",
    "refresh --expect-no-changes",
    "preview --policy-pack policy",
    "destroy",
] as const;
type Step = (typeof STEPS)[number];

interface StackRun {
    stack: string;
    config?: string;
    project?: ScratchProject;
    steps: Partial<Record<Step, CommandResult>>;
    resourcesAfterUp: StateResource[];
    billingAfterUp?: ReturnType<WorkspaceEmulator["billing"]>;
    opsStatus?: { code: number | null; output: string };
    opsCompare?: { code: number | null; output: string };
    leftAfterDestroy: HeldObject[];
    /** The tables the stack's runs wrote into its schema, just before destroy. */
    tablesBeforeDestroy: HeldObject[];
    error?: Error;
}

/** Resolves once every stack has arrived (or given up). */
function barrier(parties: number): () => Promise<void> {
    let arrived = 0;
    let release: () => void;
    const all = new Promise<void>((resolve) => (release = resolve));
    return () => {
        arrived += 1;
        if (arrived === parties) {
            release();
        }
        return all;
    };
}

describe("real engine: stack lifecycles against the workspace emulator", function () {
    this.timeout(12 * 60_000);
    const token = sentinelToken();
    const emulatorLog: string[] = [];
    const runs: StackRun[] = [
        { stack: "dev" },
        { stack: "prod" },
        { stack: "full", config: FULL_STACK_CONFIG },
        { stack: "serverless", config: SERVERLESS_STACK_CONFIG },
        { stack: "jobs", config: JOB_CLUSTER_STACK_CONFIG },
    ].map((run) => ({
        ...run,
        steps: {},
        resourcesAfterUp: [],
        leftAfterDestroy: [],
        tablesBeforeDestroy: [],
    }));
    let emulator: WorkspaceEmulator;
    let sharedObjects: { objects: HeldObject[]; prints: StackFootprint[] } | undefined;

    before(async function () {
        requirePulumiCli();
        emulator = new WorkspaceEmulator({
            tokens: [token],
            warehouses: [WAREHOUSE_ID],
            groups: ["admins", "users", "data-engineers", "bench-viewers"],
            log: (line) => emulatorLog.push(line),
        });
        const url = await emulator.start();
        const allUp = barrier(runs.length);
        await Promise.all(runs.map((run) => lifecycle(run, url, allUp)));
    });

    after(async () => {
        runs.forEach((run) => run.project?.killAll());
        await emulator?.stop();
        if (!process.env.E2E_KEEP) {
            runs.forEach((run) => run.project?.remove());
        }
    });

    async function lifecycle(run: StackRun, url: string, allUp: () => Promise<void>): Promise<void> {
        const project = (run.project = new ScratchProject(run.stack));
        const stackArgs = ["--stack", run.stack];
        let arrived = false;
        try {
            await project.initStack(run.stack, url, token, run.config);
            // The full stack's first preview also runs the policy pack: on a first deploy every id is unknown.
            run.steps.preview = await project.pulumi([
                "preview",
                ...stackArgs,
                ...(run.stack === "full" ? ["--policy-pack", "policy"] : []),
            ]);
            run.steps.up = await project.pulumi(["up", "--yes", "--skip-preview", ...stackArgs]);
            if (run.steps.up.code === 0) {
                run.billingAfterUp = emulator.billing();
                run.resourcesAfterUp = await project.resources(run.stack);
                if (run.stack === "full") {
                    run.opsStatus = await ops(project.dir, url, ["status", "--stack", run.stack]);
                    run.opsCompare = await ops(project.dir, url, ["compare", "--stack", run.stack]);
                }
            }
            arrived = true;
            await allUp();
            if (!sharedObjects) {
                sharedObjects = {
                    objects: emulator.objects(),
                    prints: runs.map((other) => footprint(other.stack, other.resourcesAfterUp)),
                };
            }
            if (run.steps.up.code === 0) {
                run.steps["preview --expect-no-changes"] = await project.pulumi(["preview", "--expect-no-changes", "--diff", ...stackArgs]);
                run.steps["refresh --expect-no-changes"] = await project.pulumi(["refresh", "--yes", "--expect-no-changes", ...stackArgs]);
                run.steps["preview --policy-pack policy"] = await project.pulumi(["preview", "--policy-pack", "policy", ...stackArgs]);
            }
        } catch (error) {
            run.error = error as Error;
        } finally {
            if (!arrived) {
                void allUp();
            }
            const print = footprint(run.stack, run.resourcesAfterUp);
            run.tablesBeforeDestroy = emulator.objects().filter((object) => object.kind === "table" && belongsTo(object, print));
            run.steps.destroy = await project.pulumi(["destroy", "--yes", "--skip-preview", ...stackArgs]);
            run.leftAfterDestroy = emulator.objects().filter((object) => belongsTo(object, print));
        }
    }

    /** The ops CLI of the scratch copy, as a user runs it, with the workspace from the environment. */
    function ops(dir: string, url: string, args: string[]): Promise<{ code: number | null; output: string }> {
        return new Promise((resolve) => {
            const child = spawn("npx", ["--no-install", "ts-node", "--transpile-only", "cli/ops.ts", ...args], {
                cwd: dir,
                env: { ...process.env, DATABRICKS_HOST: url, DATABRICKS_TOKEN: token, DATABRICKS_CONFIG_FILE: "/nonexistent" },
            });
            let output = "";
            child.stdout.on("data", (chunk) => (output += chunk));
            child.stderr.on("data", (chunk) => (output += chunk));
            child.on("close", (code) => resolve({ code, output }));
        });
    }

    function runOf(stack: string): StackRun {
        return runs.find((run) => run.stack === stack)!;
    }

    for (const stack of runs.map((run) => run.stack)) {
        for (const step of STEPS) {
            it(`${stack}: \`pulumi ${step}\` succeeds`, () => {
                const run = runOf(stack);
                assert.ifError(run.error);
                const result = run.steps[step];
                assert.ok(result, `${step} did not run (an earlier step failed)`);
                assert.strictEqual(result.code, 0, `${result.command} exited ${result.code}:\n${tail(result.output, 60)}`);
            });
        }

        it(`${stack}: after up nothing bills but the stack's cluster, if any (no pipeline running or starting)`, () => {
            const run = runOf(stack);
            assert.ok(run.billingAfterUp, "up did not succeed");
            const print = footprint(stack, run.resourcesAfterUp);
            const clusterIds = run.resourcesAfterUp
                .filter((resource) => resource.type === "databricks:index/cluster:Cluster")
                .map((resource) => resource.id);
            // On a job cluster (cluster.kind: job) there is no all-purpose cluster: each run starts its own.
            assert.strictEqual(clusterIds.length, stack === "jobs" ? 0 : 1);
            const clusters = run.billingAfterUp.clusters.filter((cluster) => print.ids.has(cluster.clusterId));
            assert.deepStrictEqual(
                clusters.map((cluster) => cluster.clusterId),
                clusterIds,
            );
            const pipelineIds = new Set(
                run.resourcesAfterUp
                    .filter((resource) => resource.type === "databricks:index/pipeline:Pipeline")
                    .map((resource) => resource.id),
            );
            const billingPipelines = run.billingAfterUp.pipelines.filter((pipeline) => pipelineIds.has(pipeline.pipelineId));
            assert.deepStrictEqual(
                billingPipelines,
                [],
                `pipelines left running or starting by \`pulumi up\`: ${JSON.stringify(billingPipelines)}`,
            );
        });

        it(`${stack}: after destroy the workspace holds nothing of the stack`, () => {
            const run = runOf(stack);
            assert.ok(run.resourcesAfterUp.length > 0, "up did not succeed");
            assert.deepStrictEqual(run.leftAfterDestroy, []);
        });
    }

    it("five stacks up at once in one workspace share no object, and every object belongs to one of them", () => {
        assert.ok(sharedObjects && sharedObjects.objects.length > 0, "no stack came up");
        assert.ok(
            runs.every((run) => run.resourcesAfterUp.length > 0),
            "not every stack came up",
        );
        const problems = sharedObjects.objects
            .map((object) => ({
                object,
                owners: sharedObjects!.prints.filter((print) => belongsTo(object, print)).map((print) => print.stack),
            }))
            .filter((entry) => entry.owners.length !== 1)
            .map(
                (entry) =>
                    `${entry.object.kind} ${entry.object.name} (${entry.object.id}): ${entry.owners.length === 0 ? "no stack" : entry.owners.join(" and ")}`,
            );
        assert.deepStrictEqual(problems, []);
        const prints = sharedObjects.prints;
        const pairs = prints.flatMap((a, index) => prints.slice(index + 1).map((b) => [a, b] as const));
        assert.strictEqual(pairs.length, 10);
        for (const [a, b] of pairs) {
            assert.deepStrictEqual(
                [...a.ids].filter((id) => b.ids.has(id)),
                [],
                `${a.stack} and ${b.stack} share ids`,
            );
        }
    });

    it("serverless: a custom load profile deploys its own phase jobs, and the pipeline reads the profile's tables", () => {
        const resources = runOf("serverless").resourcesAfterUp;
        const jobNames = resources
            .filter((resource) => resource.type === "databricks:index/job:Job")
            .map((job) => String(job.outputs?.name))
            .sort();
        assert.deepStrictEqual(jobNames, [
            "streambench-serverless-analysis",
            "streambench-serverless-burst",
            "streambench-serverless-dlt-control",
            "streambench-serverless-soak",
            "streambench-serverless-timeline",
        ]);
        const [pipeline] = resources.filter((resource) => resource.type === "databricks:index/pipeline:Pipeline");
        const phases = JSON.parse(pipeline.outputs?.configuration?.["streambench.phases_json"] ?? "[]");
        assert.deepStrictEqual(
            phases.map((phase: any) => [phase.phase, phase.table_name_format, phase.stream_count]),
            [
                ["soak", "stream_table_soak_{number:03d}", 3],
                ["burst", "stream_table_burst_{number:03d}", 2],
            ],
        );
    });

    it("the pipelines run as their stacks declare: prod classic in production mode, full classic in development mode, serverless with no cluster block", () => {
        const declared = (stack: string) => {
            const pipelines = runOf(stack).resourcesAfterUp.filter((resource) => resource.type === "databricks:index/pipeline:Pipeline");
            assert.strictEqual(pipelines.length, 1, `${stack}: up did not leave one pipeline`);
            const outputs = pipelines[0].outputs ?? {};
            return {
                serverless: outputs.serverless ?? false,
                clusters: (outputs.clusters ?? []).map((cluster: any) => cluster.autoscale?.mode),
                development: outputs.development ?? false,
            };
        };
        assert.deepStrictEqual(declared("prod"), { serverless: false, clusters: ["ENHANCED"], development: false });
        assert.deepStrictEqual(declared("full"), { serverless: false, clusters: ["ENHANCED"], development: true });
        assert.deepStrictEqual(declared("serverless"), { serverless: true, clusters: [], development: true });
        assert.deepStrictEqual(
            runOf("dev").resourcesAfterUp.filter((resource) => resource.type === "databricks:index/pipeline:Pipeline"),
            [],
            "dev declares no pipeline (dlt.enabled is off in Pulumi.dev.yaml)",
        );
        // What the workspace was sent: the serverless create carried no clusters and a catalog.
        const creates = emulator.requests.filter(
            (request: RecordedRequest) => request.method === "POST" && request.path === "/api/2.0/pipelines",
        );
        const serverlessCreate = creates.find((request) => (request.body as any).name === "streambench-serverless-dlt");
        assert.ok(serverlessCreate, "no create of the serverless pipeline");
        assert.strictEqual(serverlessCreate.status, 200);
        assert.deepStrictEqual(
            [(serverlessCreate.body as any).serverless, (serverlessCreate.body as any).clusters, (serverlessCreate.body as any).catalog],
            [true, undefined, "main"],
        );
    });

    it("full: the run-on-deploy run started at up, and destroy cancelled the runs of every job before deleting it", () => {
        const run = runOf("full");
        const jobIds = run.resourcesAfterUp
            .filter((resource) => resource.type === "databricks:index/job:Job")
            .map((resource) => Number(resource.id));
        assert.strictEqual(jobIds.length, 6, "three phase jobs, the timeline and analysis jobs, and the DLT pipeline's control job");
        const requests = emulator.requests.filter((request: RecordedRequest) => request.status === 200);
        const timelineJobId = Number(run.resourcesAfterUp.find((resource) => resource.outputs?.name === "streambench-full-timeline")?.id);
        assert.ok(
            requests.some((request) => request.path === "/api/2.2/jobs/run-now" && (request.body as any).job_id === timelineJobId),
            "no run-now of the timeline job",
        );
        for (const jobId of jobIds) {
            const cancelled = requests.findIndex(
                (request) => request.path === "/api/2.2/jobs/runs/cancel-all" && (request.body as any).job_id === jobId,
            );
            const deleted = requests.findIndex(
                (request) => request.path === "/api/2.2/jobs/delete" && (request.body as any).job_id === jobId,
            );
            assert.ok(deleted >= 0, `job ${jobId} was not deleted`);
            assert.ok(
                cancelled >= 0 && cancelled < deleted,
                `job ${jobId}: runs cancelled at request ${cancelled}, job deleted at ${deleted}`,
            );
        }
        assert.deepStrictEqual(
            emulator.billing().activeRuns.filter((active) => jobIds.includes(active.jobId)),
            [],
        );
    });

    it("full: the state orders destroy: jobs after the schema, volume, cluster and notebooks; the run command after every job", () => {
        const resources = runOf("full").resourcesAfterUp;
        assert.ok(resources.length > 0, "up did not succeed");
        const byUrn = new Map(resources.map((resource) => [resource.urn, resource]));
        // Everything a resource waits for, directly or through what it waits for (destroy reverses this order).
        const waitsFor = (resource: StateResource, seen = new Set<string>()): Set<string> => {
            for (const urn of resource.dependencies ?? []) {
                const dependency = byUrn.get(urn);
                if (dependency && !seen.has(urn)) {
                    seen.add(urn);
                    waitsFor(dependency, seen);
                }
            }
            return seen;
        };
        const ofType = (type: string) => resources.filter((resource) => resource.type === `databricks:index/${type}`);
        const [schema] = ofType("schema:Schema");
        const [volume] = ofType("volume:Volume");
        const [cluster] = ofType("cluster:Cluster");
        const [pipeline] = ofType("pipeline:Pipeline");
        const generator = ofType("notebook:Notebook").find((notebook) => String(notebook.outputs?.path).endsWith("/generator"));
        assert.ok(
            schema && volume && cluster && pipeline && generator,
            "the full stack lacks a schema, volume, cluster, pipeline or generator notebook",
        );
        assert.ok(waitsFor(volume).has(schema.urn), "the volume does not wait for the schema");
        assert.ok(waitsFor(pipeline).has(schema.urn), "the pipeline does not wait for the schema");
        const phaseJobs = ofType("job:Job").filter((job) => /-(baseline|3x|9x)$/.test(String(job.outputs?.name)));
        assert.strictEqual(phaseJobs.length, 3);
        for (const job of phaseJobs) {
            const deps = waitsFor(job);
            for (const needed of [schema, volume, cluster, generator]) {
                assert.ok(deps.has(needed.urn), `${job.outputs?.name} does not wait for ${needed.urn}`);
            }
        }
        const [runCommand] = resources.filter((resource) => resource.type === "command:local:Command");
        assert.ok(runCommand, "no run-on-deploy command");
        for (const job of ofType("job:Job")) {
            assert.ok(waitsFor(runCommand).has(job.urn), `the run command does not wait for ${job.outputs?.name}`);
        }
    });

    it("full: the run wrote its tables into the schema, and destroy dropped the schema with them (force)", () => {
        const run = runOf("full");
        assert.ok(run.resourcesAfterUp.length > 0, "up did not succeed");
        const names = run.tablesBeforeDestroy.map((table) => table.name);
        assert.ok(names.includes("main.dlt_autoscaling_full.stream_table_001"), names.join(", "));
        assert.ok(names.includes("main.dlt_autoscaling_full.stream_table_9x_scale"), names.join(", "));
        const schemaDelete = emulator.requests.find(
            (request: RecordedRequest) =>
                request.method === "DELETE" && request.path === "/api/2.1/unity-catalog/schemas/main.dlt_autoscaling_full",
        );
        assert.strictEqual(schemaDelete?.status, 200, "the schema was not dropped");
        assert.strictEqual(schemaDelete?.query?.force, "true", "the schema was dropped without force, so its tables would stop it");
        assert.deepStrictEqual(run.leftAfterDestroy, []);
    });

    it("full: destroy deleted every job and the pipeline before the volume and the schema", () => {
        const run = runOf("full");
        assert.ok(run.resourcesAfterUp.length > 0, "up did not succeed");
        const idsOf = (type: string) =>
            new Set(
                run.resourcesAfterUp
                    .filter((resource) => resource.type === `databricks:index/${type}`)
                    .map((resource) => String(resource.id)),
            );
        const jobIds = idsOf("job:Job");
        const pipelineIds = idsOf("pipeline:Pipeline");
        const requests = emulator.requests.filter((request: RecordedRequest) => request.status === 200);
        const jobDeletes = requests.filter(
            (request) => request.path === "/api/2.2/jobs/delete" && jobIds.has(String((request.body as any).job_id)),
        );
        const pipelineDeletes = requests.filter(
            (request) => request.method === "DELETE" && [...pipelineIds].some((id) => request.path === `/api/2.0/pipelines/${id}`),
        );
        const schemaName = String(
            run.resourcesAfterUp.find((resource) => resource.type === "databricks:index/schema:Schema")?.outputs?.name,
        );
        const catalogDeletes = requests.filter(
            (request) =>
                request.method === "DELETE" && request.path.startsWith("/api/2.1/unity-catalog/") && request.path.includes(schemaName),
        );
        assert.strictEqual(jobDeletes.length, jobIds.size, "not every job was deleted");
        assert.strictEqual(pipelineDeletes.length, pipelineIds.size, "the pipeline was not deleted");
        assert.ok(
            catalogDeletes.length >= 2,
            `expected the volume and schema deletes, saw ${catalogDeletes.map((request) => request.path).join(", ")}`,
        );
        const lastWorkloadDelete = Math.max(...[...jobDeletes, ...pipelineDeletes].map((request) => request.seq));
        const firstCatalogDelete = Math.min(...catalogDeletes.map((request) => request.seq));
        assert.ok(
            lastWorkloadDelete < firstCatalogDelete,
            `a job or the pipeline was deleted (request ${lastWorkloadDelete}) after the schema or volume (request ${firstCatalogDelete})`,
        );
    });

    it("jobs: one job on its own job cluster, no cluster in the workspace; the run on deploy started it and destroy cancelled it first", () => {
        const run = runOf("jobs");
        assert.ok(run.resourcesAfterUp.length > 0, "up did not succeed");
        const jobs = run.resourcesAfterUp.filter((resource) => resource.type === "databricks:index/job:Job");
        assert.deepStrictEqual(
            jobs.map((job) => job.outputs?.name),
            ["streambench-jobs-timeline"],
        );
        assert.deepStrictEqual(
            run.resourcesAfterUp.filter((resource) => resource.type === "databricks:index/cluster:Cluster"),
            [],
        );
        const requests = emulator.requests.filter((request: RecordedRequest) => request.status === 200);
        const create = requests.find(
            (request) => request.path === "/api/2.2/jobs/create" && (request.body as any).name === "streambench-jobs-timeline",
        );
        assert.ok(create, "no create of the timeline job");
        const settings = create.body as any;
        assert.deepStrictEqual(
            settings.job_clusters.map((cluster: any) => [
                cluster.job_cluster_key,
                cluster.new_cluster.autoscale,
                cluster.new_cluster.data_security_mode,
            ]),
            [["benchmark", { min_workers: 1, max_workers: 3 }, "USER_ISOLATION"]],
        );
        assert.deepStrictEqual(
            settings.tasks.map((task: any) => [task.task_key, task.job_cluster_key, task.existing_cluster_id]),
            ["analyze", "dlt", "phase_base", "phase_step_1", "phase_step_2", "phase_step_3"].map((key) => [key, "benchmark", undefined]),
        );
        assert.strictEqual(settings.schedule.quartz_cron_expression, "0 0 2 * * ?");
        assert.ok(
            !requests.some(
                (request) => request.path === "/api/2.1/clusters/create" && /streambench-jobs/.test(JSON.stringify(request.body)),
            ),
            "a cluster was created for the jobs stack",
        );
        const jobId = Number(jobs[0].id);
        const started = requests.findIndex((request) => request.path === "/api/2.2/jobs/run-now" && (request.body as any).job_id === jobId);
        const cancelled = requests.findIndex(
            (request) => request.path === "/api/2.2/jobs/runs/cancel-all" && (request.body as any).job_id === jobId,
        );
        const deleted = requests.findIndex((request) => request.path === "/api/2.2/jobs/delete" && (request.body as any).job_id === jobId);
        assert.ok(
            started >= 0 && started < cancelled && cancelled < deleted,
            `run-now ${started}, cancel-all ${cancelled}, delete ${deleted}`,
        );
        // Its tasks wrote the staircase's tables (each task's parameters are its own), and destroy dropped them.
        assert.deepStrictEqual(run.tablesBeforeDestroy.map((table) => table.name.replace("main.dlt_autoscaling_jobs.", "")).sort(), [
            "stream_table_base_001",
            "stream_table_base_002",
            "stream_table_step_1_001",
            "stream_table_step_2_001",
            "stream_table_step_3_001",
        ]);
        assert.deepStrictEqual(run.leftAfterDestroy, []);
    });

    it("full: the ops CLI shows the run-on-deploy run against the same workspace, and compare finds no analysed run", () => {
        const status = runOf("full").opsStatus;
        assert.ok(status, "up did not succeed");
        assert.strictEqual(status.code, 0, status.output);
        assert.match(status.output, /streambench-full-timeline\s+\d+\s+\d+\s+RUNNING/);
        assert.match(status.output, /\b[1-9]\d* active runs?\b/);
        // No run has been analysed yet: benchmark_results does not exist, and compare says what writes it.
        const compare = runOf("full").opsCompare;
        assert.ok(compare, "up did not succeed");
        assert.strictEqual(compare.code, 0, compare.output);
        assert.match(compare.output, /No analysed run yet: main\.dlt_autoscaling_full\.benchmark_results does not exist/);
    });

    it("the policy pack runs, and decides every guardrail on a first deploy (no check left unknown at preview)", () => {
        for (const run of runs) {
            const result = run.steps["preview --policy-pack policy"];
            assert.ok(result, `${run.stack}: the policy preview did not run`);
            assert.match(result.output, /streambench-guardrails@v\d/, `${run.stack}: the pack did not start`);
            assert.doesNotMatch(result.output, /mandatory/i, `${run.stack}:\n${tail(result.output)}`);
        }
        const firstDeploy = runOf("full").steps.preview;
        assert.ok(firstDeploy);
        assert.match(firstDeploy.output, /streambench-guardrails@v\d/);
        assert.doesNotMatch(firstDeploy.output, /can't be known during preview|mandatory|advisory/i, tail(firstDeploy.output, 60));
    });

    it("the provider, the run command and the ops CLI call only routes the emulator knows", () => {
        assert.deepStrictEqual(emulator.unknownRoutes, []);
    });

    it("the token appears in no output, state file, stack file, PULUMI_HOME, request record or emulator log", () => {
        const leaks: string[] = [];
        for (const run of runs) {
            run.project?.transcript
                .filter((result) => result.output.includes(token))
                .forEach((result) => leaks.push(`${run.stack}: output of ${result.command}`));
            run.project?.filesContaining(token).forEach((file) => leaks.push(`${run.stack}: ${file}`));
            for (const [command, result] of [
                ["status", run.opsStatus],
                ["compare", run.opsCompare],
            ] as const) {
                if (result?.output.includes(token)) {
                    leaks.push(`${run.stack}: ops ${command} output`);
                }
            }
        }
        if (JSON.stringify(emulator.requests).includes(token)) {
            leaks.push("emulator request log");
        }
        if (emulatorLog.some((line) => line.includes(token))) {
            leaks.push("emulator log");
        }
        assert.ok(
            emulator.requests.some((request) => request.auth === "accepted"),
            "no request carried the token",
        );
        assert.deepStrictEqual(leaks, []);
    });
});
