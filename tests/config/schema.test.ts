import * as assert from "assert";
import { StackConfigError } from "../../config/error";
import { namespaceValues, parseStackConfig } from "../../config/parse";
import { loadStackFile } from "../../config/stackFile";
import { buildScalingPlan } from "../../plan/build";
import { evaluateProgram } from "../mocks";

/** The problems `pulumi up` stops with: the config's own, then those of the names and parameters built from it. */
function problemsOf(raw: Record<string, unknown>): { key: string; message: string }[] {
    try {
        buildScalingPlan("prod", parseStackConfig("prod", raw));
    } catch (error) {
        assert.ok(error instanceof StackConfigError, `expected a StackConfigError, got ${error}`);
        return error.problems;
    }
    assert.fail("the config was accepted");
}

describe("stack config", () => {
    /** Each phase of a plan as [name, streams, rows/s per stream, start minute, end minute]. */
    const phasesOf = (raw: Record<string, unknown>) =>
        buildScalingPlan("prod", parseStackConfig("prod", raw)).phases.map((phase) => [
            phase.name,
            phase.streamCount,
            phase.ratePerStream,
            phase.windowStartMinute,
            phase.windowEndMinute,
        ]);

    it("defaults to the original benchmark's knobs", () => {
        const config = parseStackConfig("test", {});
        assert.deepStrictEqual(
            [config.database, config.tablePrefix, config.partitions, config.testMode],
            ["dlt_autoscaling", "stream_table", 8, false],
        );
        assert.deepStrictEqual(phasesOf({}), [
            ["baseline", 50, 1000, 0, 15],
            ["3x", 1, 3000, 3, 10],
            ["9x", 1, 9000, 6, 10],
        ]);
    });

    const invalid: [string, Record<string, unknown>, string, RegExp][] = [
        [
            "min workers above max",
            { cluster: { minWorkers: 5, maxWorkers: 3 } },
            "streambench:cluster.maxWorkers",
            /greater than cluster.minWorkers/,
        ],
        ["equal autoscale bounds", { cluster: { minWorkers: 4, maxWorkers: 4 } }, "streambench:cluster.maxWorkers", /rejects max <= min/],
        [
            "equal DLT autoscale bounds (the Pipelines API rejects them at pulumi up)",
            { dlt: { enabled: true, minWorkers: 3, maxWorkers: 3 } },
            "streambench:dlt.maxWorkers",
            /greater than dlt.minWorkers \(3\): the Pipelines API rejects max_workers <= min_workers/,
        ],
        [
            "a 3x window past the run",
            { timeline: { scale3xEndMinute: 16 } },
            "streambench:timeline.scale3xEndMinute",
            /past the end of the run/,
        ],
        [
            "a window that ends before it starts",
            { timeline: { scale9xStartMinute: 10, scale9xEndMinute: 8 } },
            "streambench:timeline.scale9xEndMinute",
            /must be after/,
        ],
        [
            "a zero-length window",
            { timeline: { scale9xStartMinute: 10, scale9xEndMinute: 10 } },
            "streambench:timeline.scale9xEndMinute",
            /zero-length window/,
        ],
        [
            "a 9x window that starts after the run",
            { timeline: { scale9xStartMinute: 16, scale9xEndMinute: 18 } },
            "streambench:timeline.scale9xEndMinute",
            /past the end of the run/,
        ],
        ["non-integer streams", { baselineStreams: 2.5 }, "streambench:baselineStreams", /whole number/],
        ["negative rate", { baselineRate: -1000 }, "streambench:baselineRate", /at least 1/],
        ["a rate given as text", { scale3xRate: "fast" }, "streambench:scale3xRate", /whole number/],
        ["an unknown key", { baselineStream: 10 }, "streambench:baselineStream", /unknown key/],
        ["an unknown nested key", { cluster: { maxWorker: 10 } }, "streambench:cluster.maxWorker", /unknown key/],
        [
            "a cron Quartz rejects",
            { schedule: { cron: "0 0 2 * * *" } },
            "streambench:schedule.cron",
            /exactly one of day-of-month and day-of-week/,
        ],
        ["a five-field unix cron", { schedule: { cron: "0 2 * * *" } }, "streambench:schedule.cron", /expected 6 or 7 fields/],
        ["a name UC would reject", { database: "bench-mark.v1" }, "streambench:database", /Unity Catalog name/],
        ["an upper-case table prefix", { tablePrefix: "Stream" }, "streambench:tablePrefix", /lower-case/],
        ["100,000 streams", { baselineStreams: 100_000 }, "streambench:baselineStreams", /at most 2000/],
        ["max workers above the cap", { cluster: { maxWorkers: 500 } }, "streambench:cluster.maxWorkers", /above cluster.maxWorkersCap/],
        [
            "a single-user cluster without a user",
            { cluster: { dataSecurityMode: "SINGLE_USER" } },
            "streambench:cluster.singleUserName",
            /is required/,
        ],
        ["an unknown time zone", { schedule: { timezone: "Mars/Olympus" } }, "streambench:schedule.timezone", /not a Java time zone id/],
        [
            "a time zone in the wrong case (Java would use GMT)",
            { schedule: { timezone: "america/new_york" } },
            "streambench:schedule.timezone",
            /case-sensitive\): use "America\/New_York"/,
        ],
        ["utc in lower case", { schedule: { timezone: "utc" } }, "streambench:schedule.timezone", /use "UTC"/],
        [
            "a W day past 31, which Quartz rejects",
            { schedule: { cron: "0 0 2 32W * ?" } },
            "streambench:schedule.cron",
            /W needs a day from 1 to 31/,
        ],
        [
            "letters before L, which Quartz rejects",
            { schedule: { cron: "0 0 2 XYZL * ?" } },
            "streambench:schedule.cron",
            /L and W stand alone/,
        ],
        ["an L offset past 30, which Quartz rejects", { schedule: { cron: "0 0 2 L-45 * ?" } }, "streambench:schedule.cron", /at most 30/],
        ["a cron that never fires (30 February)", { schedule: { cron: "0 0 2 30 2 ?" } }, "streambench:schedule.cron", /never fires/],
        ["a cron whose years are past", { schedule: { cron: "0 0 2 * * ? 2024" } }, "streambench:schedule.cron", /never fires/],
        [
            "triggers in non-adjacent hours closer than a day-long run",
            { schedule: { cron: "0 0 2,14 * * ?" }, timeline: { runMinutes: 1440 } },
            "streambench:schedule.cron",
            /720 minutes apart, but a phase job runs up to 1445 minutes/,
        ],
        [
            "daily triggers and a day-long run plus its grace",
            { timeline: { runMinutes: 1440 } },
            "streambench:schedule.cron",
            /1440 minutes apart/,
        ],
        [
            "a phase that starts at minute 60 or later",
            { timeline: { scale9xStartMinute: 70, scale9xEndMinute: 80, runMinutes: 90 } },
            "streambench:timeline.scale9xStartMinute",
            /past minute 59: .* start at minute 0 to 59/,
        ],
        [
            "auto-termination below 10 minutes",
            { cluster: { autoterminationMinutes: 5 } },
            "streambench:cluster.autoterminationMinutes",
            /0 \(never\) or 10 to 10000/,
        ],
        [
            "test mode with a rate that 10 does not divide",
            { testMode: true, baselineRate: 1005 },
            "streambench:baselineRate",
            /multiple of 10/,
        ],
        [
            "a schedule whose last phase passes the hour",
            { schedule: { cron: "0 55 * * * ?" } },
            "streambench:schedule.cron",
            /passes the hour/,
        ],
        [
            "triggers closer than the run length",
            { schedule: { cron: "0 0,10 * * * ?" } },
            "streambench:schedule.cron",
            /10 minutes apart, but a phase job runs up to 20 minutes/,
        ],
        ["zero partitions", { partitions: 0 }, "streambench:partitions", /at least 1/],
        ["5000 partitions", { partitions: 5000 }, "streambench:partitions", /at most 1024/],
        ["a zero-minute run", { timeline: { runMinutes: 0 } }, "streambench:timeline.runMinutes", /at least 1/],
        ["an empty catalog", { catalog: "" }, "streambench:catalog", /must not be empty/],
        ["a volume name with a space", { checkpointVolume: "check points" }, "streambench:checkpointVolume", /Unity Catalog name/],
        ["a 300-character table prefix", { tablePrefix: "t".repeat(300) }, "streambench:tablePrefix", /longer than 255/],
        ["test mode given as text", { testMode: "yes" }, "streambench:testMode", /expected boolean/],
        ["paused given as text", { schedule: { paused: "no" } }, "streambench:schedule.paused", /expected boolean/],
        [
            "a runtime that is not a version",
            { cluster: { sparkVersion: "latest" } },
            "streambench:cluster.sparkVersion",
            /Databricks runtime key/,
        ],
        ["an unknown access mode", { cluster: { dataSecurityMode: "NONE" } }, "streambench:cluster.dataSecurityMode", /Invalid option/],
        ["an empty group name", { permissions: { jobViewers: [""] } }, "streambench:permissions.jobViewers[0]", /must not be empty/],
        ["two million rows/s per stream", { scale9xRate: 2_000_000 }, "streambench:scale9xRate", /at most 1000000/],
        ["a cluster block given as a number", { cluster: 4 }, "streambench:cluster", /expected object/],
        [
            "a schema name past 255 characters once the stack is added",
            { database: "d".repeat(251) },
            "streambench:database",
            /<database>_<stack> is 256 characters .* above Unity Catalog's 255/,
        ],
        [
            "a table name past 255 characters once the table suffix is added",
            { tablePrefix: "t".repeat(247) },
            "streambench:tablePrefix",
            /is 256 characters, above Unity Catalog's 255/,
        ],
        [
            "a serverless pipeline with dlt.minWorkers set",
            { dlt: { enabled: true, serverless: true, minWorkers: 1 } },
            "streambench:dlt.minWorkers",
            /is set \(1\), but a serverless pipeline .* no workers to bound/,
        ],
        [
            "a serverless pipeline with dlt.maxWorkers set",
            { dlt: { enabled: true, serverless: true, maxWorkers: 4 } },
            "streambench:dlt.maxWorkers",
            /is set \(4\), but a serverless pipeline .*pulumi config rm --path streambench:dlt\.maxWorkers/,
        ],
        ["serverless without a pipeline", { dlt: { serverless: true } }, "streambench:dlt.serverless", /needs dlt\.enabled: true/],
        [
            "equal pipeline bounds, which the Pipelines API rejects",
            { dlt: { enabled: true, minWorkers: 3, maxWorkers: 3 } },
            "streambench:dlt.maxWorkers",
            /must be greater than dlt\.minWorkers \(3\): the Pipelines API rejects max_workers <= min_workers/,
        ],
        [
            "a pipeline lower bound at the defaulted upper bound",
            { dlt: { enabled: true, minWorkers: 4 } },
            "streambench:dlt.maxWorkers",
            /^4, the default, must be greater than dlt\.minWorkers \(4\)/,
        ],
        ["development mode given as text", { dlt: { development: "yes" } }, "streambench:dlt.development", /expected boolean/],
        [
            "a processed tolerance above 100 %",
            { verdict: { processedTolerancePercent: 150 } },
            "streambench:verdict.processedTolerancePercent",
            /at most 100/,
        ],
        ["a batch share of 0", { verdict: { maxBatchToTrigger: 0 } }, "streambench:verdict.maxBatchToTrigger", /above 0/],
        [
            "a lag threshold given as text",
            { verdict: { lagThresholdTriggers: "3" } },
            "streambench:verdict.lagThresholdTriggers",
            /expected number/,
        ],
        ["an unknown verdict key", { verdict: { keptUp: true } }, "streambench:verdict.keptUp", /unknown key/],
        ["a negative DBU rate", { cost: { dbuPerNodeHour: -1 } }, "streambench:cost.dbuPerNodeHour", /above 0/],
        ["a negative price per DBU", { cost: { pricePerDbu: -0.5 } }, "streambench:cost.pricePerDbu", /at least 0/],
    ];
    for (const [what, raw, key, message] of invalid) {
        it(`rejects ${what}, naming ${key}`, () => {
            const problem = problemsOf(raw).find((candidate) => candidate.key === key);
            assert.ok(problem, `no problem named ${key}: ${JSON.stringify(problemsOf(raw))}`);
            assert.match(problem.message, message);
        });
    }

    it(`stops the program before any resource for every one of the ${invalid.length} bad configs`, async function () {
        this.timeout(120_000);
        for (const [what, raw, key] of invalid) {
            const evaluation = await evaluateProgram("prod", raw);
            assert.strictEqual(evaluation.error?.name, "StackConfigError", `${what}: ${evaluation.error}`);
            assert.ok(evaluation.error.message.includes(`${key}: `), `${what}: the error does not name ${key}`);
            assert.deepStrictEqual(evaluation.resources, [], `${what} declared resources`);
        }
    });

    it("lets windows of different phases overlap: the 3x stream runs on while the 9x stream joins", () => {
        for (const [timeline, windows] of [
            [
                {},
                [
                    [3, 10],
                    [6, 10],
                ],
            ],
            [
                { scale3xStartMinute: 2, scale3xEndMinute: 12, scale9xStartMinute: 4, scale9xEndMinute: 8 },
                [
                    [2, 12],
                    [4, 8],
                ],
            ],
            [
                { scale9xStartMinute: 3, scale9xEndMinute: 10 },
                [
                    [3, 10],
                    [3, 10],
                ],
            ],
        ] as const) {
            assert.deepStrictEqual(
                phasesOf({ timeline })
                    .slice(1)
                    .map((phase) => phase.slice(3)),
                windows,
            );
        }
    });

    it("accepts scale windows that end exactly at the end of the run", () => {
        for (const timeline of [
            { scale3xEndMinute: 15, scale9xEndMinute: 15 },
            { scale3xStartMinute: 0, scale3xEndMinute: 1, scale9xStartMinute: 0, scale9xEndMinute: 1, runMinutes: 1 },
        ]) {
            const ends = phasesOf({ timeline }).map((phase) => phase[4]);
            assert.deepStrictEqual(ends, [ends[0], ends[0], ends[0]]);
        }
    });

    it("blames the phase, not the cron, for a phase that starts past minute 59 (and suggests no negative minute)", () => {
        const problems = problemsOf({ timeline: { scale9xStartMinute: 70, scale9xEndMinute: 80, runMinutes: 90 } });
        assert.deepStrictEqual(
            problems.map((problem) => problem.key),
            ["streambench:timeline.scale9xStartMinute"],
        );
        assert.ok(!/-\d/.test(problems[0].message), problems[0].message);
    });

    it("tells pipeline bounds that were set from defaulted ones: serverless takes the defaults, refuses the stack file's bounds", () => {
        const serverless = buildScalingPlan("prod", parseStackConfig("prod", { dlt: { enabled: true, serverless: true } }));
        assert.deepStrictEqual([serverless.pipeline?.serverless, serverless.pipeline?.autoscale], [true, undefined]);
        const classic = buildScalingPlan("prod", parseStackConfig("prod", { dlt: { enabled: true } }));
        assert.deepStrictEqual([classic.pipeline?.serverless, classic.pipeline?.autoscale], [false, { minWorkers: 1, maxWorkers: 4 }]);
        // Pulumi.prod.yaml sets dlt.minWorkers and dlt.maxWorkers: turning serverless on there names both keys.
        const prodFile = namespaceValues(loadStackFile("prod"));
        const prodServerless = { ...prodFile, dlt: { ...(prodFile.dlt as object), serverless: true } };
        assert.deepStrictEqual(
            problemsOf(prodServerless).map((problem) => problem.key),
            ["streambench:dlt.minWorkers", "streambench:dlt.maxWorkers"],
        );
    });

    it("lists every problem in one error", () => {
        const problems = problemsOf({
            baselineStreams: -1,
            cluster: { minWorkers: 9, maxWorkers: 3 },
            typo: 1,
            schedule: { cron: "nope" },
        });
        assert.deepStrictEqual(problems.map((problem) => problem.key).sort(), [
            "streambench:baselineStreams",
            "streambench:cluster.maxWorkers",
            "streambench:schedule.cron",
            "streambench:typo",
        ]);
        const error = new StackConfigError("prod", problems);
        assert.match(error.message, /Stack "prod" has 4 config problems; nothing was deployed/);
        assert.match(error.message, /pulumi config set --path/);
    });
});

