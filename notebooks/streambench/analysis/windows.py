"""Window arithmetic of the analysis: the plan's windows on a run's wall clock, achieved rates and gaps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Mapping, Sequence

from streambench.analysis.params import WindowPlan


@dataclass(frozen=True)
class Window:
    """A window of the plan placed on the wall clock of one run."""

    index: int
    plan: WindowPlan
    start: datetime
    end: datetime

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()


def expected_windows(windows: Sequence[WindowPlan], run_start: datetime) -> list[Window]:
    """The plan's windows on the run's wall clock. The run start is cut to the whole second, the grain of
    the per-second counts."""
    anchor = run_start.astimezone(timezone.utc).replace(microsecond=0)
    return [
        Window(index, plan, anchor + timedelta(minutes=plan.start_minute), anchor + timedelta(minutes=plan.end_minute))
        for index, plan in enumerate(windows, start=1)
    ]


def epoch_second(moment: datetime) -> int:
    return int(moment.timestamp() // 1)


def achieved_rate(per_second: Mapping[int, int], start: datetime, end: datetime) -> float:
    """Rows per second over [start, end) from row counts per epoch second. The whole window is the
    denominator: seconds without rows (a late start, a stall) count as zero."""
    seconds = (end - start).total_seconds()
    if seconds <= 0:
        return 0.0
    first, stop = start.timestamp(), end.timestamp()
    return sum(rows for second, rows in per_second.items() if first <= second < stop) / seconds


def gap_percent(target: float, achieved: float | None) -> float | None:
    """How far the achieved rate is from the target, in % of the target (negative: fell short)."""
    if achieved is None or not target or target <= 0:
        return None
    return (achieved - target) / target * 100.0
