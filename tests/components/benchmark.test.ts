import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_DIR } from "../../config/stackFile";
import { Evaluation, loadStackFile, evaluateProgram, ofType, OFFLINE_VALUES } from "../mocks";
import { CLUSTER, COMMAND, JOB, USER_HOME, evaluatedBefore, jobByPhase, ownPhaseEntry, parameters, phaseJobs } from "./stackFixtures";

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
