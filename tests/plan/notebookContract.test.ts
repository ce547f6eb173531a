import * as assert from "assert";
import { parseStackConfig } from "../../config/parse";
import {
    ANALYSIS_PARAMETER_NAMES,
    GENERATOR_PARAMETER_NAMES,
    PIPELINE_CONTROL_PARAMETER_NAMES,
    RESULT_TABLES,
} from "../../plan/notebookContract";
import { allTables, buildScalingPlan } from "../../plan/build";
import { DRAIN_LIMIT_SECONDS, START_LEAD_SECONDS } from "../../plan/settings";
import { runPython } from "../python";

// The generator notebook reads the job parameters the plan writes. These tests run the notebook's own Python
// on the plan's parameters, so a rename on either side fails here instead of in a workspace.
const STREAM_SPECS = `
import json, sys
from streambench.generator import PARAMETER_NAMES, parse_params, stream_specs
phases = json.load(sys.stdin)
print(json.dumps({
    "names": list(PARAMETER_NAMES),
    "specs": [[{"table": s.table, "checkpoint": s.checkpoint_path, "id": s.stream_id, "type": s.stream_type}
               for s in stream_specs(parse_params(p))] for p in phases],
}))
`;

interface PythonView {
    names: string[];
    specs: { table: string; checkpoint: string; id: number; type: string }[][];
}

describe("the plan and the generator notebook agree", () => {
    for (const [stack, raw] of [
        ["prod", {}],
        ["dev", { testMode: true }],
        ["wide", { baselineStreams: 1200, tablePrefix: "load" }],
    ] as const) {
        it(`on every table, checkpoint and stream id for ${stack}`, () => {
            const plan = buildScalingPlan(stack, parseStackConfig(stack, raw));
            const view = runPython<PythonView>(
                STREAM_SPECS,
                plan.phases.map((phase) => phase.parameters),
            );
            assert.deepStrictEqual(view.names, [...GENERATOR_PARAMETER_NAMES]);
            plan.phases.forEach((phase, index) => {
                const specs = view.specs[index];
                assert.deepStrictEqual(
                    specs.map((spec) => spec.table),
                    phase.tables,
                );
                assert.deepStrictEqual(
                    specs.map((spec) => spec.checkpoint),
                    phase.checkpointPaths,
                );
                assert.deepStrictEqual(
                    specs.map((spec) => spec.id),
                    phase.tables.map((_, offset) => phase.firstStreamId + offset),
                );
                assert.ok(specs.every((spec) => spec.type === phase.name));
            });
        });
    }
});

const EDGES_VIEW = `
import json, sys
from streambench.generator import parse_params
print(json.dumps([[p.start_lead_seconds, p.drain_limit_seconds] for p in map(parse_params, json.load(sys.stdin))]))
`;

describe("the plan and the generator notebook agree on the window's edges", () => {
    it("reads every phase's start lead and drain limit as the plan's seconds", () => {
        const plan = buildScalingPlan("dev", parseStackConfig("dev", { testMode: true }));
        const view = runPython<number[][]>(
            EDGES_VIEW,
            plan.phases.map((phase) => phase.parameters),
        );
        assert.deepStrictEqual(
            view,
            plan.phases.map(() => [START_LEAD_SECONDS, DRAIN_LIMIT_SECONDS]),
        );
    });
});

const ANALYSIS_VIEW = `
import json, sys
from streambench.analysis.params import ANALYSIS_PARAMETER_NAMES, PARAMETER_DEFAULTS, parse_analysis_params
params = parse_analysis_params(json.load(sys.stdin))
print(json.dumps({
    "defaults": [PARAMETER_DEFAULTS.get(name) for name in ("metrics_table", "cluster_events_table", "results_table")],
    "names": list(ANALYSIS_PARAMETER_NAMES),
    "tables": [table for _, table in params.phase_tables()],
    "totals": [window.total_rows_per_second for window in params.windows],
    "results": [params.metrics_table, params.cluster_events_table, params.results_table],
}))
`;

