import * as assert from "assert";
import { z } from "zod";
import { StackConfigError, configKey } from "../../config/error";
import { namespaceValues, parseStackConfig } from "../../config/parse";
import { stackConfigSchema } from "../../config/schema";
import { stackFileConfig } from "../../config/stackFile";

/** The error `pulumi up` stops with for these `streambench:*` values. */
function errorOf(raw: Record<string, unknown>): StackConfigError {
    try {
        parseStackConfig("prod", raw);
    } catch (error) {
        assert.ok(error instanceof StackConfigError, String(error));
        return error;
    }
    assert.fail("the config was accepted");
}

const problemAt = (raw: Record<string, unknown>, key: string) => {
    const error = errorOf(raw);
    const problem = error.problems.find((candidate) => candidate.key === key);
    assert.ok(problem, `no problem named ${key}: ${error.message}`);
    return problem;
};

/** C0 and C1 control characters, DEL, and the Unicode line separators: what a terminal may act on. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

describe("config problems as printed", () => {
    it("escape control characters from the stack file (an ESC sequence, a NUL, a line break) instead of echoing them", () => {
        const error = errorOf({
            schedule: { timezone: "\u001b[2J\u001b[31mEurope/Paris\u0000" },
            "col\u001bour": 1,
            cluster: { "max\nWorkers - streambench:fake: looks like a problem": 3 },
        });
        const lines = error.message.split("\n");
        assert.strictEqual(lines.length, error.problems.length + 2, error.message);
        for (const line of lines) {
            assert.ok(!CONTROL.test(line), JSON.stringify(line));
        }
        assert.ok(error.message.includes('"\\u001b[2J\\u001b[31mEurope/Paris\\u0000" is not a Java time zone id'), error.message);
        assert.ok(error.message.includes("streambench:col\\u001bour: unknown key"), error.message);
    });

    it("escape them in a stack file's values too (YAML's \\e and \\0 escapes)", () => {
        const config = stackFileConfig('config:\n  streambench:schedule:\n    timezone: "\\e[31mUTC\\0"\n', "prod");
        const error = errorOf(namespaceValues(config));
        assert.ok(!CONTROL.test(error.message.replace(/\n/g, "")), JSON.stringify(error.message));
        assert.match(error.message, /\\u001b\[31mUTC\\u0000/);
    });

    it("name list items and odd keys as `pulumi config set --path` takes them: notificationEmails[2], not notificationEmails.2", () => {
        const emails = errorOf({ notificationEmails: ["ops@example.com", "ops@example.com", "nobody"] });
        assert.deepStrictEqual(
            emails.problems.map((problem) => problem.key),
            ["streambench:notificationEmails[2]"],
        );
        assert.match(emails.message, /`pulumi config set --path <key> <value>`/);
        problemAt({ permissions: { jobViewers: ["analysts", ""] } }, "streambench:permissions.jobViewers[1]");
        problemAt({ cluster: { "max.workers": 3 } }, 'streambench:cluster["max.workers"]');
        problemAt({ cluster: { 'say "hi"': 3 } }, 'streambench:cluster["say \\"hi\\""]');
    });
});

describe("text keys", () => {
    const blank: [string, Record<string, unknown>, string, RegExp][] = [
        [
            "a node type of one space",
            { cluster: { nodeTypeId: " " } },
            "streambench:cluster.nodeTypeId",
            /node type id such as "i3\.xlarge"/,
        ],
        ["a node type with a space in it", { cluster: { nodeTypeId: "i3 .xlarge" } }, "streambench:cluster.nodeTypeId", /no spaces/],
        [
            "a single user of two spaces",
            { cluster: { dataSecurityMode: "SINGLE_USER", singleUserName: "  " } },
            "streambench:cluster.singleUserName",
            /must not be empty or only spaces/,
        ],
        [
            "a group name of spaces",
            { permissions: { clusterUsers: ["  "] } },
            "streambench:permissions.clusterUsers[0]",
            /empty or only spaces/,
        ],
        ["a runtime key cut short", { cluster: { sparkVersion: "1.0.x-" } }, "streambench:cluster.sparkVersion", /Databricks runtime key/],
        ["a runtime of spaces", { cluster: { sparkVersion: "  " } }, "streambench:cluster.sparkVersion", /Databricks runtime key/],
        [
            "a runtime's version name, not its key",
            { cluster: { sparkVersion: "18" } },
            "streambench:cluster.sparkVersion",
            /"18\.x-scala2\.13"/,
        ],
        ["a runtime with a space", { cluster: { sparkVersion: "15.4.x-scala2.12 " } }, "streambench:cluster.sparkVersion", /runtime key/],
    ];
    for (const [what, raw, key, message] of blank) {
        it(`refuses ${what}, naming ${key}`, () => {
            assert.match(problemAt(raw, key).message, message);
        });
    }

    /** The path of every key whose value is text, a list's first item standing for its items. */
    function textPaths(schema: z.ZodType, path: (string | number)[] = []): (string | number)[][] {
        while ("innerType" in schema.def) {
            schema = schema.def.innerType as z.ZodType;
        }
        if (schema instanceof z.ZodObject) {
            return Object.entries(schema.shape as Record<string, z.ZodType>).flatMap(([name, field]) => textPaths(field, [...path, name]));
        }
        if (schema instanceof z.ZodArray) {
            return textPaths(schema.element as z.ZodType, [...path, 0]);
        }
        return schema.def.type === "string" ? [path] : [];
    }

    /** `{cluster: {nodeTypeId: value}}` for the path `cluster.nodeTypeId`, `[value]` for an index. */
    const valueAt = (path: (string | number)[], value: unknown): unknown =>
        path.reduceRight((inner, part) => (typeof part === "number" ? [inner] : { [part]: inner }), value);

    it("refuses a value of only spaces for every text key, naming it", () => {
        const paths = textPaths(stackConfigSchema);
        assert.ok(paths.length >= 14, JSON.stringify(paths));
        for (const path of paths) {
            const key = configKey(path);
            const named = errorOf(valueAt(path, "  ") as Record<string, unknown>).problems.map((problem) => problem.key);
            assert.ok(named.includes(key), `${key}: ${named.join(", ")}`);
        }
    });

    // Keys as the Clusters API's spark-versions list gives them: <major>.<minor>.x-…, and from DBR 18 <major>.x-….
    for (const sparkVersion of [
        "15.4.x-scala2.12",
        "17.3.x-photon-scala2.13",
        "16.4.x-cpu-ml-scala2.12",
        "16.4.x-gpu-ml-scala2.12",
        "18.x-scala2.13",
        "19.x-photon-scala2.13",
    ]) {
        it(`takes the runtime key ${sparkVersion}`, () => {
            assert.strictEqual(parseStackConfig("prod", { cluster: { sparkVersion } }).cluster.sparkVersion, sparkVersion);
        });
    }
});
