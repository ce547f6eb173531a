import * as assert from "assert";
import { parseStackConfig } from "../../config/parse";
import { buildScalingPlan, workloadFingerprint } from "../../plan/build";
import { Evaluation, OFFLINE_VALUES, evaluateProgram, loadStackFile, ofType, runOnDeployConfig } from "../mocks";

const CLUSTER = "databricks:index/cluster:Cluster";
const JOB = "databricks:index/job:Job";
const PIPELINE = "databricks:index/pipeline:Pipeline";
const PERMISSIONS = "databricks:index/permissions:Permissions";
const TRIGGER_TIME = "{{job.trigger.time.iso_datetime}}";

/** prod on a job cluster: prod's stack file with the cluster block swapped (its autoTermination would be refused). */
function onJobCluster(stack: string, extra: Record<string, string> = {}, base = loadStackFile(stack)): Record<string, string> {
    const cluster = JSON.parse(base["streambench:cluster"]);
    delete cluster.autoterminationMinutes;
    return { ...base, "streambench:cluster": JSON.stringify({ ...cluster, kind: "job" }), ...extra };
}

function jobNamed(evaluation: Evaluation, name: string): Record<string, any> {
    const job = ofType(evaluation, JOB).find((resource) => resource.inputs.name === name);
    assert.ok(job, `no job ${name}`);
    return job.inputs;
}

const parametersOf = (job: Record<string, any>) =>
    Object.fromEntries(job.parameters.map((parameter: { name: string; default: string }) => [parameter.name, parameter.default]));

