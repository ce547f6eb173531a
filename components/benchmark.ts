import * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";
import type { ProviderCredentials } from "../config/parse";
import { PhaseName, ScalingPlan } from "../plan/types";
import { resourceTags, workloadFingerprint } from "../plan/build";
import { AnalysisJob } from "./jobs/analysisJob";
import { AutoscalingCluster, clusterRuntime } from "./cluster";
import { NotebookFolder, notebookSources, readSource } from "./notebooks";
import { RunOnDeploy } from "./runOnDeploy";
import { ScalingDashboard } from "./dashboard";
import { DltPipeline } from "./pipeline";
import { PipelineControlJob } from "./jobs/pipelineControlJob";
import { BenchmarkStorage } from "./storage";
import { JobClusterTimelineJob } from "./jobs/jobClusterTimelineJob";
import { StreamingJob } from "./jobs/streamingJob";
import { TimelineJob } from "./jobs/timelineJob";

export interface StreamingBenchmarkArgs {
    /** The scaling plan built from the stack's config: every name, number and schedule. */
    plan: ScalingPlan;
    /** Workspace credentials from the stack config, for the run-on-deploy command (else the environment's). */
    credentials?: ProviderCredentials;
}

/** The jobs and compute of one kind (`cluster.kind`), as the rest of the benchmark needs them. */
interface DeclaredRun {
    timeline: { jobId: pulumi.Output<string>; url: pulumi.Output<string> };
    /** The all-purpose cluster; undefined on a job cluster, which exists only while a run lasts. */
    cluster?: { clusterId: pulumi.Output<string>; url: pulumi.Output<string> };
    /** Every job of the stack by the name its permissions take: `timeline` first, the phases, `analysis`, `dlt-control`. */
    jobs: [string, pulumi.Output<string>][];
    phaseJobs: Partial<Record<PhaseName, { jobId: pulumi.Output<string>; url: pulumi.Output<string> }>>;
    analysis?: { jobId: pulumi.Output<string>; url: pulumi.Output<string> };
    pipelineControl?: { jobId: pulumi.Output<string>; url: pulumi.Output<string> };
}

/** The ids of every object a tool acts on, absent when the stack has no such object (the `benchmark` output's `ids`). */
export interface BenchmarkIds {
    clusterId?: string;
    timelineJobId: string;
    phaseJobIds: Record<string, string>;
    analysisJobId?: string;
    pipelineId?: string;
    pipelineControlJobId?: string;
    dashboardId?: string;
}

/** What both kinds of run are given: the notebooks, the storage the jobs write into, and the pipeline if any. */
interface RunInputs {
    plan: ScalingPlan;
    notebooks: NotebookFolder;
    storage: BenchmarkStorage;
    pipeline?: DltPipeline;
}

/**
 * The whole benchmark of one stack: schema and checkpoint volume, notebooks, the optional DLT pipeline, and the
 * phases on their compute: an all-purpose cluster with one job per phase, or the timeline job's own job cluster.
 */
export class StreamingBenchmark extends pulumi.ComponentResource {
    /** The all-purpose cluster; undefined with `cluster.kind: job`. */
    public readonly clusterId?: pulumi.Output<string>;
    public readonly clusterUrl?: pulumi.Output<string>;
    public readonly schemaFullName: pulumi.Output<string>;
    public readonly volumePath: pulumi.Output<string>;
    public readonly workspaceFolder: pulumi.Output<string>;
    /** The phase jobs; none with `cluster.kind: job`, whose timeline job runs the phases itself. */
    public readonly jobIds: Partial<Record<PhaseName, pulumi.Output<string>>>;
    public readonly jobUrls: Partial<Record<PhaseName, pulumi.Output<string>>>;
    public readonly timelineJobId: pulumi.Output<string>;
    public readonly timelineJobUrl: pulumi.Output<string>;
    /** Undefined with `cluster.kind: job`: the analysis is the timeline job's last task. */
    public readonly analysisJobUrl?: pulumi.Output<string>;
    /** Undefined unless the DLT pipeline is enabled. */
    public readonly pipelineUrl?: pulumi.Output<string>;
    /** The job that runs the DLT pipeline through a timeline; undefined without a pipeline or with `cluster.kind: job`. */
    public readonly pipelineControlJobUrl?: pulumi.Output<string>;
    /** Undefined when no SQL warehouse is configured. */
    public readonly dashboardUrl?: pulumi.Output<string>;
    /** Every id a tool needs, in one value. */
    public readonly ids: pulumi.Output<BenchmarkIds>;

