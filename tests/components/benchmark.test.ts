import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_DIR } from "../../config/stackFile";
import { Evaluation, OFFLINE_VALUES, loadStackFile, evaluateProgram, ofType, runOnDeployConfig } from "../mocks";
import { runPython } from "../python";

const USER_HOME = OFFLINE_VALUES.userHome;

const CLUSTER = "databricks:index/cluster:Cluster";
const JOB = "databricks:index/job:Job";
const COMMAND = "command:local:Command";

/** The three phase jobs: the jobs that run the generator. */
function phaseJobs(evaluation: Evaluation) {
    return ofType(evaluation, JOB).filter((job) => job.inputs.tasks[0].taskKey === "generate");
}

function jobByPhase(evaluation: Evaluation, phase: string) {
    const job = ofType(evaluation, JOB).find((resource) => resource.inputs.name.endsWith(`-${phase}`));
    assert.ok(job, `no job for phase ${phase}`);
    return job.inputs;
}

function parameters(job: Record<string, any>): Record<string, string> {
    return Object.fromEntries(job.parameters.map((parameter: { name: string; default: string }) => [parameter.name, parameter.default]));
}

/** A phase job's entry of its phases document: its streams and tables. */
function ownPhaseEntry(values: Record<string, string>): {
    phase: string;
    table_name_format: string;
    first_stream_id: number;
    stream_count: number;
} {
    const entry = JSON.parse(values.phases_json).find((candidate: { phase: string }) => candidate.phase === values.phase);
    assert.ok(entry, `no phases_json entry for ${values.phase}`);
    return entry;
}

/**
 * The program evaluated for a stack's own stack file once, before the tests of the block that calls this (which
 * read it only inside their tests).
 */
function evaluatedBefore(stack: string): Evaluation {
    const evaluation = {} as Evaluation;
    before(async () => {
        Object.assign(evaluation, await evaluateProgram(stack, loadStackFile(stack)));
        assert.ifError(evaluation.error);
    });
    return evaluation;
}

