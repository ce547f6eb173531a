import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { PROJECT_DIR } from "../../config/stackFile";

export interface RunOnDeployArgs {
    /** The timeline job `pulumi up` starts. */
    timelineJobId: pulumi.Input<string>;
    /** Every job whose active runs `pulumi destroy` cancels before the jobs are deleted. */
    benchmarkJobIds: pulumi.Input<string>[];
    /** DLT pipelines the cancel also stops (a cancelled control run may not reach its own stop). */
    pipelineIds: pulumi.Input<string>[];
    /** Digest of the workload; a new value starts a new run. */
    workloadFingerprint: string;
    /** `databricks:host`, when the stack config has it (else DATABRICKS_HOST from the environment). */
    host?: string;
    /** `databricks:token` as a secret, when the stack config has it (else DATABRICKS_TOKEN from the environment). */
    token?: pulumi.Output<string>;
}

const JOB_RUNS_SCRIPT = "npx --no-install ts-node --transpile-only components/runOnDeploy/jobRuns.ts";

/** The workspace credentials a command needs, from stack config where set; never plain text in the state. */
export function commandEnvironment(args: Pick<RunOnDeployArgs, "host" | "token">): Record<string, pulumi.Input<string>> {
    return {
        ...(args.host ? { DATABRICKS_HOST: args.host } : {}),
        ...(args.token ? { DATABRICKS_TOKEN: pulumi.secret(args.token) } : {}),
    };
}

/**
 * Starts the timeline run when the stack is deployed, and again only when the workload changes; cancels the
 * benchmark's active runs and stops the DLT pipeline on destroy (and before a replacement run starts).
 */
export class RunOnDeploy extends pulumi.ComponentResource {
    /** What the start command printed: the run id and its page. */
    public readonly started: pulumi.Output<string>;

    constructor(name: string, args: RunOnDeployArgs, opts?: pulumi.ComponentResourceOptions) {
        super("streambench:index:RunOnDeploy", name, {}, opts);

        const run = new command.local.Command(
            `${name}-run`,
            {
                dir: PROJECT_DIR,
                create: `${JOB_RUNS_SCRIPT} start`,
                // Other changes (a rotated token, another checkout path) must not restart the benchmark.
                update: `${JOB_RUNS_SCRIPT} unchanged`,
                delete: `${JOB_RUNS_SCRIPT} cancel`,
                environment: {
                    ...commandEnvironment(args),
                    STREAMBENCH_START_JOB_ID: args.timelineJobId,
                    STREAMBENCH_CANCEL_JOB_IDS: pulumi.all(args.benchmarkJobIds).apply((ids) => ids.join(",")),
                    // Referencing the pipeline also orders the delete: runs cancelled and pipeline stopped before it goes.
                    STREAMBENCH_STOP_PIPELINE_IDS: pulumi.all(args.pipelineIds).apply((ids) => ids.join(",")),
                },
                triggers: [args.workloadFingerprint],
            },
            // Cancel the old run before starting the new one, never the other way round.
            { parent: this, deleteBeforeReplace: true },
        );

        this.started = run.stdout;
        this.registerOutputs({ started: this.started });
    }
}
