import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as path from "path";
import { CONFIG_NAMESPACE, stackFileConfig } from "../config";

const PROJECT_ROOT = path.join(__dirname, "..");

export const WORKSPACE_URL = "https://dbc-test.cloud.databricks.com";
export const USER_HOME = "/Users/alice@example.com";
export const PINNED_LTS = "16.4.x-scala2.12";
export const LOOKED_UP_NODE = "i3.xlarge";

/** A resource the program declared, as the engine would receive it. */
export interface Declared {
    type: string;
    name: string;
    inputs: Record<string, any>;
}

/** Everything the program declared and invoked in one evaluation. */
export interface Evaluation {
    resources: Declared[];
    invokes: string[];
}

let current: Evaluation = { resources: [], invokes: [] };

function mockState(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, any> } {
    const inputs = args.inputs;
    switch (args.type) {
        case "databricks:index/cluster:Cluster":
            return { id: `cluster-${args.name}`, state: { ...inputs, url: `${WORKSPACE_URL}/#setting/clusters/cluster-${args.name}/configuration` } };
        case "databricks:index/job:Job": {
            const id = String(1000 + current.resources.filter((resource) => resource.type === args.type).length);
            return { id, state: { ...inputs, url: `${WORKSPACE_URL}/#job/${id}` } };
        }
        case "databricks:index/schema:Schema":
            return { id: `${inputs.catalogName}.${inputs.name}`, state: inputs };
        case "databricks:index/volume:Volume":
            return {
                id: `${inputs.catalogName}.${inputs.schemaName}.${inputs.name}`,
                state: { ...inputs, volumePath: `/Volumes/${inputs.catalogName}/${inputs.schemaName}/${inputs.name}` },
            };
        case "databricks:index/notebook:Notebook":
        case "databricks:index/workspaceFile:WorkspaceFile":
            return { id: inputs.path, state: { ...inputs, url: `${WORKSPACE_URL}/#workspace${inputs.path}`, workspacePath: `/Workspace${inputs.path}` } };
        default:
            return { id: `${args.name}-id`, state: inputs };
    }
}

const mocks: pulumi.runtime.Mocks = {
    newResource(args) {
        const result = mockState(args);
        if (args.custom !== false) {
            current.resources.push({ type: args.type, name: args.name, inputs: args.inputs });
        }
        return result;
    },
    call(args) {
        current.invokes.push(args.token);
        switch (args.token) {
            case "databricks:index/getSparkVersion:getSparkVersion":
                return { id: PINNED_LTS };
            case "databricks:index/getNodeType:getNodeType":
                return { id: LOOKED_UP_NODE };
            case "databricks:index/getCurrentUser:getCurrentUser":
                return { id: "42", home: USER_HOME, userName: "alice@example.com", workspaceUrl: WORKSPACE_URL };
            default:
                throw new Error(`unexpected invoke ${args.token}`);
        }
    },
};

/** Unwraps an Output in an async test. */
export function promiseOf<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply(resolve));
}

/** The committed `Pulumi.<stack>.yaml` config, as the engine passes it. */
export function committedStackConfig(stack: string): Record<string, string> {
    return stackFileConfig(fs.readFileSync(path.join(PROJECT_ROOT, `Pulumi.${stack}.yaml`), "utf8"));
}

/** `project:key` → JSON string, as `pulumi.runtime.setAllConfig` takes it; bare keys are `streambench:` keys. */
export function engineConfig(config: Record<string, unknown>): Record<string, string> {
    return Object.fromEntries(
        Object.entries(config).map(([key, value]) => {
            const fullKey = key.includes(":") ? key : `${CONFIG_NAMESPACE}:${key}`;
            return [fullKey, typeof value === "string" ? value : JSON.stringify(value)];
        }),
    );
}

const PROGRAM = path.join(PROJECT_ROOT, "index.ts");

/**
 * Evaluates the Pulumi program once for `stack` with `config` under mocks. Returns what it declared and its
 * exports, or the error it threw.
 */
export async function evaluateProgram(
    stack: string,
    config: Record<string, unknown>,
): Promise<Evaluation & { outputs?: Record<string, any>; error?: Error }> {
    current = { resources: [], invokes: [] };
    const evaluation = current;
    await pulumi.runtime.setMocks(mocks, "streambench", stack, false);
    pulumi.runtime.setAllConfig(engineConfig(config));
    for (const key of Object.keys(require.cache)) {
        if (key.startsWith(PROJECT_ROOT) && !key.includes("node_modules") && !key.includes(`${path.sep}tests${path.sep}`)) {
            delete require.cache[key];
        }
    }
    try {
        const program = await import(PROGRAM);
        const outputs: Record<string, any> = {};
        for (const [name, value] of Object.entries(program)) {
            outputs[name] = await resolveDeep(value);
        }
        return { ...evaluation, outputs };
    } catch (error) {
        return { ...evaluation, error: error as Error };
    }
}

async function resolveDeep(value: unknown): Promise<unknown> {
    if (pulumi.Output.isInstance(value)) {
        return resolveDeep(await promiseOf(value as pulumi.Output<unknown>));
    }
    if (Array.isArray(value)) {
        return Promise.all(value.map(resolveDeep));
    }
    if (value && typeof value === "object") {
        const entries = await Promise.all(Object.entries(value).map(async ([key, inner]) => [key, await resolveDeep(inner)] as const));
        return Object.fromEntries(entries);
    }
    return value;
}

export function ofType(evaluation: Evaluation, type: string): Declared[] {
    return evaluation.resources.filter((resource) => resource.type === type);
}
