/**
 * Faults a real workspace throws at a deployment, each against the real engine and provider with the `dev`
 * stack's config (the smallest): what the provider does, and that the stack ends where it should.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { WorkspaceEmulator } from "../emulator/server";
import { CommandResult, PROJECT_DIR, ScratchProject, killGroup, requirePulumiCli, sentinelToken, tail } from "./harness";
import { belongsTo, footprint } from "./ownership";

const DEV_CONFIG = fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.dev.yaml"), "utf8");

/** Polls until `condition` holds (true) or a minute has passed (false). */
async function until(condition: () => boolean): Promise<boolean> {
    const deadline = Date.now() + 60_000;
    while (!condition()) {
        if (Date.now() > deadline) {
            return false;
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return true;
}

function succeeded(result: CommandResult): void {
    assert.strictEqual(result.code, 0, `${result.command} exited ${result.code}:\n${tail(result.output, 50)}`);
}

describe("real engine: faults of the workspace", function () {
    this.timeout(5 * 60_000);
    const token = sentinelToken();
    let project: ScratchProject;
    let emulator: WorkspaceEmulator;

    before(() => {
        requirePulumiCli();
        project = new ScratchProject("faults");
    });
    after(() => {
        project?.killAll();
        if (!process.env.E2E_KEEP) {
            project?.remove();
        }
    });
    afterEach(async () => {
        await emulator?.stop();
    });

    /** A fresh workspace and a new stack with dev's config in it. */
    async function stackIn(stack: string, options: { clusterStartMs?: number; config?: string } = {}): Promise<string[]> {
        emulator = new WorkspaceEmulator({ tokens: [token], clusterStartMs: options.clusterStartMs, log: () => undefined });
        const url = await emulator.start();
        await project.initStack(stack, url, token, DEV_CONFIG + (options.config ?? ""));
        return ["--stack", stack];
    }

    const up = (args: string[]) => project.pulumi(["up", "--yes", "--skip-preview", ...args]);

    /** After a fault: a clean preview, one of each object, and a destroy that leaves nothing. */
    async function convergedAndDestroyed(stack: string, args: string[]): Promise<void> {
        succeeded(await project.pulumi(["preview", "--expect-no-changes", ...args]));
        const resources = await project.resources(stack);
        const print = footprint(stack, resources);
        const held = emulator.objects().filter((object) => object.kind !== "active-run");
        assert.deepStrictEqual(
            held.filter((object) => !belongsTo(object, print)),
            [],
            "objects the state does not know (duplicates or orphans)",
        );
        const jobs = held.filter((object) => object.kind === "job").map((object) => object.name);
        assert.deepStrictEqual(jobs.length, 5, `jobs: ${jobs.join(", ")}`);
        assert.strictEqual(new Set(jobs).size, 5, `duplicate jobs: ${jobs.join(", ")}`);
        assert.strictEqual(held.filter((object) => object.kind === "cluster").length, 1);
        succeeded(await project.pulumi(["destroy", "--yes", "--skip-preview", ...args]));
        assert.deepStrictEqual(emulator.objects(), []);
    }

    it("a 500 on a create: the provider does not retry it, up fails naming the call; the next up creates the rest, no duplicates", async () => {
        const args = await stackIn("fault500");
        emulator.addFault({ method: "POST", path: "/api/2.2/jobs/create", status: 500, message: "Internal error (injected)" });
        const failed = await up(args);
        assert.notStrictEqual(failed.code, 0);
        assert.match(failed.output, /Internal error \(injected\)/);
        assert.strictEqual(emulator.requests.filter((request) => request.fault === "500").length, 1, "the 500 was retried");
        succeeded(await up(args));
        await convergedAndDestroyed("fault500", args);
    });

    it("a 429 with Retry-After: the provider retries with its own growing backoff; up succeeds with one cluster", async () => {
        const args = await stackIn("fault429");
        emulator.addFault({ method: "POST", path: "/api/2.1/clusters/create", status: 429, retryAfterSeconds: 2, times: 2 });
        succeeded(await up(args));
        const attempts = emulator.requests.filter((request) => request.method === "POST" && request.path === "/api/2.1/clusters/create");
        assert.deepStrictEqual(
            attempts.map((request) => request.status),
            [429, 429, 200],
        );
        // databricks-sdk-go v0.175.0 retries 429 and 503 after attempt x 1 s + 50-750 ms jitter (retries/retries.go);
        // its API client does not read Retry-After. Only lower bounds are checked: a loaded machine can stretch a gap
        // past 2 s but never shorten one, so "the first retry comes before the 2 s the workspace asked for" is not
        // something this test can hold.
        const gaps = attempts.slice(1).map((request, index) => request.at - attempts[index].at);
        assert.ok(gaps[0] >= 1000 && gaps[1] >= 2000, `retries came after ${gaps.join(", ")} ms`);
        await convergedAndDestroyed("fault429", args);
    });

    it("a request that hangs: the provider gives up after httpTimeoutSeconds and does not retry the create; the next up converges", async () => {
        // The provider's default is 60 s per request (databricks-sdk-go httpclient defaultHTTPTimeout); 5 s keeps the test short.
        const args = await stackIn("faulthang", { config: "  databricks:httpTimeoutSeconds: 5\n" });
        emulator.addFault({ method: "POST", path: "/api/2.2/jobs/create", hang: true });
        const failed = await up(args);
        assert.notStrictEqual(failed.code, 0);
        assert.match(failed.output, /cannot create job: Post "[^"]+\/api\/2\.2\/jobs\/create": request timed out after 5s of inactivity/);
        assert.ok(failed.durationMs >= 5000, `up took ${failed.durationMs} ms: the hung request was not waited for`);
        assert.strictEqual(emulator.requests.filter((request) => request.fault === "hang").length, 1, "the timed-out create was retried");
        succeeded(await up(args));
        await convergedAndDestroyed("faulthang", args);
    });

    it("a cluster that stays PENDING: up does not wait for it; a later change to it waits until it can be edited", async () => {
        const args = await stackIn("faultpending");
        const created = await up(args);
        succeeded(created);
        const [cluster] = emulator.compute.clusters.values();
        assert.strictEqual(emulator.compute.get(cluster.clusterId).state, "PENDING");
        const reads = emulator.requests.filter((request) => request.path === "/api/2.1/clusters/get");
        assert.ok(reads.length <= 2, `the provider polled the cluster ${reads.length} times`);

        // A change to the cluster while it is PENDING: clusters/edit answers INVALID_STATE and the provider retries.
        succeeded(await project.pulumi(["config", "set", "--path", "streambench:cluster.autoterminationMinutes", "25", ...args]));
        const changing = up(args);
        const refused = await until(() =>
            emulator.requests.some((request) => request.path === "/api/2.1/clusters/edit" && request.errorCode === "INVALID_STATE"),
        );
        await new Promise((resolve) => setTimeout(resolve, 3000));
        emulator.compute.setState(cluster.clusterId, "RUNNING");
        const changed = await changing;
        assert.ok(refused, "clusters/edit was never refused while PENDING");
        succeeded(changed);
        const edits = emulator.requests
            .filter((request) => request.path === "/api/2.1/clusters/edit")
            .map((request) => request.errorCode ?? "ok");
        assert.ok(edits.length >= 2 && edits[0] === "INVALID_STATE" && edits[edits.length - 1] === "ok", edits.join(", "));
        assert.strictEqual(emulator.compute.get(cluster.clusterId).spec.autotermination_minutes, 25);
        await convergedAndDestroyed("faultpending", args);
    });

    it("an up killed halfway, then run again: the state converges, nothing is duplicated", async () => {
        const args = await stackIn("faultkill");
        emulator.addFault({ method: "POST", path: "/api/2.2/jobs/create", hang: true });
        let child: Parameters<typeof killGroup>[0] | undefined;
        const killed = project.pulumi(["up", "--yes", "--skip-preview", ...args], { onSpawn: (spawned) => (child = spawned) });
        assert.ok(await until(() => emulator.requests.some((request) => request.fault === "hang")), "up never reached the jobs");
        await new Promise((resolve) => setTimeout(resolve, 1000));
        killGroup(child!);
        project.killAll();
        const result = await killed;
        assert.notStrictEqual(result.code, 0, "up was not killed");
        const before = emulator.objects().length;
        assert.ok(before > 0, "up was killed before it created anything");
        emulator.clearFaults();
        // A killed update leaves the stack locked (file backend): the next up refuses until `pulumi cancel`.
        const locked = await up(args);
        assert.notStrictEqual(locked.code, 0);
        assert.match(locked.output, /the stack is currently locked/);
        succeeded(await project.pulumi(["cancel", "--yes", ...args]));
        const again = await up(args);
        succeeded(again);
        // Halfway: the kill left fewer objects than the whole stack, and the second up made no duplicate of them.
        const whole = emulator.objects().length;
        assert.ok(before < whole, `killed after ${before} of ${whole} objects`);
        await convergedAndDestroyed("faultkill", args);
    });

    it("an object deleted by hand: refresh sees it gone, up recreates it and re-points what referred to it", async () => {
        const args = await stackIn("faulthand");
        succeeded(await up(args));
        const baseline = [...emulator.jobs.jobs.values()].find((job) => job.settings.name === "streambench-faulthand-baseline")!;
        const notebook = `/Users/${emulator.identity.userName}/streambench-faulthand/generator`;
        for (const [call, body] of [
            ["/api/2.2/jobs/delete", { job_id: baseline.jobId }],
            ["/api/2.0/workspace/delete", { path: notebook }],
        ] as const) {
            const response = await fetch(`${emulator.url}${call}`, {
                method: "POST",
                headers: { Authorization: `Bearer ${token}` },
                body: JSON.stringify(body),
            });
            assert.strictEqual(response.status, 200);
        }
        const drift = await project.pulumi(["refresh", "--yes", "--expect-no-changes", ...args]);
        assert.notStrictEqual(drift.code, 0, "refresh --expect-no-changes saw no drift");
        succeeded(await project.pulumi(["refresh", "--yes", ...args]));
        const afterRefresh = (await project.resources("faulthand")).map((resource) => resource.id);
        assert.ok(
            !afterRefresh.includes(String(baseline.jobId)) && !afterRefresh.includes(notebook),
            "refresh kept the deleted objects in the state",
        );
        succeeded(await up(args));
        const recreated = [...emulator.jobs.jobs.values()].find((job) => job.settings.name === "streambench-faulthand-baseline");
        assert.ok(recreated && recreated.jobId !== baseline.jobId, "the baseline job was not recreated");
        assert.strictEqual(emulator.tree.get(notebook).objectType, "NOTEBOOK");
        const timeline = [...emulator.jobs.jobs.values()].find((job) => job.settings.name === "streambench-faulthand-timeline")!;
        assert.ok(
            timeline.settings.tasks.some((task: any) => Number(task.run_job_task?.job_id) === recreated.jobId),
            "the timeline job still runs the deleted job",
        );
        await convergedAndDestroyed("faulthand", args);
    });
});
