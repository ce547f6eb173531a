import * as assert from "assert";
import { StackConfigError } from "../../config/error";
import { parseStackConfig } from "../../config/parse";
import { loadStackFile } from "../../config/stackFile";
import { buildScalingPlan } from "../../plan/build";
import { evaluateProgram, ofType } from "../mocks";

const CLUSTER = "databricks:index/cluster:Cluster";
const JOB = "databricks:index/job:Job";

function problemKeys(cluster: Record<string, unknown>): string[] {
    try {
        buildScalingPlan("prod", parseStackConfig("prod", { cluster }));
    } catch (error) {
        assert.ok(error instanceof StackConfigError, String(error));
        return error.problems.map((problem) => `${problem.key}: ${problem.message}`);
    }
    return [];
}

describe("fixed-size compute (cluster.workers)", () => {
    it("declares numWorkers and no autoscale block, on the all-purpose cluster and on the job cluster", async () => {
        const cluster = JSON.stringify({ workers: 6 });
        const allPurpose = await evaluateProgram("prod", { ...loadStackFile("prod"), "streambench:cluster": cluster });
        assert.ifError(allPurpose.error);
        const [declared] = ofType(allPurpose, CLUSTER);
        assert.strictEqual(declared.inputs.numWorkers, 6);
        assert.strictEqual(declared.inputs.autoscale, undefined);

        const onJobCluster = await evaluateProgram("prod", {
            ...loadStackFile("prod"),
            "streambench:cluster": JSON.stringify({ kind: "job", workers: 6 }),
        });
        assert.ifError(onJobCluster.error);
        const [timeline] = ofType(onJobCluster, JOB);
        const { newCluster } = timeline.inputs.jobClusters[0];
        assert.deepStrictEqual([newCluster.numWorkers, newCluster.autoscale], [6, undefined]);
    });

    it("an autoscaling cluster keeps its bounds, defaulted or set, and no numWorkers", () => {
        for (const [cluster, bounds] of [
            [{}, [2, 8]],
            [{ minWorkers: 3 }, [3, 8]],
            [{ minWorkers: 1, maxWorkers: 2 }, [1, 2]],
        ] as const) {
            const plan = buildScalingPlan("prod", parseStackConfig("prod", { cluster }));
            assert.deepStrictEqual([plan.cluster.minWorkers, plan.cluster.maxWorkers, plan.cluster.workers], [...bounds, undefined]);
        }
    });

    it("refuses workers beside either bound, above the cap, and bounds the Clusters API refuses, naming each key", () => {
        assert.deepStrictEqual(
            problemKeys({ workers: 4, minWorkers: 1, maxWorkers: 9 }).map((problem) => problem.split(":")[1]),
            ["cluster.minWorkers", "cluster.maxWorkers"],
        );
        assert.match(problemKeys({ workers: 80 }).join("\n"), /streambench:cluster.workers: 80 is above cluster.maxWorkersCap \(64\)/);
        // An unset bound counts as its default: a maximum of 2 is not above the default minimum of 2.
        assert.match(
            problemKeys({ maxWorkers: 2 }).join("\n"),
            /streambench:cluster.maxWorkers: 2 must be greater than cluster.minWorkers \(2\)/,
        );
    });
});
