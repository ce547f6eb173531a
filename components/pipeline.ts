import * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";
import type { PipelineArgs } from "@pulumi/databricks";
import { PipelinePlan } from "../plan/types";
import { childOptions } from "./childOptions";

export interface DltPipelineArgs {
    /** Name, autoscale bounds, configuration and event log table from the plan. */
    pipeline: PipelinePlan;
    catalog: string;
    /** The stack's schema: the pipeline's datasets and event log land there, beside the stream tables. */
    schemaName: pulumi.Input<string>;
    /** The stack's workspace folder, which holds pipeline.py and the modules it imports (pipeline_logic.py, stream_tables.py, job_parameters.py). */
    folderPath: pulumi.Input<string>;
    /** Workspace path of pipeline.py. */
    sourcePath: pulumi.Input<string>;
    tags: Record<string, string>;
}

/**
 * The DLT (Lakeflow Declarative Pipelines) pipeline under the same load: triggered, on a cluster with enhanced
 * autoscaling, streaming from every benchmark table. Creating or updating it starts no compute; each timeline's
 * control job (PipelineControlJob) runs it and stops it.
 */
export class DltPipeline extends pulumi.ComponentResource {
    public readonly pipelineId: pulumi.Output<string>;
    public readonly url: pulumi.Output<string>;

    constructor(name: string, args: DltPipelineArgs, opts?: pulumi.ComponentResourceOptions) {
        super("streambench:index:DltPipeline", name, {}, opts);
        const { pipeline } = args;

        // Triggered, not continuous: a continuous pipeline starts when it is created, the provider then waits for it
        // to be RUNNING after every create and update, and it bills until stopped. The control job runs it instead.
        // ENHANCED autoscaling is what Databricks recommends for streaming, the contrast this benchmark shows; a
        // serverless pipeline always has it and takes no cluster block (the Pipelines API refuses compute settings
        // on one). Only pipeline.py is a library: a glob over the folder would load the generator notebook too.
        // rootPath puts the folder on sys.path for pipeline_logic and the shared modules it imports.
        const resource = new databricks.Pipeline(
            `${name}-pipeline`,
            {
                name: pipeline.name,
                catalog: args.catalog,
                schema: args.schemaName,
                continuous: false,
                development: pipeline.development,
                ...pipelineCompute(pipeline, args.tags),
                libraries: [{ file: { path: args.sourcePath } }],
                rootPath: args.folderPath,
                configuration: pipeline.configuration,
                eventLog: { catalog: args.catalog, schema: args.schemaName, name: pipeline.eventLogTable },
                tags: args.tags,
            },
            childOptions(this, opts),
        );

        this.pipelineId = resource.id;
        this.url = resource.url;
        this.registerOutputs({ pipelineId: this.pipelineId, url: this.url });
    }
}

/**
 * The pipeline's compute inputs: `serverless: true` and no `clusters` for a serverless pipeline; for a classic one
 * the default cluster with enhanced autoscaling, and no `serverless` key at all, so a classic stack's inputs stay as
 * they were before the option existed (no diff on the next preview).
 */
export function pipelineCompute(pipeline: PipelinePlan, tags: Record<string, string>): Pick<PipelineArgs, "serverless" | "clusters"> {
    if (pipeline.serverless) {
        return { serverless: true };
    }
    if (!pipeline.autoscale) {
        throw new Error(`${pipeline.name}: a classic pipeline needs its autoscale bounds in the plan`);
    }
    return {
        clusters: [{ label: "default", autoscale: { ...pipeline.autoscale, mode: "ENHANCED" }, customTags: tags }],
    };
}