describe("the prod stack", () => {
    const prod = evaluatedBefore("prod");

    it("declares one autoscaling cluster with the stack's bounds that does not wait for RUNNING", () => {
        const clusters = ofType(prod, CLUSTER);
        assert.strictEqual(clusters.length, 1);
        const cluster = clusters[0].inputs;
        assert.deepStrictEqual(cluster.autoscale, { minWorkers: 2, maxWorkers: 8 });
        assert.strictEqual(cluster.noWait, true);
        assert.strictEqual(cluster.clusterName, "streambench-prod");
        assert.strictEqual(cluster.dataSecurityMode, "USER_ISOLATION");
        assert.strictEqual(cluster.autoterminationMinutes, 30);
        assert.strictEqual(cluster.sparkVersion, OFFLINE_VALUES.sparkVersion);
        assert.strictEqual(cluster.nodeTypeId, OFFLINE_VALUES.nodeTypeId);
        assert.deepStrictEqual(cluster.customTags, { project: "streambench", stack: "prod" });
    });

    it("declares the stack's schema with forceDestroy and a managed checkpoint volume in it", () => {
        const [schema] = ofType(prod, "databricks:index/schema:Schema");
        assert.deepStrictEqual(
            [schema.inputs.catalogName, schema.inputs.name, schema.inputs.forceDestroy],
            ["main", "dlt_autoscaling_prod", true],
        );
        const [volume] = ofType(prod, "databricks:index/volume:Volume");
        assert.deepStrictEqual(
            [volume.inputs.schemaName, volume.inputs.name, volume.inputs.volumeType],
            ["dlt_autoscaling_prod", "checkpoints", "MANAGED"],
        );
        assert.strictEqual(prod.outputs!.schemaFullName, "main.dlt_autoscaling_prod");
        assert.strictEqual(prod.outputs!.checkpointVolumePath, "/Volumes/main/dlt_autoscaling_prod/checkpoints");
    });

    it("uploads every module of the package the notebooks and the pipeline import, directly or through another module", () => {
        const uploaded = new Set(ofType(prod, "databricks:index/workspaceFile:WorkspaceFile").map((file) => file.inputs.source));
        const entryPoints = [
            ...ofType(prod, "databricks:index/notebook:Notebook").map((notebook) => notebook.inputs.source),
            "notebooks/pipeline.py",
        ];
        const needed = new Set<string>();
        const pending = [...entryPoints];
        while (pending.length > 0) {
            const text = fs.readFileSync(path.join(PROJECT_DIR, pending.pop()!), "utf8");
            for (const [, module] of text.matchAll(/^\s*(?:from|import)\s+(streambench(?:\.\w+)*)/gm)) {
                const parts = module.split(".");
                // A module, or a package's __init__.py, and every package on the way to it.
                const candidates = parts
                    .flatMap((_, index) => [`notebooks/${parts.slice(0, index + 1).join("/")}/__init__.py`])
                    .concat(`notebooks/${parts.join("/")}.py`);
                for (const file of candidates.filter(
                    (candidate) => fs.existsSync(path.join(PROJECT_DIR, candidate)) && !needed.has(candidate),
                )) {
                    needed.add(file);
                    pending.push(file);
                }
            }
        }
        assert.ok(
            needed.has("notebooks/streambench/stream_tables.py") && needed.has("notebooks/streambench/analysis/spark.py"),
            [...needed].join(", "),
        );
        assert.deepStrictEqual(
            [...needed].filter((module) => !uploaded.has(module)),
            [],
            "imported but not uploaded",
        );
    });

    it("leaves the local runner out of the workspace: it runs on the user's machine only", () => {
        const uploaded = ofType(prod, "databricks:index/workspaceFile:WorkspaceFile").map((file) => file.inputs.source as string);
        assert.ok(fs.existsSync(path.join(PROJECT_DIR, "notebooks/streambench/local/run.py")));
        assert.deepStrictEqual(
            uploaded.filter((source) => source.includes("/local/")),
            [],
        );
    });

    it("uploads the notebook and its module into the stack's own folder", () => {
        const [folder] = ofType(prod, "databricks:index/directory:Directory");
        assert.strictEqual(folder.inputs.path, `${USER_HOME}/streambench-prod`);
        assert.notStrictEqual(folder.inputs.deleteRecursive, true);
        const [notebook] = ofType(prod, "databricks:index/notebook:Notebook");
        assert.deepStrictEqual(
            [notebook.inputs.path, notebook.inputs.source, notebook.inputs.language, notebook.inputs.contentBase64],
            [`${USER_HOME}/streambench-prod/generator`, "notebooks/generator.py", "PYTHON", undefined],
        );
        const module = ofType(prod, "databricks:index/workspaceFile:WorkspaceFile").find(
            (file) => file.inputs.source === "notebooks/streambench/generator.py",
        )!;
        assert.strictEqual(module.inputs.path, `${USER_HOME}/streambench-prod/streambench/generator.py`);
    });

    const expectedJobs = [
        { phase: "baseline", rate: "1000", streams: "50", cron: "0 0 2 * * ?", window: "15", end: 15, first: "1" },
        { phase: "3x", rate: "3000", streams: "1", cron: "0 3 2 * * ?", window: "7", end: 10, first: "51" },
        { phase: "9x", rate: "9000", streams: "1", cron: "0 6 2 * * ?", window: "4", end: 10, first: "52" },
    ];
    for (const expected of expectedJobs) {
        it(`runs the ${expected.phase} phase: ${expected.streams} stream(s) x ${expected.rate} rows/s, cron ${expected.cron}`, () => {
            const job = jobByPhase(prod, expected.phase);
            const values = parameters(job);
            assert.deepStrictEqual(
                [
                    values.phase,
                    values.rows_per_second,
                    String(ownPhaseEntry(values).stream_count),
                    values.window_minutes,
                    String(ownPhaseEntry(values).first_stream_id),
                    values.num_partitions,
                ],
                [expected.phase, expected.rate, expected.streams, expected.window, expected.first, "8"],
            );
            assert.deepStrictEqual(job.schedule, { quartzCronExpression: expected.cron, timezoneId: "UTC", pauseStatus: "UNPAUSED" });
            assert.strictEqual(job.maxConcurrentRuns, 1);
            assert.strictEqual(job.timeoutSeconds, (expected.end + 5) * 60);
            assert.strictEqual(values.start_offset_minutes, "0");
            assert.strictEqual(job.tasks.length, 1);
            assert.strictEqual(job.tasks[0].existingClusterId, "cluster-streambench-compute-cluster");
            assert.strictEqual(job.tasks[0].notebookTask.notebookPath, `${USER_HOME}/streambench-prod/generator`);
            assert.ok(job.tasks[0].maxRetries >= 1);
            assert.strictEqual(values.trigger_time, "{{job.trigger.time.iso_datetime}}");
            assert.ok(values.checkpoint_root.endsWith(`/${expected.phase}/{{job.run_id}}`));
        });
    }

    it("declares job parameters sorted by name, as the provider keeps them", () => {
        for (const job of phaseJobs(prod)) {
            const names = job.inputs.parameters.map((parameter: { name: string }) => parameter.name);
            assert.deepStrictEqual(names, [...names].sort());
        }
    });

    it("writes 52 distinct tables with 52 distinct checkpoint paths", () => {
        const tables: string[] = prod.outputs!.tables;
        assert.strictEqual(tables.length, 52);
        assert.strictEqual(new Set(tables).size, 52);
        assert.deepStrictEqual(
            [tables[0], tables[49], tables[50], tables[51]],
            ["stream_table_001", "stream_table_050", "stream_table_3x_scale", "stream_table_9x_scale"],
        );
    });

    // The 3x stream runs from minute 3 to 10 while the 9x stream joins at 6 (DESIGN.md): 50,000 + 3,000 + 9,000.
    it("exports the expected-throughput table 50,000 / 53,000 / 62,000 / 50,000", () => {
        const table = prod.outputs!.expectedThroughput.map((row: any) => [
            row.minutes,
            row.baseline,
            row["3x"],
            row["9x"],
            row.totalRowsPerSecond,
        ]);
        assert.deepStrictEqual(table, [
            ["0-3", 50_000, 0, 0, 50_000],
            ["3-6", 50_000, 3_000, 0, 53_000],
            ["6-10", 50_000, 3_000, 9_000, 62_000],
            ["10-15", 50_000, 0, 0, 50_000],
        ]);
    });

    it("exports the cluster and job ids and URLs", () => {
        const outputs = prod.outputs!;
        assert.strictEqual(outputs.clusterId, "cluster-streambench-compute-cluster");
        assert.match(outputs.clusterUrl, /^https:\/\/.+cluster-streambench-compute-cluster/);
        assert.deepStrictEqual(Object.keys(outputs.jobIds), ["baseline", "3x", "9x"]);
        for (const phase of ["baseline", "3x", "9x"]) {
            assert.match(outputs.jobUrls[phase], new RegExp(`/#job/${outputs.jobIds[phase]}$`));
        }
    });

    it("exports `benchmark` for tools: the run spec and the id of every object, equal to the other outputs", () => {
        const { spec, ids } = prod.outputs!.benchmark;
        assert.deepStrictEqual(
            spec.load.windows.map((window: { totalRowsPerSecond: number }) => window.totalRowsPerSecond),
            [50_000, 53_000, 62_000, 50_000],
        );
        assert.strictEqual(ids.clusterId, prod.outputs!.clusterId);
        assert.strictEqual(ids.timelineJobId, prod.outputs!.timelineJobId);
        assert.deepStrictEqual(ids.phaseJobIds, prod.outputs!.jobIds);
        assert.strictEqual(prod.outputs!.analysisJobUrl.split("/").pop(), ids.analysisJobId);
        assert.strictEqual(prod.outputs!.pipelineControlJobUrl.split("/").pop(), ids.pipelineControlJobId);
        assert.match(prod.outputs!.pipelineUrl, new RegExp(`/pipelines/${ids.pipelineId}$`));
    });

    it("names every workspace object after the stack", () => {
        const jobNames = ofType(prod, JOB).map((job) => job.inputs.name);
        assert.deepStrictEqual(jobNames.sort(), [
            "streambench-prod-3x",
            "streambench-prod-9x",
            "streambench-prod-analysis",
            "streambench-prod-baseline",
            "streambench-prod-dlt-control",
            "streambench-prod-timeline",
        ]);
    });
});

