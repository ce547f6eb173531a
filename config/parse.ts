/**
 * From the engine's config map to a validated StackConfig: the `streambench:*` values decoded as the schema wants
 * them, checked with every problem in one StackConfigError, before any resource is declared.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { StackConfigError, StackFileError, configKey } from "./error";
import { CONFIG_NAMESPACE, StackConfig, stackConfigSchema } from "./schema";
import { configKeyProblems, readStackFileText, secretProblems, stackFileScalarProblems } from "./stackFile";

/**
 * Validates the raw values of the `streambench:*` keys (as parsed from the stack file) and fills in defaults.
 * Throws one StackConfigError listing every problem. With `workspace`, also what deploying from this machine
 * needs (a host for runOnDeploy); without it (the ops CLI, which brings its own credentials) that is not checked.
 */
export function parseStackConfig(stack: string, raw: Record<string, unknown>, workspace?: WorkspaceAccess): StackConfig {
    const result = stackConfigSchema.safeParse(raw);
    if (result.success) {
        const problems = workspace ? workspaceProblems(result.data, workspace) : [];
        if (problems.length > 0) {
            throw new StackConfigError(stack, problems);
        }
        return result.data;
    }
    const problems = result.error.issues.flatMap((issue) => {
        if (issue.code === "unrecognized_keys") {
            return issue.keys.map((key) => ({
                key: configKey([...issue.path, key]),
                message: "unknown key (a typo?); remove it with `pulumi config rm`",
            }));
        }
        return [{ key: configKey(issue.path), message: issue.message }];
    });
    throw new StackConfigError(stack, problems);
}

/** Where the workspace host can come from, as the Databricks provider reads it. */
export interface WorkspaceAccess {
    /** `databricks:host` from the stack config. */
    configHost?: string;
    /** `DATABRICKS_HOST`, or a `DATABRICKS_CONFIG_PROFILE` that names the host. */
    environmentHost?: string;
}

/** Settings that need to reach the workspace from this machine (not only through the provider). */
function workspaceProblems(config: StackConfig, workspace: WorkspaceAccess): { key: string; message: string }[] {
    if (config.runOnDeploy && !workspace.configHost && !workspace.environmentHost) {
        return [
            {
                key: "databricks:host",
                message:
                    "is needed when streambench:runOnDeploy is true (the run is started from this machine): " +
                    "`pulumi config set databricks:host https://<workspace>` or export DATABRICKS_HOST",
            },
        ];
    }
    return [];
}

/** The workspace access visible to this process: stack config and the provider's environment variables. */
export function workspaceAccess(allConfig: Record<string, string>, env: NodeJS.ProcessEnv): WorkspaceAccess {
    return {
        configHost: allConfig["databricks:host"] || undefined,
        environmentHost: env.DATABRICKS_HOST || env.DATABRICKS_CONFIG_PROFILE || undefined,
    };
}

/** The type zod wants at a top-level key ("string", "number", "object", …), under its default / optional. */
function schemaType(key: string): string | undefined {
    // Own keys only: `constructor` or `toString` must come out as unknown keys, not as Object.prototype's functions.
    const shape: Record<string, z.ZodType> = stackConfigSchema.shape;
    let schema = Object.hasOwn(shape, key) ? shape[key] : undefined;
    while (schema && "innerType" in schema.def) {
        schema = schema.def.innerType as z.ZodType;
    }
    return schema?.def.type;
}

/**
 * The `streambench:*` keys of a Pulumi config map (`project:key` → string value). The engine passes every value as
 * text, objects as JSON; `database: "2024"` and `database: 2024` both arrive as `2024`. So only a key whose schema
 * wants a number, boolean, object or list is JSON-decoded; a string key keeps its text (`"2024"`, a 16-digit
 * warehouse id).
 */
export function namespaceValues(allConfig: Record<string, string>): Record<string, unknown> {
    // Built with fromEntries, which defines own properties: an assignment to `__proto__` would set the prototype instead.
    return Object.fromEntries(
        Object.entries(allConfig).flatMap(([fullKey, text]) => {
            const separator = fullKey.indexOf(":");
            if (fullKey.slice(0, separator) !== CONFIG_NAMESPACE) {
                return [];
            }
            const key = fullKey.slice(separator + 1);
            return [[key, schemaType(key) === "string" ? text : decode(text)]];
        }),
    );
}

function decode(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return text;
    }
}

/**
 * Reads and validates this stack's config from the Pulumi runtime. The engine passes values as text, already changed
 * where YAML read a text key's value as a number (`0x1f` arrives as "31"), so the stack file beside Pulumi.yaml, which
 * the engine read them from, is read too: its text tells such a value from one written in quotes.
 */
export function readStackConfig(): StackConfig {
    const stack = pulumi.getStack();
    let stackFileText: string | undefined;
    try {
        stackFileText = readStackFileText(stack);
    } catch (error) {
        if (!(error instanceof StackFileError)) {
            throw error;
        }
    }
    return parseEngineConfig(stack, pulumi.runtime.allConfig(), process.env, stackFileText);
}

/**
 * Validates a stack's whole config map (engine form) with every problem in one StackConfigError: keys nothing reads
 * and secrets an offline reader cannot decrypt, text keys the stack file (`stackFileText`, when at hand) wrote as YAML
 * numbers, then the `streambench:*` values. `pulumi up` and `npm run plan` both stop here, with the same problems.
 */
export function parseEngineConfig(
    stack: string,
    allConfig: Record<string, string>,
    env: NodeJS.ProcessEnv,
    stackFileText?: string,
): StackConfig {
    const formProblems = [
        ...configKeyProblems(allConfig),
        ...secretProblems(allConfig),
        ...(stackFileText === undefined ? [] : stackFileScalarProblems(stackFileText, Object.keys(allConfig))),
    ];
    let config: StackConfig | undefined;
    let valueProblems: { key: string; message: string }[] = [];
    try {
        config = parseStackConfig(stack, namespaceValues(allConfig), workspaceAccess(allConfig, env));
    } catch (error) {
        if (!(error instanceof StackConfigError)) {
            throw error;
        }
        valueProblems = error.problems;
    }
    // A key named for its form (a secret, a YAML number) is named once: its value's type error says the same.
    const named = new Set(formProblems.map((problem) => problem.key));
    const problems = [...formProblems, ...valueProblems.filter((problem) => !named.has(problem.key))];
    if (problems.length > 0 || !config) {
        throw new StackConfigError(stack, problems);
    }
    return config;
}

/** What the Databricks provider is given in the stack config (`databricks:*`); secrets as secret Outputs. */
export interface ProviderCredentials {
    host?: string;
    token?: pulumi.Output<string>;
    clientId?: string;
    clientSecret?: pulumi.Output<string>;
    profile?: string;
}

/**
 * The provider's credentials from the stack config, for commands that call the workspace themselves. Any may be
 * absent: the command then inherits DATABRICKS_* from the environment, as the provider does.
 */
export function workspaceCredentials(): ProviderCredentials {
    const provider = new pulumi.Config("databricks");
    return {
        host: provider.get("host"),
        token: provider.getSecret("token"),
        clientId: provider.get("clientId"),
        clientSecret: provider.getSecret("clientSecret"),
        profile: provider.get("profile"),
    };
}
