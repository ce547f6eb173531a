/**
 * Evaluates the real Pulumi program (`index.ts`) without an engine, a workspace or credentials: Pulumi's public
 * mocks (`pulumi.runtime.setMocks`) stand in for the engine and record every resource the program declares, with
 * its inputs. The tests, the offline plan and the benchmark all use this, so what they show is what `pulumi up`
 * would declare.
 *
 * Only public SDK APIs: `setMocks` (its `MockResourceArgs` and `MockCallArgs`), `setAllConfig`, `disconnect`.
 * The mocks see no dependencies (`MockResourceArgs` carries none), so the order in which the engine creates and
 * deletes resources is checked by the end-to-end run against the real engine, not here.
 */
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { CONFIG_NAMESPACE } from "../config/schema";

export const PROJECT_ROOT = path.join(__dirname, "..");
const PROGRAM = path.join(PROJECT_ROOT, "index.ts");
/** What index.ts imports from the project; everything else it runs is its own top-level code. */
const PROGRAM_MODULES = ["config/parse.ts", "plan/build.ts", "components/benchmark.ts"];

/** Stand-ins for what only a workspace knows; the offline plan prints them as they are. */
export const OFFLINE_VALUES = {
    workspaceUrl: "https://<workspace>",
    userHome: "/Users/<you>",
    sparkVersion: "<latest LTS, looked up at deploy>",
    nodeTypeId: "<smallest 4-core node with local disk, looked up at deploy>",
};

/** A resource the program declared, as the engine would receive it. */
export interface Declared {
    type: string;
    name: string;
    /** False for component resources. */
    custom: boolean;
    inputs: Record<string, any>;
    /** The id the mock gave it (stands in for the one Databricks assigns at deploy). */
    id?: string;
}

export interface Evaluation {
    resources: Declared[];
    invokes: string[];
    outputs?: Record<string, any>;
    error?: Error;
    /**
     * What the program wrote to `console.warn`, line by line as written. Under mocks there is no engine to take
     * `pulumi.log.warn`, and the SDK writes it there instead; `pulumi up` shows the same messages as warnings.
     */
    warnings: string[];
    /** Milliseconds spent loading the libraries and the program's modules (compiled by ts-node). */
    moduleLoadMs: number;
    /** Milliseconds from the start of index.ts's own code to the last resource registered. */
    evaluationMs: number;
}

let current: { resources: Declared[]; invokes: string[]; lastRegistration: number } = { resources: [], invokes: [], lastRegistration: 0 };

function mockState(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, any> } {
    const inputs = args.inputs;
    const url = OFFLINE_VALUES.workspaceUrl;
    switch (args.type) {
        case "databricks:index/cluster:Cluster":
            return { id: `cluster-${args.name}`, state: { ...inputs, url: `${url}/#setting/clusters/cluster-${args.name}/configuration` } };
        case "databricks:index/job:Job": {
            const id = String(1000 + current.resources.filter((resource) => resource.type === args.type).length);
            return { id, state: { ...inputs, url: `${url}/#job/${id}` } };
        }
        case "databricks:index/schema:Schema":
            return { id: `${inputs.catalogName}.${inputs.name}`, state: inputs };
        case "databricks:index/volume:Volume":
            return {
                id: `${inputs.catalogName}.${inputs.schemaName}.${inputs.name}`,
                state: { ...inputs, volumePath: `/Volumes/${inputs.catalogName}/${inputs.schemaName}/${inputs.name}` },
            };
        case "databricks:index/pipeline:Pipeline":
            return { id: `pipeline-${args.name}`, state: { ...inputs, url: `${url}/pipelines/pipeline-${args.name}` } };
        case "databricks:index/dashboard:Dashboard":
            return { id: `dashboard-${args.name}`, state: { ...inputs, dashboardId: `dashboard-${args.name}` } };
        case "databricks:index/notebook:Notebook":
        case "databricks:index/workspaceFile:WorkspaceFile":
            return {
                id: inputs.path,
                state: { ...inputs, url: `${url}/#workspace${inputs.path}`, workspacePath: `/Workspace${inputs.path}` },
            };
        default:
            return { id: `${args.name}-id`, state: inputs };
    }
}

