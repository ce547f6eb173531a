/**
 * The shared report opened in a real headless browser (Debian's Chromium through playwright-core): it renders its
 * chart, logs no console error and asks the network for nothing. Without Chromium the test skips and says why; under
 * a CI it fails (`.ci/run` installs it). `UPDATE_SCREENSHOT=1` also writes docs/report.png.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { chromium } from "playwright-core";
import { underCi } from "../java";
import { runPython } from "../python";

const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";

// A chart drawn by the analysis's own drawing code, and the report around it, from a results.json-shaped run.
const RENDER = `
import json, sys
from pathlib import Path
from streambench.chart import draw_results
from streambench.html_report import write_report
folder = Path(json.load(sys.stdin)["folder"])
intervals = [{"start_minute": i / 6, "processed_by_type": {"baseline": 480.0, "3x": 300.0 if i >= 18 else 0.0},
              "lag_p95_seconds": 12.0, "lag_max_seconds": 14.0} for i in range(39)]
data = {"interval_minutes": 1 / 6, "end_minute": 6.5, "offered": [[0.0, 500], [3.0, 800]], "offered_end_minute": 6.0,
        "intervals": intervals, "lag_threshold_seconds": 30.0, "workers": [[0.0, 2], [3.5, 4]], "executors": []}
draw_results(str(folder / "results.png"), "streambench dev", data, [["minutes", "kept up"], ["0-3", "yes"], ["3-6", "NO"]], ["baseline", "3x"])
window = lambda start, end, target, done, kept: {"start_minute": start, "end_minute": end, "phases": "baseline",
    "target_rows_per_second": target, "verdict": {"processed_rows_per_second": done, "kept_up": kept, "lag_p95_seconds": 12.0}}
results = {"stack": "dev", "mode": "local", "speed": 10, "run_start": "2026-12-08T01:00:00+00:00", "kept_up": False,
           "rows": 250000, "criteria": {"max_batch_to_trigger": 0.8}, "notes": [],
           "windows": [window(0, 3, 500, 497.5, True), window(3, 6, 800, 611.0, False)],
           "cost": {"worker_minutes": 6.5, "estimated_dbus": None, "estimated_price": None}}
(folder / "results.json").write_text(json.dumps(results))
print(json.dumps({"report": write_report(folder)}))
`;

describe("the HTML report in a headless browser", function () {
    this.timeout(120_000);

    it("renders its chart with no console error and no request to the network", async function () {
        if (!fs.existsSync(CHROMIUM)) {
            if (underCi()) {
                assert.fail(`no Chromium at ${CHROMIUM}: install Debian's chromium (apt-get install chromium), or set CHROMIUM`);
            }
            console.log(`      skipped: no Chromium at ${CHROMIUM} (apt-get install chromium)`);
            this.skip();
        }
        const folder = fs.mkdtempSync(path.join(os.tmpdir(), "report-"));
        const { report } = runPython<{ report: string }>(RENDER, { folder });
        const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
        try {
            const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
            const errors: string[] = [];
            const requests: string[] = [];
            page.on("console", (message) => message.type() === "error" && errors.push(message.text()));
            page.on("pageerror", (error) => errors.push(error.message));
            page.on("request", (request) => requests.push(request.url()));
            await page.goto(`file://${report}`, { waitUntil: "load" });
            const charts = await page.$$eval("img", (images) =>
                images.map((image) => ({ complete: image.complete, width: image.naturalWidth, height: image.naturalHeight })),
            );
            assert.deepStrictEqual(charts, [{ complete: true, width: 1400, height: 1100 }]);
            assert.deepStrictEqual(errors, []);
            assert.deepStrictEqual(
                requests.filter((url) => !url.startsWith("file://") && !url.startsWith("data:")),
                [],
            );
            const cells = await page.$$eval("td", (tds) => tds.map((td) => td.textContent));
            assert.ok(cells.includes("611") && cells.includes("NO"), cells.join(" | "));
            if (process.env.UPDATE_SCREENSHOT) {
                await page.screenshot({ path: path.join(__dirname, "..", "..", "docs", "report.png"), fullPage: true });
            }
        } finally {
            await browser.close();
        }
    });
});
