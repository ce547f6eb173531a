/**
 * The deploy graph of one evaluation: which resources need an output of which, the longest such chain (the
 * deploy's critical path) and which resources would sit waiting for a cluster to reach RUNNING.
 */

/** The part of a declared resource the graph needs. */
export interface GraphNode {
    urn: string;
    name: string;
    type: string;
    inputs: Record<string, any>;
    /** URNs of the resources whose outputs feed this one's inputs. */
    inputDependencies: string[];
}

/**
 * The longest chain of resources in which each needs an output of the one before, first to last. Ties go to
 * the chain found first in declaration order, so the answer is stable.
 */
export function criticalPath(nodes: GraphNode[]): GraphNode[] {
    const byUrn = new Map(nodes.map((node) => [node.urn, node]));
    const longest = new Map<string, GraphNode[]>();
    const visiting = new Set<string>();
    const chainTo = (node: GraphNode): GraphNode[] => {
        const known = longest.get(node.urn);
        if (known) {
            return known;
        }
        if (visiting.has(node.urn)) {
            throw new Error(`dependency cycle through ${node.name}`);
        }
        visiting.add(node.urn);
        let best: GraphNode[] = [];
        for (const urn of node.inputDependencies) {
            const dependency = byUrn.get(urn);
            if (dependency) {
                const chain = chainTo(dependency);
                if (chain.length > best.length) {
                    best = chain;
                }
            }
        }
        visiting.delete(node.urn);
        const chain = [...best, node];
        longest.set(node.urn, chain);
        return chain;
    };
    return nodes.map(chainTo).reduce((best, chain) => (chain.length > best.length ? chain : best), [] as GraphNode[]);
}

const CLUSTER_TYPE = "databricks:index/cluster:Cluster";

/**
 * Resources whose create would wait for a cluster to reach RUNNING: a cluster declared without `noWait` is
 * only created (and its id only known) once it runs, so it and everything that needs its id wait for it.
 */
export function waitingForRunningCluster(nodes: GraphNode[]): GraphNode[] {
    const blocking = new Set(nodes.filter((node) => node.type === CLUSTER_TYPE && node.inputs.noWait !== true).map((node) => node.urn));
    const byUrn = new Map(nodes.map((node) => [node.urn, node]));
    const waits = (node: GraphNode, seen = new Set<string>()): boolean => {
        if (blocking.has(node.urn)) {
            return true;
        }
        seen.add(node.urn);
        return node.inputDependencies.some((urn) => !seen.has(urn) && byUrn.has(urn) && waits(byUrn.get(urn)!, seen));
    };
    return nodes.filter((node) => waits(node));
}

/** How many resources of each type, by type. */
export function countByType(nodes: { type: string }[]): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const node of nodes) {
        counts[node.type] = (counts[node.type] ?? 0) + 1;
    }
    return counts;
}
