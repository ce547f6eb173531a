import * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";

/** Local sources, relative to the project directory (where `pulumi up` runs the program). */
export const GENERATOR_NOTEBOOK_SOURCE = "notebooks/generator.py";
export const GENERATOR_LOGIC_SOURCE = "notebooks/generator_logic.py";
export const METRICS_LOGIC_SOURCE = "notebooks/metrics_logic.py";
export const ANALYSIS_NOTEBOOK_SOURCE = "notebooks/analysis.py";
export const ANALYSIS_LOGIC_SOURCE = "notebooks/analysis_logic.py";
export const PIPELINE_SOURCE = "notebooks/pipeline.py";
export const PIPELINE_LOGIC_SOURCE = "notebooks/pipeline_logic.py";
export const PIPELINE_CONTROL_NOTEBOOK_SOURCE = "notebooks/pipeline_control.py";
export const PIPELINE_CONTROL_LOGIC_SOURCE = "notebooks/pipeline_control_logic.py";
/** Every source a benchmark run executes, for the workload fingerprint. */
export const NOTEBOOK_SOURCES = [GENERATOR_NOTEBOOK_SOURCE, GENERATOR_LOGIC_SOURCE, METRICS_LOGIC_SOURCE];

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

        // Workspace files beside the notebook: the notebook's folder is on sys.path, so it imports these modules.
        const modules = [GENERATOR_LOGIC_SOURCE, METRICS_LOGIC_SOURCE, ANALYSIS_LOGIC_SOURCE].map(
            (source) =>
                new databricks.WorkspaceFile(
                    `${name}-${path.basename(source, ".py").replace(/_/g, "-")}`,
                    { path: pulumi.interpolate`${folder.path}/${path.basename(source)}`, source },
                    { parent: this },
                ),
        );

        // `source` keeps the notebook text out of the state (the provider tracks the file's hash); it depends on
        // the module so that a job never sees the notebook without it.
        const generator = new databricks.Notebook(
            `${name}-generator`,
            { path: pulumi.interpolate`${folder.path}/generator`, source: GENERATOR_NOTEBOOK_SOURCE, language: "PYTHON", format: "SOURCE" },
            { parent: this, dependsOn: modules },
        );
        const analysis = new databricks.Notebook(
            `${name}-analysis`,
            { path: pulumi.interpolate`${folder.path}/analysis`, source: ANALYSIS_NOTEBOOK_SOURCE, language: "PYTHON", format: "SOURCE" },
            { parent: this, dependsOn: modules },
        );

        if (args.withPipeline) {
            // Plain Python files (not notebooks): a pipeline takes pipeline.py as a file library.
            const [pipelineSource] = [PIPELINE_SOURCE, PIPELINE_LOGIC_SOURCE].map(
                (source) =>
                    new databricks.WorkspaceFile(
                        `${name}-${path.basename(source, ".py").replace(/_/g, "-")}`,
                        { path: pulumi.interpolate`${folder.path}/${path.basename(source)}`, source },
                        { parent: this },
                    ),
            );
            this.pipelinePath = pipelineSource.path;
            // The control notebook runs on the benchmark cluster beside the generator; it imports its module and the
            // generator's and analysis's modules (trigger time, table names) from this folder.
            const controlLogic = new databricks.WorkspaceFile(
                `${name}-pipeline-control-logic`,
                { path: pulumi.interpolate`${folder.path}/${path.basename(PIPELINE_CONTROL_LOGIC_SOURCE)}`, source: PIPELINE_CONTROL_LOGIC_SOURCE },
                { parent: this },
            );
            const control = new databricks.Notebook(
                `${name}-pipeline-control`,
                { path: pulumi.interpolate`${folder.path}/pipeline_control`, source: PIPELINE_CONTROL_NOTEBOOK_SOURCE, language: "PYTHON", format: "SOURCE" },
                { parent: this, dependsOn: [...modules, controlLogic] },
            );
            this.pipelineControlPath = control.path;
        }

        this.folderPath = folder.path;
        this.analysisPath = analysis.path;
        this.generatorPath = generator.path;
        this.generatorUrl = generator.url;
        this.registerOutputs({ folderPath: this.folderPath, generatorPath: this.generatorPath });
    }
}
