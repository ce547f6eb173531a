/**
 * `npm run bench`: how the stack scales with the stream count and what its deploy looks like, measured on the
 * real program under the same mocks as the tests. No credentials, no Pulumi CLI. Prints figures; asserts nothing.
 */
import { spawnSync } from "child_process";
import * as os from "os";
import * as path from "path";
import { parseStackConfig, namespaceValues } from "../config/parse";
import { MAX_JOB_PARAMETER_BYTES } from "../plan/settings";
import { buildScalingPlan } from "../plan/build";
import { jobParameterBytes, peakStreamsOnDriver, planWarnings } from "../plan/limits";
import { runSpec } from "./local";
import { loadStackFile } from "../config/stackFile";
import { Evaluation, countByType, customResources, evaluateProgram } from "./offline";
import { textTable } from "./commandLine";
import { renderExpectedBehaviour } from "./plan";
import { realEngineTimings } from "./realEngineBench";

const RUNS = Number(process.env.BENCH_RUNS ?? 7);

interface Scenario {
    label: string;
    stack: string;
    config: Record<string, string>;
}

function withStreams(streams: number): Record<string, string> {
    return { ...loadStackFile("prod"), "streambench:baselineStreams": String(streams) };
}

function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

async function evaluateOrFail(scenario: Scenario): Promise<Evaluation> {
    const evaluation = await evaluateProgram(scenario.stack, scenario.config);
    if (evaluation.error) {
        throw new Error(`${scenario.label}: ${evaluation.error.message}`);
    }
    return evaluation;
}

async function main(): Promise<void> {
    const startupMs = performance.now(); // since the process started: Node, ts-node and every import of this script
    const scenarios: Scenario[] = [
        { label: "dev (5 streams, test mode)", stack: "dev", config: loadStackFile("dev") },
        { label: "prod (50 streams)", stack: "prod", config: loadStackFile("prod") },
        { label: "prod, 500 streams", stack: "prod", config: withStreams(500) },
        { label: "prod, 2,000 streams", stack: "prod", config: withStreams(2000) },
    ];
    const cpu = os.cpus()[0]?.model ?? "unknown CPU";
    console.log(`streambench bench: Node ${process.version}, ${os.cpus().length} x ${cpu}, median of ${RUNS} runs\n`);

    // The first evaluation loads @pulumi/pulumi, @pulumi/databricks and the program's modules from disk.
    const first = await evaluateOrFail(scenarios[1]);
    const timings: (string | number)[][] = [];
    for (const scenario of scenarios) {
        const samples: number[] = [];
        for (let run = 0; run < RUNS; run++) {
            samples.push((await evaluateOrFail(scenario)).evaluationMs);
        }
        timings.push([
            scenario.label,
            `${median(samples).toFixed(0)} ms`,
            `${Math.min(...samples).toFixed(0)}-${Math.max(...samples).toFixed(0)} ms`,
        ]);
    }
    console.log("Program evaluation (start of the program to the last resource registered; module load apart):");
    console.log(textTable(["stack", "median", "range"], timings));
    console.log(
        `Module load apart: process start to bench start ${startupMs.toFixed(0)} ms (Node, ts-node, @pulumi/*); ` +
            `the program's own modules ${first.moduleLoadMs.toFixed(0)} ms per fresh evaluation (ts-node compiles them).`,
    );
    console.log("Targets: prod < 1000 ms, 500 streams < 2000 ms.\n");

    const counts: (string | number)[][] = [];
    for (const streams of [5, 50, 500, 2000]) {
        const evaluation = await evaluateOrFail({ label: `${streams} streams`, stack: "prod", config: withStreams(streams) });
        const byType = countByType(customResources(evaluation));
        counts.push([
            streams,
            customResources(evaluation).length,
            Object.entries(byType)
                .map(([type, count]) => `${type.split(":").pop()} ${count}`)
                .join(", "),
        ]);
    }
    const distinctCounts = new Set(counts.map((row) => row[1]));
    console.log("Resources declared by baseline stream count:");
    console.log(textTable(["streams", "resources", "by type"], counts));
    console.log(
        distinctCounts.size === 1
            ? "Same count at every size: one job per phase, never one resource per stream.\n"
            : "THE COUNT CHANGES WITH THE STREAM COUNT.\n",
    );

    const prodPlan = buildScalingPlan("prod", parseStackConfig("prod", namespaceValues(loadStackFile("prod"))));
    console.log(renderExpectedBehaviour(prodPlan));
    const widePlan = buildScalingPlan("prod", parseStackConfig("prod", namespaceValues(withStreams(2000))));
    const widest = Math.max(...widePlan.phases.map(jobParameterBytes));
    console.log(
        `\nJob parameters at 2,000 streams: ${widest} bytes for the largest phase job (limit ${MAX_JOB_PARAMETER_BYTES}); the same at 50 streams: ${Math.max(...prodPlan.phases.map(jobParameterBytes))} bytes.`,
    );
    console.log(`Streaming queries on one driver at 2,000 streams: ${peakStreamsOnDriver(widePlan.phases, widePlan.runMinutes)}.`);
    planWarnings(widePlan).forEach((warning) => console.log(`WARNING (2,000 streams): ${warning}`));

    // Beside the mock evaluation: the real engine and providers against the workspace emulator.
    const real = await realEngineTimings(median);
    console.log("\nReal engine, prod stack against the workspace emulator (wall time, median of 3):");
    console.log(typeof real === "string" ? `  ${real}` : textTable(["command", "median", "range"], real));

    localSparkFigures();
}

/** What local Spark (`npm run local`) shows on this machine: notebooks/streambench/local/bench.py on dev's plan. BENCH_LOCAL=0 skips it. */
function localSparkFigures(): void {
    if (process.env.BENCH_LOCAL === "0") {
        console.log("\nLocal Spark figures skipped (BENCH_LOCAL=0).");
        return;
    }
    const root = path.join(__dirname, "..");
    const devPlan = buildScalingPlan("dev", parseStackConfig("dev", namespaceValues(loadStackFile("dev"))));
    // bench.py plays in a temporary folder of its own and never touches the spec's stateDir (.streambench/dev):
    // every .streambench/<name> is a stack's output.
    const spec = runSpec(devPlan, { stack: "dev", speed: 1, connect: false, dryRun: false }, root);
    console.log("\nLocal Spark (npm run local) on this machine, a few minutes:");
    const python = process.env.PYTHON ?? path.join(root, ".venv", "bin", "python");
    const result = spawnSync(python, [path.join(root, "notebooks", "streambench", "local", "bench.py")], {
        input: JSON.stringify(spec),
        stdio: ["pipe", "inherit", "inherit"],
    });
    if (result.status !== 0) {
        console.log(`Local Spark figures failed (exit ${result.status ?? result.error?.message}).`);
    }
}

main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
});
