import * as assert from "assert";
import { parseStackConfig } from "../../config/parse";
import { RESULT_TABLES } from "../../plan/notebookContract";
import { allTables, buildScalingPlan } from "../../plan/build";
import { COMPUTE_LABELS, DRAIN_LIMIT_SECONDS, LIMITS, START_LEAD_SECONDS } from "../../plan/settings";
import { runPython } from "../python";

// The generator notebook reads the job parameters the plan writes. These tests run the notebook's own Python
// on the plan's parameters, so a rename on either side fails here instead of in a workspace. The notebooks' tuples
// of parameter names are the one list of them: the plan builds exactly those keys, but for the ids that exist only
// once deployed (the components add those).

/** Parameter names sorted, as the notebooks' tuples and the jobs' parameters are. */
function sortedNames(parameters: object, ...deployed: string[]): string[] {
    return [...Object.keys(parameters), ...deployed].sort();
}

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
        [
            "staircase",
            {
                staircase: {
                    base: { streams: 3, rowsPerSecond: 100 },
                    steps: [
                        { streams: 1, rowsPerSecond: 300 },
                        { streams: 12, rowsPerSecond: 50 },
                    ],
                },
            },
        ],
        [
            "phases",
            {
                phases: [
                    { name: "soak", streams: 1000, rowsPerSecond: 10, startMinute: 0, endMinute: 30 },
                    { name: "burst_2", streams: 2, rowsPerSecond: 5000, startMinute: 10, endMinute: 12 },
                ],
            },
        ],
    ] as const) {
        it(`on every parameter name, table, checkpoint and stream id for ${stack}`, () => {
            const plan = buildScalingPlan(stack, parseStackConfig(stack, raw));
            const view = runPython<PythonView>(
                STREAM_SPECS,
                plan.phases.map((phase) => phase.parameters),
            );
            plan.phases.forEach((phase, index) => {
                assert.deepStrictEqual(view.names, sortedNames(phase.parameters), `the ${phase.name} job's parameters`);
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
    "criteria": params.criteria.__dict__,
    "cost": params.cost.__dict__,
    "tags": dict(params.cluster_tags),
    "chart_folder": params.chart_folder,
}))
`;

const CRITERIA_DEFAULTS_VIEW = `
import json
from streambench.analysis.verdict import Criteria
print(json.dumps(Criteria().__dict__))
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
        assert.deepStrictEqual(view.names, sortedNames(plan.analysis.parameters, "cluster_id"));
        assert.deepStrictEqual(view.tables, allTables(plan));
        assert.deepStrictEqual(
            view.totals,
            plan.throughput.map((window) => window.totalRowsPerSecond),
        );
        assert.deepStrictEqual(view.results, [RESULT_TABLES.metrics, RESULT_TABLES.clusterEvents, RESULT_TABLES.results]);
        // A run started by hand falls back to the notebook's defaults: they must name the same tables.
        assert.deepStrictEqual(view.defaults, view.results);
    });

    it("on the verdict's criteria, the cost rates, the cluster's tags and the chart folder in the stack's volume", () => {
        const verdict = { processedTolerancePercent: 5, maxBatchToTrigger: 0.9, lagThresholdTriggers: 2.5, lagRecoveryTriggers: 30 };
        const plan = buildScalingPlan("prod", parseStackConfig("prod", { verdict, cost: { dbuPerNodeHour: 0.75, pricePerDbu: 0.55 } }));
        const view = runPython<{ criteria: object; cost: object; tags: object; chart_folder: string }>(ANALYSIS_VIEW, {
            ...plan.analysis.parameters,
            cluster_id: "0123-456789-abcdef",
        });
        assert.deepStrictEqual(view.criteria, {
            processed_tolerance_percent: 5,
            max_batch_to_trigger: 0.9,
            lag_threshold_triggers: 2.5,
            lag_recovery_triggers: 30,
        });
        assert.deepStrictEqual(view.cost, { dbu_per_node_hour: 0.75, price_per_dbu: 0.55 });
        assert.deepStrictEqual(view.tags, plan.cluster.tags);
        assert.strictEqual(view.chart_folder, `${plan.volumePath}/charts`);
        assert.strictEqual(view.chart_folder, "/Volumes/main/dlt_autoscaling_prod/checkpoints/charts");
    });

    it("on the criteria's defaults and on no cost estimate when the stack sets no rate", () => {
        const config = parseStackConfig("dev", { testMode: true });
        const plan = buildScalingPlan("dev", config);
        const defaults = runPython<Record<string, number>>(CRITERIA_DEFAULTS_VIEW, {});
        assert.deepStrictEqual(defaults, {
            processed_tolerance_percent: config.verdict.processedTolerancePercent,
            max_batch_to_trigger: config.verdict.maxBatchToTrigger,
            lag_threshold_triggers: config.verdict.lagThresholdTriggers,
            lag_recovery_triggers: config.verdict.lagRecoveryTriggers,
        });
        const view = runPython<{ cost: object }>(ANALYSIS_VIEW, { ...plan.analysis.parameters, cluster_id: "0123-456789-abcdef" });
        assert.deepStrictEqual(view.cost, { dbu_per_node_hour: null, price_per_dbu: null });
    });
});

const COMPUTE_VIEW = `
import json, sys
from streambench.analysis.params import PHASE_COMPUTE_LABELS, PIPELINE_COMPUTE_LABELS, parse_analysis_params
labels = [[params.compute, params.pipeline_compute] for params in map(parse_analysis_params, json.load(sys.stdin))]
print(json.dumps({"labels": labels, "known": [*PHASE_COMPUTE_LABELS, *PIPELINE_COMPUTE_LABELS]}))
`;

