import * as assert from "assert";
import { PROD_TAGS, SOMEONE_ELSES_TAGS, opsWorkspace } from "./opsWorkspace";

/**
 * `npm run ops` when the workspace holds more than the stack made: a second job or pipeline of a stack name. The
 * stack's own objects are still stopped; what cannot be told apart is named, left alone, and fails the exit code.
 */
describe("ops CLI: stop and status beside objects of the stack's names", function () {
    this.timeout(120_000);
    const workspace = opsWorkspace();

    it("stop with two tagged jobs of one name: names both ids as FAILED, still cancels every other job and stops the pipeline", async () => {
        const timeline = await workspace.job("streambench-prod-timeline", PROD_TAGS, true);
        const first = await workspace.job("streambench-prod-baseline", PROD_TAGS, true);
        const second = await workspace.job("streambench-prod-baseline", PROD_TAGS, true);
        const threeX = await workspace.job("streambench-prod-3x", PROD_TAGS, true);
        const pipeline = await workspace.pipeline("streambench-prod-dlt", PROD_TAGS);

        const result = await workspace.ops(["stop", "--stack", "prod"]);

        assert.strictEqual(result.code, 1, result.stdout + result.stderr);
        assert.match(
            result.stdout,
            new RegExp(`FAILED: 2 jobs named streambench-prod-baseline carry the stack's tags \\(${first}, ${second}\\)`),
        );
        assert.match(result.stdout, new RegExp(`streambench-prod-timeline \\(job ${timeline}\\): every active run cancelled`));
        assert.match(result.stdout, new RegExp(`streambench-prod-3x \\(job ${threeX}\\): every active run cancelled`));
        assert.match(result.stdout, new RegExp(`streambench-prod-dlt \\(pipeline ${pipeline}\\): stopped`));
        assert.deepStrictEqual(workspace.activeJobs().sort(), [first, second].sort());
        assert.deepStrictEqual(workspace.billingPipelines(), []);
    });

    it("status with two tagged jobs of one name: the other jobs' runs, then the ambiguous one as FAILED with its ids (exit 1)", async () => {
        const timeline = await workspace.job("streambench-prod-timeline", PROD_TAGS, true);
        const first = await workspace.job("streambench-prod-baseline", PROD_TAGS);
        const second = await workspace.job("streambench-prod-baseline", PROD_TAGS);

        const result = await workspace.ops(["status", "--stack", "prod"]);

        assert.strictEqual(result.code, 1, result.stdout + result.stderr);
        assert.match(result.stdout, new RegExp(`streambench-prod-timeline\\s+${timeline}\\s+\\d+\\s+RUNNING`));
        assert.match(result.stdout, /streambench-prod-baseline\s+-\s+-\s+FAILED \(see below\)/);
        assert.match(result.stdout, /streambench-prod-3x\s+-\s+-\s+not deployed/);
        assert.match(
            result.stdout,
            new RegExp(`FAILED: 2 jobs named streambench-prod-baseline carry the stack's tags \\(${first}, ${second}\\)`),
        );
        assert.match(result.stdout, /1 active run\./);
    });

    it("stop stops the stack's pipeline beside one of its name without the stack's tags, which it leaves running", async () => {
        const other = await workspace.pipeline("streambench-prod-dlt", SOMEONE_ELSES_TAGS);
        const own = await workspace.pipeline("streambench-prod-dlt", PROD_TAGS);

        const result = await workspace.ops(["stop", "--stack", "prod"]);

        assert.strictEqual(result.code, 0, result.stdout + result.stderr);
        assert.match(result.stdout, new RegExp(`streambench-prod-dlt \\(pipeline ${own}\\): stopped`));
        assert.match(result.stdout, new RegExp(`pipeline ${other} \\(streambench-prod-dlt\\) lacks the stack's tags: left alone`));
        assert.deepStrictEqual(workspace.billingPipelines(), [other]);
    });

    it("stop with two tagged pipelines of one name: stops neither, names both ids as FAILED, still cancels the jobs", async () => {
        const first = await workspace.pipeline("streambench-prod-dlt", PROD_TAGS);
        const second = await workspace.pipeline("streambench-prod-dlt", PROD_TAGS);
        await workspace.pipeline("streambench-prod-dlt", SOMEONE_ELSES_TAGS);
        await workspace.job("streambench-prod-timeline", PROD_TAGS, true);

        const result = await workspace.ops(["stop", "--stack", "prod"]);

        assert.strictEqual(result.code, 1, result.stdout + result.stderr);
        assert.match(
            result.stdout,
            new RegExp(`FAILED: 2 pipelines named streambench-prod-dlt carry the stack's tags \\(${first}, ${second}\\)`),
        );
        assert.deepStrictEqual(workspace.activeJobs(), []);
        assert.strictEqual(workspace.billingPipelines().length, 3);
    });

    it("stop with the output's pipeline deleted by hand: the pipeline is not deployed, the jobs are cancelled (exit 0)", async () => {
        await workspace.job("streambench-prod-timeline", PROD_TAGS, true);
        const deleted = await workspace.pipeline("streambench-prod-dlt", PROD_TAGS);
        await workspace.call("DELETE", `/api/2.0/pipelines/${deleted}`);

        const result = await workspace.ops(["stop", "--stack", "prod"], {
            stackOutputs: () => ({ benchmark: { ids: { pipelineId: deleted } } }),
        });

        assert.strictEqual(result.code, 0, result.stdout + result.stderr);
        assert.match(result.stdout, /^streambench-prod-dlt: not deployed$/m);
        assert.deepStrictEqual(workspace.activeJobs(), []);
    });

    it("run exits 1 when the run ends without a result (SKIPPED: the job was already running), as analyze does", async () => {
        const timeline = await workspace.job("streambench-prod-timeline", PROD_TAGS, true);

        const result = await workspace.ops(["run", "--stack", "prod"], { pollSeconds: 0.1 });

        assert.match(result.stdout, new RegExp(`Started streambench-prod-timeline run \\d+: ${workspace.url}/#job/${timeline}/run/\\d+`));
        assert.match(result.stdout, /ended: SKIPPED/);
        assert.strictEqual(result.code, 1, result.stdout + result.stderr);
    });
});