const mocks: pulumi.runtime.Mocks = {
    newResource(args) {
        // Recorded before the state is made: a job's mock id counts the jobs declared so far, itself included.
        const declared: Declared = { type: args.type, name: args.name, custom: args.custom === true, inputs: args.inputs };
        current.resources.push(declared);
        current.lastRegistration = performance.now();
        const state = mockState(args);
        declared.id = state.id;
        return state;
    },
    call(args) {
        current.invokes.push(args.token);
        switch (args.token) {
            case "databricks:index/getSparkVersion:getSparkVersion":
                return { id: OFFLINE_VALUES.sparkVersion };
            case "databricks:index/getNodeType:getNodeType":
                return { id: OFFLINE_VALUES.nodeTypeId };
            case "databricks:index/getCurrentUser:getCurrentUser":
                return { id: "0", home: OFFLINE_VALUES.userHome, userName: "<you>", workspaceUrl: OFFLINE_VALUES.workspaceUrl };
            default:
                throw new Error(`the offline evaluation has no stand-in for ${args.token}`);
        }
    },
};

/** `project:key` → string as the engine passes config; bare keys are `streambench:` keys, values JSON-encoded. */
export function engineConfig(config: Record<string, unknown>): Record<string, string> {
    return Object.fromEntries(
        Object.entries(config).map(([key, value]) => {
            const fullKey = key.includes(":") ? key : `${CONFIG_NAMESPACE}:${key}`;
            return [fullKey, typeof value === "string" ? value : JSON.stringify(value)];
        }),
    );
}

/** Unwraps an Output. */
export function promiseOf<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply(resolve));
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

/** Forgets the project's own modules so that the next import evaluates the program afresh. */
function forgetProjectModules(): void {
    for (const key of Object.keys(require.cache)) {
        const own = key.startsWith(PROJECT_ROOT) && !key.includes("node_modules");
        const tooling = key.includes(`${path.sep}tests${path.sep}`) || key.includes(`${path.sep}cli${path.sep}`);
        if (own && !tooling) {
            delete require.cache[key];
        }
    }
}

/**
 * Evaluates the program once for `stack` with `config` (engine form or bare `streambench:` keys). Returns what
 * it declared, its resolved exports, or the error it threw.
 */
export async function evaluateProgram(stack: string, config: Record<string, unknown>): Promise<Evaluation> {
    current = { resources: [], invokes: [], lastRegistration: 0 };
    const evaluation = current;
    await pulumi.runtime.setMocks(mocks, "streambench", stack, false);
    pulumi.runtime.setAllConfig(engineConfig(config));
    forgetProjectModules();
    const loadStart = performance.now();
    // Load the libraries and the program's own modules first (ts-node compiles those on every fresh import), so
    // that their load time is reported apart from the program's evaluation.
    await import("@pulumi/databricks");
    for (const module of PROGRAM_MODULES) {
        await import(path.join(PROJECT_ROOT, module));
    }
    const programStart = performance.now();
    const timing = () => ({
        moduleLoadMs: programStart - loadStart,
        evaluationMs: Math.max(0, (evaluation.lastRegistration || programStart) - programStart),
    });
    // Without an engine, pulumi.log.warn writes to console.warn: keep what is written there as the warnings.
    const warnings: string[] = [];
    const consoleWarn = console.warn;
    console.warn = (...args: unknown[]) => {
        warnings.push(args.map(String).join(" "));
    };
    try {
        const program = await import(PROGRAM);
        const outputs: Record<string, any> = {};
        for (const [name, value] of Object.entries(program)) {
            outputs[name] = await resolveDeep(value);
        }
        // Resources no export depends on may still be waiting for their inputs: disconnecting waits until the
        // mocks have answered every registration, as the language host does when a program ends.
        await pulumi.runtime.disconnect();
        return { resources: evaluation.resources, invokes: evaluation.invokes, outputs, warnings, ...timing() };
    } catch (error) {
        return { resources: evaluation.resources, invokes: evaluation.invokes, error: error as Error, warnings, ...timing() };
    } finally {
        console.warn = consoleWarn;
    }
}

/** The custom (non-component) resources of a type. */
export function ofType(evaluation: Evaluation, type: string): Declared[] {
    return evaluation.resources.filter((resource) => resource.custom && resource.type === type);
}

/** Every custom resource the program declared. */
export function customResources(evaluation: Evaluation): Declared[] {
    return evaluation.resources.filter((resource) => resource.custom);
}

/** How many resources of each type, by type. */
export function countByType(resources: { type: string }[]): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const resource of resources) {
        counts[resource.type] = (counts[resource.type] ?? 0) + 1;
    }
    return counts;
}
