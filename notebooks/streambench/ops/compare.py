"""`npm run ops -- compare`: the stack's analysed runs side by side, from its benchmark_results table, read with the
dashboard's own query (components/dashboard/datasets.ts runComparison, passed in the request) on the stack's SQL
warehouse through the Statement Execution API: what each run ran on, the peak load, kept up or not, lag p95,
node-minutes. Read-only: it runs one SELECT on the stack's schema."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Callable, Sequence

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


def _number(text: str | None, digits: int = 0) -> str:
    return "-" if text is None else f"{float(text):,.{digits}f}"


def _when(text: str | None) -> str:
    """A timestamp as the API gives it (`2026-11-25T02:00:00.000Z`), as `2026-11-25 02:00:00`, UTC."""
    if not text:
        return "-"
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    moment = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return f"{moment.astimezone(timezone.utc):%Y-%m-%d %H:%M:%S}"


def _kept_up(text: str | None) -> str:
    return "n/a" if text is None else ("yes" if text.lower() == "true" else "NO")


def _workers(row: dict) -> str:
    low, high, peak = row.get("min_workers"), row.get("max_workers"), row.get("workers_peak")
    span = "?" if low is None or high is None else (low if low == high else f"{low}-{high}")
    return f"{span} (peak {peak})" if peak is not None else span


COMPARE_HEADER = [
    "RUN START (UTC)",
    "COMPUTE",
    "NODE TYPE",
    "WORKERS",
    "DLT",
    "PEAK OFFERED/S",
    "PEAK PROCESSED/S",
    "KEPT UP",
    "WINDOWS OK",
    "LAG P95 S",
    "NODE-MIN",
    "EST. DBU",
]


def comparison_table(columns: Sequence[str], rows: Sequence[Sequence[str | None]]) -> list[list[str]]:
    """The header and one line per run, from the run_comparison dataset's columns (JSON_ARRAY strings)."""
    lines = [COMPARE_HEADER]
    for values in rows:
        row = dict(zip(columns, values))
        lines.append(
            [
                _when(row.get("run_start")),
                row.get("compute") or "-",
                row.get("node_type") or "-",
                _workers(row),
                row.get("dlt_compute") or "no",
                _number(row.get("peak_offered_rows_per_second")),
                _number(row.get("peak_processed_rows_per_second")),
                _kept_up(row.get("kept_up")),
                f"{row.get('windows_kept_up') or 0}/{row.get('windows') or 0}",
                _number(row.get("lag_p95_seconds"), 1),
                _number(row.get("worker_minutes"), 1),
                _number(row.get("estimated_dbus"), 2),
            ]
        )
    return lines


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
