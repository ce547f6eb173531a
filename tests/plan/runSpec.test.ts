import * as assert from "assert";
import * as fs from "fs";
import { RUN_SPEC_SCHEMA_FILE } from "../../cli/configReference";
import { parseStackConfig } from "../../config/parse";
import { buildScalingPlan } from "../../plan/build";
import { RUN_SPEC_VERSION, buildRunSpec, runSpecJsonSchema, runSpecSchema } from "../../plan/runSpec";

function specOf(stack: string, raw: Record<string, unknown>) {
    return buildRunSpec(buildScalingPlan(stack, parseStackConfig(stack, raw)));
}

describe("the run spec", () => {
    it("its committed JSON Schema is the one the spec's schema generates: run `npm run docs:config` after changing it", () => {
        assert.strictEqual(fs.readFileSync(RUN_SPEC_SCHEMA_FILE, "utf8"), runSpecJsonSchema());
    });

    it("carries prod's load: the seed's phases and its 50,000 / 53,000 / 62,000 / 50,000 rows/s windows", () => {
        const spec = specOf("prod", {});
        assert.strictEqual(spec.version, RUN_SPEC_VERSION);
        assert.deepStrictEqual(
            spec.load.phases.map((phase) => [phase.name, phase.streams, phase.rowsPerSecond, phase.startMinute, phase.endMinute]),
            [
                ["baseline", 50, 1000, 0, 15],
                ["3x", 1, 3000, 3, 10],
                ["9x", 1, 9000, 6, 10],
            ],
        );
        assert.deepStrictEqual(
            spec.load.windows.map((window) => window.totalRowsPerSecond),
            [50_000, 53_000, 62_000, 50_000],
        );
        assert.strictEqual(spec.schema, "dlt_autoscaling_prod");
        assert.strictEqual(spec.chartFolder, "/Volumes/main/dlt_autoscaling_prod/checkpoints/charts");
    });

    it("carries what the stack config sets for the verdict, the cost and the compute, and a custom profile's phases", () => {
        const spec = specOf("qa", {
            verdict: { maxBatchToTrigger: 0.5 },
            cost: { dbuPerNodeHour: 0.75 },
            cluster: { kind: "job" },
            dlt: { enabled: true, serverless: true },
            spike: { base: { streams: 2, rowsPerSecond: 10 }, spike: { streams: 1, rowsPerSecond: 90 } },
        });
        assert.strictEqual(spec.verdict.maxBatchToTrigger, 0.5);
        assert.strictEqual(spec.cost.dbuPerNodeHour, 0.75);
        assert.deepStrictEqual(spec.compute, { phases: "job cluster", pipeline: "serverless pipeline" });
        assert.deepStrictEqual(
            spec.load.phases.map((phase) => [phase.name, phase.tableNameFormat, phase.firstStreamId]),
            [
                ["base", "stream_table_base_{number:03d}", 1],
                ["spike", "stream_table_spike_{number:03d}", 3],
            ],
        );
        assert.strictEqual(spec.tables.pipelineEventLog, "dlt_event_log");
    });

    it("is refused by its schema with another version or an unknown key", () => {
        const spec = specOf("prod", {});
        assert.ok(runSpecSchema.safeParse(spec).success);
        assert.ok(!runSpecSchema.safeParse({ ...spec, version: RUN_SPEC_VERSION + 1 }).success);
        assert.ok(!runSpecSchema.safeParse({ ...spec, extra: true }).success);
    });
});
