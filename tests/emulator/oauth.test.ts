import * as assert from "assert";
import { execFile } from "child_process";
import { pythonExecutable } from "../python";
import { WorkspaceEmulator } from "./server";

const PAT = `dapi${"3c4d".repeat(8)}`;
const PRINCIPAL = { clientId: "0a1b2c3d-service-principal", clientSecret: `dose${"9f".repeat(16)}` };

/** OAuth machine-to-machine as the workspace serves it, checked with plain HTTP and with the official Python SDK. */
describe("workspace emulator: OAuth machine-to-machine", () => {
    let emulator: WorkspaceEmulator;
    let url: string;
    let clock: number;

    beforeEach(async () => {
        clock = Date.UTC(2026, 0, 1);
        emulator = new WorkspaceEmulator({
            tokens: [PAT],
            servicePrincipals: [PRINCIPAL],
            oauthTokenLifetimeSeconds: 600,
            now: () => clock,
            log: () => undefined,
        });
        url = await emulator.start();
    });
    afterEach(() => emulator.stop());

    const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}`;

    async function token(
        authorization?: string,
        form = "grant_type=client_credentials&scope=all-apis",
    ): Promise<{ status: number; body: any }> {
        const response = await fetch(`${url}/oidc/v1/token`, {
            method: "POST",
            headers: { "Content-Type": "application/x-www-form-urlencoded", ...(authorization ? { Authorization: authorization } : {}) },
            body: form,
        });
        return { status: response.status, body: await response.json() };
    }

    const me = async (bearer?: string) =>
        (await fetch(`${url}/api/2.0/preview/scim/v2/Me`, { headers: bearer ? { Authorization: `Bearer ${bearer}` } : {} })).status;

    it("serves the discovery document with its token endpoint", async () => {
        const discovery = (await (await fetch(`${url}/oidc/.well-known/oauth-authorization-server`)).json()) as { token_endpoint: string };
        assert.strictEqual(discovery.token_endpoint, `${url}/oidc/v1/token`);
    });

    it("issues a token for the client id and secret (Basic or form), and the API takes it until it expires", async () => {
        const viaBasic = await token(basic(PRINCIPAL.clientId, PRINCIPAL.clientSecret));
        assert.strictEqual(viaBasic.status, 200);
        assert.deepStrictEqual([viaBasic.body.token_type, viaBasic.body.expires_in], ["Bearer", 600]);
        const form = `grant_type=client_credentials&client_id=${PRINCIPAL.clientId}&client_secret=${PRINCIPAL.clientSecret}`;
        assert.strictEqual((await token(undefined, form)).status, 200);

        assert.strictEqual(await me(viaBasic.body.access_token), 200);
        clock += 599_000;
        assert.strictEqual(await me(viaBasic.body.access_token), 200);
        clock += 1_000;
        assert.strictEqual(await me(viaBasic.body.access_token), 401, "an expired token must be refused");
        assert.strictEqual(await me(PAT), 200, "a personal access token does not expire with it");
    });

    it("refuses a wrong secret, an unknown client and another grant; 401 without a token, 403 for an unknown one", async () => {
        assert.strictEqual((await token(basic(PRINCIPAL.clientId, "wrong"))).status, 401);
        assert.strictEqual((await token(basic("someone-else", PRINCIPAL.clientSecret))).status, 401);
        assert.strictEqual((await token(basic(PRINCIPAL.clientId, PRINCIPAL.clientSecret), "grant_type=password")).status, 400);
        assert.strictEqual(await me(), 401);
        assert.strictEqual(await me("eyemu.not-issued"), 403);
        const log = JSON.stringify(emulator.requests);
        assert.ok(!log.includes(PRINCIPAL.clientSecret), "the client secret was recorded");
    });

    it("is what the official Python SDK (databricks-sdk) authenticates against with a client id and secret", async function () {
        this.timeout(60_000);
        const code = [
            "import json, os",
            "from databricks.sdk import WorkspaceClient",
            "w = WorkspaceClient(host=os.environ['HOST'], client_id=os.environ['CLIENT_ID'], client_secret=os.environ['CLIENT_SECRET'])",
            "print(json.dumps({'user': w.current_user.me().user_name, 'auth': w.config.auth_type}))",
        ].join("\n");
        const output = await new Promise<string>((resolve, reject) =>
            execFile(
                pythonExecutable(),
                ["-c", code],
                {
                    env: {
                        PATH: process.env.PATH,
                        HOME: "/nonexistent",
                        HOST: url,
                        CLIENT_ID: PRINCIPAL.clientId,
                        CLIENT_SECRET: PRINCIPAL.clientSecret,
                    },
                },
                (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)),
            ),
        );
        assert.deepStrictEqual(JSON.parse(output.trim().split("\n").pop()!), { user: emulator.identity.userName, auth: "oauth-m2m" });
        assert.ok(emulator.requests.some((request) => request.path === "/oidc/v1/token" && request.status === 200));
    });
});
