import * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_DIR } from "../config/stackFile";

/** Local sources, relative to the project directory (the provider reads them from the working directory). */
export const GENERATOR_NOTEBOOK_SOURCE = "notebooks/generator.py";
export const ANALYSIS_NOTEBOOK_SOURCE = "notebooks/analysis.py";
export const PIPELINE_SOURCE = "notebooks/pipeline.py";
export const PIPELINE_CONTROL_NOTEBOOK_SOURCE = "notebooks/pipeline_control.py";
/** The notebooks' logic: one Python package, uploaded beside them as a folder. */
export const PACKAGE_SOURCE = "notebooks/streambench";
/** The package's parts that run on the user's machine only and are not uploaded: the local runner, the ops client. */
const LOCAL_ONLY_SUBPACKAGES = ["local", "ops"];

/** The package's folders (its root first) and Python files, relative to the project directory, sorted. */
export function packageTree(): { folders: string[]; files: string[] } {
    const folders: string[] = [];
    const files: string[] = [];
    const walk = (relative: string) => {
        folders.push(relative);
        for (const entry of fs
            .readdirSync(path.join(PROJECT_DIR, relative), { withFileTypes: true })
            .sort((a, b) => a.name.localeCompare(b.name))) {
            const child = `${relative}/${entry.name}`;
            if (
                entry.isDirectory() &&
                entry.name !== "__pycache__" &&
                !(relative === PACKAGE_SOURCE && LOCAL_ONLY_SUBPACKAGES.includes(entry.name))
            ) {
                walk(child);
            } else if (entry.isFile() && entry.name.endsWith(".py")) {
                files.push(child);
            }
        }
    };
    walk(PACKAGE_SOURCE);
    return { folders, files };
}

/** Every source a benchmark run executes, for the workload fingerprint: the generator notebook and the package. */
export function notebookSources(): string[] {
    return [GENERATOR_NOTEBOOK_SOURCE, ...packageTree().files];
}

/**
 * A local source as the provider's `source` input takes it: relative to the working directory, which is the project
 * directory under `pulumi up`, so the state holds `notebooks/<file>` and never the checkout's absolute path.
 */
export function providerSource(source: string): string {
    return path.relative(process.cwd(), path.join(PROJECT_DIR, source));
}

/** The text of a local source: located from the project directory, whatever the working directory. */
export function readSource(source: string): string {
    return fs.readFileSync(path.join(PROJECT_DIR, source), "utf8");
}

/** A resource name from a source path under notebooks/: `streambench/analysis/spark.py` -> `streambench-analysis-spark`. */
function sourceSlug(source: string): string {
    return path.relative("notebooks", source).replace(/\.py$/, "").split(/[/_]+/).filter(Boolean).join("-");
}

export interface NotebookFolderArgs {
    /** The stack's own workspace folder, e.g. `/Users/<me>/streambench-<stack>`. */
    folderPath: pulumi.Input<string>;
    /** Also upload the DLT pipeline's source file and its control notebook. */
    withPipeline: boolean;
}

/** The stack's workspace folder with the entry notebooks and, beside them, the package they import. */
export class NotebookFolder extends pulumi.ComponentResource {
    public readonly folderPath: pulumi.Output<string>;
    /** Workspace path of the generator notebook, as a notebook task takes it. */
    public readonly generatorPath: pulumi.Output<string>;
    public readonly generatorUrl: pulumi.Output<string>;
    /** Workspace path of the analysis notebook. */
    public readonly analysisPath: pulumi.Output<string>;
    /** Workspace path of the pipeline source (pipeline.py), when uploaded. */
    public readonly pipelinePath?: pulumi.Output<string>;
    /** Workspace path of the pipeline's control notebook, when uploaded. */
    public readonly pipelineControlPath?: pulumi.Output<string>;

    constructor(name: string, args: NotebookFolderArgs, opts?: pulumi.ComponentResourceOptions) {
        super("streambench:index:NotebookFolder", name, {}, opts);

        // Not deleteRecursive: destroy removes what the stack uploaded, never files someone else put here.
        const folder = new databricks.Directory(`${name}-folder`, { path: args.folderPath }, { parent: this });
        const workspacePath = (source: string) => pulumi.interpolate`${folder.path}/${path.relative("notebooks", source)}`;

        // The package as a folder tree: each folder its own Directory (its files depend on it, so they go first on
        // destroy), each module a workspace file. The notebook's folder is on sys.path, so `import streambench` works.
        const tree = packageTree();
        const directories = new Map<string, databricks.Directory>();
        for (const source of tree.folders) {
            const parent = directories.get(path.dirname(source));
            directories.set(
                source,
                new databricks.Directory(
                    `${name}-${sourceSlug(source)}`,
                    { path: workspacePath(source) },
                    { parent: this, dependsOn: parent ? [parent] : [folder] },
                ),
            );
        }
        const workspaceFile = (source: string, dependsOn: pulumi.Resource[]) =>
            new databricks.WorkspaceFile(
                `${name}-${sourceSlug(source)}`,
                { path: workspacePath(source), source: providerSource(source) },
                { parent: this, dependsOn },
            );
        const modules = tree.files.map((source) => workspaceFile(source, [directories.get(path.dirname(source))!]));

        // `source` keeps the notebook text out of the state (the provider tracks the file's hash); it depends on
        // the package so that a job never sees the notebook without it.
        const notebook = (source: string) =>
            new databricks.Notebook(
                `${name}-${sourceSlug(source)}`,
                {
                    path: workspacePath(source).apply((file) => file.replace(/\.py$/, "")),
                    source: providerSource(source),
                    language: "PYTHON",
                    format: "SOURCE",
                },
                { parent: this, dependsOn: modules },
            );
        const generator = notebook(GENERATOR_NOTEBOOK_SOURCE);
        const analysis = notebook(ANALYSIS_NOTEBOOK_SOURCE);

        if (args.withPipeline) {
            // A plain Python file (not a notebook): a pipeline takes pipeline.py as a file library.
            this.pipelinePath = workspaceFile(PIPELINE_SOURCE, modules).path;
            // The control notebook runs on the benchmark's compute beside the generator and imports the package.
            this.pipelineControlPath = notebook(PIPELINE_CONTROL_NOTEBOOK_SOURCE).path;
        }

        this.folderPath = folder.path;
        this.analysisPath = analysis.path;
        this.generatorPath = generator.path;
        this.generatorUrl = generator.url;
        this.registerOutputs({
            folderPath: this.folderPath,
            generatorPath: this.generatorPath,
            generatorUrl: this.generatorUrl,
            analysisPath: this.analysisPath,
            pipelinePath: this.pipelinePath,
            pipelineControlPath: this.pipelineControlPath,
        });
    }
}
