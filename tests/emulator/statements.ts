import { randomUUID } from "crypto";
import { ApiError, invalidParameter, notFound, refuseUnknownKeys, requireString } from "./apiError";
import { Router } from "./router";

/** The request fields of POST /api/2.0/sql/statements (databricks-sdk-go ExecuteStatementRequest). */
const EXECUTE_FIELDS = [
    "statement",
    "warehouse_id",
    "byte_limit",
    "catalog",
    "disposition",
    "format",
    "on_wait_timeout",
    "parameters",
    "query_tags",
    "row_limit",
    "schema",
    "wait_timeout",
];
const FORMATS = ["JSON_ARRAY", "ARROW_STREAM", "CSV"];
const DISPOSITIONS = ["INLINE", "EXTERNAL_LINKS", "INLINE_OR_EXTERNAL_LINKS"];
const ON_WAIT_TIMEOUT = ["CONTINUE", "CANCEL"];

/** A statement's answer as a test gives it: column names and rows of JSON_ARRAY strings (null for NULL). */
export interface StatementAnswer {
    columns: string[];
    rows: (string | null)[][];
    /** Rows per result chunk (default: all in one), to make clients fetch the next chunks. */
    chunkRows?: number;
}

interface Statement {
    id: string;
    state: "PENDING" | "RUNNING" | "SUCCEEDED" | "FAILED" | "CANCELED";
    statement: string;
    warehouseId: string;
    error?: { error_code: string; message: string };
    sqlState?: string;
    answer?: StatementAnswer;
}

