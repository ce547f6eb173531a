/** The scaling plan's shape: the types every component and CLI reads. plan/build.ts builds the values. */
import type { AnalysisParameters, GeneratorParameters, PipelineControlParameters } from "./notebookContract";
import type { ClusterKind, ComputeLabel } from "./settings";
import type { StackConfig } from "../config/schema";

/** A phase's name: the seed's `baseline`, `3x`, `9x`, or a load profile's (config/loadProfile.ts). */
export type PhaseName = string;

/** The analysis job: for a finished run, target against achieved load per window, and the cluster's events. */
export interface AnalysisPlan {
    jobName: string;
    timeoutSeconds: number;
    /** Every parameter but `cluster_id`, which is the cluster's id (an output). */
    parameters: AnalysisParameters;
}

/**
 * The optional DLT pipeline: a bronze union of every stream table and a per-minute aggregate, in the schema.
 * Triggered (never continuous): `pulumi up` starts no compute. Each timeline runs its control job, which keeps
 * the pipeline updating from the timeline's start to its end and then stops it.
 */
export interface PipelinePlan {
    name: string;
    /**
     * Serverless compute (`dlt.serverless`): the pipeline declares no cluster block, and Databricks sizes it with
     * enhanced autoscaling always on. Otherwise a classic pipeline cluster with enhanced autoscaling between `autoscale`'s bounds.
     */
    serverless: boolean;
    /** The classic pipeline cluster's enhanced-autoscaling bounds; undefined when serverless. */
    autoscale?: { minWorkers: number; maxWorkers: number };
    /** Development mode (`dlt.development`, unset = testMode): a failed update is not retried automatically. */
    development: boolean;
    /** The pipeline's Spark conf (notebooks/pipeline_logic.py reads these keys). */
    configuration: Record<string, string>;
    /** The pipeline's event log, published as a table in the schema (autoscaling events for the analysis). */
    eventLogTable: string;
    /** The job that runs the pipeline through a timeline (notebooks/pipeline_control.py). */
    control: PipelineControlPlan;
}

/** The pipeline's control job: scheduled with the baseline phase, and a task of the timeline job. */
export interface PipelineControlPlan {
    jobName: string;
    /** The base schedule: the pipeline runs from the timeline's first minute. */
    cron: string;
    timeoutSeconds: number;
    /** How long a healthy run lasts: the whole timeline, then the wait for the pipeline to stop. */
    expectedRunSeconds: number;
    /** Every parameter but `pipeline_id`, which is the pipeline's id (an output). */
    parameters: PipelineControlParameters;
}

export interface PhasePlan {
    name: PhaseName;
    /** Job name in the workspace: `streambench-<stack>-<phase>`. */
    jobName: string;
    /** Streams this phase runs at once, each into its own table. */
    streamCount: number;
    ratePerStream: number;
    /** stream_id of the phase's first stream; ids are unique across phases. */
    firstStreamId: number;
    windowStartMinute: number;
    windowEndMinute: number;
    /** Python `str.format` pattern the notebook turns into table names (`{stream_id:03d}`). */
    tableNameFormat: string;
    tables: string[];
    /** Checkpoint folder of one run of this phase; each stream checkpoints in `<root>/<table>`. */
    checkpointRoot: string;
    checkpointPaths: string[];
    /** Quartz schedule: the base schedule shifted to the window start. */
    cron: string;
    timeoutSeconds: number;
    parameters: GeneratorParameters;
}

export interface ThroughputWindow {
    startMinute: number;
    endMinute: number;
    /** Rows per second each phase adds in this window (0 when inactive). */
    rowsPerSecondByPhase: Record<PhaseName, number>;
    totalRowsPerSecond: number;
}

/** One grant of a Databricks permission level to a workspace group. */
export interface AccessControl {
    groupName: string;
    permissionLevel: string;
}

/** Who besides the creator and the admins may use the benchmark's jobs and cluster. */
export interface AccessPlan {
    jobs: AccessControl[];
    cluster: AccessControl[];
}

