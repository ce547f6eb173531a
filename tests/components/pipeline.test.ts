import * as assert from "assert";
import { loadStackFile, evaluateProgram, ofType, runOnDeployConfig } from "../mocks";
import { COMMAND, JOB, USER_HOME, jobByPhase, parameters } from "./stackFixtures";

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
