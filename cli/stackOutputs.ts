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

/** Secrets of the stack file the SDK needs and only `pulumi` can decrypt, with the variable to export instead. */
export function secretHints(stackConfig: Record<string, string>, env: NodeJS.ProcessEnv): string[] {
    const needs = [
        ["databricks:token", "DATABRICKS_TOKEN"],
        ["databricks:clientSecret", "DATABRICKS_CLIENT_SECRET"],
    ];
    return needs
        .filter(([key, variable]) => /"secure"/.test(stackConfig[key] ?? "") && !env[variable])
        .map(([key, variable]) => `${key} is a secret: export ${variable}=$(pulumi config get ${key} --stack <stack>)`);
}
