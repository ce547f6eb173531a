import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { main } from "../../cli/local";
import { thresholdsOf } from "../../cli/thresholdArgs";
import { StackConfigError } from "../../config/error";
import { parseStackConfig } from "../../config/parse";
import { buildScalingPlan } from "../../plan/build";
import { buildRunSpec } from "../../plan/runSpec";

const ROOT = path.join(__dirname, "..", "..");

describe("thresholds: stack config, a thresholds file and --fail-if", () => {
    it("takes the stack config's, the file's and the flags' in that order, each as {metric, op, value, text}", () => {
        const plan = buildScalingPlan("dev", parseStackConfig("dev", { thresholds: ["kept_up == 0"] }));
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "thresholds-")), "gates.yaml");
        fs.writeFileSync(file, '- "lag_p95_seconds > 30"\n- "cost>=12.5"\n');
        const thresholds = thresholdsOf(plan, { thresholdsFile: file, failIf: ["batch_p95_to_trigger >= .8"] }, ROOT);
        assert.deepStrictEqual(thresholds, [
            { metric: "kept_up", op: "==", value: 0, text: "kept_up == 0" },
            { metric: "lag_p95_seconds", op: ">", value: 30, text: "lag_p95_seconds > 30" },
            { metric: "cost", op: ">=", value: 12.5, text: "cost >= 12.5" },
            { metric: "batch_p95_to_trigger", op: ">=", value: 0.8, text: "batch_p95_to_trigger >= .8" },
        ]);
        // The stack's own thresholds travel in its run spec.
        assert.deepStrictEqual(buildRunSpec(plan).thresholds, [thresholds[0]]);
    });

    it("refuses every bad expression at once, naming where it came from, before anything runs (exit 2)", async () => {
        const err: string[] = [];
        const code = await main(
            ["--stack", "dev", "--dry-run", "--fail-if", "lag > 3", "--fail-if", "kept_up === 1", "--fail-if", "cost > 1e3"],
            {},
            { stdout: () => undefined, stderr: (line) => err.push(line) },
            ROOT,
        );
        assert.strictEqual(code, 2);
        for (const bad of ['--fail-if "lag > 3"', '--fail-if "kept_up === 1"', '--fail-if "cost > 1e3"']) {
            assert.ok(err.join("\n").includes(`${bad}: must be "<metric> <op> <number>"`), err.join("\n"));
        }
    });

    it("refuses a stack config threshold in the one config error, with its key", () => {
        assert.throws(
            () => parseStackConfig("dev", { thresholds: ["kept_up == 0", "workers > 3"] }),
            (error: unknown) =>
                error instanceof StackConfigError &&
                error.problems.some(
                    (problem) => problem.key === "streambench:thresholds[1]" && /metric one of kept_up/.test(problem.message),
                ),
        );
    });
});