/** Back-quoted three-part names (`catalog`.`schema`.`table`), as the project's queries write every table. */
const QUALIFIED = /`((?:[^`]|``)+)`\.`((?:[^`]|``)+)`\.`((?:[^`]|``)+)`/g;

/**
 * SQL statements on a warehouse (`/api/2.0/sql/statements`). The emulator executes no SQL: it refuses what the
 * API refuses (an unknown warehouse or field, a wait_timeout outside 0 s or 5-50 s, INLINE results in a format other
 * than JSON_ARRAY), fails a statement that reads a table the workspace does not hold as Databricks SQL does
 * (TABLE_OR_VIEW_NOT_FOUND, SQLSTATE 42P01), and holds any other statement RUNNING until a test answers it
 * (`finish`), as `Jobs.finish` stands in for a notebook. The answer is returned as the API pages it: the first
 * chunk with the status, the next ones by `result/chunks/<n>`.
 */
export class Statements {
    readonly statements = new Map<string, Statement>();

    constructor(
        private readonly warehouses: string[],
        private readonly tableExists: (fullName: string) => boolean,
    ) {}

    routes(router: Router): void {
        const api = String.raw`\/api\/2\.0\/sql\/statements`;
        router.add("POST", new RegExp(`${api}/?`), (call) => this.view(this.execute(call.body)));
        router.add("GET", new RegExp(`${api}/([\\w-]+)`), (call) => this.view(this.get(call.params[0])));
        router.add("POST", new RegExp(`${api}/([\\w-]+)/cancel`), (call) => {
            const statement = this.get(call.params[0]);
            if (statement.state === "PENDING" || statement.state === "RUNNING") {
                statement.state = "CANCELED";
            }
            return {};
        });
        router.add("GET", new RegExp(`${api}/([\\w-]+)/result/chunks/(\\d+)`), (call) => {
            const statement = this.get(call.params[0]);
            if (statement.state !== "SUCCEEDED" || !statement.answer) {
                throw invalidParameter(`Statement ${statement.id} has no result to fetch (state ${statement.state}).`);
            }
            const index = Number(call.params[1]);
            if (index >= this.chunks(statement.answer).length) {
                throw invalidParameter(`Chunk index ${index} is out of range for statement ${statement.id}.`);
            }
            return this.chunk(statement, index);
        });
    }

    /** Ends a running statement with the rows a test gives, as the warehouse would have computed them. */
    finish(statementId: string, answer: StatementAnswer): void {
        const statement = this.get(statementId);
        if (statement.state !== "RUNNING") {
            throw new Error(`statement ${statementId} is not running (${statement.state})`);
        }
        Object.assign(statement, { state: "SUCCEEDED", answer });
    }

    /** The statements still running, oldest first. */
    running(): Statement[] {
        return [...this.statements.values()].filter((statement) => statement.state === "RUNNING");
    }

    private execute(body: Record<string, any>): Statement {
        refuseUnknownKeys(body, EXECUTE_FIELDS, "ExecuteStatementRequest");
        const text = requireString(body, "statement", "statement");
        const warehouseId = requireString(body, "warehouse_id", "warehouse_id");
        if (!this.warehouses.includes(warehouseId)) {
            throw notFound(`Warehouse ${warehouseId} does not exist.`);
        }
        const format = body.format ?? "JSON_ARRAY";
        const disposition = body.disposition ?? "INLINE";
        for (const [key, value, allowed] of [
            ["format", format, FORMATS],
            ["disposition", disposition, DISPOSITIONS],
            ["on_wait_timeout", body.on_wait_timeout ?? "CONTINUE", ON_WAIT_TIMEOUT],
        ] as const) {
            if (!allowed.includes(value)) {
                throw invalidParameter(`${key}: ${JSON.stringify(value)} is not one of ${allowed.join(", ")}.`);
            }
        }
        if (disposition === "INLINE" && format !== "JSON_ARRAY") {
            throw invalidParameter(`The INLINE disposition supports only the JSON_ARRAY format, not ${format}.`);
        }
        const wait = body.wait_timeout ?? "10s";
        const seconds = /^(\d+)s$/.exec(String(wait));
        if (!seconds || (Number(seconds[1]) !== 0 && (Number(seconds[1]) < 5 || Number(seconds[1]) > 50))) {
            throw invalidParameter(`wait_timeout must be 0s or from 5s to 50s, got ${JSON.stringify(wait)}.`);
        }
        const statement: Statement = { id: randomUUID(), state: "RUNNING", statement: text, warehouseId };
        const missing = [...text.matchAll(QUALIFIED)]
            .map((match) => match.slice(1, 4).map((part) => part.replace(/``/g, "`")))
            .find((parts) => !this.tableExists(parts.join(".").toLowerCase()));
        if (missing) {
            Object.assign(statement, {
                state: "FAILED",
                sqlState: "42P01",
                error: {
                    error_code: "BAD_REQUEST",
                    message:
                        `[TABLE_OR_VIEW_NOT_FOUND] The table or view ${missing.map((part) => "`" + part + "`").join(".")} cannot be found. ` +
                        "Verify the spelling and correctness of the schema and catalog. SQLSTATE: 42P01",
                },
            });
        }
        this.statements.set(statement.id, statement);
        return statement;
    }

    private get(statementId: string): Statement {
        const statement = this.statements.get(statementId);
        if (!statement) {
            throw new ApiError(404, "NOT_FOUND", `Statement ${statementId} does not exist.`);
        }
        return statement;
    }

    private chunks(answer: StatementAnswer): (string | null)[][][] {
        const size = Math.max(1, answer.chunkRows ?? Math.max(answer.rows.length, 1));
        const chunks: (string | null)[][][] = [];
        for (let offset = 0; offset < answer.rows.length || chunks.length === 0; offset += size) {
            chunks.push(answer.rows.slice(offset, offset + size));
        }
        return chunks;
    }

    private chunk(statement: Statement, index: number): object {
        const chunks = this.chunks(statement.answer!);
        const rowOffset = chunks.slice(0, index).reduce((sum, rows) => sum + rows.length, 0);
        const next = index + 1 < chunks.length ? index + 1 : undefined;
        return {
            chunk_index: index,
            row_offset: rowOffset,
            row_count: chunks[index].length,
            data_array: chunks[index],
            ...(next === undefined
                ? {}
                : { next_chunk_index: next, next_chunk_internal_link: `/api/2.0/sql/statements/${statement.id}/result/chunks/${next}` }),
        };
    }

    private view(statement: Statement): object {
        const status = {
            state: statement.state,
            ...(statement.error ? { error: statement.error, sql_state: statement.sqlState } : {}),
        };
        if (statement.state !== "SUCCEEDED" || !statement.answer) {
            return { statement_id: statement.id, status };
        }
        const { columns, rows } = statement.answer;
        const chunks = this.chunks(statement.answer);
        return {
            statement_id: statement.id,
            status,
            manifest: {
                format: "JSON_ARRAY",
                schema: {
                    column_count: columns.length,
                    columns: columns.map((name, position) => ({ name, position, type_name: "STRING", type_text: "STRING" })),
                },
                total_chunk_count: chunks.length,
                total_row_count: rows.length,
                chunks: chunks.map((chunkRows, index) => ({
                    chunk_index: index,
                    row_offset: chunks.slice(0, index).reduce((sum, part) => sum + part.length, 0),
                    row_count: chunkRows.length,
                })),
            },
            result: this.chunk(statement, 0),
        };
    }
}
