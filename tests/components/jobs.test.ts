import * as assert from "assert";
import { loadStackFile, evaluateProgram, ofType, runOnDeployConfig } from "../mocks";
import { runPython } from "../python";
import { JOB, USER_HOME, parameters, phaseJobs } from "./stackFixtures";

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

describe("idempotence", () => {
    it("declares identical inputs when the same config is evaluated twice (no clock, no randomness)", async () => {
        const config = runOnDeployConfig("prod");
        const first = await evaluateProgram("prod", config);
        const second = await evaluateProgram("prod", config);
        assert.ifError(first.error);
        assert.deepStrictEqual(second.resources, first.resources);
    });
});