describe("the timeline job", () => {
    const prod = evaluatedBefore("prod");

    it("runs the three phase jobs and the DLT pipeline's control in one run, each anchored on its own trigger time with its window's offset, then the analysis", () => {
        const timeline = ofType(prod, JOB).find((job) => job.inputs.name === "streambench-prod-timeline")!.inputs;
        const jobIdOf = (phase: string) => Number(prod.outputs!.jobIds[phase]);
        assert.deepStrictEqual(
            timeline.tasks.map((task: any) => [task.taskKey, task.runJobTask.jobId, task.runJobTask.jobParameters]),
            [
                ["analyze", Number(prod.outputs!.analysisJobUrl.split("/").pop()), { run_start: "{{job.trigger.time.iso_datetime}}" }],
                ["baseline", jobIdOf("baseline"), { trigger_time: "{{job.trigger.time.iso_datetime}}", start_offset_minutes: "0" }],
                [
                    "dlt",
                    Number(prod.outputs!.pipelineControlJobUrl.split("/").pop()),
                    { trigger_time: "{{job.trigger.time.iso_datetime}}", start_offset_minutes: "0" },
                ],
                ["scale_3x", jobIdOf("3x"), { trigger_time: "{{job.trigger.time.iso_datetime}}", start_offset_minutes: "3" }],
                ["scale_9x", jobIdOf("9x"), { trigger_time: "{{job.trigger.time.iso_datetime}}", start_offset_minutes: "6" }],
            ],
        );
        const analyze = timeline.tasks[0];
        // The analysis reads the pipeline's event log: it runs once the pipeline is stopped.
        assert.deepStrictEqual(
            [analyze.runIf, analyze.dependsOns],
            ["ALL_DONE", [{ taskKey: "baseline" }, { taskKey: "dlt" }, { taskKey: "scale_3x" }, { taskKey: "scale_9x" }]],
        );
        assert.strictEqual(timeline.maxConcurrentRuns, 1);
        assert.strictEqual(timeline.timeoutSeconds, (20 + 30) * 60);
        assert.strictEqual(timeline.schedule, undefined);
        assert.match(prod.outputs!.timelineJobUrl, new RegExp(`/#job/${prod.outputs!.timelineJobId}$`));
    });

    it("is not started by pulumi up unless runOnDeploy is set", () => {
        assert.deepStrictEqual(ofType(prod, COMMAND), []);
    });
});

