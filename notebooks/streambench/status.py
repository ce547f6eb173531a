"""The generator's status line: what a phase prints every status interval, the measured input rate against the
plan's target; or, for a runner that shows every phase at once (the local runner), the same as a PhaseStatus."""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple, Sequence

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


class PhaseStatus(NamedTuple):
    """A phase at one status interval, for a runner that shows every phase on one line (the local runner)."""

    phase: str
    streams: int  # running; while draining, those still committing their window's last rows
    input_rows_per_second: float | None  # measured (None while draining)
    target_rows_per_second: int
    seconds_left: float  # of the window (0 while draining)
    draining: bool = False

    def line(self, now: datetime) -> str:
        """The status line the notebook prints."""
        rate = self.input_rows_per_second or 0.0
        return status_line(now, self.streams, rate, self.target_rows_per_second, self.seconds_left)


def measure_phase(phase: str, queries: Sequence[Any], target_rows_per_second: int, seconds_left: float) -> PhaseStatus:
    """The phase's active streams and their summed latest input rate, from its queries."""
    active = [query for query in queries if query.isActive]
    rate = total_input_rows_per_second([query.lastProgress for query in active])
    return PhaseStatus(phase, len(active), rate, target_rows_per_second, max(seconds_left, 0.0))
