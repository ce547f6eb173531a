import * as assert from "assert";
import { StackConfigError, namespaceValues, parseStackConfig } from "../config";
import { evaluateProgram } from "./mocks";

function problemsOf(raw: Record<string, unknown>): { key: string; message: string }[] {
    try {
        parseStackConfig("test", raw);
    } catch (error) {
        assert.ok(error instanceof StackConfigError, `expected a StackConfigError, got ${error}`);
        return error.problems;
    }
    assert.fail("the config was accepted");
}

describe("stack config", () => {
    it("defaults to the original benchmark's knobs", () => {
        const config = parseStackConfig("test", {});
        assert.deepStrictEqual(
            [config.baselineStreams, config.baselineRate, config.scale3xRate, config.scale9xRate, config.database, config.tablePrefix, config.partitions, config.testMode],
            [50, 1000, 3000, 9000, "dlt_autoscaling", "stream_table", 8, false],
        );
        assert.deepStrictEqual(config.timeline, { scale3xStartMinute: 3, scale3xEndMinute: 10, scale9xStartMinute: 6, scale9xEndMinute: 10, runMinutes: 15 });
    });

    const invalid: [string, Record<string, unknown>, string, RegExp][] = [
        ["min workers above max", { cluster: { minWorkers: 5, maxWorkers: 3 } }, "streambench:cluster.maxWorkers", /greater than cluster.minWorkers/],
        ["equal autoscale bounds", { cluster: { minWorkers: 4, maxWorkers: 4 } }, "streambench:cluster.maxWorkers", /rejects max <= min/],
        ["a 3x window past the run", { timeline: { scale3xEndMinute: 16 } }, "streambench:timeline.scale3xEndMinute", /past the end of the run/],
        ["a window that ends before it starts", { timeline: { scale9xStartMinute: 10, scale9xEndMinute: 8 } }, "streambench:timeline.scale9xEndMinute", /must be after/],
        ["a zero-length window", { timeline: { scale9xStartMinute: 10, scale9xEndMinute: 10 } }, "streambench:timeline.scale9xEndMinute", /zero-length window/],
        ["a 9x window that starts after the run", { timeline: { scale9xStartMinute: 16, scale9xEndMinute: 18 } }, "streambench:timeline.scale9xEndMinute", /past the end of the run/],
        ["non-integer streams", { baselineStreams: 2.5 }, "streambench:baselineStreams", /whole number/],
        ["negative rate", { baselineRate: -1000 }, "streambench:baselineRate", /at least 1/],
        ["a rate given as text", { scale3xRate: "fast" }, "streambench:scale3xRate", /whole number/],
        ["an unknown key", { baselineStream: 10 }, "streambench:baselineStream", /unknown key/],
        ["an unknown nested key", { cluster: { maxWorker: 10 } }, "streambench:cluster.maxWorker", /unknown key/],
        ["a cron Quartz rejects", { schedule: { cron: "0 0 2 * * *" } }, "streambench:schedule.cron", /exactly one of day-of-month and day-of-week/],
        ["a five-field unix cron", { schedule: { cron: "0 2 * * *" } }, "streambench:schedule.cron", /expected 6 or 7 fields/],
        ["a name UC would reject", { database: "bench-mark.v1" }, "streambench:database", /Unity Catalog name/],
        ["an upper-case table prefix", { tablePrefix: "Stream" }, "streambench:tablePrefix", /lower-case/],
        ["100,000 streams", { baselineStreams: 100_000 }, "streambench:baselineStreams", /at most 2000/],
        ["max workers above the cap", { cluster: { maxWorkers: 500 } }, "streambench:cluster.maxWorkers", /above cluster.maxWorkersCap/],
        ["a single-user cluster without a user", { cluster: { dataSecurityMode: "SINGLE_USER" } }, "streambench:cluster.singleUserName", /is required/],
        ["an unknown time zone", { schedule: { timezone: "Mars/Olympus" } }, "streambench:schedule.timezone", /not a time zone/],
        ["auto-termination below 10 minutes", { cluster: { autoterminationMinutes: 5 } }, "streambench:cluster.autoterminationMinutes", /0 \(never\) or 10 to 10000/],
        ["test mode with a rate that 10 does not divide", { testMode: true, baselineRate: 1005 }, "streambench:baselineRate", /multiple of 10/],
        ["a schedule whose last phase passes the hour", { schedule: { cron: "0 55 * * * ?" } }, "streambench:schedule.cron", /passes the hour/],
        ["triggers closer than the run length", { schedule: { cron: "0 0,10 * * * ?" } }, "streambench:schedule.cron", /overlap a 15-minute run/],
        ["zero partitions", { partitions: 0 }, "streambench:partitions", /at least 1/],
        ["5000 partitions", { partitions: 5000 }, "streambench:partitions", /at most 1024/],
        ["a zero-minute run", { timeline: { runMinutes: 0 } }, "streambench:timeline.runMinutes", /at least 1/],
        ["an empty catalog", { catalog: "" }, "streambench:catalog", /must not be empty/],
        ["a volume name with a space", { checkpointVolume: "check points" }, "streambench:checkpointVolume", /Unity Catalog name/],
        ["a 300-character table prefix", { tablePrefix: "t".repeat(300) }, "streambench:tablePrefix", /longer than 255/],
        ["test mode given as text", { testMode: "yes" }, "streambench:testMode", /expected boolean/],
        ["paused given as text", { schedule: { paused: "no" } }, "streambench:schedule.paused", /expected boolean/],
        ["a runtime that is not a version", { cluster: { sparkVersion: "latest" } }, "streambench:cluster.sparkVersion", /must look like/],
        ["an unknown access mode", { cluster: { dataSecurityMode: "NONE" } }, "streambench:cluster.dataSecurityMode", /Invalid option/],
        ["an empty group name", { permissions: { jobViewers: [""] } }, "streambench:permissions.jobViewers.0", /must not be empty/],
        ["two million rows/s per stream", { scale9xRate: 2_000_000 }, "streambench:scale9xRate", /at most 1000000/],
        ["a cluster block given as a number", { cluster: 4 }, "streambench:cluster", /expected object/],
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
        assert.ok(invalid.length >= 30);
        for (const [what, raw, key] of invalid) {
            const evaluation = await evaluateProgram("prod", raw);
            assert.strictEqual(evaluation.error?.name, "StackConfigError", `${what}: ${evaluation.error}`);
            assert.ok(evaluation.error.message.includes(`${key}: `), `${what}: the error does not name ${key}`);
            assert.deepStrictEqual(evaluation.resources, [], `${what} declared resources`);
        }
    });

    it("lets windows of different phases overlap: the 3x stream runs on while the 9x stream joins", () => {
        for (const timeline of [{}, { scale3xStartMinute: 2, scale3xEndMinute: 12, scale9xStartMinute: 4, scale9xEndMinute: 8 }, { scale9xStartMinute: 3, scale9xEndMinute: 10 }]) {
            assert.deepStrictEqual(parseStackConfig("test", { timeline }).timeline, { scale3xStartMinute: 3, scale3xEndMinute: 10, scale9xStartMinute: 6, scale9xEndMinute: 10, runMinutes: 15, ...timeline });
        }
    });

    it("lists every problem in one error", () => {
        const problems = problemsOf({ baselineStreams: -1, cluster: { minWorkers: 9, maxWorkers: 3 }, typo: 1, schedule: { cron: "nope" } });
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
        const evaluation = await evaluateProgram("bad", { cluster: { minWorkers: 8, maxWorkers: 2 }, timeline: { runMinutes: 8 }, bogus: true });
        assert.ok(evaluation.error instanceof Error);
        assert.match(evaluation.error.message, /4 config problems/);
        for (const key of ["streambench:cluster.maxWorkers", "streambench:timeline.scale3xEndMinute", "streambench:timeline.scale9xEndMinute", "streambench:bogus"]) {
            assert.ok(evaluation.error.message.includes(key), `error does not name ${key}`);
        }
        assert.deepStrictEqual(evaluation.resources, []);
        assert.deepStrictEqual(evaluation.invokes, []);
    });

    it("reads only its own namespace: the provider's databricks:* keys are not unknown keys", () => {
        const values = namespaceValues({ "databricks:host": "https://x", "databricks:token": "t", "streambench:baselineStreams": "7", "streambench:cluster": '{"maxWorkers":9}' });
        assert.deepStrictEqual(values, { baselineStreams: 7, cluster: { maxWorkers: 9 } });
        assert.strictEqual(parseStackConfig("test", values).baselineStreams, 7);
    });
});
