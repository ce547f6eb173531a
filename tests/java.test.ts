import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { underCi } from "./java";

/**
 * The Java-backed checks never let a CI go green without running: with Java missing they skip on a developer's
 * machine and say why, and fail under any CI (CI=true, CI=1, ...). Checked by running mocha on the time-zone check
 * with a PATH whose `java` does not run.
 */
describe("the Java-backed checks under CI", function () {
    this.timeout(120_000);
    let brokenJava: string;

    before(() => {
        brokenJava = fs.mkdtempSync(path.join(os.tmpdir(), "streambench-no-java-"));
        fs.writeFileSync(path.join(brokenJava, "java"), "#!/bin/sh\nexit 127\n", { mode: 0o755 });
    });
    after(() => fs.rmSync(brokenJava, { recursive: true, force: true }));

    function runTimeZoneCheck(ci: string | undefined): { status: number | null; output: string } {
        const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${brokenJava}${path.delimiter}${process.env.PATH}` };
        delete env.CI;
        if (ci !== undefined) {
            env.CI = ci;
        }
        const result = spawnSync(
            process.execPath,
            [
                require.resolve("mocha/bin/mocha.js"),
                "--no-config",
                "-r",
                "ts-node/register/transpile-only",
                "tests/config/timeZones.test.ts",
            ],
            { cwd: path.join(__dirname, ".."), env, encoding: "utf8", timeout: 110_000 },
        );
        return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
    }

    it("reads CI as any CI does: set, and not empty, false or 0", () => {
        const cases: [string | undefined, boolean][] = [
            ["true", true],
            ["1", true],
            ["TRUE", true],
            ["yes", true],
            ["woodpecker", true],
            [undefined, false],
            ["", false],
            [" ", false],
            ["false", false],
            ["False", false],
            ["0", false],
        ];
        assert.deepStrictEqual(
            cases.map(([ci]) => [ci, underCi(ci === undefined ? {} : { CI: ci })]),
            cases,
        );
    });

    for (const ci of ["true", "1"]) {
        it(`fails, naming what is missing, under CI=${ci}`, () => {
            const { status, output } = runTimeZoneCheck(ci);
            assert.notStrictEqual(status, 0, output);
            assert.match(output, new RegExp(`java not installed, and CI=${ci}: the Quartz / ZoneId cross-checks must run in CI`));
        });
    }

    for (const ci of [undefined, "false"]) {
        it(`skips with a visible reason outside CI (CI ${ci === undefined ? "unset" : `=${JSON.stringify(ci)}`})`, () => {
            const { status, output } = runTimeZoneCheck(ci);
            assert.strictEqual(status, 0, output);
            assert.match(output, /\[SKIPPED: java not installed\]/);
            assert.match(output, /SKIPPED .*: java not installed; under CI this fails/);
            assert.match(output, /1 pending/);
        });
    }
});
