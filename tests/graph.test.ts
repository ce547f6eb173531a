import * as assert from "assert";
import { GraphNode, countByType, criticalPath, waitingForRunningCluster } from "../scripts/graph";

function node(name: string, dependsOn: string[] = [], type = "t:index:Thing", inputs: Record<string, any> = {}): GraphNode {
    return { urn: `urn:${name}`, name, type, inputs, inputDependencies: dependsOn.map((dependency) => `urn:${dependency}`) };
}

const names = (nodes: GraphNode[]) => nodes.map((candidate) => candidate.name);

describe("deploy graph", () => {
    it("finds the longest chain of output dependencies", () => {
        const graph = [node("folder"), node("file", ["folder"]), node("notebook", ["folder", "file"]), node("cluster"), node("job", ["cluster", "notebook"]), node("timeline", ["job"])];
        assert.deepStrictEqual(names(criticalPath(graph)), ["folder", "file", "notebook", "job", "timeline"]);
    });

    it("is a single resource when nothing depends on anything, and empty for no resources", () => {
        assert.deepStrictEqual(names(criticalPath([node("a"), node("b")])), ["a"]);
        assert.deepStrictEqual(criticalPath([]), []);
    });

    it("ignores dependencies on resources outside the graph (components, providers)", () => {
        assert.deepStrictEqual(names(criticalPath([node("job", ["component"])])), ["job"]);
    });

    it("reports a cycle instead of looping", () => {
        assert.throws(() => criticalPath([node("a", ["b"]), node("b", ["a"])]), /dependency cycle/);
    });

    it("says which resources wait for a cluster that is created without noWait", () => {
        const waiting = [node("cluster", [], "databricks:index/cluster:Cluster"), node("job", ["cluster"]), node("timeline", ["job"]), node("schema")];
        assert.deepStrictEqual(names(waitingForRunningCluster(waiting)), ["cluster", "job", "timeline"]);
        const notWaiting = [node("cluster", [], "databricks:index/cluster:Cluster", { noWait: true }), node("job", ["cluster"])];
        assert.deepStrictEqual(waitingForRunningCluster(notWaiting), []);
    });

    it("counts resources by type", () => {
        assert.deepStrictEqual(countByType([node("a"), node("b"), node("c", [], "t:index:Other")]), { "t:index:Thing": 2, "t:index:Other": 1 });
    });
});