describe("the plan and the analysis notebook agree", () => {
    it("on parameter names, every stream table, the windows' targets and the result tables", () => {
        const plan = buildScalingPlan("prod", parseStackConfig("prod", { baselineStreams: 1200 }));
        const view = runPython<{ names: string[]; tables: string[]; totals: number[]; results: string[]; defaults: string[] }>(
            ANALYSIS_VIEW,
            {
                ...plan.analysis.parameters,
                cluster_id: "0123-456789-abcdef",
            },
        );
        assert.deepStrictEqual(view.names, [...ANALYSIS_PARAMETER_NAMES]);
        assert.deepStrictEqual(view.tables, allTables(plan));
        assert.deepStrictEqual(
            view.totals,
            plan.throughput.map((window) => window.totalRowsPerSecond),
        );
        assert.deepStrictEqual(view.results, [RESULT_TABLES.metrics, RESULT_TABLES.clusterEvents, RESULT_TABLES.results]);
        // A run started by hand falls back to the notebook's defaults: they must name the same tables.
        assert.deepStrictEqual(view.defaults, view.results);
    });
});

const PIPELINE_VIEW = `
import json, sys
from streambench.pipeline import parse_config
config = parse_config(json.load(sys.stdin))
print(json.dumps({"tables": list(config.source_tables), "full": list(config.full_source_names)}))
`;

describe("the plan and the DLT pipeline agree", () => {
    for (const streams of [50, 2000]) {
        it(`on every source table at ${streams} streams`, () => {
            const plan = buildScalingPlan("prod", parseStackConfig("prod", { baselineStreams: streams, dlt: { enabled: true } }));
            const view = runPython<{ tables: string[]; full: string[] }>(PIPELINE_VIEW, plan.pipeline!.configuration);
            assert.deepStrictEqual(view.tables, allTables(plan));
            assert.strictEqual(view.full[0], "`main`.`dlt_autoscaling_prod`.`stream_table_" + (streams === 50 ? "001" : "0001") + "`");
        });
    }
});

const CONTROL_VIEW = `
import json, sys
from streambench.pipeline_control import PARAMETER_NAMES, parse_params
params = parse_params(json.load(sys.stdin))
print(json.dumps({"names": list(PARAMETER_NAMES), "sources": params.source_tables(), "window": params.window_minutes,
                  "poll": params.poll_interval_seconds, "trigger": params.trigger_time}))
`;

describe("the plan and the DLT pipeline's control notebook agree", () => {
    it("on parameter names, the sources it waits for and the timeline it runs the pipeline over", () => {
        const plan = buildScalingPlan("prod", parseStackConfig("prod", { dlt: { enabled: true } }));
        const control = plan.pipeline!.control;
        const view = runPython<{ names: string[]; sources: string[]; window: number; poll: number; trigger: string }>(CONTROL_VIEW, {
            ...control.parameters,
            pipeline_id: "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b",
        });
        assert.deepStrictEqual(view.names, [...PIPELINE_CONTROL_PARAMETER_NAMES]);
        const pipelineView = runPython<{ full: string[] }>(PIPELINE_VIEW, plan.pipeline!.configuration);
        assert.deepStrictEqual(view.sources, pipelineView.full, "the control waits for exactly the pipeline's sources");
        assert.strictEqual(view.window, plan.runMinutes);
        assert.strictEqual(view.trigger, "{{job.trigger.time.iso_datetime}}");
    });
});

describe("the plan and the notebooks agree on the phases", () => {
    it("name the same phases in the same order (stream_tables.PHASES, the plan's PhaseName)", () => {
        const plan = buildScalingPlan("prod", parseStackConfig("prod", {}));
        const view = runPython<{ phases: string[] }>(
            'import json\nfrom streambench.stream_tables import PHASES\nprint(json.dumps({"phases": list(PHASES)}))',
            {},
        );
        assert.deepStrictEqual(
            view.phases,
            plan.phases.map((phase) => phase.name),
        );
    });
});
