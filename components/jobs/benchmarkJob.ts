import * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";
import { childOptions } from "../childOptions";

/**
 * A component of one Databricks job. The job components (phase, analysis, pipeline control, timeline) differ only in
 * their type and in the job's inputs, which each builds from the plan with a pure function; this declares the job.
 */
export abstract class BenchmarkJob extends pulumi.ComponentResource {
    public readonly jobId: pulumi.Output<string>;
    public readonly url: pulumi.Output<string>;

    protected constructor(type: string, name: string, inputs: databricks.JobArgs, opts?: pulumi.ComponentResourceOptions) {
        super(type, name, {}, opts);

        const job = new databricks.Job(`${name}-job`, inputs, childOptions(this, opts));

        this.jobId = job.id;
        this.url = job.url;
        this.registerOutputs({ jobId: this.jobId, url: this.url });
    }
}
