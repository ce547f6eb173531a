import * as assert from "assert";
import { StackConfigError } from "../../config/error";
import { namespaceValues, parseEngineConfig, parseStackConfig } from "../../config/parse";
import { stackFileConfig } from "../../config/stackFile";
import { evaluateProgram } from "../mocks";

describe("stack files and config keys", () => {
    /** What a stack file holds, as `pulumi up` would see it, or the one error it stops with. */
    const read = (yamlText: string) => parseStackConfig("prod", namespaceValues(stackFileConfig(yamlText, "prod")));
    const problemsOfFile = (yamlText: string) => {
        try {
            read(yamlText);
        } catch (error) {
            assert.ok(error instanceof StackConfigError, String(error));
            return error.problems;
        }
        assert.fail("the stack file was accepted");
    };

    /**
     * A YAML alias bomb: each level's list holds ten aliases of the level before. Six levels are 445 bytes that expand
     * to 100,000 values, 15 MB as the engine form writes them: small enough that without the bound the file is read
     * (in a fraction of a second) and the test fails on the missing error; the issue's nine levels (607 bytes) ran a
     * minute at 2.4 GB.
     */
    const aliasBomb = (levels: number) =>
        [
            "config:",
            "  streambench:cluster:",
            `    l0: &l0 [${Array(10).fill('"xxxxxxxxxx"').join(",")}]`,
            ...Array.from(
                { length: levels - 1 },
                (_, index) => `    l${index + 1}: &l${index + 1} [${Array(10).fill(`*l${index}`).join(",")}]`,
            ),
            "",
        ].join("\n");

    const badFiles: [string, string, string, RegExp][] = [
        [
            "a YAML alias bomb",
            aliasBomb(6),
            "Pulumi.prod.yaml",
            /expands to more than 1,000,000 characters through its YAML aliases .*alias bomb.*write the values out instead of &anchor \/ \*alias/,
        ],
        [
            "a file of more than a megabyte",
            `# ${"x".repeat(1_000_000)}\n`,
            "Pulumi.prod.yaml",
            /is more than 1,000,000 characters, not a stack file/,
        ],
        ["a file that is just text", "hello world\n", "Pulumi.prod.yaml", /is the text "hello world", not a stack file/],
        ["a file that is a list", "- a\n- b\n", "Pulumi.prod.yaml", /is a list, not a stack file/],
        ["a file that is not YAML", "config:\n  streambench:testMode: [true\n", "Pulumi.prod.yaml", /is not valid YAML: /],
        ["a config section that is text", "config: text\n", "config", /is the text "text": it must map `<namespace>:<key>` to values/],
        ["a config section that is a list", "config:\n  - streambench:testMode\n", "config", /is a list/],
        [
            "a key without a namespace",
            "config:\n  baselineStreams: 7\n",
            "baselineStreams",
            /has no namespace, so this stack does not read it: write it as streambench:baselineStreams/,
        ],
        [
            "a namespace typo",
            "config:\n  streambnech:testMode: true\n",
            "streambnech:testMode",
            /unknown namespace "streambnech" \(a typo of streambench:\? write it as streambench:testMode\)/,
        ],
        ["a provider namespace typo", "config:\n  databrick:host: https://x\n", "databrick:host", /a typo of databricks:/],
        [
            "a namespace of another project",
            "config:\n  aws:region: eu-west-1\n",
            "aws:region",
            /this stack reads only streambench:, databricks:, command:, pulumi: keys/,
        ],
    ];
    for (const [what, text, key, message] of badFiles) {
        it(`refuses ${what}, naming ${key}, with one message`, () => {
            const problems = problemsOfFile(text);
            assert.strictEqual(problems.length, 1, JSON.stringify(problems));
            assert.strictEqual(problems[0].key, key);
            assert.match(problems[0].message, message);
        });
    }

    it("says a streambench:* secret cannot be read offline and how to set it, naming each key and never the ciphertext", () => {
        const problems = problemsOfFile(
            [
                "config:",
                "  databricks:token:",
                "    secure: v1:tokenCIPHERTEXT==",
                "  streambench:warehouseId:",
                "    secure: v1:warehouseCIPHERTEXT==",
                "  streambench:notificationEmails:",
                "    - ops@example.com",
                "    - secure: v1:emailCIPHERTEXT==",
                "  streambench:cluster:",
                "    singleUserName:",
                "      secure: v1:userCIPHERTEXT==",
                "",
            ].join("\n"),
        );
        assert.deepStrictEqual(
            problems.map((problem) => problem.key),
            ["streambench:warehouseId", "streambench:notificationEmails[1]", "streambench:cluster.singleUserName"],
        );
        for (const problem of problems) {
            assert.match(problem.message, /is a secret .*plan, ops and local read the stack file offline and cannot decrypt it/);
            assert.ok(problem.message.includes(`\`pulumi config set --path ${problem.key} <value>\``), problem.message);
            assert.match(problem.message, /`pulumi up`, which decrypts it/);
            assert.ok(!problem.message.includes("CIPHERTEXT"), problem.message);
        }
    });

    it("keeps databricks:token as a secret: it is the provider's, not a streambench key", () => {
        const config = stackFileConfig(
            "config:\n  databricks:token:\n    secure: v1:tokenCIPHERTEXT==\n  streambench:testMode: true\n",
            "prod",
        );
        assert.strictEqual(parseEngineConfig("prod", config, {}).testMode, true);
    });

    it("reads YAML aliases that stay small (a group list given once, used twice)", () => {
        const config = read("config:\n  streambench:permissions:\n    jobViewers: &readers [analysts]\n    jobRunManagers: *readers\n");
        assert.deepStrictEqual([config.permissions.jobViewers, config.permissions.jobRunManagers], [["analysts"], ["analysts"]]);
    });

    it("refuses an unknown namespace in pulumi up's config too (the engine always namespaces keys)", () => {
        assert.throws(
            () => parseEngineConfig("prod", { "streambnech:testMode": "true", "streambench:partitions": "0" }, {}),
            (error: Error) =>
                /streambnech:testMode: unknown namespace/.test(error.message) &&
                /streambench:partitions: must be at least 1/.test(error.message),
        );
        assert.strictEqual(
            parseEngineConfig("prod", { "databricks:host": "https://x", "pulumi:tags": "{}", "streambench:testMode": "true" }, {}).testMode,
            true,
        );
    });

    it("pulumi up stops before any resource on a namespace typo", async () => {
        const evaluation = await evaluateProgram("prod", { "streambnech:baselineStreams": "7" });
        assert.strictEqual(evaluation.error?.name, "StackConfigError");
        assert.match(evaluation.error.message, /streambnech:baselineStreams: unknown namespace "streambnech" \(a typo of streambench:/);
        assert.deepStrictEqual(evaluation.resources, []);
    });

    for (const key of ["constructor", "toString", "__proto__", "hasOwnProperty"]) {
        it(`names streambench:${key} (an Object.prototype name) as an unknown key and still lists every other problem`, () => {
            const problems = problemsOfFile(
                `config:\n  streambench:${key}: 1\n  streambench:partitions: 0\n  streambench:cluster:\n    ${key}: 2\n`,
            );
            assert.deepStrictEqual(
                problems.map((problem) => [problem.key, problem.message.split(" (")[0]]).sort(),
                [
                    [`streambench:${key}`, "unknown key"],
                    [`streambench:cluster.${key}`, "unknown key"],
                    ["streambench:partitions", "must be at least 1"],
                ].sort(),
            );
        });
    }

    it('keeps string values as text: database "2024" and a 16-digit warehouse id', () => {
        const config = read(
            'config:\n  streambench:database: "2024"\n  streambench:warehouseId: "1234567890123456"\n  streambench:catalog: "007"\n',
        );
        assert.deepStrictEqual([config.database, config.warehouseId, config.catalog], ["2024", "1234567890123456", "007"]);
        // A string key's text is never JSON-decoded ("2024" stays text; `database: 2024` unquoted is refused where the
        // stack file is read, tests/config/stackFile.test.ts).
        assert.strictEqual(parseEngineConfig("prod", { "streambench:database": "2024" }, {}).database, "2024");
        // Numbers, booleans and objects are still decoded.
        const typed = read(
            "config:\n  streambench:baselineStreams: 7\n  streambench:testMode: true\n  streambench:cluster:\n    maxWorkers: 9\n",
        );
        assert.deepStrictEqual([typed.baselineStreams, typed.testMode, typed.cluster.maxWorkers], [7, true, 9]);
    });
});
