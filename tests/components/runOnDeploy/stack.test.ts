import * as assert from "assert";
import { evaluateProgram, ofType, runOnDeployConfig } from "../../mocks";
import { COMMAND } from "../stackFixtures";

describe("runOnDeploy", () => {
    const SENTINEL = "dapi-sentinel-0123456789abcdef";
    const config = runOnDeployConfig("dev", SENTINEL);

    it("starts the timeline run once the jobs exist and cancels the benchmark's runs on delete", async () => {
        const dev = await evaluateProgram("dev", config);
        assert.ifError(dev.error);
        const [run] = ofType(dev, COMMAND);
        assert.match(run.inputs.create, /-m streambench\.ops\.deploy start$/);
        assert.match(run.inputs.delete, /-m streambench\.ops\.deploy cancel$/);
        assert.match(run.inputs.update, /-m streambench\.ops\.deploy unchanged$/);
        const environment = run.inputs.environment.value;
        assert.strictEqual(environment.STREAMBENCH_START_JOB_ID, dev.outputs!.timelineJobId);
        const analysisJobId = dev.outputs!.analysisJobUrl.split("/").pop();
        assert.deepStrictEqual(
            environment.STREAMBENCH_CANCEL_JOB_IDS.split(",").sort(),
            [dev.outputs!.timelineJobId, ...Object.values(dev.outputs!.jobIds), analysisJobId].sort(),
        );
        assert.strictEqual(environment.STREAMBENCH_STOP_PIPELINE_IDS, "", "dev has no DLT pipeline to stop");
    });

    it("keeps the token secret: only inside the command's secret environment, never in outputs or other inputs", async () => {
        const dev = await evaluateProgram("dev", config);
        const [run] = ofType(dev, COMMAND);
        assert.strictEqual(
            run.inputs.environment["4dabf18193072939515e22adb298388d"],
            "1b47061264138c4ac30d75fd1eb44270",
            "environment is not a secret",
        );
        assert.strictEqual(run.inputs.environment.value.DATABRICKS_TOKEN, SENTINEL);
        const elsewhere = dev.resources.filter((resource) => resource !== run).map((resource) => resource.inputs);
        assert.ok(!JSON.stringify(elsewhere).includes(SENTINEL));
        assert.ok(!JSON.stringify(dev.outputs).includes(SENTINEL));
    });

    it("hands the command whatever the provider was given: an OAuth client id and secret (secret), a profile", async () => {
        const secret = `dose${"1f".repeat(16)}`;
        const oauth = { ...config, "databricks:clientId": "sp-1", "databricks:clientSecret": secret, "databricks:profile": "bench" };
        delete (oauth as Record<string, string>)["databricks:token"];
        const dev = await evaluateProgram("dev", oauth);
        const [run] = ofType(dev, COMMAND);
        const environment = run.inputs.environment.value;
        assert.deepStrictEqual(
            [
                environment.DATABRICKS_CLIENT_ID,
                environment.DATABRICKS_CLIENT_SECRET,
                environment.DATABRICKS_CONFIG_PROFILE,
                environment.DATABRICKS_TOKEN,
            ],
            ["sp-1", secret, "bench", undefined],
        );
        assert.ok(!JSON.stringify(dev.resources.filter((resource) => resource !== run)).includes(secret));
    });

    it("starts a new run only when the workload changes", async () => {
        const triggers = async (extra: Record<string, string>) => {
            const evaluation = await evaluateProgram("dev", { ...config, ...extra });
            return ofType(evaluation, COMMAND)[0].inputs.triggers;
        };
        const base = await triggers({});
        assert.deepStrictEqual(await triggers({}), base, "same config, same trigger");
        assert.deepStrictEqual(
            await triggers({ "streambench:schedule": JSON.stringify({ cron: "0 30 * * * ?", paused: true }) }),
            base,
            "a schedule is not the workload",
        );
        assert.notDeepStrictEqual(await triggers({ "streambench:baselineRate": "2000" }), base, "a new rate is");
    });

    it("needs a workspace host this machine can reach", async () => {
        const { ["databricks:host"]: _host, ...withoutHost } = config;
        const saved = { host: process.env.DATABRICKS_HOST, profile: process.env.DATABRICKS_CONFIG_PROFILE };
        delete process.env.DATABRICKS_HOST;
        delete process.env.DATABRICKS_CONFIG_PROFILE;
        try {
            const evaluation = await evaluateProgram("dev", withoutHost);
            assert.match(String(evaluation.error), /databricks:host: is needed when streambench:runOnDeploy is true/);
            assert.deepStrictEqual(evaluation.resources, []);
        } finally {
            Object.assign(
                process.env,
                Object.fromEntries(
                    Object.entries({ DATABRICKS_HOST: saved.host, DATABRICKS_CONFIG_PROFILE: saved.profile }).filter(
                        ([, value]) => value !== undefined,
                    ),
                ),
            );
        }
    });
});
