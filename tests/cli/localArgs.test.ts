import * as assert from "assert";
import * as path from "path";
import { main, parseLocalArgs } from "../../cli/local";

const ROOT = path.join(__dirname, "..", "..");

/** `npm run local` with a dry run: where the old code took these, it printed the spec and ran nothing. */
async function dryRun(argv: string[]): Promise<{ code: number; stderr: string }> {
    const err: string[] = [];
    const code = await main([...argv, "--dry-run"], {}, { stdout: () => undefined, stderr: (line) => err.push(line) }, ROOT);
    return { code, stderr: err.join("\n") };
}

describe("npm run local: --stack is a stack name and --speed a decimal number", () => {
    const refused: [string[], RegExp][] = [
        // `../../tmp/dev` ran dev (the last path part was taken).
        [
            ["--stack", "../../tmp/dev"],
            /--stack: "\.\.\/\.\.\/tmp\/dev" is not a Pulumi stack name: .*only letters, digits, hyphens, underscores and periods/,
        ],
        [["--stack", "org/streambench/dev"], /--stack: "org\/streambench\/dev" is not a Pulumi stack name/],
        [["--stack", "..\\dev"], /is not a Pulumi stack name/],
        [["--stack", ".."], /is not a Pulumi stack name/],
        // `0x10` was 16: Number() reads hex, exponents and surrounding spaces.
        [["--stack", "dev", "--speed", "0x10"], /--speed must be a number above 0 and at most 60, in decimal digits .*not "0x10"/],
        [["--stack", "dev", "--speed", "1e1"], /in decimal digits .*not "1e1"/],
        [["--stack", "dev", "--speed", " 10"], /in decimal digits .*not " 10"/],
        [["--stack", "dev", "--speed", "Infinity"], /in decimal digits .*not "Infinity"/],
    ];
    for (const [argv, message] of refused) {
        it(`refuses ${JSON.stringify(argv)} with usage (exit 2)`, async () => {
            const result = await dryRun(argv);
            assert.strictEqual(result.code, 2, result.stderr);
            assert.match(result.stderr, message);
            assert.match(result.stderr, /Usage: npm run local -- --stack <stack>/);
        });
    }

    it("takes decimal speeds and any Pulumi stack name", () => {
        const speeds = ["10", "0.5", ".5", "2.", "007"].map((speed) => parseLocalArgs(["--stack", "my_stack.v2", "--speed", speed]));
        assert.deepStrictEqual(
            speeds.map((options) => [options?.stack, options?.speed]),
            [
                ["my_stack.v2", 10],
                ["my_stack.v2", 0.5],
                ["my_stack.v2", 0.5],
                ["my_stack.v2", 2],
                ["my_stack.v2", 7],
            ],
        );
    });
});
