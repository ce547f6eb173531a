import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { healthRules, jobParametersWith } from "../../components/jobs/jobInputs";
import { parseStackConfig } from "../../config/parse";
import { DRAIN_LIMIT_SECONDS, MAX_JOB_PARAMETER_BYTES, START_LEAD_SECONDS, TIMEOUT_GRACE_MINUTES } from "../../plan/settings";
import { PhasePlan } from "../../plan/types";
import { baselineTableName, buildScalingPlan } from "../../plan/build";
import {
    jobParameterBytes,
    oversizedParameterProblems,
    peakStreamsOnDriver,
    planWarnings,
    throughputWindows,
    writerProblems,
} from "../../plan/limits";
import { stackSlug } from "../../config/stackName";

function phase(
    name: PhasePlan["name"],
    streamCount: number,
    ratePerStream: number,
    windowStartMinute: number,
    windowEndMinute: number,
): PhasePlan {
    return { name, streamCount, ratePerStream, windowStartMinute, windowEndMinute } as PhasePlan;
}

describe("scaling plan", () => {
    it("numbers baseline tables with at least three digits, more when needed", () => {
        assert.deepStrictEqual(
            [baselineTableName("stream_table", 1, 50), baselineTableName("stream_table", 50, 50), baselineTableName("t", 7, 2000)],
            ["stream_table_001", "stream_table_050", "t_0007"],
        );
    });

    it("turns stack names into Unity Catalog safe suffixes", () => {
        assert.deepStrictEqual(
            [stackSlug("prod"), stackSlug("my-stack"), stackSlug("Team-A.dev")],
            ["prod", "my_stack", "__uteam_h_ua_pdev"],
        );
    });

    // Each case: baseline streams x rows/s over the whole run, the run's minutes, the 3x and 9x windows (one stream
    // each at 3 and 9 times the baseline rate), then the windows expected: their edges (minutes) and total rows/s.
    const windowCases: [string, [number, number], number, [number, number], [number, number], number[], number[]][] = [
        ["the default timeline", [50, 1000], 15, [3, 10], [6, 10], [0, 3, 6, 10, 15], [50_000, 53_000, 62_000, 50_000]],
        ["scale windows that do not overlap", [50, 1000], 15, [3, 6], [6, 10], [0, 3, 6, 10, 15], [50_000, 53_000, 59_000, 50_000]],
        ["a 9x window inside the 3x window", [5, 100], 15, [2, 12], [4, 8], [0, 2, 4, 8, 12, 15], [500, 800, 1700, 800, 500]],
        ["a gap between the scale windows", [5, 100], 20, [2, 4], [8, 12], [0, 2, 4, 8, 12, 20], [500, 800, 500, 1400, 500]],
        ["a scale window that ends the run", [2, 10], 10, [0, 5], [5, 10], [0, 5, 10], [50, 110]],
    ];
    for (const [what, [baselineStreams, baselineRate], runMinutes, scale3x, scale9x, edges, totals] of windowCases) {
        it(`tabulates expected throughput for ${what}`, () => {
            const phases = [
                phase("baseline", baselineStreams, baselineRate, 0, runMinutes),
                phase("3x", 1, 3 * baselineRate, ...scale3x),
                phase("9x", 1, 9 * baselineRate, ...scale9x),
            ];
            const rows = throughputWindows(phases, runMinutes).map((window) => [
                window.startMinute,
                window.endMinute,
                window.totalRowsPerSecond,
            ]);
            assert.deepStrictEqual(
                rows,
                totals.map((total, index) => [edges[index], edges[index + 1], total]),
            );
        });
    }

    it("test mode runs 5 baseline streams and divides every rate by 10", () => {
        const plan = buildScalingPlan("dev", parseStackConfig("dev", { testMode: true }));
        assert.deepStrictEqual(
            plan.phases.map((phase) => [phase.name, phase.streamCount, phase.ratePerStream]),
            [
                ["baseline", 5, 100],
                ["3x", 1, 300],
                ["9x", 1, 900],
            ],
        );
        assert.deepStrictEqual(
            plan.throughput.map((window) => window.totalRowsPerSecond),
            [500, 800, 1700, 500],
        );
    });

    it("runs the seed's timeline by default: 50,000 / 53,000 / 62,000 / 50,000", () => {
        const plan = buildScalingPlan("prod", parseStackConfig("prod", {}));
        assert.deepStrictEqual(
            plan.throughput.map((window) => [
                window.startMinute,
                window.endMinute,
                window.rowsPerSecondByPhase.baseline,
                window.rowsPerSecondByPhase["3x"],
                window.rowsPerSecondByPhase["9x"],
                window.totalRowsPerSecond,
            ]),
            [
                [0, 3, 50_000, 0, 0, 50_000],
                [3, 6, 50_000, 3_000, 0, 53_000],
                [6, 10, 50_000, 3_000, 9_000, 62_000],
                [10, 15, 50_000, 0, 0, 50_000],
            ],
        );
        // The 3x job's timeout and health rule follow its longer window (in the timeline run it starts at minute 0).
        const threeX = plan.phases[1];
        assert.deepStrictEqual(
            [threeX.windowStartMinute, threeX.windowEndMinute, threeX.parameters.window_minutes, threeX.timeoutSeconds],
            [3, 10, "7", 15 * 60],
        );
        assert.deepStrictEqual(
            healthRules(threeX.timeoutSeconds, true)[0],
            { metric: "RUN_DURATION_SECONDS", op: "GREATER_THAN", value: 11 * 60 },
            "a minute past its window's end",
        );
    });

    it("gives every phase the start lead and the drain limit, the drain well inside the job's timeout grace", () => {
        const plan = buildScalingPlan("prod", parseStackConfig("prod", {}));
        assert.deepStrictEqual(
            plan.phases.map((phase) => [phase.parameters.start_lead_seconds, phase.parameters.drain_limit_seconds]),
            plan.phases.map(() => [String(START_LEAD_SECONDS), String(DRAIN_LIMIT_SECONDS)]),
        );
        // Half the grace is left for stopping the streams, counting the window's rows and writing the metrics.
        assert.ok(DRAIN_LIMIT_SECONDS <= (TIMEOUT_GRACE_MINUTES * 60) / 2);
    });

    it("keeps every job parameter but the deployed ids known at preview (the policy pack reads them on a first deploy)", () => {
        const pipelineId = pulumi.output("pipeline-id");
        const parameters = jobParametersWith({ window_minutes: "15", catalog: "main" }, { pipeline_id: pipelineId });
        assert.deepStrictEqual(
            parameters.map((parameter) => parameter.name),
            ["catalog", "pipeline_id", "window_minutes"],
        );
        assert.deepStrictEqual([parameters[0].default, parameters[2].default], ["main", "15"]);
        assert.strictEqual(parameters[1].default, pipelineId);
    });

    it("passes every timeline task only parameters its job has", () => {
        const plan = buildScalingPlan("prod", parseStackConfig("prod", { dlt: { enabled: true } }));
        const parameters: Record<string, string[]> = {
            analysis: Object.keys(plan.analysis.parameters),
            pipeline: [...Object.keys(plan.pipeline!.control.parameters), "pipeline_id"],
            ...Object.fromEntries(plan.phases.map((phase) => [phase.name, Object.keys(phase.parameters)])),
        };
        const parametersOf = (phase: string): string[] => parameters[phase];
        assert.deepStrictEqual(
            plan.timelineJob.tasks.map((task) => task.taskKey),
            ["analyze", "baseline", "dlt", "scale_3x", "scale_9x"],
        );
        for (const task of plan.timelineJob.tasks) {
            for (const name of Object.keys(task.jobParameters)) {
                assert.ok(parametersOf(task.phase).includes(name), `${task.taskKey} passes ${name}, which its job does not have`);
            }
        }
    });

    it("refuses two writers on one table or one checkpoint", () => {
        const plan = buildScalingPlan("prod", parseStackConfig("prod", {}));
        assert.deepStrictEqual(writerProblems(plan.phases), []);
        const [baseline, threeX, nineX] = plan.phases;
        const clash = { ...nineX, tables: threeX.tables, checkpointPaths: [baseline.checkpointPaths[0]] };
        assert.deepStrictEqual(writerProblems([baseline, threeX, clash]), [
            { key: "streambench:tablePrefix", message: "two writers on one table: stream_table_3x_scale is written by 3x and 9x" },
            {
                key: "streambench:checkpointVolume",
                message:
                    "two writers on one checkpoint: /Volumes/main/dlt_autoscaling_prod/checkpoints/baseline/{{job.run_id}}/stream_table_001 is written by baseline and 9x",
            },
        ]);
    });

    it("gives every stream its own checkpoint under the run's folder", () => {
        const plan = buildScalingPlan("prod", parseStackConfig("prod", {}));
        const paths = plan.phases.flatMap((phase) => phase.checkpointPaths);
        assert.strictEqual(new Set(paths).size, 52);
        assert.strictEqual(paths[0], "/Volumes/main/dlt_autoscaling_prod/checkpoints/baseline/{{job.run_id}}/stream_table_001");
        assert.ok(paths.every((path) => path.startsWith(plan.volumePath + "/")));
    });

    it("gives stream ids that are unique across phases", () => {
        const plan = buildScalingPlan("prod", parseStackConfig("prod", { baselineStreams: 7 }));
        const ids = plan.phases.flatMap((phase) => Array.from({ length: phase.streamCount }, (_, index) => phase.firstStreamId + index));
        assert.deepStrictEqual(ids, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    });

    it("is the same plan every time for the same config (no clock, no randomness)", () => {
        const config = parseStackConfig("prod", { baselineStreams: 500 });
        assert.deepStrictEqual(buildScalingPlan("prod", config), buildScalingPlan("prod", config));
    });

    it("keeps job parameters the same size at 2,000 streams as at 50", () => {
        const size = (streams: number) =>
            JSON.stringify(buildScalingPlan("prod", parseStackConfig("prod", { baselineStreams: streams })).phases[0].parameters).length;
        assert.ok(Math.abs(size(2000) - size(50)) <= 16, `${size(50)} vs ${size(2000)} bytes`); // a few more digits, nothing per stream
    });
});

describe("plan checks before a deploy", () => {
    it("counts the streaming queries the driver runs at once", () => {
        const plan = buildScalingPlan("prod", parseStackConfig("prod", {}));
        assert.strictEqual(peakStreamsOnDriver(plan.phases, plan.runMinutes), 52);
        assert.deepStrictEqual(planWarnings({ ...plan, warehouseId: "0123456789abcdef" }), []);
    });

    it("warns above 100 queries on one driver and names what to change", () => {
        const plan = buildScalingPlan("prod", parseStackConfig("prod", { baselineStreams: 500 }));
        const [warning] = planWarnings({ ...plan, warehouseId: "0123456789abcdef" });
        assert.match(warning, /^502 streaming queries run at once on one driver/);
        assert.match(warning, /streambench:baselineStreams/);
    });

    it("warns about the DLT pipeline's flows at the same size, only when the pipeline is on", () => {
        const withPipeline = buildScalingPlan(
            "prod",
            parseStackConfig("prod", { baselineStreams: 500, dlt: { enabled: true }, warehouseId: "0123456789abcdef" }),
        );
        assert.match(planWarnings(withPipeline)[1], /^The DLT pipeline reads 502 tables, one streaming flow each/);
        const small = buildScalingPlan("prod", parseStackConfig("prod", { dlt: { enabled: true }, warehouseId: "0123456789abcdef" }));
        assert.deepStrictEqual(planWarnings(small), []);
    });

    it("keeps 2,000 streams' job parameters far below the Jobs API limit", () => {
        const plan = buildScalingPlan("prod", parseStackConfig("prod", { baselineStreams: 2000 }));
        assert.ok(plan.phases.every((phase) => jobParameterBytes(phase) < MAX_JOB_PARAMETER_BYTES / 10));
    });

    it("refuses job parameters that would not fit, naming the keys to shorten", () => {
        const long = "x".repeat(255);
        // The longest names UC allows once the stack (`_prod`) and the table suffix (`_3x_scale`) are added.
        const config = parseStackConfig("prod", {
            catalog: long,
            database: long.slice(5),
            tablePrefix: long.slice(9),
            checkpointVolume: long,
        });
        const phases = buildScalingPlan("prod", config).phases;
        assert.deepStrictEqual(oversizedParameterProblems(phases), [], "the longest names UC allows still fit");
        const oversized = { ...phases[0], parameters: { ...phases[0].parameters, schema: "y".repeat(MAX_JOB_PARAMETER_BYTES) } };
        const problems = oversizedParameterProblems([phases[1], oversized]);
        assert.deepStrictEqual(
            problems.map((problem) => problem.key),
            ["streambench:catalog", "streambench:database", "streambench:tablePrefix", "streambench:checkpointVolume"],
        );
        assert.match(problems[0].message, /the baseline job's parameters take \d+ bytes, above the Jobs API's 10000/);
    });
});

describe("the dashboard warning", () => {
    it("says the dashboard is skipped, and why, when no SQL warehouse is configured", () => {
        const plan = buildScalingPlan("prod", parseStackConfig("prod", {}));
        assert.deepStrictEqual(planWarnings(plan), [
            "No dashboard: streambench:warehouseId is not set (`pulumi config set streambench:warehouseId <SQL warehouse id>`). Everything else deploys.",
        ]);
    });
});
