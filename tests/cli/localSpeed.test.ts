import * as assert from "assert";
import * as path from "path";
import { main } from "../../cli/local";
import { MAX_SPEED, checkSpeed, runLength, speedRange } from "../../cli/localSpeed";

const ROOT = path.join(__dirname, "..", "..");

async function run(argv: string[]): Promise<{ code: number; stderr: string }> {
    const err: string[] = [];
    const code = await main(argv, {}, { stdout: () => undefined, stderr: (line) => err.push(line) }, ROOT);
    return { code, stderr: err.join("\n") };
}

describe("npm run local: --speed against the stack's timeline", () => {
    // dev's timeline is 15 minutes: at least 15/1440 (0.0105 rounded up), so that it lasts at most 24 h.
    const refused: [string, RegExp][] = [
        ["0.00000000001", /--speed 1e-11 would play stack dev's 15-minute timeline in .* days: --speed must be between 0\.0105 and 60/],
        [
            "0.0001",
            /--speed 0\.0001 would play stack dev's 15-minute timeline in 104 days: --speed must be between 0\.0105 and 60 for this stack/,
        ],
        [
            "0.0104",
            /in 24\.04 h: --speed must be between 0\.0105 and 60 for this stack \(a plan minute lasts at least 1 s, the whole run at most 24 h\)/,
        ],
    ];
    for (const [speed, message] of refused) {
        it(`refuses --speed ${speed} before anything runs, even a dry run (exit 2)`, async () => {
            const result = await run(["--stack", "dev", "--speed", speed, "--dry-run", "--python", "/nonexistent/python"]);
            assert.strictEqual(result.code, 2);
            assert.match(result.stderr, message);
            assert.match(result.stderr, /Usage: npm run local/);
        });
    }

    it("accepts the bounds it names", async () => {
        for (const speed of ["0.0105", "60"]) {
            const result = await run(["--stack", "dev", "--speed", speed, "--dry-run"]);
            assert.strictEqual(result.code, 0, result.stderr);
        }
    });

    const ranges: [number, number][] = [
        [15, 0.0105],
        [4, 0.00278],
        [1440, 1],
    ];
    for (const [runMinutes, min] of ranges) {
        it(`a ${runMinutes}-minute timeline plays at ${min} to ${MAX_SPEED}, at most 24 h`, () => {
            assert.deepStrictEqual(speedRange(runMinutes), { min, max: MAX_SPEED });
            assert.ok(runMinutes / min <= 24 * 60);
            assert.doesNotThrow(() => checkSpeed(min, { stack: "s", runMinutes }));
            assert.throws(() => checkSpeed(min * 0.999, { stack: "s", runMinutes }), /--speed must be between/);
            assert.throws(() => checkSpeed(MAX_SPEED * 1.001, { stack: "s", runMinutes }), /--speed must be between/);
        });
    }

    it("says how long a run would last", () => {
        assert.deepStrictEqual([150_000, 1440, 480, 90, 1.5].map(runLength), ["104 days", "24 h", "8 h", "90 min", "90 s"]);
    });
});