    constructor(name: string, args: StreamingBenchmarkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("streambench:index:StreamingBenchmark", name, {}, opts);
        const { plan } = args;

        const me = databricks.getCurrentUserOutput({}, { parent: this });

        const storage = new BenchmarkStorage(
            `${name}-storage`,
            { catalog: plan.catalog, schemaName: plan.schemaName, volumeName: plan.volumeName },
            { parent: this },
        );
        const notebooks = new NotebookFolder(
            `${name}-notebooks`,
            { folderPath: pulumi.interpolate`${me.home}/${plan.resourcePrefix}`, withPipeline: plan.pipeline !== undefined },
            { parent: this },
        );

        // The DLT pipeline is triggered: declaring it starts nothing. Its control runs it through each timeline.
        let pipeline: DltPipeline | undefined;
        if (plan.pipeline && notebooks.pipelinePath) {
            pipeline = new DltPipeline(
                `${name}-dlt`,
                {
                    pipeline: plan.pipeline,
                    catalog: plan.catalog,
                    schemaName: storage.schemaName,
                    folderPath: notebooks.folderPath,
                    sourcePath: notebooks.pipelinePath,
                    tags: resourceTags(plan.stack, { phase: "dlt" }),
                },
                { parent: this, dependsOn: [storage] },
            );
            this.pipelineUrl = pipeline.url;
        }

        const inputs: RunInputs = { plan, notebooks, storage, pipeline };
        const run = plan.cluster.kind === "job" ? this.jobClusterRun(name, inputs) : this.allPurposeRun(name, inputs);

        // Only the dashboard needs a SQL warehouse; without one the stack warns (planWarnings) and skips it.
        let dashboardId: pulumi.Output<string> | undefined;
        if (plan.warehouseId) {
            const dashboard = new ScalingDashboard(
                `${name}-dashboard`,
                { plan, warehouseId: plan.warehouseId, parentPath: notebooks.folderPath, workspaceUrl: me.workspaceUrl },
                { parent: this, dependsOn: [storage] },
            );
            this.dashboardUrl = dashboard.url;
            dashboardId = dashboard.dashboardId;
        }

        // Permissions are authoritative on their object: declared only when the config grants something, so an
        // unset config leaves the default ACLs (creator as owner, admins) alone. The provider keeps the deploying
        // user as the jobs' owner.
        if (run.cluster && plan.access.cluster.length > 0) {
            new databricks.Permissions(
                `${name}-cluster-access`,
                { clusterId: run.cluster.clusterId, accessControls: plan.access.cluster },
                { parent: this },
            );
        }
        if (plan.access.jobs.length > 0) {
            for (const [jobName, jobId] of run.jobs) {
                new databricks.Permissions(`${name}-${jobName}-access`, { jobId, accessControls: plan.access.jobs }, { parent: this });
            }
        }

        if (plan.runOnDeploy) {
            const sources = notebookSources().map(readSource);
            new RunOnDeploy(
                `${name}-run-on-deploy`,
                {
                    timelineJobId: run.timeline.jobId,
                    benchmarkJobIds: run.jobs.map(([, jobId]) => jobId),
                    pipelineIds: pipeline ? [pipeline.pipelineId] : [],
                    workloadFingerprint: workloadFingerprint(plan, sources),
                    credentials: args.credentials,
                },
                { parent: this },
            );
        }

        const phaseJobs = Object.entries(run.phaseJobs) as [PhaseName, { jobId: pulumi.Output<string>; url: pulumi.Output<string> }][];
        this.clusterId = run.cluster?.clusterId;
        this.clusterUrl = run.cluster?.url;
        this.schemaFullName = storage.schemaFullName;
        this.volumePath = storage.volumePath;
        this.workspaceFolder = notebooks.folderPath;
        this.jobIds = Object.fromEntries(phaseJobs.map(([phase, job]) => [phase, job.jobId]));
        this.jobUrls = Object.fromEntries(phaseJobs.map(([phase, job]) => [phase, job.url]));
        this.timelineJobId = run.timeline.jobId;
        this.timelineJobUrl = run.timeline.url;
        this.analysisJobUrl = run.analysis?.url;
        this.pipelineControlJobUrl = run.pipelineControl?.url;
        // An absent object has no id, never a placeholder: undefined entries are left out.
        this.ids = pulumi
            .output({
                clusterId: run.cluster?.clusterId,
                timelineJobId: run.timeline.jobId,
                phaseJobIds: this.jobIds,
                analysisJobId: run.analysis?.jobId,
                pipelineId: pipeline?.pipelineId,
                pipelineControlJobId: run.pipelineControl?.jobId,
                dashboardId,
            })
            .apply((ids) => Object.fromEntries(Object.entries(ids).filter(([, id]) => id !== undefined)) as unknown as BenchmarkIds);
        this.registerOutputs({
            clusterId: this.clusterId,
            clusterUrl: this.clusterUrl,
            schemaFullName: this.schemaFullName,
            volumePath: this.volumePath,
            workspaceFolder: this.workspaceFolder,
            jobIds: this.jobIds,
            jobUrls: this.jobUrls,
            timelineJobId: this.timelineJobId,
            timelineJobUrl: this.timelineJobUrl,
            analysisJobUrl: this.analysisJobUrl,
            pipelineUrl: this.pipelineUrl,
            pipelineControlJobUrl: this.pipelineControlJobUrl,
            ids: this.ids,
            dashboardUrl: this.dashboardUrl,
        });
    }

