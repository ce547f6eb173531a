import * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as path from "path";

/** The project directory, where Pulumi.yaml is and where `pulumi up` runs the program. */
export const PROJECT_DIR = path.join(__dirname, "..");

/** Local sources, relative to the project directory (the provider reads them from the working directory). */
export const GENERATOR_NOTEBOOK_SOURCE = "notebooks/generator.py";
export const GENERATOR_LOGIC_SOURCE = "notebooks/generator_logic.py";
export const METRICS_LOGIC_SOURCE = "notebooks/metrics_logic.py";
export const ANALYSIS_NOTEBOOK_SOURCE = "notebooks/analysis.py";
/** The analysis's modules, by responsibility (analysis_logic.py only re-exports them, for local use). */
export const ANALYSIS_MODULE_SOURCES = [
    "notebooks/analysis_params.py",
    "notebooks/analysis_windows.py",
    "notebooks/analysis_events.py",
    "notebooks/analysis_report.py",
    "notebooks/analysis_spark.py",
];
/** Modules every notebook imports: the phases document and the job-parameter helpers. */
export const JOB_PARAMETERS_SOURCE = "notebooks/job_parameters.py";
export const STREAM_TABLES_SOURCE = "notebooks/stream_tables.py";
export const PIPELINE_SOURCE = "notebooks/pipeline.py";
export const PIPELINE_LOGIC_SOURCE = "notebooks/pipeline_logic.py";
export const PIPELINE_CONTROL_NOTEBOOK_SOURCE = "notebooks/pipeline_control.py";
export const PIPELINE_CONTROL_LOGIC_SOURCE = "notebooks/pipeline_control_logic.py";
/** Every source a benchmark run executes, for the workload fingerprint. */
export const NOTEBOOK_SOURCES = [GENERATOR_NOTEBOOK_SOURCE, GENERATOR_LOGIC_SOURCE, METRICS_LOGIC_SOURCE, JOB_PARAMETERS_SOURCE, STREAM_TABLES_SOURCE];

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

export interface NotebookFolderArgs {
    /** The stack's own workspace folder, e.g. `/Users/<me>/streambench-<stack>`. */
    folderPath: pulumi.Input<string>;
    /** Also upload the DLT pipeline's source files and its control notebook. */
    withPipeline: boolean;
}

/** The stack's workspace folder with the generator and analysis notebooks and the modules they import. */
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

        // A plain Python file in the folder, named after its source (`generator_logic.py` -> `<name>-generator-logic`).
        const workspaceFile = (source: string) =>
            new databricks.WorkspaceFile(
                `${name}-${path.basename(source, ".py").replace(/_/g, "-")}`,
                { path: pulumi.interpolate`${folder.path}/${path.basename(source)}`, source: providerSource(source) },
                { parent: this },
            );
        // `source` keeps the notebook text out of the state (the provider tracks the file's hash); it depends on
        // the modules it imports so that a job never sees the notebook without them.
        const notebook = (notebookName: string, source: string, imports: databricks.WorkspaceFile[]) =>
            new databricks.Notebook(
                `${name}-${notebookName.replace(/_/g, "-")}`,
                { path: pulumi.interpolate`${folder.path}/${notebookName}`, source: providerSource(source), language: "PYTHON", format: "SOURCE" },
                { parent: this, dependsOn: imports },
            );

        // Workspace files beside the notebook: the notebook's folder is on sys.path, so it imports these modules.
        const modules = [GENERATOR_LOGIC_SOURCE, METRICS_LOGIC_SOURCE, JOB_PARAMETERS_SOURCE, STREAM_TABLES_SOURCE, ...ANALYSIS_MODULE_SOURCES].map(workspaceFile);
        const generator = notebook("generator", GENERATOR_NOTEBOOK_SOURCE, modules);
        const analysis = notebook("analysis", ANALYSIS_NOTEBOOK_SOURCE, modules);

        if (args.withPipeline) {
            // Plain Python files (not notebooks): a pipeline takes pipeline.py as a file library.
            const [pipelineSource] = [PIPELINE_SOURCE, PIPELINE_LOGIC_SOURCE].map(workspaceFile);
            this.pipelinePath = pipelineSource.path;
            // The control notebook runs on the benchmark cluster beside the generator; it imports its module, the
            // generator's and the shared ones (trigger time, the phases document) from this folder.
            const controlLogic = workspaceFile(PIPELINE_CONTROL_LOGIC_SOURCE);
            this.pipelineControlPath = notebook("pipeline_control", PIPELINE_CONTROL_NOTEBOOK_SOURCE, [...modules, controlLogic]).path;
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
