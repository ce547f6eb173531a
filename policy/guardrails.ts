/**
 * The stack's guardrails as plain checks on resource inputs, for teams that enforce them at preview time with
 * the policy pack in this folder (`pulumi preview --policy-pack policy`). Each check returns its violations; the
 * pack reports them, the tests call them directly. The same rules hold the stack's own code: the tests run every
 * check on what the dev and prod stacks declare.
 *
 * At preview, a value computed by another resource (an id Databricks assigns) is not known yet. The pack hands each
 * check its inputs with such values replaced by UNKNOWN (known.ts), so every check decides at preview: a setting
 * the guardrail is about must be a value the stack writes itself, so an unknown one is a violation; the
 * credential checks read every known value and leave out ids, which Databricks assigns and no stack can write a
 * token into.
 */
import { DEFAULT_MAX_WORKERS_CAP, UC_ACCESS_MODES } from "../plan/settings";
import { UNKNOWN } from "./known";

/** Inputs as the engine sees them (camelCase, like the provider's args). */
export type Inputs = Record<string, any>;

export interface Guardrail {
    name: string;
    description: string;
    /** Pulumi type token the check applies to. */
    type: string;
    check: (inputs: Inputs, settings: GuardrailSettings) => string[];
}

export interface GuardrailSettings {
    /** The largest autoscale maximum a stack may ask for. */
    maxWorkersCap: number;
}

export const DEFAULT_SETTINGS: GuardrailSettings = { maxWorkersCap: DEFAULT_MAX_WORKERS_CAP };

const CLUSTER = "databricks:index/cluster:Cluster";
const JOB = "databricks:index/job:Job";
const NOTEBOOK = "databricks:index/notebook:Notebook";
const PIPELINE = "databricks:index/pipeline:Pipeline";
const SCHEMA = "databricks:index/schema:Schema";

/** Personal access tokens look like `dapi` + 32 hex digits. */
const TOKEN_PATTERN = /dapi[0-9a-f]{32}/i;

/** The values a check is about, when one of them is only known after deployment (it cannot be checked at preview). */
function unknownAtPreview(values: Record<string, unknown>): string[] {
    return Object.entries(values)
        .filter(([, value]) => value === UNKNOWN)
        .map(
            ([name]) =>
                `${name} is not known at preview (computed from another resource); declare it as a value so the guardrail can check it`,
        );
}

/**
 * The problems of one autoscale block (a cluster's, or a pipeline cluster's at `path`): the Clusters and Pipelines
 * APIs both refuse maxWorkers <= minWorkers, and the cap bounds the bill. Both bounds must be known at preview.
 */
function autoscaleProblems(path: string, autoscale: Inputs, settings: GuardrailSettings): string[] {
    const unknown = unknownAtPreview({ [`${path}.minWorkers`]: autoscale.minWorkers, [`${path}.maxWorkers`]: autoscale.maxWorkers });
    if (unknown.length > 0) {
        return unknown;
    }
    const problems: string[] = [];
    if (!(autoscale.maxWorkers > autoscale.minWorkers)) {
        problems.push(`${path}.maxWorkers (${autoscale.maxWorkers}) must be greater than minWorkers (${autoscale.minWorkers})`);
    }
    if (autoscale.maxWorkers > settings.maxWorkersCap) {
        problems.push(`${path}.maxWorkers (${autoscale.maxWorkers}) is above the cap of ${settings.maxWorkersCap}`);
    }
    return problems;
}

/**
 * The problems of a cluster's size (at `path`): an autoscale block (its bounds as above), or a fixed `numWorkers` no
 * larger than the cap; never both (with both, a resize of a running cluster can drop autoscaling: provider issue
 * 6017), never neither. Known at preview.
 */
function sizeProblems(path: string, cluster: Inputs, settings: GuardrailSettings): string[] {
    const { autoscale, numWorkers } = cluster;
    if (autoscale === UNKNOWN || numWorkers === UNKNOWN) {
        return [`${path} has no size known at preview (autoscale or numWorkers)`];
    }
    if (autoscale && numWorkers !== undefined) {
        return [`${path} sets numWorkers (${numWorkers}) beside autoscale: a size is one or the other`];
    }
    if (autoscale) {
        return autoscaleProblems(`${path ? `${path}.` : ""}autoscale`, autoscale, settings);
    }
    if (numWorkers === undefined) {
        return [`${path || "the cluster"} has no size: neither autoscale nor numWorkers`];
    }
    return numWorkers > settings.maxWorkersCap
        ? [`${path ? `${path}.` : ""}numWorkers (${numWorkers}) is above the cap of ${settings.maxWorkersCap}`]
        : [];
}

