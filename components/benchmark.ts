import * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";
import type { ProviderCredentials } from "../config/parse";
import { PhaseName, ScalingPlan } from "../plan/types";
import { resourceTags, workloadFingerprint } from "../plan/build";
import { AnalysisJob } from "./jobs/analysisJob";
import { AutoscalingCluster } from "./cluster";
import { NotebookFolder, notebookSources, readSource } from "./notebooks";
import { RunOnDeploy } from "./runOnDeploy";
import { ScalingDashboard } from "./dashboard";
import { DltPipeline } from "./pipeline";
import { PipelineControlJob } from "./jobs/pipelineControlJob";
import { BenchmarkStorage } from "./storage";
import { StreamingJob } from "./jobs/streamingJob";
import { TimelineJob } from "./jobs/timelineJob";

export interface StreamingBenchmarkArgs {
    /** The scaling plan built from the stack's config: every name, number and schedule. */
    plan: ScalingPlan;
    /** Workspace credentials from the stack config, for the run-on-deploy command (else the environment's). */
    credentials?: ProviderCredentials;
}

/** The whole benchmark of one stack: cluster, schema and checkpoint volume, notebooks and one job per phase. */
export class StreamingBenchmark extends pulumi.ComponentResource {
    public readonly clusterId: pulumi.Output<string>;
    public readonly clusterUrl: pulumi.Output<string>;
    public readonly schemaFullName: pulumi.Output<string>;
    public readonly volumePath: pulumi.Output<string>;
    public readonly workspaceFolder: pulumi.Output<string>;
    public readonly jobIds: Record<PhaseName, pulumi.Output<string>>;
    public readonly jobUrls: Record<PhaseName, pulumi.Output<string>>;
    public readonly timelineJobId: pulumi.Output<string>;
    public readonly timelineJobUrl: pulumi.Output<string>;
    public readonly analysisJobUrl: pulumi.Output<string>;
    /** Undefined unless the DLT pipeline is enabled. */
    public readonly pipelineUrl?: pulumi.Output<string>;
    /** The job that runs the DLT pipeline through a timeline; undefined unless the pipeline is enabled. */
    public readonly pipelineControlJobUrl?: pulumi.Output<string>;
    /** Undefined when no SQL warehouse is configured. */
    public readonly dashboardUrl?: pulumi.Output<string>;

    constructor(name: string, args: StreamingBenchmarkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("streambench:index:StreamingBenchmark", name, {}, opts);
        const { plan } = args;

        const me = databricks.getCurrentUserOutput({}, { parent: this });

        const cluster = new AutoscalingCluster(`${name}-compute`, plan.cluster, { parent: this });
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

        // The jobs write into the schema and volume: depending on them makes destroy delete the jobs first.
        const jobs = plan.phases.map(
            (phase) =>
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
        );

        const jobIds = Object.fromEntries(plan.phases.map((phase, index) => [phase.name, jobs[index].jobId])) as Record<
            PhaseName,
            pulumi.Output<string>
        >;
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

        // The DLT pipeline is triggered: declaring it starts nothing. Its control job runs it through each timeline.
        let pipelineControl: { pipelineId: pulumi.Output<string>; jobId: pulumi.Output<string> } | undefined;
        if (plan.pipeline && notebooks.pipelinePath && notebooks.pipelineControlPath) {
            const pipeline = new DltPipeline(
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
            const control = new PipelineControlJob(
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
            pipelineControl = { pipelineId: pipeline.pipelineId, jobId: control.jobId };
            this.pipelineUrl = pipeline.url;
            this.pipelineControlJobUrl = control.url;
        }

        const timeline = new TimelineJob(
            `${name}-timeline`,
            {
                timelineJob: plan.timelineJob,
                jobIds: { ...jobIds, analysis: analysis.jobId, ...(pipelineControl ? { pipeline: pipelineControl.jobId } : {}) },
                tags: resourceTags(plan.stack, { phase: "timeline" }),
                notificationEmails: plan.notificationEmails,
            },
            { parent: this },
        );

        // Only the dashboard needs a SQL warehouse; without one the stack warns (planWarnings) and skips it.
        if (plan.warehouseId) {
            const dashboard = new ScalingDashboard(
                `${name}-dashboard`,
                { plan, warehouseId: plan.warehouseId, parentPath: notebooks.folderPath, workspaceUrl: me.workspaceUrl },
                { parent: this, dependsOn: [storage] },
            );
            this.dashboardUrl = dashboard.url;
        }

        // Permissions are authoritative on their object: declared only when the config grants something, so an
        // unset config leaves the default ACLs (creator as owner, admins) alone. The provider keeps the deploying
        // user as the jobs' owner.
        if (plan.access.cluster.length > 0) {
            new databricks.Permissions(
                `${name}-cluster-access`,
                { clusterId: cluster.clusterId, accessControls: plan.access.cluster },
                { parent: this },
            );
        }
        if (plan.access.jobs.length > 0) {
            const grantedJobs = [
                ...Object.entries(jobIds),
                ["timeline", timeline.jobId] as const,
                ["analysis", analysis.jobId] as const,
                ...(pipelineControl ? [["dlt-control", pipelineControl.jobId] as const] : []),
            ];
            for (const [jobName, jobId] of grantedJobs) {
                new databricks.Permissions(`${name}-${jobName}-access`, { jobId, accessControls: plan.access.jobs }, { parent: this });
            }
        }

        if (plan.runOnDeploy) {
            const sources = notebookSources().map(readSource);
            new RunOnDeploy(
                `${name}-run-on-deploy`,
                {
                    timelineJobId: timeline.jobId,
                    benchmarkJobIds: [
                        timeline.jobId,
                        ...Object.values(jobIds),
                        analysis.jobId,
                        ...(pipelineControl ? [pipelineControl.jobId] : []),
                    ],
                    pipelineIds: pipelineControl ? [pipelineControl.pipelineId] : [],
                    workloadFingerprint: workloadFingerprint(plan, sources),
                    credentials: args.credentials,
                },
                { parent: this },
            );
        }

        this.clusterId = cluster.clusterId;
        this.clusterUrl = cluster.url;
        this.schemaFullName = storage.schemaFullName;
        this.volumePath = storage.volumePath;
        this.workspaceFolder = notebooks.folderPath;
        this.jobIds = jobIds;
        this.jobUrls = Object.fromEntries(plan.phases.map((phase, index) => [phase.name, jobs[index].url])) as Record<
            PhaseName,
            pulumi.Output<string>
        >;
        this.timelineJobId = timeline.jobId;
        this.timelineJobUrl = timeline.url;
        this.analysisJobUrl = analysis.url;
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
            dashboardUrl: this.dashboardUrl,
        });
    }
}
