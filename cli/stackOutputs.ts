/**
 * What the workspace-facing scripts (ops, local --connect) take from a deployed stack besides its stack file: the
 * stack's outputs (ids of its objects), and which secrets of the stack file the Databricks SDK would need but only
 * the Pulumi CLI can decrypt.
 */
import { spawnSync } from "child_process";

/** The stack's outputs from the Pulumi CLI, or undefined when there is no CLI or no state for it. */
export function pulumiStackOutputs(projectDir: string, stack: string): Record<string, unknown> | undefined {
    const result = spawnSync("pulumi", ["stack", "output", "--json", "--stack", stack], {
        cwd: projectDir,
        encoding: "utf8",
        timeout: 30_000,
    });
    if (result.status !== 0 || !result.stdout) {
        return undefined;
    }
    try {
        return JSON.parse(result.stdout) as Record<string, unknown>;
    } catch {
        return undefined;
    }
}

/** The provider's secrets, with the variable the SDK reads each from. */
const PROVIDER_SECRETS = [
    ["databricks:token", "DATABRICKS_TOKEN"],
    ["databricks:clientSecret", "DATABRICKS_CLIENT_SECRET"],
    ["databricks:password", "DATABRICKS_PASSWORD"],
    ["databricks:azureClientSecret", "ARM_CLIENT_SECRET"],
] as const;

/** Whether a stack-file value (in the engine's form) was set with `pulumi config set --secret`. */
export const isSecureValue = (value: string | undefined) => /"secure"/.test(value ?? "");

/**
 * The provider's secrets that sit in plain text in the stack file. `Pulumi.<stack>.yaml` is committed, so such a
 * value is leaked already; and the workspace scripts pass the SDK only the stack's host, profile and client id, so
 * using it would take a secret from a file in git, while ignoring it silently would act with other credentials.
 * Refused, named (never printed), with where the secret belongs.
 */
export function plaintextSecretProblems(stack: string, stackConfig: Record<string, string>): { key: string; message: string }[] {
    return PROVIDER_SECRETS.filter(([key]) => stackConfig[key] && !isSecureValue(stackConfig[key])).map(([key, variable]) => ({
        key,
        message:
            `is in plain text in Pulumi.${stack}.yaml, a committed file (its value is not printed): take it as leaked and revoke it. ` +
            `Keep the new one out of the file: \`pulumi config set --secret ${key} <value>\` for \`pulumi up\`, and ${variable} ` +
            "(or a ~/.databrickscfg profile) for ops, which never uses a plain-text secret from the stack file",
    }));
}

/** Secrets of the stack file the SDK needs and only `pulumi` can decrypt, with the variable to export instead. */
export function secretHints(stackConfig: Record<string, string>, env: NodeJS.ProcessEnv): string[] {
    const needs = [...PROVIDER_SECRETS, ["databricks:clientId", "DATABRICKS_CLIENT_ID"]];
    return needs
        .filter(([key, variable]) => isSecureValue(stackConfig[key]) && !env[variable])
        .map(([key, variable]) => `${key} is a secret: export ${variable}=$(pulumi config get ${key} --stack <stack>)`);
}
