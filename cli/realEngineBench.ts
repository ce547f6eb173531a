/**
 * The real engine's wall time for `pulumi preview`, `up` and `destroy` of the prod stack against the project's
 * workspace emulator (tests/emulator), median of 3, for `npm run bench`. The emulator answers at once, so the
 * figures are the engine's, the provider's and the program's own time, not a workspace's.
 */
import { spawnSync } from "child_process";
import { WorkspaceEmulator } from "../tests/emulator/server";
import { ScratchProject, requirePulumiCli, sentinelToken } from "../tests/e2e/harness";

const ROUNDS = 3;

export async function realEngineTimings(median: (values: number[]) => number): Promise<(string | number)[][] | string> {
    try {
        requirePulumiCli();
    } catch (error) {
        return `skipped: ${(error as Error).message}`;
    }
    const token = sentinelToken();
    const emulator = new WorkspaceEmulator({ tokens: [token], log: () => undefined });
    const project = new ScratchProject("bench");
    try {
        await project.initStack("prod", await emulator.start(), token);
        const samples: Record<"preview" | "up" | "destroy", number[]> = { preview: [], up: [], destroy: [] };
        for (let round = 0; round < ROUNDS; round++) {
            for (const [step, args] of [
                ["preview", ["preview"]],
                ["up", ["up", "--yes", "--skip-preview"]],
                ["destroy", ["destroy", "--yes", "--skip-preview"]],
            ] as const) {
                const result = await project.mustSucceed([...args, "--stack", "prod"]);
                samples[step].push(result.durationMs);
            }
        }
        const version = spawnSync("pulumi", ["version"], { encoding: "utf8" }).stdout.trim();
        return Object.entries(samples).map(([step, values]) => [
            `pulumi ${step} (${version})`,
            `${(median(values) / 1000).toFixed(1)} s`,
            `${(Math.min(...values) / 1000).toFixed(1)}-${(Math.max(...values) / 1000).toFixed(1)} s`,
        ]);
    } finally {
        project.killAll();
        project.remove();
        await emulator.stop();
    }
}
