/**
 * Workspace host and token for the ops CLI and the run-on-deploy commands, in the order the Databricks provider
 * reads them. That is Databricks unified client authentication's credential lookup order (Databricks docs,
 * "Databricks unified authentication", Credential lookup order): direct configuration first (for the Pulumi
 * provider, `databricks:host` / `databricks:token` of the stack), then the environment, then a configuration
 * profile:
 *   1. the stack file `Pulumi.<stack>.yaml`: `databricks:host` / `databricks:token`. A secret token
 *      (`pulumi config set --secret`) cannot be decrypted without the Pulumi CLI: DATABRICKS_TOKEN then stands in
 *      for it (`export DATABRICKS_TOKEN=$(pulumi config get databricks:token)`), and without it that is an error
 *      saying which `export` to run;
 *   2. the environment: DATABRICKS_HOST, DATABRICKS_TOKEN;
 *   3. a `~/.databrickscfg` profile (or DATABRICKS_CONFIG_FILE): the one named by DATABRICKS_CONFIG_PROFILE (or
 *      `databricks:profile`) fills in what is still missing. Without a named profile, `[DEFAULT]` is used only when
 *      neither a host nor a token was found above, as the Databricks SDKs do: a token of another workspace is
 *      never paired with the stack's host.
 * Only personal access tokens are supported. No message here ever contains the token.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export interface WorkspaceCredentials {
    /** Workspace origin, e.g. `https://dbc-123.cloud.databricks.com`. */
    host: string;
    token: string;
    /** Where the host came from, e.g. "DATABRICKS_HOST" (for messages; never a value). */
    hostSource: string;
    tokenSource: string;
}

export class CredentialsError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "CredentialsError";
    }
}

interface Found {
    value: string;
    source: string;
}

type Profile = Record<string, string>;

/**
 * Resolves host and token. `stackConfig` is the stack file in the engine's form (`loadStackFile` of config/stackFile.ts),
 * `env` the process environment (HOME locates `~/.databrickscfg`).
 */
export function resolveCredentials(stack: string, stackConfig: Record<string, string>, env: NodeJS.ProcessEnv): WorkspaceCredentials {
    let host = stackValue(stack, stackConfig, "databricks:host", "DATABRICKS_HOST", env);
    let token = stackValue(stack, stackConfig, "databricks:token", "DATABRICKS_TOKEN", env);

    const namedProfile = stackValue(stack, stackConfig, "databricks:profile", "DATABRICKS_CONFIG_PROFILE", env);
    const configFile = databricksConfigFile(env);
    const defaultProfileSkipped = !namedProfile && Boolean(host || token);
    if (namedProfile) {
        const profile = readProfile(configFile, namedProfile.value);
        if (!profile) {
            throw new CredentialsError(
                `profile "${namedProfile.value}" (from ${namedProfile.source}) is not in ${configFile}: add it, or unset ${namedProfile.source}`,
            );
        }
        host ??= profileValue(profile, "host", namedProfile.value, configFile);
        token ??= profileValue(profile, "token", namedProfile.value, configFile);
    } else if (!defaultProfileSkipped) {
        const profile = readProfile(configFile, "DEFAULT");
        if (profile) {
            host = profileValue(profile, "host", "DEFAULT", configFile);
            token = profileValue(profile, "token", "DEFAULT", configFile);
        }
    }

    if (!host) {
        throw new CredentialsError(
            `no workspace host: export DATABRICKS_HOST=https://<workspace>, or \`pulumi config set databricks:host https://<workspace> --stack ${stack}\`, or use a ~/.databrickscfg profile (DATABRICKS_CONFIG_PROFILE)`,
        );
    }
    const origin = workspaceOrigin(host);
    if (!token) {
        const why = defaultProfileSkipped
            ? ` ([DEFAULT] of ${configFile} is not read when the host comes from ${host.source}; set DATABRICKS_CONFIG_PROFILE=DEFAULT to use it)`
            : "";
        throw new CredentialsError(
            `no token for ${origin}: export DATABRICKS_TOKEN=<personal access token>, or use a ~/.databrickscfg profile (DATABRICKS_CONFIG_PROFILE)${why}`,
        );
    }
    return { host: origin, token: token.value, hostSource: host.source, tokenSource: token.source };
}

