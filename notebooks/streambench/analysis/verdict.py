"""Whether the compute kept up, per window of a run: the micro-batches recorded in stream_metrics turned into
processed rows/s, batch durations against the trigger and processing lag, then the verdict from stated criteria.
Plain functions, tested without Spark (tests/notebooks/streambench/analysis/test_verdict.py).

The criteria (docs/design.md, "Did the compute keep up?"), each configurable through the stack config
(`streambench:verdict.*`, passed to the analysis notebook as the parameters of CRITERIA_PARAMETERS):

- processed rows/s >= offered rows/s x (1 - processed_tolerance_percent / 100), processed counting the rows of the
  micro-batches that committed in the window shifted by one trigger interval (delivery_window);
- the p95 of the window's batch durations <= max_batch_to_trigger x the trigger interval;
- the processing lag is back under lag_threshold_triggers x the trigger interval, for good, within
  lag_recovery_triggers x the trigger interval of the window's start (its load step).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable, Mapping, NamedTuple, Sequence


@dataclass(frozen=True)
class Criteria:
    """The thresholds a window is held to (defaults = the stack config's, config/schema.ts verdictSchema)."""

    processed_tolerance_percent: float = 2.0  # % of the offered rows/s the processed rows/s may fall short by
    max_batch_to_trigger: float = 0.8  # batch duration p95 / trigger interval, at most
    lag_threshold_triggers: float = 3.0  # lag under this many trigger intervals counts as caught up
    lag_recovery_triggers: float = 12.0  # ... and must be reached within this many trigger intervals of the step


DEFAULT_CRITERIA = Criteria()
# The analysis notebook's parameters of the criteria: the Criteria fields of the same names
# (analysis.params.ANALYSIS_PARAMETER_NAMES holds them).
CRITERIA_PARAMETER_NAMES = (
    "lag_recovery_triggers",
    "lag_threshold_triggers",
    "max_batch_to_trigger",
    "processed_tolerance_percent",
)
# Upper bounds a parameter must stay under (a share above 1 lets batches run longer than the trigger: allowed, up
# to 10 triggers; a tolerance of 100 % accepts any processed rate).
CRITERIA_LIMITS = {
    "processed_tolerance_percent": 100.0,
    "max_batch_to_trigger": 10.0,
    "lag_threshold_triggers": 1000.0,
    "lag_recovery_triggers": 1000.0,
}


class Batch(NamedTuple):
    """One micro-batch of one stream, from its stream_metrics row."""

    stream_type: str
    commit_time: datetime  # batch_time + batch_duration_ms: when its rows were in the table, UTC
    rows_written: int | None  # rows of the window it appended
    duration_ms: int | None  # batch_duration_ms
    trigger_interval_ms: int | None
    lag_ms: int | None  # processing_lag_ms: commit minus the oldest event time among its rows


@dataclass(frozen=True)
class WindowMeasures:
    """What the micro-batches committed in one window measured (times in seconds)."""

    batches: int
    processed_rows_per_second: float | None  # None without any batch
    batch_p50_seconds: float | None
    batch_p95_seconds: float | None
    trigger_seconds: float | None
    lag_p50_seconds: float | None
    lag_p95_seconds: float | None
    lag_max_seconds: float | None
    lag_recovered_seconds: float | None  # window start -> lag under its threshold for good; None: never


def commit_time(batch_time: datetime, duration_ms: int | None) -> datetime:
    """When a batch committed: its trigger time plus its duration (the trigger time alone without a duration)."""
    return batch_time + timedelta(milliseconds=duration_ms or 0)


def percentile(values: Iterable[float], share: float) -> float | None:
    """The `share` (0..1) percentile, interpolated linearly between the closest ranks (numpy's default); None
    without values."""
    ordered = sorted(values)
    if not ordered:
        return None
    position = (len(ordered) - 1) * share
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def committed_in(batches: Iterable[Batch], start: datetime, end: datetime) -> list[Batch]:
    """The batches that committed in [start, end), oldest first."""
    return sorted((batch for batch in batches if start <= batch.commit_time < end), key=lambda batch: batch.commit_time)


def trigger_seconds(batches: Sequence[Batch]) -> float | None:
    """The trigger interval the batches ran on (the longest one recorded), in seconds; None when none says."""
    triggers = [batch.trigger_interval_ms for batch in batches if batch.trigger_interval_ms]
    return max(triggers) / 1000.0 if triggers else None


def lag_recovered_seconds(batches: Sequence[Batch], start: datetime, threshold_seconds: float | None) -> float | None:
    """Seconds from `start` to the commit of the first batch from which on every batch's lag stays at or under
    the threshold (batches oldest first, those without a lag skipped); None when the last one is over it, or
    there is no lag or no threshold."""
    if threshold_seconds is None:
        return None
    lagged = [batch for batch in batches if batch.lag_ms is not None]
    if not lagged or lagged[-1].lag_ms > threshold_seconds * 1000:
        return None
    first = len(lagged) - 1
    while first > 0 and lagged[first - 1].lag_ms <= threshold_seconds * 1000:
        first -= 1
    return max(0.0, (lagged[first].commit_time - start).total_seconds())


def delivery_window(batches: Sequence[Batch], start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """Where the window's rows commit when the compute keeps up: [start, end) one trigger interval later. A batch
    triggered at t holds the rows stamped in the trigger interval before t, so the rows stamped in [start, end)
    commit from start + trigger on, and the last of them by end + trigger (when a batch takes less than its
    trigger). Without a recorded trigger, the window itself."""
    trigger = trigger_seconds(batches)
    shift = timedelta(seconds=trigger or 0)
    return start + shift, end + shift


def window_measures(
    batches: Iterable[Batch], start: datetime, end: datetime, criteria: Criteria = DEFAULT_CRITERIA
) -> WindowMeasures:
    """The measures of the window [start, end), from the micro-batches that committed in its delivery window
    (delivery_window: one trigger later). Processed rows/s: their rows_written over the window's seconds; compute
    that keeps up delivers exactly the window's offered rows there, compute that falls behind commits them later
    (in the next window, or after the last one, in none)."""
    batches = list(batches)
    first, last = delivery_window(batches, start, end)
    inside = committed_in(batches, first, last)
    seconds = (end - start).total_seconds()
    durations = [batch.duration_ms / 1000.0 for batch in inside if batch.duration_ms is not None]
    lags = [batch.lag_ms / 1000.0 for batch in inside if batch.lag_ms is not None]
    trigger = trigger_seconds(inside) or trigger_seconds(batches)
    threshold = None if trigger is None else trigger * criteria.lag_threshold_triggers
    processed = None
    # Batches recorded by a generator from before the window's observation carry no rows_written: no rate.
    if any(batch.rows_written is not None for batch in inside) and seconds > 0:
        processed = sum(batch.rows_written or 0 for batch in inside) / seconds
    return WindowMeasures(
        batches=len(inside),
        processed_rows_per_second=processed,
        batch_p50_seconds=percentile(durations, 0.50),
        batch_p95_seconds=percentile(durations, 0.95),
        trigger_seconds=trigger,
        lag_p50_seconds=percentile(lags, 0.50),
        lag_p95_seconds=percentile(lags, 0.95),
        lag_max_seconds=max(lags) if lags else None,
        lag_recovered_seconds=lag_recovered_seconds(inside, start, threshold),
    )


def verdict(offered_rows_per_second: float, measures: WindowMeasures, criteria: Criteria = DEFAULT_CRITERIA):
    """(kept_up, reasons): kept_up True when every criterion holds, False when one fails (each failure is a
    reason). A window with offered load and no micro-batch committed processed nothing: it did not keep up. None
    (nothing to judge) only for a window with neither offered load nor a micro-batch, or whose micro-batches
    record no rows_written."""
    if measures.batches == 0:
        if not offered_rows_per_second:
            return None, ["no offered load and no micro-batch: nothing to judge"]
        # Nothing processed: the processed criterion fails, unless its tolerance accepts any rate; then the lag
        # criterion does (no batch, so no lag back under its threshold).
        failed = (
            f"processed 0 % of the offered rows/s (< {100 - criteria.processed_tolerance_percent:g} %)"
            if criteria.processed_tolerance_percent < 100
            else f"lag never back under {criteria.lag_threshold_triggers:g} triggers in the window"
        )
        return False, [f"{failed}: no micro-batch committed in the window"]
    if measures.processed_rows_per_second is None:
        return None, ["the window's micro-batches record no rows_written (a generator from before the verdict)"]
    reasons = []
    floor = offered_rows_per_second * (1 - criteria.processed_tolerance_percent / 100.0)
    if measures.processed_rows_per_second < floor:
        share = measures.processed_rows_per_second / offered_rows_per_second * 100.0
        reasons.append(
            f"processed {share:.1f} % of the offered rows/s (< {100 - criteria.processed_tolerance_percent:g} %)"
        )
    trigger = measures.trigger_seconds
    if trigger is None:
        reasons.append("no trigger interval recorded: batch duration and lag cannot be judged")
    else:
        if (
            measures.batch_p95_seconds is not None
            and measures.batch_p95_seconds > criteria.max_batch_to_trigger * trigger
        ):
            reasons.append(
                f"batch p95 {measures.batch_p95_seconds:.1f} s > {criteria.max_batch_to_trigger:g} x the {trigger:g} s trigger"
            )
        limit = criteria.lag_recovery_triggers * trigger
        if measures.lag_recovered_seconds is None:
            reasons.append(f"lag never back under {criteria.lag_threshold_triggers:g} triggers in the window")
        elif measures.lag_recovered_seconds > limit:
            reasons.append(
                f"lag back under {criteria.lag_threshold_triggers:g} triggers after {measures.lag_recovered_seconds:.0f} s "
                f"(> {criteria.lag_recovery_triggers:g} triggers, {limit:g} s)"
            )
    return not reasons, reasons


def run_kept_up(rows: Sequence[Mapping[str, object]]) -> bool | None:
    """The run's verdict over its windows' `kept_up`: False when one window did not keep up, True when every
    window did, None when some window could not be judged (and none failed) or there are no windows."""
    verdicts = [row.get("kept_up") for row in rows]
    if any(value is False for value in verdicts):
        return False
    if not verdicts or any(value is None for value in verdicts):
        return None
    return True
