import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { TOKEN, opsWorkspace } from "./opsWorkspace";

/** `npm run ops -- analyze` against the workspace emulator: the verdict, the chart from the volume, the thresholds. */
describe("ops CLI: analyze", function () {
    this.timeout(120_000);
    const workspace = opsWorkspace();
    /** A state folder of the test's own. */
    const home = () => fs.mkdtempSync(path.join(os.tmpdir(), "ops-analyze-"));

    async function volumeWithChart(chart: Buffer): Promise<string> {
        await workspace.call("POST", "/api/2.1/unity-catalog/schemas", { catalog_name: "main", name: "dlt_autoscaling_prod" });
        await workspace.call("POST", "/api/2.1/unity-catalog/volumes", {
            catalog_name: "main",
            schema_name: "dlt_autoscaling_prod",
            name: "checkpoints",
            volume_type: "MANAGED",
        });
        const remote = "/Volumes/main/dlt_autoscaling_prod/checkpoints/charts/20261125T020000Z.png";
        const upload = await fetch(`${workspace.url}/api/2.0/fs/files${remote}?overwrite=true`, {
            method: "PUT",
            headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/octet-stream" },
            body: new Uint8Array(chart),
        });
        assert.strictEqual(upload.status, 200);
        return remote;
    }

    /** The analysis notebook's exit value for a run whose second window did not keep up. */
    function analysisSummary(chart: string | null): string {
        const window = (index: number, start: number, end: number, keptUp: boolean, reasons: string) => ({
            window_index: index,
            start_minute: start,
            end_minute: end,
            target_rows_per_second: 50_000,
            processed_rows_per_second: keptUp ? 49_900 : 41_000,
            processed_percent: keptUp ? 99.8 : 82,
            batch_p50_seconds: 4.1,
            batch_p95_seconds: keptUp ? 6.2 : 13.5,
            trigger_seconds: 10,
            lag_p50_seconds: 12,
            lag_p95_seconds: keptUp ? 18 : 95,
            lag_max_seconds: keptUp ? 21 : 140,
            workers_at_start: 2,
            workers_at_end: keptUp ? 2 : 6,
            workers_peak: keptUp ? 2 : 6,
            reaction_seconds: keptUp ? null : 48,
            resize_completed_seconds: keptUp ? null : 171,
            lag_recovered_seconds: keptUp ? 10 : null,
            kept_up: keptUp,
            kept_up_reasons: reasons,
            run_kept_up: false,
            criteria_json: '{"lag_recovery_triggers": 12.0}',
        });
        return JSON.stringify({
            run_start: "2026-11-25T02:00:00+00:00",
            windows: [window(1, 0, 3, true, ""), window(2, 3, 6, false, "processed 82.0 % of the offered rows/s (< 98 %)")],
            pipeline: false,
            cost: {
                worker_minutes: 61.5,
                estimated_dbus: null,
                billing_query: "SELECT 1 FROM system.billing.usage",
                billing_note: "hours later",
            },
            chart,
            notes: [],
        });
    }

    /** `ops analyze` followed, with the analysis run ended by its notebook's `exit` value once it is active. */
    async function analyzeWith(summary: string, stateDir: string, ...extra: string[]) {
        const analysisJob = await workspace.job("streambench-prod-analysis");
        const followed = workspace.ops(["analyze", "--stack", "prod", ...extra], { pollSeconds: 0.2, stateDir });
        while (!workspace.emulator.billing().activeRuns.some((run) => run.jobId === analysisJob)) {
            await new Promise((resolve) => setTimeout(resolve, 100));
        }
        workspace.emulator.jobs.finish(workspace.emulator.billing().activeRuns.find((run) => run.jobId === analysisJob)!.runId, {
            t: summary,
        });
        return followed;
    }

    it("analyze follows the analysis run, prints its verdict per window and downloads its chart from the volume (Files API)", async () => {
        const png = Buffer.concat([Buffer.from("\x89PNG\r\n\x1a\n", "latin1"), Buffer.alloc(300, 7)]);
        const remote = await volumeWithChart(png);
        const stateDir = path.join(home(), "state");
        const result = await analyzeWith(analysisSummary(remote), stateDir);
        assert.strictEqual(result.code, 0, result.stdout + result.stderr);
        assert.match(result.stdout, /Started streambench-prod-analysis run \d+/);
        assert.match(
            result.stdout,
            /1\s+0-3\s+50,000\s+49,900\s+99\.8\s+4\.1\/6\.2\s+10\s+12\.0\/18\.0\/21\.0\s+2->2 \(2\)\s+-\/-\s+10\s+yes/,
        );
        assert.match(result.stdout, /2\s+3-6\s+50,000\s+41,000\s+82\.0 .*2->6 \(6\)\s+48\/171\s+-\s+NO/);
        assert.match(result.stdout, /window 2: processed 82\.0 % of the offered rows\/s/);
        assert.match(result.stdout, /Kept up over the whole run: NO/);
        assert.match(result.stdout, /Cost: 61\.5 node-minutes/);
        const local = path.join(stateDir, "20261125T020000Z.png");
        assert.match(result.stdout, new RegExp(`Chart: ${local.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
        assert.deepStrictEqual(fs.readFileSync(local), png);
        // The output is read per task run: the job run's own id is refused, as Databricks refuses it.
        const outputs = workspace.emulator.requests.filter((request) => request.path === "/api/2.2/jobs/runs/get-output");
        assert.ok(outputs.length > 0 && outputs.every((request) => request.status === 200));
        assert.ok(
            workspace.emulator.requests.some(
                (request) => request.method === "GET" && request.path === `/api/2.0/fs/files${remote}` && request.status === 200,
            ),
        );
    });

    it("analyze --fail-if: a threshold the run fails exits 99, names the window in its JUnit; --fail-if is analyze's alone", async () => {
        const remote = await volumeWithChart(Buffer.from("\x89PNG\r\n\x1a\n", "latin1"));
        const stateDir = path.join(home(), "gated");
        const result = await analyzeWith(
            analysisSummary(remote),
            stateDir,
            "--fail-if",
            "lag_p95_seconds > 60",
            "--fail-if",
            "kept_up == 2",
        );
        assert.strictEqual(result.code, 99, result.stdout + result.stderr);
        assert.match(result.stdout, /threshold failed: lag_p95_seconds > 60 \[window 3-6 min\]: measured 95/);
        const junit = fs.readFileSync(path.join(stateDir, "thresholds.junit.xml"), "utf8");
        assert.match(junit, /<testcase classname="streambench.prod" name="lag_p95_seconds &gt; 60 \[window 3-6 min\]"><failure /);
        assert.match(junit, /name="lag_p95_seconds &gt; 60 \[window 0-3 min\]" \/>/);
        const misplaced = await workspace.ops(["status", "--stack", "prod", "--fail-if", "cost > 1"]);
        assert.strictEqual(misplaced.code, 2);
        assert.match(misplaced.stderr, /--fail-if and --thresholds belong to analyze/);
    });

    it("analyze says when the chart is not in the volume (404), after printing the verdict, and exits 1", async () => {
        await volumeWithChart(Buffer.from("x"));
        const missing = "/Volumes/main/dlt_autoscaling_prod/checkpoints/charts/20261124T020000Z.png";
        const stateDir = path.join(home(), "state");
        const result = await analyzeWith(analysisSummary(missing), stateDir);
        assert.strictEqual(result.code, 1);
        assert.match(result.stdout, /Kept up over the whole run: NO/);
        assert.match(result.stdout, new RegExp(`The chart ${missing} could not be downloaded: NotFound`));
        assert.ok(!fs.existsSync(path.join(stateDir, "20261124T020000Z.png")));
    });
});
