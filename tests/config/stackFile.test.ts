import * as assert from "assert";
import { StackConfigError } from "../../config/error";
import { parseEngineConfig } from "../../config/parse";
import { stackFileConfig, stackFileEngineConfig } from "../../config/stackFile";

/** Every problem a stack file's text shows when the program parses it (the form `npm run plan` passes it on in). */
function problemsOf(yamlText: string): { key: string; message: string }[] {
    try {
        parseEngineConfig("prod", stackFileEngineConfig(yamlText, "prod"), {}, yamlText);
    } catch (error) {
        assert.ok(error instanceof StackConfigError, String(error));
        return error.problems;
    }
    assert.fail("the stack file was accepted");
}

const parsed = (yamlText: string) => parseEngineConfig("prod", stackFileEngineConfig(yamlText, "prod"), {}, yamlText);

describe("stack file values as YAML reads them", () => {
    it("takes text keys written in quotes as written: 0x1f, 0123 and a 16-digit warehouse id stay text", () => {
        const config = parsed(
            'config:\n  streambench:catalog: "0x1f"\n  streambench:database: \'0123\'\n  streambench:warehouseId: "9007199254740993"\n',
        );
        assert.deepStrictEqual([config.catalog, config.database, config.warehouseId], ["0x1f", "0123", "9007199254740993"]);
    });

    it("refuses a text key YAML reads as a number, a boolean or a date, in lists too, telling to quote it", () => {
        const problems = problemsOf(
            [
                "config:",
                "  streambench:tablePrefix: 1e3",
                "  streambench:checkpointVolume: True",
                "  streambench:database: 2024-01-02",
                "  streambench:permissions:",
                "    jobViewers: [analysts, 0o17]",
                "",
            ].join("\n"),
        );
        assert.deepStrictEqual(
            problems.map(({ key, message }) => [key, message.split(",")[0], message.split(": ").pop()]),
            [
                ["streambench:tablePrefix", "is 1e3 without quotes", '"1e3"'],
                ["streambench:checkpointVolume", "is True without quotes", '"True"'],
                ["streambench:database", "is 2024-01-02 without quotes", '"2024-01-02"'],
                ["streambench:permissions.jobViewers[1]", "is 0o17 without quotes", '"0o17"'],
            ],
        );
    });

    it("refuses a whole number with a leading zero, which Pulumi reads as octal (012 is 10) and js-yaml as 12", () => {
        const [problem, ...others] = problemsOf("config:\n  streambench:partitions: 012\n");
        assert.deepStrictEqual(others, []);
        assert.strictEqual(problem.key, "streambench:partitions");
        assert.match(problem.message, /leading zero.*octal \(012 is 10\).*write it without the leading zero/);
        // Spellings both readers take alike stay numbers: hexadecimal, a sign, an exponent; booleans in any case.
        const config = parsed("config:\n  streambench:partitions: 0x10\n  streambench:baselineRate: +1e3\n  streambench:testMode: TRUE\n");
        assert.deepStrictEqual([config.partitions, config.baselineRate, config.testMode], [16, 1000, true]);
    });

    it("passes an empty value on as the empty text, as the engine does, not as the text null", () => {
        assert.strictEqual(stackFileEngineConfig("config:\n  streambench:catalog:\n", "prod")["streambench:catalog"], "");
        const problems = problemsOf("config:\n  streambench:catalog: ~\n");
        assert.deepStrictEqual([...new Set(problems.map((problem) => problem.key))], ["streambench:catalog"]);
        assert.ok(problems.some((problem) => problem.message === "catalog must not be empty"));
    });

    it("refuses them where ops and local read the stack file, with the file's other problems", () => {
        assert.throws(
            () => stackFileConfig("config:\n  streambench:catalog: 0x1f\n  streambnech:testMode: true\n", "prod"),
            (error: StackConfigError) =>
                error.problems.map((problem) => problem.key).join(" ") === "streambnech:testMode streambench:catalog" &&
                /Write it in quotes: "0x1f"/.test(error.message),
        );
    });
});
