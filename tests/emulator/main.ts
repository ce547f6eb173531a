/**
 * Standalone workspace emulator:
 *   EMULATOR_TOKEN=<token> npx ts-node tests/emulator/main.ts [--port 8443] [--cluster-start-ms 5000]
 * prints `listening on http://127.0.0.1:<port>`; point DATABRICKS_HOST at it and DATABRICKS_TOKEN at the token.
 * The token comes from the environment only, never the command line (where `ps` shows it); without one a random
 * token is made and printed once for the person at the terminal.
 */
import { randomBytes } from "crypto";
import { parseArgs } from "util";
import { WorkspaceEmulator } from "./server";

async function main(): Promise<void> {
    const { values } = parseArgs({
        options: {
            port: { type: "string", default: "0" },
            "cluster-start-ms": { type: "string" },
            warehouse: { type: "string", multiple: true },
            group: { type: "string", multiple: true },
        },
    });
    const token = process.env.EMULATOR_TOKEN;
    const generated = token ? undefined : `dapi${randomBytes(16).toString("hex")}`;
    if (generated) {
        process.env.EMULATOR_TOKEN = generated;
    }
    const emulator = new WorkspaceEmulator({
        tokens: [token ?? generated!],
        clusterStartMs: values["cluster-start-ms"] === undefined ? undefined : Number(values["cluster-start-ms"]),
        warehouses: values.warehouse ?? ["0123456789abcdef"],
        groups: ["admins", "users", ...(values.group ?? [])],
    });
    const url = await emulator.start(Number(values.port));
    console.log(`listening on ${url}`);
    if (generated) {
        // Printed once for a person at a terminal; tests pass their own token and never see this line.
        console.log(`token: ${generated}`);
    }
    const stop = () => void emulator.stop().then(() => process.exit(0));
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
}

void main();
