import * as assert from "assert";
import { DEFAULT_SETTINGS, GUARDRAILS, violations } from "../../policy/guardrails";
import { UNKNOWN, knownInputs } from "../../policy/known";
// The proxy and sentinels the policy SDK wraps resource inputs in at preview (internal to @pulumi/policy, untyped).
const { unknownArrayValue, unknownCheckingProxy, unknownNumberValue, unknownStringValue } = require("@pulumi/policy/proxy") as {
    unknownArrayValue: string;
    unknownNumberValue: string;
    unknownStringValue: string;
    unknownCheckingProxy: <T>(inputs: T) => T;
};
import { customResources, evaluateProgram, runOnDeployConfig } from "../mocks";

describe("policy pack guardrails", () => {
    const stacks: [string, Record<string, string>][] = [
        ["dev", {}],
        ["prod", {}],
        ["prod", { "streambench:dlt": JSON.stringify({ enabled: true, serverless: true }) }],
        ["prod", { "streambench:cluster": JSON.stringify({ kind: "job", minWorkers: 2, maxWorkers: 8 }) }],
        ["prod", { "streambench:cluster": JSON.stringify({ workers: 4 }) }],
        ["prod", { "streambench:cluster": JSON.stringify({ kind: "job", workers: 4 }) }],
    ];
    for (const [stack, extra] of stacks) {
        const variant = extra["streambench:dlt"]
            ? " with a serverless pipeline"
            : extra["streambench:cluster"]
              ? ` on ${extra["streambench:cluster"].includes("job") ? "a job cluster" : "an all-purpose cluster"}${extra["streambench:cluster"].includes('workers":4') ? " of a fixed size" : ""}`
              : "";
        it(`holds for everything the ${stack} stack declares${variant}`, async () => {
            const evaluation = await evaluateProgram(stack, { ...runOnDeployConfig(stack), ...extra });
            assert.ifError(evaluation.error);
            const found = customResources(evaluation).flatMap((resource) =>
                violations(resource.type, resource.inputs).map((problem) => `${resource.name}: ${problem}`),
            );
            assert.deepStrictEqual(found, []);
        });
    }

    const cluster = { autoscale: { minWorkers: 2, maxWorkers: 8 }, noWait: true, dataSecurityMode: "USER_ISOLATION" };
    const classicPipeline = {
        catalog: "main",
        continuous: false,
        clusters: [{ label: "default", autoscale: { minWorkers: 1, maxWorkers: 4, mode: "ENHANCED" } }],
    };
    const serverlessPipeline = { catalog: "main", continuous: false, serverless: true };
    const job = { maxConcurrentRuns: 1, timeoutSeconds: 600, tasks: [{ taskKey: "a" }, { taskKey: "b" }], parameters: [] };
    const token = `dapi${"0123456789abcdef".repeat(2)}`;
    const newCluster = {
        autoscale: { minWorkers: 2, maxWorkers: 8 },
        dataSecurityMode: "USER_ISOLATION",
        sparkVersion: "16.4.x-scala2.12",
    };
    const jobClusterJob = {
        ...job,
        jobClusters: [{ jobClusterKey: "benchmark", newCluster }],
        tasks: [
            { taskKey: "a", jobClusterKey: "benchmark" },
            { taskKey: "b", jobClusterKey: "benchmark" },
        ],
    };
    const withNewCluster = (changes: Record<string, unknown>) => ({
        ...jobClusterJob,
        jobClusters: [{ jobClusterKey: "benchmark", newCluster: { ...newCluster, ...changes } }],
    });
    const broken: [string, string, Record<string, any>, RegExp][] = [
        [
            "cluster-autoscale-bounds",
            "databricks:index/cluster:Cluster",
            { ...cluster, autoscale: { minWorkers: 4, maxWorkers: 4 } },
            /must be greater than minWorkers/,
        ],
        [
            "cluster-autoscale-bounds",
            "databricks:index/cluster:Cluster",
            { ...cluster, autoscale: { minWorkers: 2, maxWorkers: 65 } },
            /above the cap of 64/,
        ],
        [
            "cluster-autoscale-bounds",
            "databricks:index/cluster:Cluster",
            { ...cluster, numWorkers: 4 },
            /sets numWorkers \(4\) beside autoscale/,
        ],
        ["cluster-autoscale-bounds", "databricks:index/cluster:Cluster", { ...cluster, autoscale: undefined }, /has no size/],
        [
            "cluster-autoscale-bounds",
            "databricks:index/cluster:Cluster",
            { ...cluster, autoscale: undefined, numWorkers: 65 },
            /numWorkers \(65\) is above the cap of 64/,
        ],
        [
            "pipeline-autoscale-bounds",
            "databricks:index/pipeline:Pipeline",
            { clusters: [{ label: "default", autoscale: { minWorkers: 3, maxWorkers: 3, mode: "ENHANCED" } }] },
            /clusters\[0\]\.autoscale\.maxWorkers \(3\) must be greater than minWorkers \(3\)/,
        ],
        [
            "pipeline-autoscale-bounds",
            "databricks:index/pipeline:Pipeline",
            { clusters: [{ label: "default", autoscale: { minWorkers: 1, maxWorkers: 65, mode: "ENHANCED" } }] },
            /clusters\[0\]\.autoscale\.maxWorkers \(65\) is above the cap of 64/,
        ],
        [
            "pipeline-autoscale-bounds",
            "databricks:index/pipeline:Pipeline",
            { clusters: [{ label: "default", autoscale: { minWorkers: UNKNOWN, maxWorkers: 4, mode: "ENHANCED" } }] },
            /clusters\[0\]\.autoscale\.minWorkers is not known at preview/,
        ],
        ["cluster-does-not-block-up", "databricks:index/cluster:Cluster", { ...cluster, noWait: false }, /noWait: true/],
        [
            "cluster-unity-catalog-access-mode",
            "databricks:index/cluster:Cluster",
            { ...cluster, dataSecurityMode: "NONE" },
            /not a Unity Catalog access mode/,
        ],
        [
            "cluster-no-init-scripts-or-credentials",
            "databricks:index/cluster:Cluster",
            { ...cluster, initScripts: [{ dbfs: { destination: "dbfs:/x.sh" } }] },
            /init scripts/,
        ],
        [
            "cluster-no-init-scripts-or-credentials",
            "databricks:index/cluster:Cluster",
            { ...cluster, sparkEnvVars: { DATABRICKS_TOKEN: token } },
            /hold a Databricks token/,
        ],
        [
            "pipeline-enhanced-autoscaling",
            "databricks:index/pipeline:Pipeline",
            { ...serverlessPipeline, clusters: [{ label: "default", numWorkers: 2 }] },
            /serverless pipeline takes no clusters block/,
        ],
        [
            "pipeline-enhanced-autoscaling",
            "databricks:index/pipeline:Pipeline",
            { ...serverlessPipeline, catalog: undefined },
            /needs a Unity Catalog catalog/,
        ],
        [
            "pipeline-enhanced-autoscaling",
            "databricks:index/pipeline:Pipeline",
            { ...classicPipeline, clusters: [{ label: "default", numWorkers: 2 }] },
            /no cluster with an autoscale block/,
        ],
        [
            "pipeline-enhanced-autoscaling",
            "databricks:index/pipeline:Pipeline",
            { ...classicPipeline, clusters: [{ label: "default", autoscale: { minWorkers: 1, maxWorkers: 4, mode: "LEGACY" } }] },
            /not ENHANCED/,
        ],
        [
            "pipeline-enhanced-autoscaling",
            "databricks:index/pipeline:Pipeline",
            { ...classicPipeline, clusters: [{ label: "default", autoscale: { minWorkers: 3, maxWorkers: 3, mode: "ENHANCED" } }] },
            /must be greater than minWorkers/,
        ],
        [
            "pipeline-enhanced-autoscaling",
            "databricks:index/pipeline:Pipeline",
            { ...classicPipeline, clusters: [{ label: "default", autoscale: { minWorkers: 1, maxWorkers: 65, mode: "ENHANCED" } }] },
            /above the cap of 64/,
        ],
        ["job-one-writer", "databricks:index/job:Job", { ...job, maxConcurrentRuns: 2 }, /needs 1/],
        ["job-one-writer", "databricks:index/job:Job", { ...job, timeoutSeconds: 0 }, /no timeout/],
        [
            "job-tasks-sorted",
            "databricks:index/job:Job",
            { ...job, tasks: [{ taskKey: "scale_9x" }, { taskKey: "baseline" }] },
            /not sorted/,
        ],
        [
            "job-no-credentials",
            "databricks:index/job:Job",
            { ...job, parameters: [{ name: "token", default: token }] },
            /holds a Databricks token/,
        ],
        [
            "job-cluster-autoscale-bounds",
            "databricks:index/job:Job",
            withNewCluster({ autoscale: { minWorkers: 3, maxWorkers: 3 } }),
            /jobClusters\[0\]\.newCluster\.autoscale\.maxWorkers \(3\) must be greater than minWorkers \(3\)/,
        ],
        [
            "job-cluster-autoscale-bounds",
            "databricks:index/job:Job",
            withNewCluster({ autoscale: { minWorkers: 2, maxWorkers: 65 } }),
            /jobClusters\[0\]\.newCluster\.autoscale\.maxWorkers \(65\) is above the cap of 64/,
        ],
        [
            "job-cluster-autoscale-bounds",
            "databricks:index/job:Job",
            withNewCluster({ numWorkers: 4 }),
            /jobClusters\[0\]\.newCluster sets numWorkers \(4\) beside autoscale/,
        ],
        [
            "job-cluster-autoscale-bounds",
            "databricks:index/job:Job",
            withNewCluster({ autoscale: undefined }),
            /jobClusters\[0\]\.newCluster has no size/,
        ],
        [
            "job-cluster-unity-catalog-access-mode",
            "databricks:index/job:Job",
            withNewCluster({ dataSecurityMode: "NONE" }),
            /jobClusters\[0\]\.newCluster\.dataSecurityMode NONE is not a Unity Catalog access mode/,
        ],
        [
            "job-cluster-no-init-scripts-or-credentials",
            "databricks:index/job:Job",
            withNewCluster({ initScripts: [{ workspace: { destination: "/x.sh" } }] }),
            /jobClusters\[0\]\.newCluster runs init scripts/,
        ],
        [
            "job-cluster-no-init-scripts-or-credentials",
            "databricks:index/job:Job",
            withNewCluster({ sparkConf: { "spark.token": token } }),
            /hold a Databricks token/,
        ],
        [
            "job-tasks-on-declared-compute",
            "databricks:index/job:Job",
            { ...jobClusterJob, tasks: [{ taskKey: "a", jobClusterKey: "other" }] },
            /task a runs on job cluster other, which jobClusters does not declare/,
        ],
        [
            "job-tasks-on-declared-compute",
            "databricks:index/job:Job",
            { ...jobClusterJob, tasks: [{ taskKey: "a", jobClusterKey: "benchmark", existingClusterId: "0101-000000-abc" }] },
            /task a names existingClusterId and jobClusterKey/,
        ],
        [
            "job-tasks-on-declared-compute",
            "databricks:index/job:Job",
            { ...jobClusterJob, jobClusters: [...jobClusterJob.jobClusters, ...jobClusterJob.jobClusters] },
            /job cluster keys are not unique/,
        ],
        [
            "notebook-source-not-content",
            "databricks:index/notebook:Notebook",
            { path: "/x", contentBase64: "IyBEYXRhYnJpY2tz" },
            /instead of contentBase64/,
        ],
        ["schema-owned-by-the-stack", "databricks:index/schema:Schema", { catalogName: "main", name: "s" }, /forceDestroy: true/],
    ];
    for (const [name, type, inputs, message] of broken) {
        it(`${name} catches ${message.source}`, () => {
            const found = violations(type, inputs);
            assert.ok(
                found.some((problem) => problem.startsWith(`${name}: `) && message.test(problem)),
                JSON.stringify(found),
            );
        });
    }

    it("every guardrail is exercised by a failing case", () => {
        assert.deepStrictEqual([...new Set(broken.map(([name]) => name))].sort(), GUARDRAILS.map((guardrail) => guardrail.name).sort());
    });

    it("pipeline-enhanced-autoscaling accepts a classic pipeline with enhanced autoscaling and a serverless one with no cluster block", () => {
        assert.deepStrictEqual(violations("databricks:index/pipeline:Pipeline", classicPipeline), []);
        assert.deepStrictEqual(violations("databricks:index/pipeline:Pipeline", serverlessPipeline), []);
    });

    it("the job-cluster guardrails accept a job of tasks on its one declared job cluster, and a job on an existing cluster", () => {
        assert.deepStrictEqual(violations("databricks:index/job:Job", jobClusterJob), []);
        assert.deepStrictEqual(
            violations("databricks:index/job:Job", { ...job, tasks: [{ taskKey: "a", existingClusterId: "0101-000000-abc" }] }),
            [],
        );
    });

    it("takes a different cap from the policy config", () => {
        assert.deepStrictEqual(
            violations(
                "databricks:index/cluster:Cluster",
                { ...cluster, autoscale: { minWorkers: 2, maxWorkers: 65 } },
                { ...DEFAULT_SETTINGS, maxWorkersCap: 100 },
            ),
            [],
        );
    });

    describe("at preview, with values only the deployment knows", () => {
        // The engine's own proxy: reading an unknown value throws, which made the engine report the check as advisory.
        const jobAtPreview = (parameters: unknown[]) =>
            unknownCheckingProxy({
                maxConcurrentRuns: 1,
                timeoutSeconds: 600,
                parameters,
                tasks: [{ taskKey: "generate", existingClusterId: unknownStringValue, notebookTask: { notebookPath: unknownStringValue } }],
            });

        it("the engine's proxy throws on an unknown id, so a check on it directly decides nothing", () => {
            assert.throws(() => violations("databricks:index/job:Job", jobAtPreview([])), /can't be known during preview/);
        });

        it("job-no-credentials decides on every known value: clean passes, a token in a parameter is caught beside an unknown id", () => {
            assert.deepStrictEqual(
                violations("databricks:index/job:Job", knownInputs(jobAtPreview([{ name: "rate", default: "1000" }]))),
                [],
            );
            const leaking = knownInputs(
                jobAtPreview([
                    { name: "token", default: token },
                    { name: "cluster_id", default: unknownStringValue },
                ]),
            );
            assert.deepStrictEqual(leaking.parameters[1].default, UNKNOWN);
            assert.deepStrictEqual(violations("databricks:index/job:Job", leaking), [
                "job-no-credentials: a job parameter or task holds a Databricks token",
            ]);
        });

        const unknownSettings: [string, string, Record<string, any>, RegExp][] = [
            [
                "cluster-autoscale-bounds",
                "databricks:index/cluster:Cluster",
                { ...cluster, autoscale: { minWorkers: 2, maxWorkers: unknownNumberValue } },
                /autoscale.maxWorkers is not known at preview/,
            ],
            [
                "cluster-no-init-scripts-or-credentials",
                "databricks:index/cluster:Cluster",
                { ...cluster, initScripts: unknownArrayValue },
                /initScripts is not known at preview/,
            ],
            [
                "job-one-writer",
                "databricks:index/job:Job",
                { ...job, maxConcurrentRuns: unknownNumberValue },
                /maxConcurrentRuns is not known at preview/,
            ],
            [
                "job-tasks-sorted",
                "databricks:index/job:Job",
                { ...job, tasks: [{ taskKey: unknownStringValue }] },
                /taskKey is not known at preview/,
            ],
            [
                "pipeline-enhanced-autoscaling",
                "databricks:index/pipeline:Pipeline",
                {
                    ...classicPipeline,
                    clusters: [{ label: "default", autoscale: { minWorkers: 1, maxWorkers: unknownNumberValue, mode: "ENHANCED" } }],
                },
                /autoscale.maxWorkers is not known at preview/,
            ],
            [
                "pipeline-enhanced-autoscaling",
                "databricks:index/pipeline:Pipeline",
                { ...classicPipeline, serverless: unknownStringValue },
                /serverless is not known at preview/,
            ],
            [
                "cluster-unity-catalog-access-mode",
                "databricks:index/cluster:Cluster",
                { ...cluster, dataSecurityMode: unknownStringValue },
                /not a Unity Catalog access mode/,
            ],
            [
                "job-cluster-autoscale-bounds",
                "databricks:index/job:Job",
                withNewCluster({ autoscale: { minWorkers: unknownNumberValue, maxWorkers: 8 } }),
                /jobClusters\[0\]\.newCluster\.autoscale\.minWorkers is not known at preview/,
            ],
            [
                "job-cluster-unity-catalog-access-mode",
                "databricks:index/job:Job",
                withNewCluster({ dataSecurityMode: unknownStringValue }),
                /not a Unity Catalog access mode/,
            ],
            [
                "job-cluster-no-init-scripts-or-credentials",
                "databricks:index/job:Job",
                withNewCluster({ initScripts: unknownArrayValue }),
                /initScripts is not known at preview/,
            ],
            [
                "job-tasks-on-declared-compute",
                "databricks:index/job:Job",
                { ...jobClusterJob, jobClusters: [{ jobClusterKey: unknownStringValue, newCluster }] },
                /jobClusters\[0\]\.jobClusterKey is not known at preview/,
            ],
        ];
        for (const [name, type, inputs, message] of unknownSettings) {
            it(`${name} refuses a setting it is about that is unknown at preview (${message.source})`, () => {
                const found = violations(type, knownInputs(unknownCheckingProxy(inputs)));
                assert.ok(
                    found.some((problem) => problem.startsWith(`${name}: `) && message.test(problem)),
                    JSON.stringify(found),
                );
            });
        }
    });
});
