import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseStackConfig } from "../../config/parse";
import { buildScalingPlan } from "../../plan/build";
import { main as planMain } from "../../cli/plan";
import { STACK_NAME_PATTERN, stackNameProblem, stackNameSuffix, stackSlug } from "../../config/stackName";
import { evaluateProgram, ofType } from "../mocks";

/** Every string of length 1 to `maxLength` over `alphabet`. */
function allNames(alphabet: string[], maxLength: number): string[] {
    let level = [""];
    const names: string[] = [];
    for (let length = 1; length <= maxLength; length++) {
        level = level.flatMap((prefix) => alphabet.map((char) => prefix + char));
        names.push(...level);
    }
    return names;
}

describe("stack names", () => {
    const config = parseStackConfig("test", {});
    const names = (stack: string) => {
        const plan = buildScalingPlan(stack, config);
        return { schema: plan.schemaName, prefix: plan.resourcePrefix, jobs: plan.phases.map((phase) => phase.jobName) };
    };

    it("gives every pair of distinct stack names its own schema and workspace names, whatever the case or separator", () => {
        const tricky = [
            "prod",
            "Prod",
            "PROD",
            "my-stack",
            "my_stack",
            "my.stack",
            "My-Stack",
            "a--b",
            "a-_b",
            "a_-b",
            "_a",
            "a_",
            "-a",
            "a-",
            "a.",
            "u",
            "_u",
            "hu",
            "a_hb",
            "a-hb",
        ];
        // Exhaustively, every name of up to 3 characters over letters of both cases, a digit and the separators.
        const exhaustive = allNames(["a", "A", "h", "u", "0", "-", "_", "."], 3).filter((name) => !stackNameProblem(name));
        const stacks = [...new Set([...tricky, ...exhaustive])];
        assert.ok(stacks.length > 500);
        const bySchema = new Map<string, string>();
        const byPrefix = new Map<string, string>();
        for (const stack of stacks) {
            const { schema, prefix } = names(stack);
            assert.match(schema, /^[a-z0-9_]+$/, `${stack}: ${schema} is not a Unity Catalog name`);
            // Compared lower-cased: Unity Catalog ignores case, and a workspace path may too.
            for (const [map, name] of [
                [bySchema, schema],
                [byPrefix, prefix.toLowerCase()],
            ] as const) {
                const other = map.get(name);
                assert.strictEqual(other, undefined, `stacks ${JSON.stringify(other)} and ${JSON.stringify(stack)} share ${name}`);
                map.set(name, stack);
            }
        }
    });

    it("keeps plain names as they are: prod, dev, my-stack", () => {
        assert.deepStrictEqual(names("prod"), {
            schema: "dlt_autoscaling_prod",
            prefix: "streambench-prod",
            jobs: ["streambench-prod-baseline", "streambench-prod-3x", "streambench-prod-9x"],
        });
        assert.deepStrictEqual([stackSlug("my-stack"), stackNameSuffix("my-stack")], ["my_stack", "my-stack"]);
        assert.deepStrictEqual([stackSlug("Prod"), stackSlug("my_stack"), stackSlug("my.stack")], ["__uprod", "_my__stack", "_my_pstack"]);
    });

    it("the program declares no shared schema, folder, cluster or job for stacks that differ in case or separator", async function () {
        this.timeout(60_000);
        const seen = new Map<string, string>();
        for (const stack of ["prod", "Prod", "my-stack", "my_stack", "my.stack"]) {
            const evaluation = await evaluateProgram(stack, {});
            assert.strictEqual(evaluation.error, undefined, String(evaluation.error));
            const names = [
                ...ofType(evaluation, "databricks:index/schema:Schema").map((resource) => `schema ${resource.inputs.name}`),
                ...ofType(evaluation, "databricks:index/directory:Directory").map((resource) => `folder ${resource.inputs.path}`),
                ...ofType(evaluation, "databricks:index/cluster:Cluster").map((resource) => `cluster ${resource.inputs.clusterName}`),
                ...ofType(evaluation, "databricks:index/job:Job").map((resource) => `job ${resource.inputs.name}`),
            ];
            // The stack folder and the package's two folders in it, the schema, the cluster and five jobs.
            assert.strictEqual(names.length, 10, names.join(", "));
            for (const name of names) {
                const key = name.toLowerCase();
                assert.ok(!seen.has(key), `stacks ${seen.get(key)} and ${stack} both declare ${name}`);
                seen.set(key, stack);
            }
        }
    });

    const refused = ["/../../../tmp/evil", "../x", "a/b", "..", ".", "", "a;touch x", "$(id)", "`id`", "a b", "x".repeat(101), "prod\n"];
    for (const stack of refused) {
        it(`refuses ${JSON.stringify(stack)} as a stack name, quoting it`, () => {
            const problem = stackNameProblem(stack);
            assert.ok(problem, "accepted");
            assert.ok(problem.startsWith(JSON.stringify(stack)), problem);
            assert.ok(!STACK_NAME_PATTERN.test(stack) || stack === "." || stack === "..");
            assert.throws(() => buildScalingPlan(stack, config), /is not a Pulumi stack name/);
        });
    }

    it("npm run plan refuses a --stack with a path or shell characters before reading any file (exit 2)", async () => {
        // A stack file outside the project that the path would reach: it must not be read.
        const outside = fs.mkdtempSync(path.join(os.tmpdir(), "evil-"));
        fs.writeFileSync(path.join(outside, "x.yaml"), "config:\n  streambench:baselineStreams: 3\n");
        const relative = path.relative(path.join(__dirname, "..", ".."), path.join(outside, "x"));
        for (const stack of [`/..${outside}/x`, relative, "prod; rm -rf ~", "$(touch /tmp/pwned)"]) {
            const out: string[] = [];
            const err: string[] = [];
            const code = await planMain(["--stack", stack], { out: (text) => out.push(text), err: (text) => err.push(text) });
            assert.strictEqual(code, 2, stack);
            assert.deepStrictEqual(out, []);
            assert.ok(err.join("\n").includes(`${JSON.stringify(stack)} is not a Pulumi stack name`), err.join("\n"));
            assert.ok(!/pulumi stack init/.test(err.join("\n")));
        }
        fs.rmSync(outside, { recursive: true });
    });
});
