import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { main, offlinePlan } from "../../cli/plan";
import { PROJECT_DIR } from "../../config/stackFile";
import { evaluateProgram, loadStackFile, runOnDeployConfig } from "../mocks";

/**
 * Runs `run` with `Pulumi.<stack>.yaml` holding `yamlText` in the project, where `npm run plan` reads it and where
 * the program finds the stack file the engine read its config from; removes it afterwards.
 */
async function withStackFile<T>(stack: string, yamlText: string, run: () => Promise<T>): Promise<T> {
    const stackFile = path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`);
    fs.writeFileSync(stackFile, yamlText);
    try {
        return await run();
    } finally {
        fs.rmSync(stackFile, { force: true });
    }
}

/** The problem lines (`  - <key>: <message>`) of a config error, sorted. */
const problemLines = (text: string) =>
    text
        .split("\n")
        .filter((line) => line.startsWith("  - "))
        .sort();

/** What `npm run plan -- --stack <stack>` prints, and its exit code. */
async function plan(stack: string): Promise<{ code: number; text: string }> {
    const lines: string[] = [];
    const code = await main(["--stack", stack], { out: (text) => lines.push(text), err: (text) => lines.push(text) });
    return { code, text: lines.join("\n") };
}

describe("npm run plan (offline)", () => {
    it("prints the prod table, phases and every declared resource", async () => {
        const { text, ok } = await offlinePlan("prod", loadStackFile("prod"));
        assert.ok(ok, text);
        for (const row of [
            /0-3\s+50,000\s+0\s+0\s+50,000/,
            /3-6\s+50,000\s+3,000\s+0\s+53,000/,
            /6-10\s+50,000\s+3,000\s+9,000\s+62,000/,
            /10-15\s+50,000\s+0\s+0\s+50,000/,
        ]) {
            assert.match(text, row);
        }
        assert.match(text, /baseline\s+50 x 1,000\s+0-15\s+0 0 2 \* \* \?/);
        assert.match(text, /3x\s+1 x 3,000\s+3-10\s+0 3 2 \* \* \?\s+15 min/);
        assert.match(text, /9x\s+1 x 9,000\s+6-10\s+0 6 2 \* \* \?/);
        assert.match(
            text,
            /cluster\s+streambench-compute-cluster\s+streambench-prod, autoscale 2-8 workers, runtime <latest LTS, looked up at deploy>/,
        );
        assert.match(text, /up does not wait for RUNNING/);
        assert.match(text, /schema\s+streambench-storage-schema\s+main\.dlt_autoscaling_prod, tables dropped on destroy/);
        assert.match(text, /job\s+streambench-timeline-job\s+streambench-prod-timeline, no schedule/);
        // Job ids exist only once deployed: the timeline job's tasks name the jobs they run.
        assert.match(
            text,
            /baseline: runs job streambench-prod-baseline, dlt: runs job streambench-prod-dlt-control, scale_3x: runs job streambench-prod-3x/,
        );
        assert.match(
            text,
            /DLT pipeline\s+streambench-dlt-pipeline\s+streambench-prod-dlt, main\.dlt_autoscaling_prod, triggered, autoscale 1-5 workers ENHANCED, production mode/,
        );
        assert.match(
            text,
            /DLT pipeline: streambench-prod-dlt, triggered \(`pulumi up` starts no compute\), on a classic cluster with enhanced autoscaling, 1-5 workers, production mode\. Its control job streambench-prod-dlt-control \(schedule "0 0 2 \* \* \?"/,
        );
        assert.match(
            text,
            /job\s+streambench-dlt-control-job\s+streambench-prod-dlt-control, cron "0 0 2 \* \* \?" UTC UNPAUSED, max 1 run, timeout 20 min, control: notebook /,
        );
        assert.match(text, /Driver: at most 52 streaming queries at once; 4 notebook tasks/);
    });

    it("says what the phases run on: prod's all-purpose cluster, or with cluster.kind job the timeline job's one job cluster and its tasks", async () => {
        const allPurpose = await offlinePlan("prod", loadStackFile("prod"));
        assert.match(
            allPurpose.text,
            /Compute: the all-purpose cluster streambench-prod \(autoscaling 2-8 workers, USER_ISOLATION, auto-terminates after 30 min\), one job per phase on it \(results: "all-purpose cluster"\)/,
        );
        const config = { ...loadStackFile("prod"), "streambench:cluster": JSON.stringify({ kind: "job", minWorkers: 2, maxWorkers: 8 }) };
        const { text, ok } = await offlinePlan("prod", config);
        assert.ok(ok, text);
        assert.match(
            text,
            /Compute: one job cluster of streambench-prod-timeline \(autoscaling 2-8 workers, USER_ISOLATION\), started for each run/,
        );
        assert.match(text, /results: "job cluster"/);
        assert.match(text, /3x\s+1 x 3,000\s+3-10\s+timeline's, \+3 min\s+15 min/);
        assert.match(text, /Its control, a task of streambench-prod-timeline on the job cluster, keeps it updating/);
        assert.doesNotMatch(text, /^cluster\s/m);
        assert.match(
            text,
            /streambench-prod-timeline, cron "0 0 2 \* \* \?" UTC UNPAUSED, max 1 run, timeout 50 min, job cluster benchmark: autoscale 2-8 workers, runtime <latest LTS, looked up at deploy>, node <smallest 4-core node with local disk, looked up at deploy>, USER_ISOLATION, analyze: notebook \/Users\/<you>\/streambench-prod\/analysis on job cluster benchmark, baseline: notebook \/Users\/<you>\/streambench-prod\/generator on job cluster benchmark/,
        );
    });

    it("prints dev's test-mode table", async () => {
        const { text } = await offlinePlan("dev", loadStackFile("dev"));
        assert.match(text, /test mode/);
        assert.match(text, /6-10\s+500\s+300\s+900\s+1,700/);
        assert.match(text, /PAUSED/);
    });

    it("says a serverless pipeline is serverless, and a test-mode one runs in development mode", async () => {
        const { text, ok } = await offlinePlan("dev", {
            ...loadStackFile("dev"),
            "streambench:dlt": JSON.stringify({ enabled: true, serverless: true }),
        });
        assert.ok(ok, text);
        assert.match(
            text,
            /DLT pipeline: streambench-dev-dlt, triggered \(`pulumi up` starts no compute\), serverless \(Databricks sizes it, enhanced autoscaling always on\), development mode\./,
        );
        assert.match(
            text,
            /DLT pipeline\s+streambench-dlt-pipeline\s+streambench-dev-dlt, main\.dlt_autoscaling_dev, triggered, serverless, no cluster block, development mode/,
        );
    });

    it("prints the same error as pulumi up for a bad config, and fails", async () => {
        const { text, ok } = await offlinePlan("prod", {
            ...loadStackFile("prod"),
            "streambench:partitions": "0",
            "streambench:colour": '"blue"',
        });
        assert.strictEqual(ok, false);
        assert.match(text, /Stack "prod" has 2 config problems; nothing was deployed/);
        assert.match(text, /streambench:partitions: must be at least 1/);
        assert.match(text, /streambench:colour: unknown key/);
    });

    it("never prints a credential, even with run-on-deploy", async () => {
        const sentinel = "dapi-plan-sentinel-42";
        const config = runOnDeployConfig("dev", sentinel);
        const { text, ok } = await offlinePlan("dev", config);
        assert.ok(ok, text);
        assert.match(text, /command\s+streambench-run-on-deploy-run\s+create: .*DATABRICKS_TOKEN.*\(values not shown\)/);
        assert.ok(!text.includes(sentinel));
    });

    it("lists every problem of the stack file in one error, the same as pulumi up: a misspelt namespace beside two bad values", async () => {
        const yamlText = "config:\n  streambnech:testMode: true\n  streambench:partitions: 0\n  streambench:baselineStreams: -1\n";
        await withStackFile("hostile", yamlText, async () => {
            const offline = await plan("hostile");
            // pulumi up: the engine passes the stack file's values as text; the program parses them with the same parse.
            const up = await evaluateProgram("hostile", {
                "streambnech:testMode": "true",
                "streambench:partitions": "0",
                "streambench:baselineStreams": "-1",
            });
            assert.strictEqual(offline.code, 1);
            assert.match(offline.text, /Stack "hostile" has 3 config problems/);
            assert.deepStrictEqual(
                problemLines(offline.text).map((line) => line.split(": ")[0]),
                ["  - streambench:baselineStreams", "  - streambench:partitions", "  - streambnech:testMode"],
            );
            assert.deepStrictEqual(problemLines(up.error?.message ?? ""), problemLines(offline.text));
        });
    });

    it("refuses text keys YAML read as numbers, as pulumi up does, instead of planning a changed value (0x1f as 31)", async () => {
        const yamlText = [
            "config:",
            "  streambench:warehouseId: 9007199254740993",
            "  streambench:database: 0123",
            "  streambench:catalog: 0x1f",
            "  streambench:cluster:",
            "    singleUserName: 0123",
            "",
        ].join("\n");
        await withStackFile("numbers", yamlText, async () => {
            const offline = await plan("numbers");
            // What the real engine (Pulumi 3.248) passes the program for this file: its YAML reader's own rendering.
            const up = await evaluateProgram("numbers", {
                "streambench:warehouseId": "9007199254740993",
                "streambench:database": "83",
                "streambench:catalog": "31",
                "streambench:cluster": '{"singleUserName":83}',
            });
            assert.strictEqual(offline.code, 1, offline.text);
            assert.doesNotMatch(offline.text, /31\.123|dlt_autoscaling/);
            const lines = problemLines(offline.text);
            assert.deepStrictEqual(
                lines.map((line) => line.split(": ")[0]),
                [
                    "  - streambench:catalog",
                    "  - streambench:cluster.singleUserName",
                    "  - streambench:database",
                    "  - streambench:warehouseId",
                ],
            );
            assert.match(lines[0], /is 0x1f without quotes, which YAML reads as a number, not as this text: .*Write it in quotes: "0x1f"$/);
            assert.match(lines[3], /Write it in quotes: "9007199254740993"$/);
            assert.deepStrictEqual(problemLines(up.error?.message ?? ""), lines);
            assert.deepStrictEqual(up.resources, []);
        });
    });
});