describe("cluster.kind: job", () => {
    const jobs = {} as Evaluation;
    const allPurpose = {} as Evaluation;
    before(async () => {
        Object.assign(jobs, await evaluateProgram("prod", onJobCluster("prod")));
        assert.ifError(jobs.error);
        Object.assign(allPurpose, await evaluateProgram("prod", loadStackFile("prod")));
        assert.ifError(allPurpose.error);
    });
    const timelineOf = () => jobNamed(jobs, "streambench-prod-timeline");
    const taskOf = (taskKey: string) => {
        const task = timelineOf().tasks.find((candidate: { taskKey: string }) => candidate.taskKey === taskKey);
        assert.ok(task, `no task ${taskKey}`);
        return task;
    };

    it("declares no all-purpose cluster and no job but the timeline job; the pipeline stays", () => {
        assert.deepStrictEqual(ofType(jobs, CLUSTER), []);
        assert.deepStrictEqual(
            ofType(jobs, JOB).map((job) => job.inputs.name),
            ["streambench-prod-timeline"],
        );
        assert.strictEqual(ofType(jobs, PIPELINE).length, 1);
    });

    it("runs every task on one autoscaling job cluster with the all-purpose cluster's bounds, runtime, node type, access mode and tags", () => {
        const [cluster] = ofType(allPurpose, CLUSTER).map((resource) => resource.inputs);
        const timeline = timelineOf();
        assert.deepStrictEqual(timeline.jobClusters, [
            {
                jobClusterKey: "benchmark",
                newCluster: {
                    sparkVersion: OFFLINE_VALUES.sparkVersion,
                    nodeTypeId: OFFLINE_VALUES.nodeTypeId,
                    autoscale: cluster.autoscale,
                    dataSecurityMode: cluster.dataSecurityMode,
                    customTags: cluster.customTags,
                },
            },
        ]);
        assert.deepStrictEqual(
            timeline.tasks.map((task: any) => [task.taskKey, task.jobClusterKey, task.existingClusterId, task.runJobTask]),
            ["analyze", "baseline", "dlt", "scale_3x", "scale_9x"].map((key) => [key, "benchmark", undefined, undefined]),
        );
    });

    it("carries the base schedule, one run at a time, no queue, and no job parameter (each task's own parameters would be overridden)", () => {
        const timeline = timelineOf();
        const baseline = jobNamed(allPurpose, "streambench-prod-baseline");
        assert.deepStrictEqual(timeline.schedule, baseline.schedule);
        assert.deepStrictEqual(timeline.schedule, { quartzCronExpression: "0 0 2 * * ?", timezoneId: "UTC", pauseStatus: "UNPAUSED" });
        assert.deepStrictEqual([timeline.maxConcurrentRuns, timeline.queue], [1, { enabled: false }]);
        assert.strictEqual(timeline.parameters, undefined);
        assert.strictEqual(timeline.timeoutSeconds, jobNamed(allPurpose, "streambench-prod-timeline").timeoutSeconds);
    });

    it("gives each phase task its phase job's parameters, timeout, retries and health rules, on the timeline's trigger time with its offset", () => {
        for (const [taskKey, phase, offset] of [
            ["baseline", "baseline", "0"],
            ["scale_3x", "3x", "3"],
            ["scale_9x", "9x", "6"],
        ]) {
            const phaseJob = jobNamed(allPurpose, `streambench-prod-${phase}`);
            const [phaseTask] = phaseJob.tasks;
            const task = taskOf(taskKey);
            assert.deepStrictEqual(task.notebookTask, {
                notebookPath: phaseTask.notebookTask.notebookPath,
                source: "WORKSPACE",
                baseParameters: { ...parametersOf(phaseJob), trigger_time: TRIGGER_TIME, start_offset_minutes: offset },
            });
            assert.deepStrictEqual(
                [task.timeoutSeconds, task.maxRetries, task.minRetryIntervalMillis, task.retryOnTimeout, task.health],
                [phaseTask.timeoutSeconds, phaseTask.maxRetries, phaseTask.minRetryIntervalMillis, false, phaseJob.health],
            );
            assert.strictEqual(task.dependsOns, undefined);
        }
    });

    it("runs the DLT control beside the phases with the control job's parameters (no retries), and the analysis after all of them on the cluster it runs on", () => {
        const control = jobNamed(allPurpose, "streambench-prod-dlt-control");
        const dlt = taskOf("dlt");
        const pipelineId = ofType(jobs, PIPELINE)[0].id;
        assert.deepStrictEqual(dlt.notebookTask.baseParameters, {
            ...parametersOf(control),
            pipeline_id: pipelineId,
            trigger_time: TRIGGER_TIME,
            start_offset_minutes: "0",
        });
        assert.deepStrictEqual(
            [dlt.timeoutSeconds, dlt.maxRetries, dlt.health],
            [control.tasks[0].timeoutSeconds, undefined, control.health],
        );

        const analysisJob = jobNamed(allPurpose, "streambench-prod-analysis");
        const analyze = taskOf("analyze");
        assert.deepStrictEqual(analyze.notebookTask.baseParameters, {
            ...parametersOf(analysisJob),
            // Empty: the cluster the notebook runs on, this run's job cluster; and the results say so.
            cluster_id: "",
            compute: "job cluster",
            run_start: TRIGGER_TIME,
        });
        assert.strictEqual(parametersOf(analysisJob).compute, "all-purpose cluster");
        assert.deepStrictEqual(analyze.dependsOns, [
            { taskKey: "baseline" },
            { taskKey: "dlt" },
            { taskKey: "scale_3x" },
            { taskKey: "scale_9x" },
        ]);
        assert.deepStrictEqual([analyze.runIf, analyze.timeoutSeconds], ["ALL_DONE", analysisJob.timeoutSeconds]);
    });

    it("mails failures, overlong runs and streaming backlog to the configured addresses", async () => {
        const mailed = await evaluateProgram(
            "prod",
            onJobCluster("prod", { "streambench:notificationEmails": JSON.stringify(["oncall@example.com"]) }),
        );
        assert.ifError(mailed.error);
        assert.deepStrictEqual(jobNamed(mailed, "streambench-prod-timeline").emailNotifications, {
            onFailures: ["oncall@example.com"],
            onDurationWarningThresholdExceededs: ["oncall@example.com"],
            onStreamingBacklogExceededs: ["oncall@example.com"],
        });
    });

    it("exports the timeline job, no cluster or other job, and the compute the results are labelled with", () => {
        const outputs = jobs.outputs!;
        // Values only: what the stack does not declare has no output, and no id in `benchmark`.
        for (const absent of ["clusterId", "clusterUrl", "analysisJobUrl", "pipelineControlJobUrl"]) {
            assert.strictEqual(outputs[absent], undefined, absent);
        }
        assert.deepStrictEqual(Object.keys(outputs.benchmark.ids).sort(), ["phaseJobIds", "pipelineId", "timelineJobId"]);
        assert.strictEqual(outputs.benchmark.ids.timelineJobId, outputs.timelineJobId);
        assert.deepStrictEqual(outputs.jobIds, {});
        assert.match(outputs.timelineJobUrl, /\/#job\/\d+$/);
        assert.deepStrictEqual(outputs.compute, { phases: "job cluster", pipeline: "classic pipeline" });
        assert.deepStrictEqual(allPurpose.outputs!.compute, { phases: "all-purpose cluster", pipeline: "classic pipeline" });
    });

    it("run on deploy starts the timeline job and cancels its runs (it is the only job), and stops the pipeline", async () => {
        const deployed = await evaluateProgram("prod", onJobCluster("prod", {}, runOnDeployConfig("prod")));
        assert.ifError(deployed.error);
        const [command] = ofType(deployed, "command:local:Command");
        const timelineId = ofType(deployed, JOB)[0].id;
        const environment = command.inputs.environment;
        assert.deepStrictEqual(
            [environment.STREAMBENCH_START_JOB_ID, environment.STREAMBENCH_CANCEL_JOB_IDS, environment.STREAMBENCH_STOP_PIPELINE_IDS],
            [timelineId, timelineId, ofType(deployed, PIPELINE)[0].id],
        );
    });

    it("starts a new run on deploy when the workload changes, not when the timeline job's schedule does", () => {
        const fingerprint = (raw: Record<string, unknown>) =>
            workloadFingerprint(buildScalingPlan("prod", parseStackConfig("prod", { cluster: { kind: "job" }, ...raw })), ["source"]);
        assert.strictEqual(fingerprint({ schedule: { cron: "0 0 3 * * ?" } }), fingerprint({}));
        assert.notStrictEqual(fingerprint({ baselineRate: 2000 }), fingerprint({}));
    });

    it("grants the job permissions on the timeline job only", async () => {
        const granted = await evaluateProgram(
            "prod",
            onJobCluster("prod", { "streambench:permissions": JSON.stringify({ jobViewers: ["viewers"], jobRunManagers: ["engineers"] }) }),
        );
        assert.ifError(granted.error);
        const permissions = ofType(granted, PERMISSIONS);
        assert.deepStrictEqual(
            permissions.map((resource) => [resource.inputs.jobId, resource.inputs.clusterId]),
            [[ofType(granted, JOB)[0].id, undefined]],
        );
    });

    it("refuses what only an all-purpose cluster has before declaring anything, naming the keys", async () => {
        const cases: [Record<string, string>, string[]][] = [
            [
                { "streambench:cluster": JSON.stringify({ kind: "job", autoterminationMinutes: 30 }) },
                ["streambench:cluster.autoterminationMinutes"],
            ],
            [
                {
                    "streambench:cluster": JSON.stringify({ kind: "job", autoterminationMinutes: 0 }),
                    "streambench:permissions": JSON.stringify({ clusterUsers: ["engineers"] }),
                },
                ["streambench:cluster.autoterminationMinutes", "streambench:permissions.clusterUsers"],
            ],
        ];
        for (const [extra, keys] of cases) {
            const bad = await evaluateProgram("prod", { ...loadStackFile("prod"), ...extra });
            assert.strictEqual(bad.error?.name, "StackConfigError", String(bad.error));
            for (const key of keys) {
                assert.ok(bad.error.message.includes(`${key}: `), `${key} not named in: ${bad.error.message}`);
            }
            assert.match(bad.error.message, /or set cluster\.kind to allPurpose/);
            assert.deepStrictEqual(bad.resources, []);
        }
        // An all-purpose cluster takes both, and an unset auto-termination is its default.
        const defaulted = await evaluateProgram("prod", {
            ...loadStackFile("prod"),
            "streambench:cluster": JSON.stringify({ minWorkers: 2, maxWorkers: 8 }),
        });
        assert.strictEqual(ofType(defaulted, CLUSTER)[0].inputs.autoterminationMinutes, 30);
    });
});