describe("the plan and the analysis notebook agree on the compute labels", () => {
    it("every result is labelled with what the plan ran it on: the all-purpose or a job cluster, and no, a classic or a serverless pipeline", () => {
        const plans = [
            {},
            { dlt: { enabled: true } },
            { dlt: { enabled: true, serverless: true } },
            { cluster: { kind: "job" }, dlt: { enabled: true } },
        ].map((raw) => buildScalingPlan("prod", parseStackConfig("prod", raw)));
        // On a job cluster the analysis is a task of the timeline job, whose cluster_id (empty) is the cluster it runs on.
        const clusterIdOf = (plan: (typeof plans)[number]) =>
            plan.timelineJob.tasks.find((task) => task.phase === "analysis")?.jobParameters.cluster_id ?? "0123-456789-abcdef";
        const view = runPython<{ labels: string[][]; known: string[] }>(
            COMPUTE_VIEW,
            plans.map((plan) => ({ ...plan.analysis.parameters, cluster_id: clusterIdOf(plan) })),
        );
        assert.deepStrictEqual(view.labels, [
            ["all-purpose cluster", ""],
            ["all-purpose cluster", "classic pipeline"],
            ["all-purpose cluster", "serverless pipeline"],
            ["job cluster", "classic pipeline"],
        ]);
        assert.strictEqual(clusterIdOf(plans[3]), "");
        assert.deepStrictEqual(
            view.labels,
            plans.map((plan) => [plan.compute.phases, plan.compute.pipeline ?? ""]),
        );
        // One list of labels on both sides: the notebook refuses any label the plan does not know, and the reverse.
        assert.deepStrictEqual([...view.known].sort(), Object.values(COMPUTE_LABELS).sort());
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
        assert.deepStrictEqual(view.names, sortedNames(control.parameters, "pipeline_id"));
        const pipelineView = runPython<{ full: string[] }>(PIPELINE_VIEW, plan.pipeline!.configuration);
        assert.deepStrictEqual(view.sources, pipelineView.full, "the control waits for exactly the pipeline's sources");
        assert.strictEqual(view.window, plan.runMinutes);
        assert.strictEqual(view.trigger, "{{job.trigger.time.iso_datetime}}");
    });
});

describe("the plan and the notebooks agree on the phases", () => {
    it("the analysis anchors a run on the phase the plan starts the timeline with, for the seed and for a profile", () => {
        for (const raw of [{}, { spike: { base: { streams: 2, rowsPerSecond: 10 }, spike: { streams: 1, rowsPerSecond: 90 } } }]) {
            const plan = buildScalingPlan("prod", parseStackConfig("prod", raw));
            const view = runPython<{ first: string }>(
                'import json, sys\nfrom streambench.stream_tables import parse_phases\nproblems = []\nphases = parse_phases(json.load(sys.stdin)["phases_json"], problems)\nprint(json.dumps({"first": phases[0].phase, "problems": problems}))',
                plan.analysis.parameters,
            );
            assert.strictEqual(view.first, plan.phases[0].name);
            assert.strictEqual(plan.phases[0].windowStartMinute, 0);
        }
    });
});

const LIMITS_VIEW = `
import json, sys
from streambench.analysis.params import parse_analysis_params
from streambench.generator import parse_params
from streambench.job_parameters import MAX_RUN_MINUTES
from streambench.pipeline_control import parse_params as parse_control_params
from streambench.stream_tables import MAX_STREAMS_PER_PHASE
plan = json.load(sys.stdin)
print(json.dumps({
    "maxRunMinutes": MAX_RUN_MINUTES,
    "maxStreamsPerPhase": MAX_STREAMS_PER_PHASE,
    "streamCounts": [parse_params(p).stream_count for p in plan["phases"]],
    "controlWindow": parse_control_params(plan["control"]).window_minutes,
    "lastWindowEnd": parse_analysis_params(plan["analysis"]).windows[-1].end_minute,
}))
`;

describe("the plan and the notebooks agree on the limits", () => {
    it("the notebooks refuse no more than the plan does: its most streams and its longest run are taken, and the bounds are the plan's", () => {
        const config = parseStackConfig("prod", {
            baselineStreams: LIMITS.maxBaselineStreams,
            timeline: { runMinutes: LIMITS.maxRunMinutes },
            schedule: { cron: "0 0 2 ? * MON" },
            dlt: { enabled: true },
        });
        const plan = buildScalingPlan("prod", config);
        const view = runPython<{
            maxRunMinutes: number;
            maxStreamsPerPhase: number;
            streamCounts: number[];
            controlWindow: number;
            lastWindowEnd: number;
        }>(LIMITS_VIEW, {
            phases: plan.phases.map((phase) => phase.parameters),
            control: { ...plan.pipeline!.control.parameters, pipeline_id: "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b" },
            analysis: { ...plan.analysis.parameters, cluster_id: "0123-456789-abcdef" },
        });
        assert.deepStrictEqual([view.maxRunMinutes, view.maxStreamsPerPhase], [LIMITS.maxRunMinutes, LIMITS.maxBaselineStreams]);
        assert.deepStrictEqual(view.streamCounts, [LIMITS.maxBaselineStreams, 1, 1]);
        assert.deepStrictEqual([view.controlWindow, view.lastWindowEnd], [LIMITS.maxRunMinutes, LIMITS.maxRunMinutes]);
    });
});
