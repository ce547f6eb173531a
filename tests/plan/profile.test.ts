import * as assert from "assert";
import { StackConfigError } from "../../config/error";
import { parseStackConfig } from "../../config/parse";
import { buildScalingPlan } from "../../plan/build";

function planOf(raw: Record<string, unknown>) {
    return buildScalingPlan("prod", parseStackConfig("prod", raw));
}

/** Each window of the plan as [start, end, total rows/s]. */
function windowsOf(raw: Record<string, unknown>): number[][] {
    return planOf(raw).throughput.map((window) => [window.startMinute, window.endMinute, window.totalRowsPerSecond]);
}

function problemsOf(raw: Record<string, unknown>): string[] {
    try {
        planOf(raw);
    } catch (error) {
        assert.ok(error instanceof StackConfigError, String(error));
        return error.problems.map((problem) => `${problem.key}: ${problem.message}`);
    }
    return assert.fail("the profile was accepted");
}

const base = { streams: 50, rowsPerSecond: 1000 };

describe("load profiles", () => {
    it("a staircase of the seed's two steps is the seed's load, window for window", () => {
        const staircase = {
            base,
            steps: [
                { streams: 1, rowsPerSecond: 3000 },
                { streams: 1, rowsPerSecond: 9000 },
            ],
            holdMinutes: 4,
        };
        assert.deepStrictEqual(windowsOf({ staircase }), windowsOf({}));
        assert.deepStrictEqual(windowsOf({}), [
            [0, 3, 50_000],
            [3, 6, 53_000],
            [6, 10, 62_000],
            [10, 15, 50_000],
        ]);
    });

    it("a staircase's steps are cumulative, stop together, and name their phases and tables", () => {
        const plan = planOf({
            tablePrefix: "t",
            staircase: {
                base: { streams: 2, rowsPerSecond: 10 },
                steps: [
                    { streams: 1, rowsPerSecond: 5 },
                    { streams: 2, rowsPerSecond: 5 },
                ],
                firstStepMinute: 1,
                stepMinutes: 2,
                holdMinutes: 3,
                cooldownMinutes: 4,
            },
        });
        assert.deepStrictEqual(
            plan.phases.map((phase) => [phase.name, phase.windowStartMinute, phase.windowEndMinute, phase.tables]),
            [
                ["base", 0, 10, ["t_base_001", "t_base_002"]],
                ["step_1", 1, 6, ["t_step_1_001"]],
                ["step_2", 3, 6, ["t_step_2_001", "t_step_2_002"]],
            ],
        );
        assert.deepStrictEqual(
            plan.throughput.map((window) => window.totalRowsPerSecond),
            [20, 25, 35, 20],
        );
        assert.strictEqual(plan.runMinutes, 10);
    });

    it("a spike adds its load for its minutes, then the base cools down", () => {
        assert.deepStrictEqual(
            windowsOf({ spike: { base, spike: { streams: 10, rowsPerSecond: 5000 }, startMinute: 4, minutes: 1, cooldownMinutes: 3 } }),
            [
                [0, 4, 50_000],
                [4, 5, 100_000],
                [5, 8, 50_000],
            ],
        );
    });

    it("a list of phases plays in timeline order with one window per change of the total load, and runs on to a longer runMinutes", () => {
        const plan = planOf({
            phases: [
                { name: "late", streams: 1, rowsPerSecond: 7, startMinute: 5, endMinute: 8 },
                { name: "soak", streams: 3, rowsPerSecond: 10, startMinute: 0, endMinute: 8 },
            ],
            timeline: { runMinutes: 12 },
        });
        assert.deepStrictEqual(
            plan.phases.map((phase) => [phase.name, phase.firstStreamId]),
            [
                ["soak", 1],
                ["late", 4],
            ],
        );
        assert.deepStrictEqual(
            plan.throughput.map((window) => [window.startMinute, window.endMinute, window.totalRowsPerSecond]),
            [
                [0, 5, 30],
                [5, 8, 37],
                [8, 12, 0],
            ],
        );
    });

    it("test mode caps every phase at 5 streams and divides every rate by 10, keeping the windows", () => {
        const phases = [
            { name: "wide", streams: 40, rowsPerSecond: 200, startMinute: 0, endMinute: 6 },
            { name: "narrow", streams: 2, rowsPerSecond: 3000, startMinute: 2, endMinute: 4 },
        ];
        assert.deepStrictEqual(
            planOf({ testMode: true, phases }).phases.map((phase) => [
                phase.streamCount,
                phase.ratePerStream,
                phase.windowStartMinute,
                phase.windowEndMinute,
            ]),
            [
                [5, 20, 0, 6],
                [2, 300, 2, 4],
            ],
        );
    });

    it("refuses a bad profile with every problem, each naming its key", () => {
        const problems = problemsOf({
            testMode: true,
            baselineRate: 2000,
            timeline: { scale3xStartMinute: 1, runMinutes: 9 },
            phases: [
                { name: "up", streams: 1, rowsPerSecond: 105, startMinute: 2, endMinute: 10 },
                { name: "up", streams: 1, rowsPerSecond: 100, startMinute: 4, endMinute: 4 },
                { name: "timeline", streams: 1, rowsPerSecond: 100, startMinute: 3, endMinute: 5 },
                { name: "Big", streams: 1, rowsPerSecond: 100, startMinute: 3, endMinute: 5 },
            ],
            spike: { base, spike: base },
        });
        for (const expected of [
            /^streambench:spike: is set beside phases/,
            /^streambench:baselineRate: belongs to the seed's load/,
            /^streambench:timeline.scale3xStartMinute: belongs to the seed's load/,
            /^streambench:phases\[0\].startMinute: no phase starts at minute 0/,
            /^streambench:phases\[0\].rowsPerSecond: testMode divides every rate by 10/,
            /^streambench:phases\[0\].endMinute: minute 10 \(the up phase's end\) is past the end of the run \(timeline.runMinutes = 9\)/,
            /^streambench:phases\[1\].name: "up" names two phases/,
            /^streambench:phases\[1\].endMinute: must be after the start \(minute 4\): a zero-length window/,
            /^streambench:phases\[2\].name: is reserved/,
            /^streambench:phases\[3\].name: must start with a lower-case letter/,
        ]) {
            assert.ok(
                problems.some((problem) => expected.test(problem)),
                `${expected} not among:\n${problems.join("\n")}`,
            );
        }
        assert.strictEqual(problems.length, 10, problems.join("\n"));
    });

    it("refuses an empty list of phases or of steps", () => {
        assert.ok(problemsOf({ phases: [] }).some((problem) => problem.startsWith("streambench:phases: must hold at least one phase")));
        assert.ok(
            problemsOf({ staircase: { base, steps: [] } }).some((problem) =>
                problem.startsWith("streambench:staircase.steps: must hold at least one step"),
            ),
        );
    });
});
