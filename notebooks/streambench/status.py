"""The generator's status line: what a phase prints every status interval, the measured input rate against the
plan's target."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Sequence

from streambench.metrics_rows import progress_dict


def total_input_rows_per_second(progresses: Sequence[Any]) -> float:
    """Sum of the latest measured input rate of each stream (streams without a batch yet count 0), from each one's
    `lastProgress` (a StreamingQueryProgress, a dict, or None)."""
    return sum(float(progress_dict(progress).get("inputRowsPerSecond") or 0.0) for progress in progresses if progress)


def status_line(
    now: datetime, active_streams: int, input_rows_per_second: float, target_rows_per_second: int, seconds_left: float
) -> str:
    """The line printed every status interval: measured input rate against the plan's target."""
    share = (input_rows_per_second / target_rows_per_second * 100) if target_rows_per_second else 0.0
    return (
        f"{now.strftime('%H:%M:%S')} UTC | active streams: {active_streams} | "
        f"input rows/s: {input_rows_per_second:,.0f} of {target_rows_per_second:,} target ({share:.0f}%) | "
        f"{max(seconds_left, 0):.0f} s left"
    )