/**
 * The shared cluster every phase runs on: the all-purpose cluster (`kind: allPurpose`), or the one job cluster of the
 * timeline job (`kind: job`), with the same bounds, runtime, node type, access mode and tags.
 */
export interface ClusterPlan {
    kind: ClusterKind;
    /** The all-purpose cluster's name (a job cluster is named by Databricks after its job and run). */
    clusterName: string;
    /** The autoscale bounds; for a fixed size (`workers`), both are that size (as clusters/get reports it). */
    minWorkers: number;
    maxWorkers: number;
    /** A fixed size (`cluster.workers`): the cluster declares `numWorkers` and no autoscale block. */
    workers?: number;
    /** Unset: the latest LTS runtime, looked up at deploy time. */
    sparkVersion?: string;
    /** Unset: the smallest node type with local disk and at least 4 cores, looked up at deploy time. */
    nodeTypeId?: string;
    /** The all-purpose cluster's auto-termination; undefined for a job cluster, which ends with its run. */
    autoterminationMinutes?: number;
    dataSecurityMode: string;
    singleUserName?: string;
    tags: Record<string, string>;
}

/** One task of the timeline job: run a phase job with the timeline's trigger time and the phase's offset. */
export interface TimelineTask {
    taskKey: string;
    /** The phase job this task runs, "pipeline" for the DLT pipeline's control job, or "analysis" for the analysis job after them. */
    phase: PhaseName | "pipeline" | "analysis";
    /** Overrides of the job's parameters for this run (with `cluster.kind: job`, of the notebook's parameters). */
    jobParameters: Record<string, string>;
    /** Tasks that must end first (run even if they failed). */
    dependsOn?: string[];
}

/**
 * The timeline job: every phase in one run, each waiting in its notebook for its window. With `cluster.kind:
 * allPurpose` its tasks run the phase jobs; with `job` they run the notebooks themselves on its job cluster.
 */
export interface TimelineJobPlan {
    jobName: string;
    timeoutSeconds: number;
    /**
     * With `cluster.kind: job` the timeline job is the stack's one scheduled job: the base schedule (the baseline's),
     * every other phase waiting for its offset. Undefined with `allPurpose`, where the phase jobs carry the schedules.
     */
    cron?: string;
    /** Sorted by task key, as the provider keeps them. */
    tasks: TimelineTask[];
}

/** What a run ran on: the phases' compute, and the DLT pipeline's when there is one. Each result row carries both. */
export interface RunCompute {
    phases: ComputeLabel;
    pipeline?: ComputeLabel;
}

export interface ScalingPlan {
    stack: string;
    /** What the analysis holds each window to (`streambench:verdict.*`). */
    verdict: StackConfig["verdict"];
    /** The cost estimate's rates (`streambench:cost.*`). */
    cost: StackConfig["cost"];
    /** The thresholds every run is held to (`streambench:thresholds`); ops and local add their command line's. */
    thresholds: StackConfig["thresholds"];
    testMode: boolean;
    /** Prefix of every workspace object name: cluster, jobs, folder. */
    resourcePrefix: string;
    catalog: string;
    schemaName: string;
    schemaFullName: string;
    volumeName: string;
    /** `/Volumes/<catalog>/<schema>/<volume>`. */
    volumePath: string;
    partitions: number;
    runMinutes: number;
    cluster: ClusterPlan;
    compute: RunCompute;
    phases: PhasePlan[];
    access: AccessPlan;
    analysis: AnalysisPlan;
    /** Undefined unless `dlt.enabled`. */
    pipeline?: PipelinePlan;
    timelineJob: TimelineJobPlan;
    runOnDeploy: boolean;
    notificationEmails: string[];
    /** SQL warehouse of the dashboard; undefined = no dashboard. */
    warehouseId?: string;
    throughput: ThroughputWindow[];
    schedule: { baseCron: string; timezone: string; paused: boolean; description: string };
}
