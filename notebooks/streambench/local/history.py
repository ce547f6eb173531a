"""The stack's runs on this machine, side by side: each local run leaves its line of the comparison
(analysis.run_comparison.comparison_row) in `.streambench/<stack>/runs/<run start>.json`, which the next runs keep
(a run replaces only the warehouse, the checkpoints and the last chart), and the runner prints the latest of them
after every run."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Mapping

from streambench.analysis.run_comparison import COMPARISON_COLUMNS, comparison_table
from streambench.analysis.verdict_table import text_table

HISTORY_FOLDER = "runs"
# How many runs the runner prints after a run, newest first.
SHOWN_RUNS = 5


def record_run(state_dir: Path, row: Mapping, run_start: datetime) -> Path:
    """Writes the run's line; a run analysed again (same start) replaces its own."""
    folder = state_dir / HISTORY_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{run_start.astimezone(timezone.utc):%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(dict(row), indent=2, default=str))
    return path


def runs_table(runs: list[Mapping]) -> str:
    """The runs' lines side by side (header, rule, one line per run)."""
    return text_table(
        comparison_table(COMPARISON_COLUMNS, [[run.get(column) for column in COMPARISON_COLUMNS] for run in runs])
    )


def _reason(error: Exception) -> str:
    return (str(error).splitlines() or [type(error).__name__])[0][:200]


def recent_runs(state_dir: Path, count: int = SHOWN_RUNS) -> tuple[list[dict], list[str]]:
    """The latest `count` runs' lines, newest first, and a one-line note naming each file that is not one (left
    where it is): unreadable, not JSON, or holding a value the table cannot show."""
    runs, notes = [], []
    for path in sorted((state_dir / HISTORY_FOLDER).glob("*.json"), reverse=True):
        if len(runs) == count:
            break
        try:
            row = json.loads(path.read_text())
            if not isinstance(row, dict) or "run_start" not in row:
                raise ValueError("no run_start")
            runs_table([row])  # raises on what a hand-edited file holds: a date that is none, text for a number
            runs.append(row)
        except Exception as error:  # noqa: BLE001 - a file here may hold anything: it must never end the run
            notes.append(f"{path} skipped: not a run's line ({_reason(error)})")
    return runs, notes


def history_text(state_dir: Path, row: Mapping, run_start: datetime) -> str:
    """Keeps this run's line and lays out the stack's latest runs, newest first, with a note per file skipped.
    Never raises: the run's results are written by then, and a folder that cannot be written is a note too."""
    folder = state_dir / HISTORY_FOLDER
    try:
        record_run(state_dir, row, run_start)
        runs, notes = recent_runs(state_dir)
    except OSError as error:
        return f"\n  note: this run's line could not be kept in {folder} ({_reason(error)})"
    return (
        f"\nThis stack's latest runs on this machine, newest first ({folder}):\n"
        + runs_table(runs)
        + "".join(f"\n  note: {note}" for note in notes)
    )