describe("runOnDeploy", () => {
    const SENTINEL = "dapi-sentinel-0123456789abcdef";
    const config = runOnDeployConfig("dev", SENTINEL);

    it("starts the timeline run once the jobs exist and cancels the benchmark's runs on delete", async () => {
        const dev = await evaluateProgram("dev", config);
        assert.ifError(dev.error);
        const [run] = ofType(dev, COMMAND);
        assert.match(run.inputs.create, /-m streambench\.ops\.deploy start$/);
        assert.match(run.inputs.delete, /-m streambench\.ops\.deploy cancel$/);
        assert.match(run.inputs.update, /-m streambench\.ops\.deploy unchanged$/);
        const environment = run.inputs.environment.value;
        assert.strictEqual(environment.STREAMBENCH_START_JOB_ID, dev.outputs!.timelineJobId);
        const analysisJobId = dev.outputs!.analysisJobUrl.split("/").pop();
        assert.deepStrictEqual(
            environment.STREAMBENCH_CANCEL_JOB_IDS.split(",").sort(),
            [dev.outputs!.timelineJobId, ...Object.values(dev.outputs!.jobIds), analysisJobId].sort(),
        );
        assert.strictEqual(environment.STREAMBENCH_STOP_PIPELINE_IDS, "", "dev has no DLT pipeline to stop");
    });

    it("keeps the token secret: only inside the command's secret environment, never in outputs or other inputs", async () => {
        const dev = await evaluateProgram("dev", config);
        const [run] = ofType(dev, COMMAND);
        assert.strictEqual(
            run.inputs.environment["4dabf18193072939515e22adb298388d"],
            "1b47061264138c4ac30d75fd1eb44270",
            "environment is not a secret",
        );
        assert.strictEqual(run.inputs.environment.value.DATABRICKS_TOKEN, SENTINEL);
        const elsewhere = dev.resources.filter((resource) => resource !== run).map((resource) => resource.inputs);
        assert.ok(!JSON.stringify(elsewhere).includes(SENTINEL));
        assert.ok(!JSON.stringify(dev.outputs).includes(SENTINEL));
    });

    it("hands the command whatever the provider was given: an OAuth client id and secret (secret), a profile", async () => {
        const secret = `dose${"1f".repeat(16)}`;
        const oauth = { ...config, "databricks:clientId": "sp-1", "databricks:clientSecret": secret, "databricks:profile": "bench" };
        delete (oauth as Record<string, string>)["databricks:token"];
        const dev = await evaluateProgram("dev", oauth);
        const [run] = ofType(dev, COMMAND);
        const environment = run.inputs.environment.value;
        assert.deepStrictEqual(
            [
                environment.DATABRICKS_CLIENT_ID,
                environment.DATABRICKS_CLIENT_SECRET,
                environment.DATABRICKS_CONFIG_PROFILE,
                environment.DATABRICKS_TOKEN,
            ],
            ["sp-1", secret, "bench", undefined],
        );
        assert.ok(!JSON.stringify(dev.resources.filter((resource) => resource !== run)).includes(secret));
    });

    it("starts a new run only when the workload changes", async () => {
        const triggers = async (extra: Record<string, string>) => {
            const evaluation = await evaluateProgram("dev", { ...config, ...extra });
            return ofType(evaluation, COMMAND)[0].inputs.triggers;
        };
        const base = await triggers({});
        assert.deepStrictEqual(await triggers({}), base, "same config, same trigger");
        assert.deepStrictEqual(
            await triggers({ "streambench:schedule": JSON.stringify({ cron: "0 30 * * * ?", paused: true }) }),
            base,
            "a schedule is not the workload",
        );
        assert.notDeepStrictEqual(await triggers({ "streambench:baselineRate": "2000" }), base, "a new rate is");
    });

    it("needs a workspace host this machine can reach", async () => {
        const { ["databricks:host"]: _host, ...withoutHost } = config;
        const saved = { host: process.env.DATABRICKS_HOST, profile: process.env.DATABRICKS_CONFIG_PROFILE };
        delete process.env.DATABRICKS_HOST;
        delete process.env.DATABRICKS_CONFIG_PROFILE;
        try {
            const evaluation = await evaluateProgram("dev", withoutHost);
            assert.match(String(evaluation.error), /databricks:host: is needed when streambench:runOnDeploy is true/);
            assert.deepStrictEqual(evaluation.resources, []);
        } finally {
            Object.assign(
                process.env,
                Object.fromEntries(
                    Object.entries({ DATABRICKS_HOST: saved.host, DATABRICKS_CONFIG_PROFILE: saved.profile }).filter(
                        ([, value]) => value !== undefined,
                    ),
                ),
            );
        }
    });
});

describe("the dev stack", () => {
    const dev = evaluatedBefore("dev");

    it("runs test mode: 5 baseline streams at 100 rows/s, 3x at 300, 9x at 900", () => {
        const streamsAndRates = ["baseline", "3x", "9x"].map((phase) => {
            const values = parameters(jobByPhase(dev, phase));
            return [ownPhaseEntry(values).stream_count, values.rows_per_second];
        });
        assert.deepStrictEqual(streamsAndRates, [
            [5, "100"],
            [1, "300"],
            [1, "900"],
        ]);
        assert.deepStrictEqual(dev.outputs!.tables, [
            "stream_table_001",
            "stream_table_002",
            "stream_table_003",
            "stream_table_004",
            "stream_table_005",
            "stream_table_3x_scale",
            "stream_table_9x_scale",
        ]);
    });

    it("keeps a small cluster and paused schedules", () => {
        assert.deepStrictEqual(ofType(dev, CLUSTER)[0].inputs.autoscale, { minWorkers: 1, maxWorkers: 2 });
        for (const job of phaseJobs(dev)) {
            assert.strictEqual(job.inputs.schedule.pauseStatus, "PAUSED");
        }
    });

    it("never shares a schema, folder, cluster or job name with prod", async () => {
        const prod = await evaluateProgram("prod", loadStackFile("prod"));
        const names = (evaluation: Evaluation) =>
            evaluation.resources
                .map((resource) => resource.inputs.name ?? resource.inputs.clusterName ?? resource.inputs.path)
                .filter(Boolean);
        const shared = names(dev).filter((name) => names(prod).includes(name));
        assert.deepStrictEqual(
            shared.filter((name) => name !== "checkpoints"),
            [],
        );
    });
});

