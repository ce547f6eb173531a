"""`ops compare` on a warehouse that is slow or refuses the query (the answers as the SDK types them)."""

from types import SimpleNamespace

import pytest
from streambench.ops.commands import Request
from streambench.ops.compare import compare
from streambench.ops.workspace import OpsError


def status(state, message=None, sql_state=None):
    error = SimpleNamespace(message=message) if message else None
    return SimpleNamespace(statement_id="s-9", status=SimpleNamespace(state=state, error=error, sql_state=sql_state))


class Statements:
    def __init__(self, *answers):
        self.answers, self.cancelled = list(answers), []

    def execute_statement(self, **_):
        return self.answers.pop(0)

    def get_statement(self, statement_id):
        return self.answers.pop(0)

    def cancel_execution(self, statement_id):
        self.cancelled.append(statement_id)


def run(statements, sleep=lambda _: None):
    request = Request.parse(
        {
            "command": "compare",
            "stack": "lab",
            "jobs": [],
            "tags": {},
            "compare": {"warehouseId": "0123456789abcdef", "query": "SELECT 1", "table": "main.s.results", "last": 3},
        }
    )
    lines = []
    return compare(SimpleNamespace(statement_execution=statements), request, lines.append, sleep=sleep), lines


def test_ctrl_c_while_the_warehouse_starts_cancels_the_statement():
    statements = Statements(status("PENDING"), status("PENDING"))

    def interrupted(_):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run(statements, sleep=interrupted)
    assert statements.cancelled == ["s-9"]


def test_a_failed_query_names_the_warehouse_and_the_error():
    statements = Statements(status("PENDING"), status("FAILED", "[INSUFFICIENT_PERMISSIONS] no SELECT on main.s"))
    with pytest.raises(
        OpsError, match=r"failed on SQL warehouse 0123456789abcdef: FAILED: \[INSUFFICIENT_PERMISSIONS\]"
    ):
        run(statements)


def test_no_row_yet_is_said_and_is_no_failure():
    empty = SimpleNamespace(
        statement_id="s-9",
        status=SimpleNamespace(state="SUCCEEDED", error=None, sql_state=None),
        manifest=SimpleNamespace(schema=SimpleNamespace(columns=[SimpleNamespace(name="run_start")])),
        result=SimpleNamespace(data_array=None, next_chunk_index=None),
    )
    code, lines = run(Statements(status("RUNNING"), empty))
    assert code == 0
    assert lines == [
        "Waiting for SQL warehouse 0123456789abcdef (statement s-9 RUNNING) ...",
        "No analysed run in main.s.results yet.",
    ]