describe("the program with a bad config", () => {
    it("throws one error and declares nothing", async () => {
        const evaluation = await evaluateProgram("bad", {
            cluster: { minWorkers: 8, maxWorkers: 2 },
            timeline: { runMinutes: 8 },
            bogus: true,
        });
        assert.ok(evaluation.error instanceof Error);
        assert.match(evaluation.error.message, /4 config problems/);
        for (const key of [
            "streambench:cluster.maxWorkers",
            "streambench:timeline.scale3xEndMinute",
            "streambench:timeline.scale9xEndMinute",
            "streambench:bogus",
        ]) {
            assert.ok(evaluation.error.message.includes(key), `error does not name ${key}`);
        }
        assert.deepStrictEqual(evaluation.resources, []);
        assert.deepStrictEqual(evaluation.invokes, []);
    });

    it("reads only its own namespace: the provider's databricks:* keys are not unknown keys", () => {
        const values = namespaceValues({
            "databricks:host": "https://x",
            "databricks:token": "t",
            "streambench:baselineStreams": "7",
            "streambench:cluster": '{"maxWorkers":9}',
        });
        assert.deepStrictEqual(values, { baselineStreams: 7, cluster: { maxWorkers: 9 } });
        assert.strictEqual(parseStackConfig("test", values).baselineStreams, 7);
    });
});