describe("a pinned runtime and node type", () => {
    it("are used as given, without a lookup", async () => {
        const evaluation = await evaluateProgram("pinned", { cluster: { sparkVersion: "15.4.x-scala2.12", nodeTypeId: "m5d.large" } });
        assert.ifError(evaluation.error);
        const cluster = ofType(evaluation, CLUSTER)[0].inputs;
        assert.deepStrictEqual([cluster.sparkVersion, cluster.nodeTypeId], ["15.4.x-scala2.12", "m5d.large"]);
        assert.ok(!evaluation.invokes.some((token) => /getSparkVersion|getNodeType/.test(token)));
    });
});

describe("permissions", () => {
    const PERMISSIONS = "databricks:index/permissions:Permissions";

    it("leaves the default ACLs alone when the config grants nothing", async () => {
        const prod = await evaluateProgram("prod", loadStackFile("prod"));
        assert.deepStrictEqual(ofType(prod, PERMISSIONS), []);
    });

    it("grants configured groups view or run access on every job and attach on the cluster", async () => {
        const prod = await evaluateProgram("prod", {
            ...loadStackFile("prod"),
            "streambench:permissions": JSON.stringify({
                jobViewers: ["analysts", "oncall"],
                jobRunManagers: ["oncall", "platform"],
                clusterUsers: ["platform"],
            }),
        });
        assert.ifError(prod.error);
        const grants = ofType(prod, PERMISSIONS);
        const jobGrants = grants.filter((grant) => grant.inputs.jobId);
        const analysisJobId = prod.outputs!.analysisJobUrl.split("/").pop();
        const controlJobId = prod.outputs!.pipelineControlJobUrl.split("/").pop();
        assert.deepStrictEqual(
            jobGrants.map((grant) => grant.inputs.jobId).sort(),
            [...Object.values(prod.outputs!.jobIds), prod.outputs!.timelineJobId, analysisJobId, controlJobId].sort(),
        );
        for (const grant of jobGrants) {
            assert.deepStrictEqual(grant.inputs.accessControls, [
                { groupName: "analysts", permissionLevel: "CAN_VIEW" },
                { groupName: "oncall", permissionLevel: "CAN_MANAGE_RUN" },
                { groupName: "platform", permissionLevel: "CAN_MANAGE_RUN" },
            ]);
        }
        const clusterGrant = grants.find((grant) => grant.inputs.clusterId);
        assert.deepStrictEqual(clusterGrant?.inputs, {
            clusterId: prod.outputs!.clusterId,
            accessControls: [{ groupName: "platform", permissionLevel: "CAN_ATTACH_TO" }],
        });
    });
});

describe("idempotence", () => {
    it("declares identical inputs when the same config is evaluated twice (no clock, no randomness)", async () => {
        const config = runOnDeployConfig("prod");
        const first = await evaluateProgram("prod", config);
        const second = await evaluateProgram("prod", config);
        assert.ifError(first.error);
        assert.deepStrictEqual(second.resources, first.resources);
    });
});

describe("health rules and notifications", () => {
    it("warns when a phase runs a minute past its window or its streams fall behind, and mails the configured addresses", async () => {
        const prod = await evaluateProgram("prod", {
            ...loadStackFile("prod"),
            "streambench:notificationEmails": JSON.stringify(["oncall@example.com"]),
        });
        assert.ifError(prod.error);
        const nineX = phaseJobs(prod).find((job) => job.inputs.name === "streambench-prod-9x")!.inputs;
        assert.deepStrictEqual(nineX.health.rules, [
            { metric: "RUN_DURATION_SECONDS", op: "GREATER_THAN", value: 11 * 60 },
            { metric: "STREAMING_BACKLOG_SECONDS", op: "GREATER_THAN", value: 60 },
        ]);
        assert.deepStrictEqual(nineX.emailNotifications, {
            onFailures: ["oncall@example.com"],
            onDurationWarningThresholdExceededs: ["oncall@example.com"],
            onStreamingBacklogExceededs: ["oncall@example.com"],
        });
        const timeline = ofType(prod, JOB).find((job) => job.inputs.name === "streambench-prod-timeline")!.inputs;
        // A 50-minute timeout (15-minute run + 5 grace + 30 for the analysis): the warning comes 4 minutes before it.
        assert.deepStrictEqual(timeline.health.rules, [{ metric: "RUN_DURATION_SECONDS", op: "GREATER_THAN", value: 46 * 60 }]);
        assert.deepStrictEqual(timeline.emailNotifications.onFailures, ["oncall@example.com"]);
    });

    it("sends no mail when no address is configured, and refuses a malformed one", async () => {
        const prod = await evaluateProgram("prod", loadStackFile("prod"));
        assert.ok(ofType(prod, JOB).every((job) => job.inputs.emailNotifications === undefined));
        const bad = await evaluateProgram("prod", {
            ...loadStackFile("prod"),
            "streambench:notificationEmails": JSON.stringify(["oncall"]),
        });
        assert.match(String(bad.error), /streambench:notificationEmails\[0\]: must be an email address/);
    });
});

