import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import type { ProviderCredentials } from "../../config/parse";
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
    /** What the Databricks provider was given in the stack config (else the command inherits DATABRICKS_*). */
    credentials?: ProviderCredentials;
}

/** The SDK commands of notebooks/streambench/ops/deploy.py, in the `.venv-ops` that `npm run setup` creates. */
const DEPLOY_COMMAND = "PYTHONPATH=notebooks .venv-ops/bin/python -m streambench.ops.deploy";

/**
 * The provider's credentials as the SDK reads them from the environment (the same unified authentication):
 * host, token, OAuth client id and secret, config profile; secrets stay secrets, never plain text in the state.
 */
export function commandEnvironment(credentials: ProviderCredentials = {}): Record<string, pulumi.Input<string>> {
    return {
        ...(credentials.host ? { DATABRICKS_HOST: credentials.host } : {}),
        ...(credentials.token ? { DATABRICKS_TOKEN: pulumi.secret(credentials.token) } : {}),
        ...(credentials.clientId ? { DATABRICKS_CLIENT_ID: credentials.clientId } : {}),
        ...(credentials.clientSecret ? { DATABRICKS_CLIENT_SECRET: pulumi.secret(credentials.clientSecret) } : {}),
        ...(credentials.profile ? { DATABRICKS_CONFIG_PROFILE: credentials.profile } : {}),
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
                create: `${DEPLOY_COMMAND} start`,
                // Other changes (a rotated token, another checkout path) must not restart the benchmark.
                update: `${DEPLOY_COMMAND} unchanged`,
                delete: `${DEPLOY_COMMAND} cancel`,
                environment: {
                    ...commandEnvironment(args.credentials),
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