/**
 * The problems of every job cluster of a job (`jobClusters[].newCluster`, what `cluster.kind: job` declares), each
 * named by its path; a job without job clusters has none. Job clusters must be known at preview.
 */
function jobClusterProblems(inputs: Inputs, check: (path: string, cluster: Inputs) => string[]): string[] {
    if (inputs.jobClusters === UNKNOWN) {
        return unknownAtPreview({ jobClusters: inputs.jobClusters });
    }
    return (inputs.jobClusters ?? []).flatMap((jobCluster: Inputs | typeof UNKNOWN, index: number) => {
        const path = `jobClusters[${index}].newCluster`;
        if (jobCluster === UNKNOWN || jobCluster.newCluster === UNKNOWN) {
            return unknownAtPreview({ [path]: UNKNOWN });
        }
        return jobCluster.newCluster ? check(path, jobCluster.newCluster) : [];
    });
}

/** The compute a task may name, one at most (none: serverless compute). */
const TASK_COMPUTE = ["existingClusterId", "jobClusterKey", "newCluster"] as const;

export const GUARDRAILS: Guardrail[] = [
    {
        name: "cluster-autoscale-bounds",
        description:
            "A cluster autoscales with maxWorkers strictly above minWorkers, or has a fixed numWorkers; never both, and no more than the " +
            "cap. Its size must be known at preview.",
        type: CLUSTER,
        check: (inputs, settings) => sizeProblems("", inputs, settings),
    },
    {
        name: "pipeline-autoscale-bounds",
        description:
            "A pipeline cluster that autoscales needs maxWorkers strictly above minWorkers (the Pipelines API refuses max <= min at " +
            "`pulumi up`), and no more than the cap. Both bounds must be known at preview.",
        type: PIPELINE,
        check: (inputs, settings) => {
            if (inputs.clusters === UNKNOWN) {
                return unknownAtPreview({ clusters: inputs.clusters });
            }
            return (inputs.clusters ?? []).flatMap((cluster: Inputs | typeof UNKNOWN, index: number) => {
                const path = `clusters[${index}].autoscale`;
                if (cluster === UNKNOWN || cluster.autoscale === UNKNOWN) {
                    return unknownAtPreview({ [path]: UNKNOWN });
                }
                return cluster.autoscale ? autoscaleProblems(path, cluster.autoscale, settings) : [];
            });
        },
    },
    {
        name: "cluster-does-not-block-up",
        description: "Clusters are created with noWait (known at preview) so that `pulumi up` does not wait up to 30 minutes for RUNNING.",
        type: CLUSTER,
        check: (inputs) =>
            inputs.noWait === true ? [] : ["set noWait: true so that `pulumi up` does not wait for the cluster to reach RUNNING"],
    },
    {
        name: "cluster-unity-catalog-access-mode",
        description: "Clusters use a Unity Catalog access mode (known at preview).",
        type: CLUSTER,
        check: (inputs) =>
            UC_ACCESS_MODES.includes(inputs.dataSecurityMode)
                ? []
                : [`dataSecurityMode ${inputs.dataSecurityMode ?? "(unset)"} is not a Unity Catalog access mode`],
    },
    {
        name: "cluster-no-init-scripts-or-credentials",
        description:
            "Clusters run no init scripts and carry no credentials in Spark conf, environment or tags. Every value known at preview is read; " +
            "values computed by other resources are left out of the credential check.",
        type: CLUSTER,
        check: (inputs) => {
            const problems: string[] = unknownAtPreview({ initScripts: inputs.initScripts });
            if (inputs.initScripts !== UNKNOWN && (inputs.initScripts ?? []).length > 0) {
                problems.push("the cluster runs init scripts");
            }
            if (TOKEN_PATTERN.test(JSON.stringify([inputs.sparkConf ?? {}, inputs.sparkEnvVars ?? {}, inputs.customTags ?? {}]))) {
                problems.push("the cluster's Spark conf, environment or tags hold a Databricks token");
            }
            return problems;
        },
    },
    {
        name: "pipeline-enhanced-autoscaling",
        description:
            "DLT pipelines autoscale with enhanced autoscaling. A classic pipeline declares clusters[].autoscale with mode ENHANCED, maxWorkers " +
            "strictly above minWorkers and no more than the cap; a serverless pipeline (enhanced autoscaling always on) declares no clusters " +
            "block, which the Pipelines API refuses on it, and a Unity Catalog catalog. Every value known at preview.",
        type: PIPELINE,
        check: (inputs, settings) => {
            const unknown = unknownAtPreview({ serverless: inputs.serverless, clusters: inputs.clusters, catalog: inputs.catalog });
            if (unknown.length > 0) {
                return unknown;
            }
            const clusters: Inputs[] = inputs.clusters ?? [];
            if (inputs.serverless === true) {
                const problems: string[] = [];
                if (clusters.length > 0) {
                    problems.push(
                        "a serverless pipeline takes no clusters block: Databricks sizes it and the Pipelines API refuses compute settings",
                    );
                }
                if (!inputs.catalog) {
                    problems.push("a serverless pipeline needs a Unity Catalog catalog");
                }
                return problems;
            }
            const autoscaled = clusters.filter((cluster) => cluster.autoscale !== undefined);
            if (autoscaled.length === 0) {
                return ["the classic pipeline has no cluster with an autoscale block: the benchmark measures enhanced autoscaling"];
            }
            return autoscaled.flatMap((cluster) => {
                const { autoscale } = cluster;
                const label = cluster.label ?? "default";
                const unknownBounds = unknownAtPreview({
                    [`clusters[${label}].autoscale`]: autoscale,
                    [`clusters[${label}].autoscale.minWorkers`]: autoscale?.minWorkers,
                    [`clusters[${label}].autoscale.maxWorkers`]: autoscale?.maxWorkers,
                    [`clusters[${label}].autoscale.mode`]: autoscale?.mode,
                });
                if (unknownBounds.length > 0) {
                    return unknownBounds;
                }
                const problems: string[] = [];
                if (String(autoscale.mode).toUpperCase() !== "ENHANCED") {
                    problems.push(`cluster ${label}: autoscale.mode is ${autoscale.mode ?? "(unset)"}, not ENHANCED`);
                }
                if (!(autoscale.maxWorkers > autoscale.minWorkers)) {
                    problems.push(
                        `cluster ${label}: autoscale.maxWorkers (${autoscale.maxWorkers}) must be greater than minWorkers (${autoscale.minWorkers})`,
                    );
                }
                if (autoscale.maxWorkers > settings.maxWorkersCap) {
                    problems.push(
                        `cluster ${label}: autoscale.maxWorkers (${autoscale.maxWorkers}) is above the cap of ${settings.maxWorkersCap}`,
                    );
                }
                return problems;
            });
        },
    },
    {
        name: "job-one-writer",
        description: "Streaming jobs run one run at a time (one writer per checkpoint) and have a timeout; both known at preview.",
        type: JOB,
        check: (inputs) => {
            const problems: string[] = unknownAtPreview({
                maxConcurrentRuns: inputs.maxConcurrentRuns,
                timeoutSeconds: inputs.timeoutSeconds,
            });
            if (problems.length > 0) {
                return problems;
            }
            if ((inputs.maxConcurrentRuns ?? 1) !== 1) {
                problems.push(`maxConcurrentRuns is ${inputs.maxConcurrentRuns}; a streaming writer needs 1`);
            }
            if (!(inputs.timeoutSeconds > 0)) {
                problems.push("the job has no timeout: a stuck run would hold the cluster");
            }
            return problems;
        },
    },
    {
        name: "job-tasks-sorted",
        description:
            "Job tasks are declared sorted by taskKey, as the provider keeps them (else every preview shows a diff); task keys known at preview.",
        type: JOB,
        check: (inputs) => {
            if (inputs.tasks === UNKNOWN) {
                return unknownAtPreview({ tasks: inputs.tasks });
            }
            const keys: string[] = (inputs.tasks ?? []).map((task: Inputs) => task.taskKey);
            const unknownKeys = unknownAtPreview(Object.fromEntries(keys.map((key, index) => [`tasks[${index}].taskKey`, key])));
            if (unknownKeys.length > 0) {
                return unknownKeys;
            }
            const sorted = [...keys].sort();
            return keys.every((key, index) => key === sorted[index]) ? [] : [`tasks are not sorted by taskKey: ${keys.join(", ")}`];
        },
    },
    {
        name: "job-no-credentials",
        description:
            "Job parameters and tasks carry no Databricks token. Every value known at preview is read; values computed by other " +
            "resources (a task's cluster or job id, which Databricks assigns) are left out.",
        type: JOB,
        check: (inputs) =>
            TOKEN_PATTERN.test(JSON.stringify([inputs.parameters ?? [], inputs.tasks ?? []]))
                ? ["a job parameter or task holds a Databricks token"]
                : [],
    },
    {
        name: "job-cluster-autoscale-bounds",
        description:
            "A job's job clusters autoscale (maxWorkers strictly above minWorkers) or have a fixed numWorkers, never both, no more " +
            "than the cap, as the all-purpose cluster; known at preview. A job without job clusters passes.",
        type: JOB,
        check: (inputs, settings) => jobClusterProblems(inputs, (path, cluster) => sizeProblems(path, cluster, settings)),
    },
    {
        name: "job-cluster-unity-catalog-access-mode",
        description: "A job's job clusters use a Unity Catalog access mode (known at preview), as the all-purpose cluster does.",
        type: JOB,
        check: (inputs) =>
            jobClusterProblems(inputs, (path, cluster) =>
                UC_ACCESS_MODES.includes(cluster.dataSecurityMode)
                    ? []
                    : [`${path}.dataSecurityMode ${cluster.dataSecurityMode ?? "(unset)"} is not a Unity Catalog access mode`],
            ),
    },
    {
        name: "job-cluster-no-init-scripts-or-credentials",
        description:
            "A job's job clusters run no init scripts and carry no credentials in Spark conf, environment or tags, as the all-purpose " +
            "cluster; values computed by other resources are left out of the credential check.",
        type: JOB,
        check: (inputs) =>
            jobClusterProblems(inputs, (path, cluster) => {
                const problems: string[] = unknownAtPreview({ [`${path}.initScripts`]: cluster.initScripts });
                if (cluster.initScripts !== UNKNOWN && (cluster.initScripts ?? []).length > 0) {
                    problems.push(`${path} runs init scripts`);
                }
                if (TOKEN_PATTERN.test(JSON.stringify([cluster.sparkConf ?? {}, cluster.sparkEnvVars ?? {}, cluster.customTags ?? {}]))) {
                    problems.push(`${path}'s Spark conf, environment or tags hold a Databricks token`);
                }
                return problems;
            }),
    },
    {
        name: "job-tasks-on-declared-compute",
        description:
            "Each task names at most one compute (existingClusterId, jobClusterKey or newCluster, as the Jobs API takes it), and a " +
            "jobClusterKey the job declares in jobClusters; the job cluster keys known at preview.",
        type: JOB,
        check: (inputs) => {
            if (inputs.tasks === UNKNOWN || inputs.jobClusters === UNKNOWN) {
                return unknownAtPreview({ tasks: inputs.tasks, jobClusters: inputs.jobClusters });
            }
            const declared = (inputs.jobClusters ?? []).map((jobCluster: Inputs) => jobCluster.jobClusterKey);
            const unknownKeys = unknownAtPreview(
                Object.fromEntries(declared.map((key: unknown, index: number) => [`jobClusters[${index}].jobClusterKey`, key])),
            );
            if (unknownKeys.length > 0) {
                return unknownKeys;
            }
            const problems: string[] = [];
            if (new Set(declared).size !== declared.length) {
                problems.push(`job cluster keys are not unique: ${declared.join(", ")}`);
            }
            for (const task of inputs.tasks ?? []) {
                const named = TASK_COMPUTE.filter((field) => task[field] !== undefined && task[field] !== "");
                if (named.length > 1) {
                    problems.push(`task ${task.taskKey} names ${named.join(" and ")}: the Jobs API takes one compute per task`);
                }
                if (task.jobClusterKey === UNKNOWN) {
                    problems.push(...unknownAtPreview({ [`task ${task.taskKey}'s jobClusterKey`]: UNKNOWN }));
                } else if (task.jobClusterKey !== undefined && !declared.includes(task.jobClusterKey)) {
                    problems.push(`task ${task.taskKey} runs on job cluster ${task.jobClusterKey}, which jobClusters does not declare`);
                }
            }
            return problems;
        },
    },
    {
        name: "notebook-source-not-content",
        description:
            "Notebooks are uploaded from a file (`source`), so their text stays out of the state and diffs; any contentBase64, known or not, is refused.",
        type: NOTEBOOK,
        check: (inputs) => (inputs.contentBase64 ? ["use source: <file> instead of contentBase64"] : []),
    },
    {
        name: "schema-owned-by-the-stack",
        description:
            "The benchmark schema drops its tables on destroy (forceDestroy known at preview), so `pulumi destroy` leaves nothing behind.",
        type: SCHEMA,
        check: (inputs) => (inputs.forceDestroy === true ? [] : ["set forceDestroy: true so that destroy drops the stream tables"]),
    },
];

/** Every violation of every guardrail by one resource, as "<guardrail>: <problem>". */
export function violations(type: string, inputs: Inputs, settings: GuardrailSettings = DEFAULT_SETTINGS): string[] {
    return GUARDRAILS.filter((guardrail) => guardrail.type === type).flatMap((guardrail) =>
        guardrail.check(inputs, settings).map((problem) => `${guardrail.name}: ${problem}`),
    );
}
