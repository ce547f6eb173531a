import * as assert from "assert";
import { emulatorCaller } from "./client";
import { WorkspaceEmulator } from "./server";

const TOKEN = `dapi${"7e1a".repeat(8)}`;
const WAREHOUSE = "0123456789abcdef";
const RESULTS = "`main`.`bench_s`.`benchmark_results`";

/** SQL statements on a warehouse, as `ops compare` runs the run comparison. */
describe("workspace emulator: SQL statements", () => {
    let emulator: WorkspaceEmulator;
    let url: string;
    const call = emulatorCaller(() => url, TOKEN);
    const execute = (body: Record<string, unknown>) =>
        call("POST", "/api/2.0/sql/statements", { warehouse_id: WAREHOUSE, wait_timeout: "30s", ...body });

    beforeEach(async () => {
        emulator = new WorkspaceEmulator({ tokens: [TOKEN], warehouses: [WAREHOUSE], log: () => undefined });
        url = await emulator.start();
        await call("POST", "/api/2.1/unity-catalog/schemas", { catalog_name: "main", name: "bench_s" });
    });
    afterEach(() => emulator.stop());

    it("fails a statement on a table the schema does not hold, as Databricks SQL does (200, FAILED, 42P01)", async () => {
        const answer = await execute({ statement: `SELECT * FROM ${RESULTS}` });
        assert.strictEqual(answer.status, 200);
        assert.strictEqual(answer.body.status.state, "FAILED");
        assert.strictEqual(answer.body.status.sql_state, "42P01");
        assert.match(
            answer.body.status.error.message,
            /^\[TABLE_OR_VIEW_NOT_FOUND\] The table or view `main`\.`bench_s`\.`benchmark_results`/,
        );
    });

    it("holds a statement on held tables running until answered, then pages the rows by chunk", async () => {
        emulator.catalog.writeTables("main", "bench_s", ["benchmark_results"]);
        const { body: started } = await execute({ statement: `SELECT run_start FROM ${RESULTS}` });
        assert.strictEqual(started.status.state, "RUNNING");
        assert.deepStrictEqual(
            emulator.statements.running().map((statement) => statement.id),
            [started.statement_id],
        );
        emulator.statements.finish(started.statement_id, { columns: ["run_start"], rows: [["a"], ["b"], ["c"]], chunkRows: 2 });
        const { body: done } = await call("GET", `/api/2.0/sql/statements/${started.statement_id}`);
        assert.strictEqual(done.status.state, "SUCCEEDED");
        assert.deepStrictEqual(
            done.manifest.schema.columns.map((column: { name: string }) => column.name),
            ["run_start"],
        );
        assert.deepStrictEqual(
            [done.manifest.total_row_count, done.result.data_array, done.result.next_chunk_index],
            [3, [["a"], ["b"]], 1],
        );
        const { body: next } = await call("GET", `/api/2.0/sql/statements/${started.statement_id}/result/chunks/1`);
        assert.deepStrictEqual([next.data_array, next.next_chunk_index], [[["c"]], undefined]);
        assert.strictEqual((await call("GET", `/api/2.0/sql/statements/${started.statement_id}/result/chunks/2`)).status, 400);
    });

    it("cancels a running statement", async () => {
        emulator.catalog.writeTables("main", "bench_s", ["benchmark_results"]);
        const { body: started } = await execute({ statement: `SELECT 1 FROM ${RESULTS}` });
        assert.strictEqual((await call("POST", `/api/2.0/sql/statements/${started.statement_id}/cancel`)).status, 200);
        assert.strictEqual((await call("GET", `/api/2.0/sql/statements/${started.statement_id}`)).body.status.state, "CANCELED");
    });

    it("refuses an unknown warehouse or field, a wait_timeout outside 0 s or 5-50 s, and INLINE results other than JSON_ARRAY", async () => {
        const refused = async (body: Record<string, unknown>, status: number, pattern: RegExp) => {
            const answer = await execute({ statement: "SELECT 1", ...body });
            assert.strictEqual(answer.status, status, JSON.stringify(body));
            assert.match(answer.body.message, pattern);
        };
        await refused({ warehouse_id: "fedcba9876543210" }, 404, /Warehouse fedcba9876543210 does not exist/);
        await refused({ timeout: "30s" }, 400, /unknown field\(s\) 'timeout'/);
        await refused({ wait_timeout: "60s" }, 400, /wait_timeout must be 0s or from 5s to 50s/);
        await refused({ wait_timeout: "3s" }, 400, /wait_timeout must be 0s or from 5s to 50s/);
        await refused({ format: "ARROW_STREAM", disposition: "INLINE" }, 400, /INLINE disposition supports only the JSON_ARRAY/);
        await refused({ statement: "" }, 400, /Missing required field: statement/);
        assert.strictEqual((await call("GET", "/api/2.0/sql/statements/no-such-statement")).status, 404);
    });
});