describe("the analysis job", () => {
    it("analyses a run on the benchmark cluster with the plan's windows and table naming", async () => {
        const prod = await evaluateProgram("prod", loadStackFile("prod"));
        const job = ofType(prod, JOB).find((candidate) => candidate.inputs.name === "streambench-prod-analysis")!.inputs;
        const values = parameters(job);
        // Exactly the notebook's parameters, in the order the provider keeps them (by name).
        const notebookNames = runPython<string[]>(
            "import json\nfrom streambench.analysis.params import ANALYSIS_PARAMETER_NAMES\nprint(json.dumps(list(ANALYSIS_PARAMETER_NAMES)))",
            {},
        );
        assert.deepStrictEqual(Object.keys(values), [...notebookNames].sort());
        assert.strictEqual(values.pipeline_event_log_table, "dlt_event_log"); // prod has the DLT pipeline
        // Every result row is labelled with what it ran on: prod's phases on the all-purpose cluster, its pipeline classic.
        assert.deepStrictEqual([values.compute, values.pipeline_compute], ["all-purpose cluster", "classic pipeline"]);
        assert.strictEqual(values.cluster_id, prod.outputs!.clusterId);
        assert.deepStrictEqual(
            [values.catalog, values.schema, values.metrics_table, values.cluster_events_table, values.results_table],
            ["main", "dlt_autoscaling_prod", "stream_metrics", "cluster_events", "benchmark_results"],
        );
        assert.deepStrictEqual(
            JSON.parse(values.windows_json).map((window: any) => window.totalRowsPerSecond),
            [50_000, 53_000, 62_000, 50_000],
        );
        assert.deepStrictEqual(JSON.parse(values.phases_json)[0], {
            phase: "baseline",
            table_name_format: "stream_table_{stream_id:03d}",
            first_stream_id: 1,
            stream_count: 50,
        });
        assert.strictEqual(job.tasks[0].existingClusterId, prod.outputs!.clusterId);
        assert.strictEqual(job.tasks[0].notebookTask.notebookPath, `${USER_HOME}/streambench-prod/analysis`);
        assert.match(prod.outputs!.analysisJobUrl, /\/#job\/\d+$/);
    });
});

describe("the dashboard", () => {
    const DASHBOARD = "databricks:index/dashboard:Dashboard";

    it("is declared on the configured SQL warehouse in the stack's folder, with its URL as an output", async () => {
        const prod = await evaluateProgram("prod", { ...loadStackFile("prod"), "streambench:warehouseId": "0123456789abcdef" });
        assert.ifError(prod.error);
        const [dashboard] = ofType(prod, DASHBOARD);
        assert.deepStrictEqual(
            [dashboard.inputs.warehouseId, dashboard.inputs.parentPath, dashboard.inputs.displayName],
            ["0123456789abcdef", `${USER_HOME}/streambench-prod`, "streambench-prod scaling"],
        );
        const definition = JSON.parse(dashboard.inputs.serializedDashboard);
        const queries = definition.datasets.map((dataset: any) => dataset.queryLines.join(""));
        const named = new Set(
            queries.flatMap((query: string) => [...query.matchAll(/`main`\.`dlt_autoscaling_prod`\.`(\w+)`/g)].map((match) => match[1])),
        );
        assert.deepStrictEqual([...named].sort(), ["benchmark_results", "cluster_events", "dlt_event_log", "stream_metrics"]);
        assert.match(prod.outputs!.dashboardUrl, /\/sql\/dashboardsv3\/dashboard-/);
    });

    it("is skipped, and only it, when no warehouse is configured", async () => {
        const prod = await evaluateProgram("prod", loadStackFile("prod"));
        assert.deepStrictEqual(ofType(prod, DASHBOARD), []);
        assert.strictEqual(prod.outputs!.dashboardUrl, undefined);
        assert.strictEqual(prod.outputs!.benchmark.ids.dashboardId, undefined);
        assert.strictEqual(ofType(prod, JOB).length, 6);
    });

    it("refuses a warehouse id that is not one", async () => {
        const bad = await evaluateProgram("prod", { ...loadStackFile("prod"), "streambench:warehouseId": "my-warehouse" });
        assert.match(String(bad.error), /streambench:warehouseId: must be a SQL warehouse id/);
    });
});

describe("the DLT pipeline", () => {
    const PIPELINE = "databricks:index/pipeline:Pipeline";

    it("streams prod's 52 tables on a triggered pipeline with enhanced autoscaling, in the stack's schema", async () => {
        const prod = await evaluateProgram("prod", loadStackFile("prod"));
        assert.ifError(prod.error);
        const [pipeline] = ofType(prod, PIPELINE);
        const inputs = pipeline.inputs;
        // Never continuous: a continuous pipeline starts on create, and the provider waits for RUNNING after every
        // create and update. A triggered one is created idle; only a timeline's control job runs it.
        assert.deepStrictEqual(
            [inputs.name, inputs.catalog, inputs.schema, inputs.continuous, inputs.development],
            ["streambench-prod-dlt", "main", "dlt_autoscaling_prod", false, false],
        );
        assert.deepStrictEqual(inputs.clusters[0].autoscale, { minWorkers: 1, maxWorkers: 5, mode: "ENHANCED" });
        assert.strictEqual(inputs.clusters[0].label, "default");
        assert.deepStrictEqual(inputs.libraries, [{ file: { path: `${USER_HOME}/streambench-prod/pipeline.py` } }]);
        assert.strictEqual(inputs.rootPath, `${USER_HOME}/streambench-prod`);
        assert.deepStrictEqual(inputs.configuration, {
            "pipelines.clusterShutdown.delay": "60s",
            "streambench.source_catalog": "main",
            "streambench.source_schema": "dlt_autoscaling_prod",
            "streambench.phases_json": JSON.stringify([
                { phase: "baseline", table_name_format: "stream_table_{stream_id:03d}", first_stream_id: 1, stream_count: 50 },
                { phase: "3x", table_name_format: "stream_table_3x_scale", first_stream_id: 51, stream_count: 1 },
                { phase: "9x", table_name_format: "stream_table_9x_scale", first_stream_id: 52, stream_count: 1 },
            ]),
        });
        assert.deepStrictEqual(inputs.eventLog, { catalog: "main", schema: "dlt_autoscaling_prod", name: "dlt_event_log" });
        const files = ofType(prod, "databricks:index/workspaceFile:WorkspaceFile").map((file) => file.inputs.path);
        assert.ok(files.includes(`${USER_HOME}/streambench-prod/streambench/pipeline.py`));
        assert.ok(files.includes(`${USER_HOME}/streambench-prod/pipeline.py`));
        assert.match(prod.outputs!.pipelineUrl, /\/pipelines\//);
    });

    it("is run through each scheduled timeline by a control job on the cluster, from the timeline's first minute to its end", async () => {
        const prod = await evaluateProgram("prod", loadStackFile("prod"));
        const control = ofType(prod, JOB).find((job) => job.inputs.name === "streambench-prod-dlt-control")!;
        const values = parameters(control.inputs);
        assert.strictEqual(values.pipeline_id, "pipeline-streambench-dlt-pipeline");
        assert.deepStrictEqual(
            [values.trigger_time, values.start_offset_minutes, values.window_minutes],
            ["{{job.trigger.time.iso_datetime}}", "0", "15"],
        );
        assert.deepStrictEqual(
            JSON.parse(values.phases_json).map((phase: any) => phase.table_name_format),
            ["stream_table_{stream_id:03d}", "stream_table_3x_scale", "stream_table_9x_scale"],
        );
        // Scheduled with the baseline phase, on the same cluster, one run at a time, stopped within its grace.
        const baseline = jobByPhase(prod, "baseline");
        assert.deepStrictEqual(control.inputs.schedule, baseline.schedule);
        assert.deepStrictEqual([control.inputs.maxConcurrentRuns, control.inputs.timeoutSeconds], [1, 20 * 60]);
        assert.deepStrictEqual(
            control.inputs.tasks.map((task: any) => [
                task.taskKey,
                task.existingClusterId,
                task.notebookTask.notebookPath,
                task.maxRetries,
            ]),
            [["control", prod.outputs!.clusterId, `${USER_HOME}/streambench-prod/pipeline_control`, undefined]],
        );
        const names = control.inputs.parameters.map((parameter: { name: string }) => parameter.name);
        assert.deepStrictEqual(names, [...names].sort());
        // A healthy run lasts the 15-minute timeline plus up to 3 minutes waiting for the pipeline to stop: the
        // duration alert comes a minute after that, still inside the 20-minute timeout.
        assert.deepStrictEqual(control.inputs.health.rules, [
            { metric: "RUN_DURATION_SECONDS", op: "GREATER_THAN", value: (15 + 3 + 1) * 60 },
        ]);
    });

    // That the stop comes before the pipeline's delete is the real engine's order: tests/e2e/pipelineLifecycle.e2e.ts.
    it("is stopped by the run-on-deploy command's delete, with its control runs cancelled", async () => {
        const prod = await evaluateProgram("prod", runOnDeployConfig("prod"));
        const [run] = ofType(prod, COMMAND);
        const environment = run.inputs.environment.value ?? run.inputs.environment;
        assert.strictEqual(environment.STREAMBENCH_STOP_PIPELINE_IDS, "pipeline-streambench-dlt-pipeline");
        assert.ok(environment.STREAMBENCH_CANCEL_JOB_IDS.split(",").includes(prod.outputs!.pipelineControlJobUrl.split("/").pop()));
    });

    it("is not declared, nor its source and control notebook uploaded, when disabled (dev)", async () => {
        const dev = await evaluateProgram("dev", loadStackFile("dev"));
        assert.deepStrictEqual(ofType(dev, PIPELINE), []);
        assert.ok(
            !ofType(dev, "databricks:index/workspaceFile:WorkspaceFile").some((file) => file.inputs.source === "notebooks/pipeline.py"),
        );
        assert.ok(!ofType(dev, "databricks:index/notebook:Notebook").some((notebook) => /pipeline/.test(notebook.inputs.path)));
        assert.strictEqual(dev.outputs!.pipelineUrl, undefined);
        assert.strictEqual(dev.outputs!.pipelineCompute, undefined);
        assert.strictEqual(dev.outputs!.benchmark.ids.pipelineId, undefined);
        assert.ok(!ofType(dev, JOB).some((job) => /dlt/.test(job.inputs.name)));
        assert.ok(
            !ofType(dev, JOB)
                .find((job) => job.inputs.name === "streambench-dev-timeline")!
                .inputs.tasks.some((task: any) => task.taskKey === "dlt"),
        );
        const analysis = ofType(dev, JOB).find((job) => job.inputs.name === "streambench-dev-analysis")!.inputs;
        assert.strictEqual(parameters(analysis).pipeline_event_log_table, "");
        assert.strictEqual(parameters(analysis).pipeline_compute, "");
    });

    it("refuses bounds the autoscaler would reject: max below min, and max equal to min", async () => {
        for (const [minWorkers, maxWorkers] of [
            [4, 2],
            [3, 3],
        ]) {
            const bad = await evaluateProgram("prod", {
                ...loadStackFile("prod"),
                "streambench:dlt": JSON.stringify({ enabled: true, minWorkers, maxWorkers }),
            });
            assert.match(String(bad.error), /streambench:dlt\.maxWorkers: \d+ must be greater than dlt\.minWorkers/);
            assert.deepStrictEqual(bad.resources, []);
        }
    });

    const withPipeline = (stack: string, dlt: Record<string, unknown>) =>
        evaluateProgram(stack, { ...loadStackFile(stack), "streambench:dlt": JSON.stringify({ enabled: true, ...dlt }) });

    it("runs in development mode on the dev stack (test mode) and in production mode on prod, unless dlt.development says otherwise", async () => {
        const cases: [string, Record<string, unknown>, boolean][] = [
            ["dev", {}, true],
            ["prod", { minWorkers: 1, maxWorkers: 5 }, false],
            ["dev", { development: false }, false],
            ["prod", { development: true }, true],
        ];
        for (const [stack, dlt, development] of cases) {
            const evaluation = await withPipeline(stack, dlt);
            assert.ifError(evaluation.error);
            const [pipeline] = ofType(evaluation, PIPELINE);
            assert.strictEqual(pipeline.inputs.development, development, `${stack} ${JSON.stringify(dlt)}`);
            assert.strictEqual(evaluation.outputs!.pipelineCompute.mode, development ? "development" : "production");
        }
        // Prod as committed: production mode (dev declares no pipeline; see "is not declared ... when disabled").
        const prod = await evaluateProgram("prod", loadStackFile("prod"));
        assert.strictEqual(ofType(prod, PIPELINE)[0].inputs.development, false);
    });

    it("runs serverless with dlt.serverless: no cluster block, no cluster shutdown delay, the rest as a classic pipeline", async () => {
        const classic = await evaluateProgram("prod", loadStackFile("prod"));
        const serverless = await withPipeline("prod", { serverless: true });
        assert.ifError(serverless.error);
        const [classicInputs, serverlessInputs] = [classic, serverless].map((evaluation) => ofType(evaluation, PIPELINE)[0].inputs);
        assert.strictEqual(serverlessInputs.serverless, true);
        assert.strictEqual(serverlessInputs.clusters, undefined);
        assert.ok(!("pipelines.clusterShutdown.delay" in serverlessInputs.configuration), JSON.stringify(serverlessInputs.configuration));
        // A classic pipeline declares no serverless key at all: a stack deployed before the option shows no diff.
        assert.ok(!("serverless" in classicInputs), JSON.stringify(Object.keys(classicInputs)));
        const { serverless: _serverless, configuration: serverlessConf, ...serverlessRest } = serverlessInputs;
        const { clusters: _clusters, configuration: classicConf, ...classicRest } = classicInputs;
        assert.deepStrictEqual(serverlessRest, classicRest);
        const { "pipelines.clusterShutdown.delay": _delay, ...classicSources } = classicConf;
        assert.deepStrictEqual(serverlessConf, classicSources);
        // The control job, the timeline's dlt task and the analysis still run on the stack's cluster.
        assert.ok(ofType(serverless, JOB).some((job) => job.inputs.name === "streambench-prod-dlt-control"));
        // Databricks sizes a serverless pipeline: it has no autoscale bounds to export.
        assert.deepStrictEqual(serverless.outputs!.pipelineCompute, { serverless: true, mode: "production" });
        assert.deepStrictEqual(classic.outputs!.pipelineCompute, {
            serverless: false,
            autoscale: { minWorkers: 1, maxWorkers: 5 },
            mode: "production",
        });
    });

    it("refuses serverless with worker bounds or without a pipeline before declaring anything, naming the keys", async () => {
        const cases: [Record<string, unknown>, string[]][] = [
            [
                { enabled: true, serverless: true, minWorkers: 1, maxWorkers: 5 },
                ["streambench:dlt.minWorkers", "streambench:dlt.maxWorkers"],
            ],
            [{ enabled: false, serverless: true }, ["streambench:dlt.serverless"]],
        ];
        for (const [dlt, keys] of cases) {
            const bad = await evaluateProgram("prod", { ...loadStackFile("prod"), "streambench:dlt": JSON.stringify(dlt) });
            assert.strictEqual(bad.error?.name, "StackConfigError", String(bad.error));
            for (const key of keys) {
                assert.ok(bad.error.message.includes(`${key}: `), `${key} not named in: ${bad.error.message}`);
            }
            assert.deepStrictEqual(bad.resources, []);
        }
    });
});

describe("warnings pulumi up shows", () => {
    it("says the dashboard is skipped without a warehouse, and nothing with one", async () => {
        const without = await evaluateProgram("prod", loadStackFile("prod"));
        assert.strictEqual(without.warnings.length, 1, JSON.stringify(without.warnings));
        assert.match(without.warnings[0], /No dashboard: streambench:warehouseId is not set/);
        const withWarehouse = await evaluateProgram("prod", { ...loadStackFile("prod"), "streambench:warehouseId": "0123456789abcdef" });
        assert.deepStrictEqual(withWarehouse.warnings, []);
    });

    it("warns about the driver at 500 streams", async () => {
        const wide = await evaluateProgram("prod", {
            ...loadStackFile("prod"),
            "streambench:baselineStreams": "500",
            "streambench:warehouseId": "0123456789abcdef",
        });
        assert.ok(
            wide.warnings.some((warning) => /\b502 streaming queries run at once on one driver/.test(warning)),
            JSON.stringify(wide.warnings),
        );
    });
});