function fromEnv(env: NodeJS.ProcessEnv, name: string): Found | undefined {
    const value = env[name]?.trim();
    return value ? { value, source: name } : undefined;
}

/**
 * The stack file's value (the provider's direct configuration), else the environment's. A Pulumi secret only the
 * Pulumi CLI can decrypt: the environment variable stands in for it, or an error names the export to run.
 */
function stackValue(
    stack: string,
    stackConfig: Record<string, string>,
    key: string,
    envName: string,
    env: NodeJS.ProcessEnv,
): Found | undefined {
    const value = stackConfig[key]?.trim();
    if (!value) {
        return fromEnv(env, envName);
    }
    if (value.startsWith('{"secure"')) {
        const standIn = fromEnv(env, envName);
        if (standIn) {
            return { value: standIn.value, source: `${envName} (for the secret ${key} of Pulumi.${stack}.yaml)` };
        }
        throw new CredentialsError(
            `${key} in Pulumi.${stack}.yaml is a Pulumi secret, which only the Pulumi CLI can decrypt: ` +
                `export ${envName}=$(pulumi config get ${key} --stack ${stack}) and run again`,
        );
    }
    return { value, source: `${key} in Pulumi.${stack}.yaml` };
}

function databricksConfigFile(env: NodeJS.ProcessEnv): string {
    const home = env.HOME || env.USERPROFILE || os.homedir();
    const configured = env.DATABRICKS_CONFIG_FILE?.trim();
    if (!configured) {
        return path.join(home, ".databrickscfg");
    }
    return configured.startsWith("~/") ? path.join(home, configured.slice(2)) : configured;
}

/** One `[name]` section of an INI-style ~/.databrickscfg, or undefined when the file or section is missing. */
export function readProfile(configFile: string, name: string): Profile | undefined {
    let text: string;
    try {
        text = fs.readFileSync(configFile, "utf8");
    } catch {
        return undefined;
    }
    // Keys above the first [section] belong to DEFAULT, as in the Databricks SDKs' INI reader.
    let section = "DEFAULT";
    let profile: Profile | undefined;
    for (const rawLine of text.split(/\r?\n/)) {
        const line = rawLine.trim();
        if (line === "" || line.startsWith("#") || line.startsWith(";")) {
            continue;
        }
        const header = /^\[(.+)\]$/.exec(line);
        if (header) {
            section = header[1].trim();
            if (section === name) {
                profile ??= {};
            }
            continue;
        }
        const separator = line.indexOf("=");
        if (section === name && separator > 0) {
            profile ??= {};
            profile[line.slice(0, separator).trim().toLowerCase()] = line.slice(separator + 1).trim();
        }
    }
    return profile;
}

function profileValue(profile: Profile, key: "host" | "token", name: string, configFile: string): Found | undefined {
    const value = profile[key];
    if (value) {
        return { value, source: `profile ${name} in ${configFile}` };
    }
    if (key === "token" && profile.auth_type) {
        throw new CredentialsError(
            `profile ${name} in ${configFile} uses auth_type=${profile.auth_type}; this CLI supports personal access tokens only: export DATABRICKS_TOKEN=<token>`,
        );
    }
    return undefined;
}

/** `dbc-1.cloud.databricks.com/?o=1` → `https://dbc-1.cloud.databricks.com`. */
function workspaceOrigin(host: Found): string {
    const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(host.value) ? host.value : `https://${host.value}`;
    let url: URL;
    try {
        url = new URL(withScheme);
    } catch {
        throw new CredentialsError(`${host.source} is not a workspace URL ("${host.value}"): use https://<workspace>.cloud.databricks.com`);
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") {
        throw new CredentialsError(`${host.source} is not a workspace URL ("${host.value}"): use https://<workspace>.cloud.databricks.com`);
    }
    return url.origin;
}
