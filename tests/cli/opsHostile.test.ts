import * as assert from "assert";
import * as fs from "fs";
import * as http from "http";
import { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import { main } from "../../cli/ops";
import { WorkspaceEmulator } from "../emulator/server";

const TOKEN = `dapi${"6b1e".repeat(8)}`;
// A token of no known shape (as a profile may hold one): only the value the SDK resolved can tell it is one.
const OPAQUE = "opaque-Profile-Secret-4711";
const PRINCIPAL = { clientId: "0b9c0000-0000-4000-8000-000000000a11", clientSecret: `dose${"4d".repeat(16)}` };
const PROD_TAGS = { project: "streambench", stack: "prod" };

/** `npm run ops` against a hostile or broken server: no credential reaches the terminal, no command hangs silently. */
describe("ops CLI against bad servers and bad credentials", function () {
    this.timeout(60_000);
    let emulator: WorkspaceEmulator;
    let url: string;
    let home: string;
    let project: string;

    beforeEach(async () => {
        emulator = new WorkspaceEmulator({
            tokens: [TOKEN, OPAQUE],
            servicePrincipals: [PRINCIPAL],
            clusterStartMs: 0,
            log: () => undefined,
        });
        url = await emulator.start();
        home = fs.mkdtempSync(path.join(os.tmpdir(), "ops-home-"));
        project = fs.mkdtempSync(path.join(os.tmpdir(), "ops-project-"));
    });
    afterEach(async () => {
        await emulator.stop();
        fs.rmSync(home, { recursive: true, force: true });
        fs.rmSync(project, { recursive: true, force: true });
    });

    const only = (variables: Record<string, string>) => ({
        PATH: process.env.PATH,
        HOME: home,
        DATABRICKS_CONFIG_FILE: path.join(home, ".databrickscfg"),
        ...variables,
    });
    const pat = () => only({ DATABRICKS_HOST: url, DATABRICKS_TOKEN: TOKEN });
    const profile = (lines: string) => {
        fs.writeFileSync(path.join(home, ".databrickscfg"), `[bench]\n${lines}\n`);
        return only({ DATABRICKS_CONFIG_PROFILE: "bench" });
    };

    async function ops(argv: string[], env: NodeJS.ProcessEnv, settings: Parameters<typeof main>[3] = {}) {
        const stdout: string[] = [];
        const stderr: string[] = [];
        const code = await main(
            argv,
            env,
            { stdout: (line) => stdout.push(line), stderr: (line) => stderr.push(line) },
            { stackOutputs: () => undefined, settleSeconds: 0, ...settings },
        );
        return { code, stdout: stdout.join("\n"), stderr: stderr.join("\n"), all: `${stdout.join("\n")}\n${stderr.join("\n")}` };
    }

    async function job(name: string, running = false): Promise<number> {
        const call = async (route: string, body: unknown): Promise<any> =>
            (
                await fetch(`${url}${route}`, {
                    method: "POST",
                    headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" },
                    body: JSON.stringify(body),
                })
            ).json();
        const { job_id: jobId } = await call("/api/2.2/jobs/create", { name, tags: PROD_TAGS, tasks: [{ task_key: "t" }] });
        if (running) {
            await call("/api/2.2/jobs/run-now", { job_id: jobId });
        }
        return jobId;
    }

    it("a profile line without `=` is named by its line, the token on it not printed", async () => {
        const result = await ops(["status", "--stack", "prod"], profile(`host = ${url}\ntoken ${OPAQUE}`));
        assert.strictEqual(result.code, 1);
        assert.ok(!result.all.includes(OPAQUE), result.all);
        assert.match(result.stderr, /\.databrickscfg.*line 3/);
    });

    for (const [how, env, secret] of [
        ["a personal access token", () => pat(), TOKEN],
        ["a profile's token of no known shape", () => profile(`host = ${url}\ntoken = ${OPAQUE}`), OPAQUE],
        [
            "OAuth machine-to-machine",
            () =>
                only({ DATABRICKS_HOST: url, DATABRICKS_CLIENT_ID: PRINCIPAL.clientId, DATABRICKS_CLIENT_SECRET: PRINCIPAL.clientSecret }),
            PRINCIPAL.clientSecret,
        ],
    ] as const) {
        it(`a 403 that echoes the credential (${how}): status and stop print it blanked`, async () => {
            await job("streambench-prod-timeline", true);
            emulator.addFault({
                path: "/api/2\\.2/jobs/.*",
                status: 403,
                errorCode: "PERMISSION_DENIED",
                message: `you sent Bearer ${secret}; the secret ${secret} is not allowed, nor ${TOKEN}`,
                times: 1000,
            });
            for (const command of ["status", "stop"]) {
                const result = await ops([command, "--stack", "prod"], env());
                assert.strictEqual(result.code, 1, command);
                assert.match(result.all, /you sent Bearer \*\*\*; the secret \*\*\* is not allowed, nor \*\*\*/, command);
                assert.ok(!result.all.includes(secret) && !result.all.includes(TOKEN), `${command}: ${result.all}`);
            }
        });
    }

    it("a plain-text databricks:token or clientSecret in the stack file is refused, named, never printed", async () => {
        for (const key of ["databricks:token", "databricks:clientSecret"]) {
            fs.writeFileSync(path.join(project, "Pulumi.lab.yaml"), `config:\n  streambench:testMode: true\n  ${key}: ${TOKEN}\n`);
            const result = await ops(["status", "--stack", "lab"], pat(), { projectDir: project });
            assert.strictEqual(result.code, 1, key);
            assert.match(result.stderr, new RegExp(`${key}: is in plain text .*pulumi config set --secret ${key}`, "s"));
            assert.ok(!result.all.includes(TOKEN), result.all);
        }
        assert.deepStrictEqual(emulator.requests, []);
    });

    it("databricks:clientId in the stack file comes first: with DATABRICKS_CLIENT_SECRET, OAuth machine-to-machine", async () => {
        fs.writeFileSync(
            path.join(project, "Pulumi.prod.yaml"),
            `config:\n  streambench:testMode: true\n  databricks:clientId: ${PRINCIPAL.clientId}\n  databricks:clientSecret:\n    secure: AAABAGVu\n`,
        );
        const result = await ops(
            ["status", "--stack", "prod"],
            only({ DATABRICKS_HOST: url, DATABRICKS_CLIENT_SECRET: PRINCIPAL.clientSecret }),
            { projectDir: project },
        );
        assert.strictEqual(result.code, 0, result.all);
        assert.ok(emulator.requests.some((request) => request.auth === "client-credentials"));
    });

    it("a server that never answers: a bounded wait, said on stderr, then one error naming the host", async () => {
        emulator.addFault({ path: "/api/.*", hang: true, times: 1000 });
        const started = Date.now();
        const result = await ops(["status", "--stack", "prod"], pat(), { httpTimeoutSeconds: 1, retryTimeoutSeconds: 2 });
        assert.ok(Date.now() - started < 20_000, `took ${Date.now() - started} ms`);
        assert.strictEqual(result.code, 1);
        assert.match(result.stderr, /ops: no answer from .* yet .*retrying/);
        assert.match(result.stderr, new RegExp(`ops: ${url.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} did not answer: .* within 2 s`));
    });

    it("a server that always answers 429: the retries are said on stderr and end within the budget", async () => {
        emulator.addFault({ path: "/api/.*", status: 429, retryAfterSeconds: 1, times: 1000 });
        const started = Date.now();
        const result = await ops(["status", "--stack", "prod"], pat(), { httpTimeoutSeconds: 1, retryTimeoutSeconds: 2 });
        assert.ok(Date.now() - started < 20_000, `took ${Date.now() - started} ms`);
        assert.strictEqual(result.code, 1);
        assert.match(result.stderr, /ops: .* throttled .*retrying/);
        assert.match(result.stderr, /within 2 s/);
    });

    it("a web page (a login page) where the API should answer: named as not a Databricks API answer", async () => {
        const page = http.createServer((_request, response) => {
            response.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
            response.end("<!doctype html><html><body><form>Sign in</form></body></html>");
        });
        await new Promise<void>((resolve) => page.listen(0, "127.0.0.1", resolve));
        const host = `http://127.0.0.1:${(page.address() as AddressInfo).port}`;
        try {
            const result = await ops(["status", "--stack", "prod"], only({ DATABRICKS_HOST: host, DATABRICKS_TOKEN: TOKEN }), {
                httpTimeoutSeconds: 2,
                retryTimeoutSeconds: 2,
            });
            assert.strictEqual(result.code, 1);
            assert.match(result.stderr, /answered GET \/api\/2\.2\/jobs\/list with a web page \(text\/html\), not a Databricks API answer/);
            assert.ok(result.stderr.includes(host), result.stderr);
            assert.doesNotMatch(result.all, /JSONDecodeError/);
        } finally {
            page.closeAllConnections();
            await new Promise((resolve) => page.close(resolve));
        }
    });

    it("a host carrying user:password@ is refused without echoing the password, before any request", async () => {
        const withPassword = url.replace("http://", "http://bench:pass-W0rd-77@");
        for (const env of [
            only({ DATABRICKS_HOST: withPassword, DATABRICKS_TOKEN: TOKEN }),
            profile(`host = ${withPassword}\ntoken = ${TOKEN}`),
        ]) {
            const result = await ops(["status", "--stack", "prod"], env);
            assert.strictEqual(result.code, 1);
            assert.match(result.stderr, /carries a user name or password \(user:password@, not printed\)/);
            assert.ok(!result.all.includes("pass-W0rd-77"), result.all);
        }
        assert.deepStrictEqual(
            emulator.requests.filter((request) => request.path.startsWith("/api/")),
            [],
        );
    });

    it("a single-valued option given twice is a usage error (exit 2), not the last one silently", async () => {
        for (const argv of [
            ["status", "-s", "dev", "-s", "prod"],
            ["status", "--stack", "prod", "--stack=dev"],
            ["compare", "--stack", "prod", "--last", "1", "--last", "2"],
        ]) {
            const result = await ops(argv, pat());
            assert.strictEqual(result.code, 2, argv.join(" "));
            assert.match(result.stderr, /^ops: --(stack|last) given twice/, argv.join(" "));
        }
        assert.deepStrictEqual(emulator.requests, []);
    });
});
