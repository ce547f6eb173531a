import * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";

export interface BenchmarkStorageArgs {
    /** An existing Unity Catalog catalog. */
    catalog: string;
    /** The stack's own schema, created here and dropped with every table in it on destroy. */
    schemaName: string;
    /** The managed volume that holds the streams' checkpoints. */
    volumeName: string;
}

/** The stack's schema (where the stream tables land) and its checkpoint volume. */
export class BenchmarkStorage extends pulumi.ComponentResource {
    /** `<catalog>.<schema>`. */
    public readonly schemaFullName: pulumi.Output<string>;
    public readonly schemaName: pulumi.Output<string>;
    /** `/Volumes/<catalog>/<schema>/<volume>`. */
    public readonly volumePath: pulumi.Output<string>;

    constructor(name: string, args: BenchmarkStorageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("streambench:index:BenchmarkStorage", name, {}, opts);

        // forceDestroy so that `pulumi destroy` drops the stream tables the jobs created, not only the schema.
        const schema = new databricks.Schema(
            `${name}-schema`,
            {
                catalogName: args.catalog,
                name: args.schemaName,
                comment: "Streaming autoscaling benchmark: one Delta table per stream. Managed by Pulumi; destroyed with the stack.",
                forceDestroy: true,
            },
            { parent: this },
        );

        // A managed volume so that its files (every checkpoint) are deleted with it.
        const volume = new databricks.Volume(
            `${name}-checkpoints`,
            {
                catalogName: args.catalog,
                schemaName: schema.name,
                name: args.volumeName,
                volumeType: "MANAGED",
                comment: "Structured Streaming checkpoints of the benchmark streams, one folder per phase run and stream.",
            },
            { parent: this },
        );

        this.schemaName = schema.name;
        this.schemaFullName = pulumi.interpolate`${args.catalog}.${schema.name}`;
        this.volumePath = volume.volumePath;
        this.registerOutputs({ schemaFullName: this.schemaFullName, schemaName: this.schemaName, volumePath: this.volumePath });
    }
}
