import * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";
import { PhaseName, ScalingPlan, resourceTags } from "../plan";
import { AutoscalingCluster } from "./cluster";
import { NotebookFolder } from "./notebooks";
import { BenchmarkStorage } from "./storage";
import { StreamingJob } from "./streamingJob";

export interface StreamingBenchmarkArgs {
    /** The scaling plan built from the stack's config: every name, number and schedule. */
    plan: ScalingPlan;
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
            { folderPath: pulumi.interpolate`${me.home}/${plan.resourcePrefix}` },
            { parent: this },
        );

        // The jobs write into the schema and volume: depending on them makes destroy delete the jobs first.
        const jobs = plan.phases.map(
            (phase) =>
                new StreamingJob(
                    `${name}-${phase.name}`,
                    {
                        jobName: `${plan.resourcePrefix}-${phase.name}`,
                        phase,
                        clusterId: cluster.clusterId,
                        notebookPath: notebooks.generatorPath,
                        timezone: plan.schedule.timezone,
                        paused: plan.schedule.paused,
                        tags: resourceTags(plan.stack, { phase: phase.name }),
                    },
                    { parent: this, dependsOn: [storage] },
                ),
        );

        this.clusterId = cluster.clusterId;
        this.clusterUrl = cluster.url;
        this.schemaFullName = storage.schemaFullName;
        this.volumePath = storage.volumePath;
        this.workspaceFolder = notebooks.folderPath;
        this.jobIds = Object.fromEntries(plan.phases.map((phase, index) => [phase.name, jobs[index].jobId])) as Record<PhaseName, pulumi.Output<string>>;
        this.jobUrls = Object.fromEntries(plan.phases.map((phase, index) => [phase.name, jobs[index].url])) as Record<PhaseName, pulumi.Output<string>>;
        this.registerOutputs({ clusterId: this.clusterId, jobIds: this.jobIds, schemaFullName: this.schemaFullName });
    }
}