    /** `cluster.kind: allPurpose`: the shared all-purpose cluster, a job per phase on it, the analysis and control jobs. */
    private allPurposeRun(name: string, { plan, notebooks, storage, pipeline }: RunInputs): DeclaredRun {
        const cluster = new AutoscalingCluster(`${name}-compute`, plan.cluster, { parent: this });

        // The jobs write into the schema and volume: depending on them makes destroy delete the jobs first.
        const phaseJobs = plan.phases.map(
            (phase) =>
                [
                    phase.name,
                    new StreamingJob(
                        `${name}-${phase.name}`,
                        {
                            phase,
                            clusterId: cluster.clusterId,
                            notebookPath: notebooks.generatorPath,
                            timezone: plan.schedule.timezone,
                            paused: plan.schedule.paused,
                            tags: resourceTags(plan.stack, { phase: phase.name }),
                            notificationEmails: plan.notificationEmails,
                        },
                        { parent: this, dependsOn: [storage] },
                    ),
                ] as const,
        );
        const analysis = new AnalysisJob(
            `${name}-analysis`,
            {
                analysis: plan.analysis,
                clusterId: cluster.clusterId,
                notebookPath: notebooks.analysisPath,
                tags: resourceTags(plan.stack, { phase: "analysis" }),
                notificationEmails: plan.notificationEmails,
            },
            { parent: this, dependsOn: [storage] },
        );

        let control: PipelineControlJob | undefined;
        if (plan.pipeline && pipeline && notebooks.pipelineControlPath) {
            control = new PipelineControlJob(
                `${name}-dlt-control`,
                {
                    control: plan.pipeline.control,
                    pipelineId: pipeline.pipelineId,
                    clusterId: cluster.clusterId,
                    notebookPath: notebooks.pipelineControlPath,
                    timezone: plan.schedule.timezone,
                    paused: plan.schedule.paused,
                    tags: resourceTags(plan.stack, { phase: "dlt" }),
                    notificationEmails: plan.notificationEmails,
                },
                { parent: this, dependsOn: [storage] },
            );
        }

        const jobIds = Object.fromEntries(phaseJobs.map(([phase, job]) => [phase, job.jobId])) as Record<PhaseName, pulumi.Output<string>>;
        const timeline = new TimelineJob(
            `${name}-timeline`,
            {
                timelineJob: plan.timelineJob,
                jobIds: { ...jobIds, analysis: analysis.jobId, ...(control ? { pipeline: control.jobId } : {}) },
                tags: resourceTags(plan.stack, { phase: "timeline" }),
                notificationEmails: plan.notificationEmails,
            },
            { parent: this },
        );
        return {
            timeline,
            cluster,
            jobs: [
                ["timeline", timeline.jobId],
                ...phaseJobs.map(([phase, job]) => [phase, job.jobId] as [string, pulumi.Output<string>]),
                ["analysis", analysis.jobId],
                ...(control ? [["dlt-control", control.jobId] as [string, pulumi.Output<string>]] : []),
            ],
            phaseJobs: Object.fromEntries(phaseJobs),
            analysis,
            pipelineControl: control,
        };
    }

    /**
     * `cluster.kind: job`: no all-purpose cluster and no other job. The timeline job runs the phases, the pipeline's
     * control and the analysis as tasks on its job cluster, and carries the schedule.
     */
    private jobClusterRun(name: string, { plan, notebooks, storage, pipeline }: RunInputs): DeclaredRun {
        const timeline = new JobClusterTimelineJob(
            `${name}-timeline`,
            {
                plan,
                ...clusterRuntime(plan.cluster, this),
                generatorPath: notebooks.generatorPath,
                analysisPath: notebooks.analysisPath,
                pipelineControl:
                    pipeline && notebooks.pipelineControlPath
                        ? { notebookPath: notebooks.pipelineControlPath, pipelineId: pipeline.pipelineId }
                        : undefined,
                tags: resourceTags(plan.stack, { phase: "timeline" }),
                notificationEmails: plan.notificationEmails,
            },
            // Its tasks write into the schema and volume: destroy deletes the job first.
            { parent: this, dependsOn: [storage] },
        );
        return { timeline, jobs: [["timeline", timeline.jobId]], phaseJobs: {} };
    }
}
