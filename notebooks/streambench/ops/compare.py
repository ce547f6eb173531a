"""`npm run ops -- compare`: the stack's analysed runs side by side, from its benchmark_results table, read with the
dashboard's own query (components/dashboard/datasets.ts runComparison, passed in the request) on the stack's SQL
warehouse through the Statement Execution API: what each run ran on, the peak load, kept up or not, lag p95,
node-minutes. Read-only: it runs one SELECT on the stack's schema."""

from __future__ import annotations

import time
from typing import Callable

from streambench.analysis.run_comparison import comparison_table
from streambench.ops.workspace import OpsError

TERMINAL = ("SUCCEEDED", "FAILED", "CANCELED", "CLOSED")
# What Databricks SQL answers for a table or column that does not exist (error class, SQLSTATE).
TABLE_NOT_FOUND = ("TABLE_OR_VIEW_NOT_FOUND", "42P01")
COLUMN_NOT_FOUND = ("UNRESOLVED_COLUMN", "42703")
# How long one execute call waits for the result before it is polled (the API takes 5 s to 50 s, or 0 s).
WAIT_TIMEOUT = "30s"


class StatementFailed(Exception):
    def __init__(self, state: str, message: str, sql_state: str | None):
        super().__init__(f"{state}: {message}" if message else state)
        self.state, self.message, self.sql_state = state, message, sql_state

    def is_one_of(self, known: tuple[str, str]) -> bool:
        return known[0] in self.message or self.sql_state == known[1]


def _value(enum) -> str | None:
    return None if enum is None else getattr(enum, "value", str(enum))


def _state(response) -> str:
    return _value(response.status.state if response.status else None) or "UNKNOWN"


def run_statement(
    w,
    warehouse_id: str,
    statement: str,
    poll_seconds: float,
    sleep: Callable[[float], None],
    out: Callable[[str], None],
) -> tuple[list[str], list[list[str | None]]]:
    """The statement's columns and rows (JSON_ARRAY: every value a string or None), every chunk of them. Polls
    while the warehouse starts or runs it; Ctrl-C cancels it."""
    from databricks.sdk.service.sql import Disposition, ExecuteStatementRequestOnWaitTimeout, Format

    api = w.statement_execution
    response = api.execute_statement(
        statement=statement,
        warehouse_id=warehouse_id,
        wait_timeout=WAIT_TIMEOUT,
        on_wait_timeout=ExecuteStatementRequestOnWaitTimeout.CONTINUE,
        format=Format.JSON_ARRAY,
        disposition=Disposition.INLINE,
    )
    try:
        said = False
        while _state(response) not in TERMINAL:
            if not said:
                out(
                    f"Waiting for SQL warehouse {warehouse_id} (statement {response.statement_id} {_state(response)}) ..."
                )
                said = True
            sleep(poll_seconds)
            response = api.get_statement(statement_id=response.statement_id)
    except KeyboardInterrupt:
        api.cancel_execution(statement_id=response.statement_id)
        raise
    if _state(response) != "SUCCEEDED":
        error = response.status.error if response.status else None
        raise StatementFailed(_state(response), (error.message if error else "") or "", response.status.sql_state)
    columns = [column.name for column in response.manifest.schema.columns]
    rows = list((response.result.data_array if response.result else None) or [])
    chunk = response.result.next_chunk_index if response.result else None
    while chunk is not None:
        part = api.get_statement_result_chunk_n(statement_id=response.statement_id, chunk_index=chunk)
        rows += part.data_array or []
        chunk = part.next_chunk_index
    return columns, rows


def compare(w, request, out: Callable[[str], None], sleep: Callable[[float], None] = time.sleep) -> int:
    """Prints the stack's analysed runs side by side, newest first. 0 also when there is no run yet (said so)."""
    from streambench.analysis.verdict_table import text_table

    spec = request.compare
    if not spec or not spec.get("warehouseId"):
        raise OpsError("compare runs its query on a SQL warehouse: set streambench:warehouseId in the stack config")
    try:
        columns, rows = run_statement(w, spec["warehouseId"], spec["query"], request.poll_seconds, sleep, out)
    except StatementFailed as failed:
        if failed.is_one_of(TABLE_NOT_FOUND):
            out(
                f"No analysed run yet: {spec['table']} does not exist. It is written by the analysis of a run: "
                f"npm run ops -- analyze --stack {request.stack} after a run (with cluster.kind job, every timeline "
                "run ends with its analysis)."
            )
            return 0
        if failed.is_one_of(COLUMN_NOT_FOUND):
            raise OpsError(
                f"{spec['table']} was written before it described the compute: analyse a run once "
                f"(npm run ops -- analyze --stack {request.stack}) to add those columns; "
                f"{failed.message.splitlines()[0]}"
            ) from None
        raise OpsError(f"the comparison query failed on SQL warehouse {spec['warehouseId']}: {failed}") from None
    if not rows:
        out(f"No analysed run in {spec['table']} yet.")
        return 0
    out(text_table(comparison_table(columns, rows)))
    shown = f"the latest {len(rows)}" if spec.get("last") else f"all {len(rows)}"
    out(
        f"{shown} analysed run{'s' if len(rows) != 1 else ''} of {spec['table']}, newest first. "
        "KEPT UP: every window met the verdict's criteria; LAG P95 over every micro-batch of the run; "
        "NODE-MIN: driver and workers, from the cluster's events."
    )
    return 0
