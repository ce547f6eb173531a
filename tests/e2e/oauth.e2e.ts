/**
 * One stack deployed and destroyed with a service principal's client id and secret only (OAuth machine-to-machine,
 * no personal access token anywhere): the real engine and Databricks provider against the emulator, which issues
 * expiring OAuth tokens and accepts nothing else.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { WorkspaceEmulator } from "../emulator/server";
import { CommandResult, PROJECT_DIR, ScratchProject, requirePulumiCli, tail } from "./harness";
import { belongsTo, footprint } from "./ownership";

const STACK = "m2m";
const CLIENT_ID = "5e7c0000-0000-4000-8000-00000000c11e";
/** A sentinel secret: it must appear in no output, state or request record. */
const CLIENT_SECRET = `dose${"a7".repeat(16)}`;

function succeeded(result: CommandResult): void {
    assert.strictEqual(result.code, 0, `${result.command} failed:\n${tail(result.output)}`);
}

describe("real engine and ops CLI: a stack deployed, run and destroyed with OAuth machine-to-machine only", function () {
    this.timeout(10 * 60_000);
    let emulator: WorkspaceEmulator;
    let project: ScratchProject;
    const args = ["--stack", STACK];

    before(async () => {
        requirePulumiCli();
        emulator = new WorkspaceEmulator({
            tokens: [],
            servicePrincipals: [{ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET }],
            log: () => undefined,
        });
        const url = await emulator.start();
        project = new ScratchProject(STACK);
        fs.writeFileSync(
            path.join(project.dir, `Pulumi.${STACK}.yaml`),
            fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.dev.yaml"), "utf8"),
        );
        await project.mustSucceed(["stack", "init", STACK]);
        await project.mustSucceed(["config", "set", ...args, "databricks:host", url]);
        await project.mustSucceed(["config", "set", ...args, "databricks:clientId", CLIENT_ID]);
        // The secret goes in through stdin, never on a command line.
        await project.mustSucceed(["config", "set", ...args, "--secret", "databricks:clientSecret"], CLIENT_SECRET);
    });

    after(async () => {
        project?.killAll();
        await emulator?.stop();
        if (!process.env.E2E_KEEP) {
            project?.remove();
        }
    });

    it("up, a no-change preview and destroy succeed, every API call on an OAuth token, nothing left behind", async () => {
        succeeded(await project.pulumi(["up", "--yes", "--skip-preview", ...args]));
        const resources = await project.resources(STACK);
        assert.ok(resources.some((resource) => resource.type === "databricks:index/cluster:Cluster"));
        succeeded(await project.pulumi(["preview", "--expect-no-changes", ...args]));

        // The ops CLI with the same credentials only: the host from the stack file, the client id and secret.
        const credentials = { DATABRICKS_CLIENT_ID: CLIENT_ID, DATABRICKS_CLIENT_SECRET: CLIENT_SECRET };
        const started = await project.ops(["run", "--stack", STACK, "--no-follow"], credentials);
        succeeded(started);
        assert.match(started.output, /Started streambench-m2m-timeline run \d+: http:\/\/127\.0\.0\.1:\d+\/#job\/\d+\/run\/\d+/);
        const status = await project.ops(["status", "--stack", STACK], credentials);
        succeeded(status);
        assert.match(status.output, /streambench-m2m-timeline\s+\d+\s+\d+\s+RUNNING/);
        // The timeline job's id came from the stack's outputs, not from a search by name.
        assert.ok(
            !emulator.requests.some(
                (request) => request.path === "/api/2.2/jobs/list" && request.query.name === "streambench-m2m-timeline",
            ),
        );
        succeeded(await project.ops(["stop", "--stack", STACK], credentials));
        assert.deepStrictEqual(emulator.billing().activeRuns, []);

        succeeded(await project.pulumi(["destroy", "--yes", "--skip-preview", ...args]));

        assert.ok(emulator.oauth.issuedCount > 0, "the provider never asked for an OAuth token");
        const api = emulator.requests.filter((request) => request.path.startsWith("/api/"));
        assert.ok(api.length > 0);
        assert.deepStrictEqual(
            api.filter((request) => request.auth !== "accepted").map((request) => `${request.method} ${request.path}: ${request.auth}`),
            [],
        );
        const print = footprint(STACK, resources);
        assert.deepStrictEqual(
            emulator.objects().filter((object) => belongsTo(object, print)),
            [],
        );
    });

    it("the client secret appears in no output, stack file, state or request record", async () => {
        const state = (await project.mustSucceed(["stack", "export", ...args])).output;
        const places = {
            outputs: project.transcript.map((result) => result.output).join("\n"),
            stackFile: fs.readFileSync(path.join(project.dir, `Pulumi.${STACK}.yaml`), "utf8"),
            state,
            requests: JSON.stringify(emulator.requests),
        };
        for (const [place, text] of Object.entries(places)) {
            assert.ok(!text.includes(CLIENT_SECRET), `the client secret is in the ${place}`);
        }
    });
});
