"""The runs side by side: one line per run, what it ran on against how it did. `comparison_row` is the aggregation
of the dashboard's run_comparison dataset (components/dashboard/datasets.ts runComparison) over one run's
benchmark_results rows, for the local runner's history of runs (`.streambench/<stack>/runs/`);
tests/notebooks/streambench/local/test_run_queries.py holds the two equal on a real run. `comparison_table` lays
out either for `npm run ops -- compare` and `npm run local`."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Mapping, Sequence

# The run_comparison dataset's columns, in its order (RUN_COMPARISON_COLUMNS in datasets.ts).
COMPARISON_COLUMNS = (
    "run_start",
    "compute",
    "dlt_compute",
    "node_type",
    "min_workers",
    "max_workers",
    "workers_peak",
    "peak_offered_rows_per_second",
    "peak_processed_rows_per_second",
    "kept_up",
    "windows_kept_up",
    "windows",
    "lag_p95_seconds",
    "worker_minutes",
    "estimated_dbus",
)


def comparison_row(rows: Sequence[Mapping[str, Any]]) -> dict:
    """One run's line from its benchmark_results rows (as analyze_run's summary gives them): the run-level columns
    are the same on each row, so the largest non-empty value is the run's; kept up when every judged row's run
    verdict is (None when none was judged)."""

    def most(column: str):
        values = [row[column] for row in rows if row.get(column) is not None]
        return max(values) if values else None

    judged = [row["run_kept_up"] for row in rows if row.get("run_kept_up") is not None]
    offered = most("target_rows_per_second")
    return {
        "run_start": most("run_start"),
        "compute": most("compute"),
        "dlt_compute": most("dlt_compute"),
        "node_type": most("node_type"),
        "min_workers": most("min_workers"),
        "max_workers": most("max_workers"),
        "workers_peak": most("workers_peak"),
        "peak_offered_rows_per_second": None if offered is None else float(offered),
        "peak_processed_rows_per_second": most("processed_rows_per_second"),
        "kept_up": all(judged) if judged else None,
        "windows_kept_up": sum(1 for row in rows if row.get("kept_up") is True),
        "windows": len(rows),
        "lag_p95_seconds": most("run_lag_p95_seconds"),
        "worker_minutes": most("run_worker_minutes"),
        "estimated_dbus": most("run_estimated_dbus"),
    }


def _number(text: str | float | None, digits: int = 0) -> str:
    return "-" if text is None else f"{float(text):,.{digits}f}"


def _when(text: str | None) -> str:
    """A timestamp as the API gives it (`2026-11-25T02:00:00.000Z`), as `2026-11-25 02:00:00`, UTC."""
    if not text:
        return "-"
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    moment = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return f"{moment.astimezone(timezone.utc):%Y-%m-%d %H:%M:%S}"


def _kept_up(value: str | bool | None) -> str:
    if value is None:
        return "n/a"
    return "yes" if value is True or str(value).lower() == "true" else "NO"


def _workers(row: dict) -> str:
    low, high, peak = row.get("min_workers"), row.get("max_workers"), row.get("workers_peak")
    span = "?" if low is None or high is None else (str(low) if str(low) == str(high) else f"{low}-{high}")
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


def comparison_table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[list[str]]:
    """The header and one line per run, from the run_comparison dataset's columns: JSON_ARRAY strings as the
    Statement Execution API gives them, or the values of comparison_row."""
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
