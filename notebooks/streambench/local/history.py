"""The stack's runs on this machine, side by side: each local run leaves its line of the comparison
(analysis.run_comparison.comparison_row) in `.streambench/<stack>/runs/<run start>.json`, which the next runs keep
(a run replaces only the warehouse, the checkpoints and the last chart), and the runner prints the latest of them
after every run."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Mapping

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


def recent_runs(state_dir: Path, count: int = SHOWN_RUNS) -> tuple[list[dict], list[str]]:
    """The latest `count` runs' lines, newest first, and a note per file that is not one (left where it is)."""
    runs, notes = [], []
    for path in sorted((state_dir / HISTORY_FOLDER).glob("*.json"), reverse=True):
        if len(runs) == count:
            break
        try:
            row = json.loads(path.read_text())
            if not isinstance(row, dict) or "run_start" not in row:
                raise ValueError("no run_start")
            runs.append(row)
        except (OSError, ValueError) as error:
            notes.append(f"{path.name} skipped: not a run's line ({error})")
    return runs, notes
