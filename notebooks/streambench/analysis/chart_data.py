"""What the run's chart shows, as plain JSON-able data (tested without Spark or matplotlib): the offered rows/s (the
plan's step line), the processed rows/s per interval by stream type (rows_written of the batches committed in it one trigger later,
as the verdict counts them),
the processing lag per interval, and the workers and DLT executors as step lines. Minutes count from the run's
start on the wall clock; the local runner multiplies them by its speed to show plan minutes."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any, Mapping, Sequence

from streambench.analysis.events import DltEvent, executors_at, workers_at
from streambench.analysis.verdict import Batch, percentile, trigger_seconds
from streambench.analysis.windows import Window

# Interval of the processed rows/s and lag bars when no batch says its trigger.
DEFAULT_INTERVAL_SECONDS = 10.0


def _minute(moment: datetime, run_start: datetime) -> float:
    return round((moment - run_start).total_seconds() / 60.0, 6)


def _steps(points: Sequence[tuple[datetime, int | None]], run_start: datetime) -> list[list[float]]:
    """[minute, value] of each change of a step function, repeated values dropped."""
    steps: list[list[float]] = []
    for moment, value in points:
        if value is None or (steps and steps[-1][1] == value):
            continue
        steps.append([_minute(moment, run_start), value])
    return steps


def chart_data(
    windows: Sequence[Window],
    batches: Sequence[Batch],
    events: Sequence[Mapping[str, Any]],
    pipeline_events: Sequence[DltEvent],
    run_start: datetime,
    lag_threshold_triggers: float,
) -> dict:
    """The chart's data over the run (its windows) and the drain after it (to the batches' last commit), in
    intervals of the streams' trigger."""
    run_end = windows[-1].end if windows else run_start
    interval = trigger_seconds(batches) or DEFAULT_INTERVAL_SECONDS
    # Each batch is drawn one trigger before its commit, where the rows it delivers were stamped (delivery_window).
    shift = timedelta(seconds=interval)
    last = max([run_end] + [batch.commit_time - shift for batch in batches])
    count = max(1, math.ceil((last - run_start).total_seconds() / interval - 1e-9))
    slots: list[dict[str, float]] = [{} for _ in range(count)]
    lags: list[list[float]] = [[] for _ in range(count)]
    for batch in batches:
        index = int((batch.commit_time - shift - run_start).total_seconds() // interval)
        if not 0 <= index < count:
            continue
        by_type = slots[index]
        by_type[batch.stream_type] = by_type.get(batch.stream_type, 0.0) + (batch.rows_written or 0) / interval
        if batch.lag_ms is not None:
            lags[index].append(batch.lag_ms / 1000.0)
    chart_end = run_start + timedelta(seconds=count * interval)
    change_times = sorted(row["event_time"] for row in events if run_start < row["event_time"] < chart_end)
    dlt_times = sorted(event.time for event in pipeline_events if run_start < event.time < chart_end)
    return {
        "interval_minutes": interval / 60.0,
        "end_minute": _minute(chart_end, run_start),
        "offered": [[float(window.plan.start_minute), window.plan.total_rows_per_second] for window in windows],
        "offered_end_minute": float(windows[-1].plan.end_minute) if windows else 0.0,
        "intervals": [
            {
                "start_minute": round(index * interval / 60.0, 6),
                "processed_by_type": {key: round(value, 3) for key, value in slots[index].items()},
                "lag_p95_seconds": percentile(lags[index], 0.95),
                "lag_max_seconds": max(lags[index]) if lags[index] else None,
            }
            for index in range(count)
        ],
        "lag_threshold_seconds": interval * lag_threshold_triggers,
        "workers": _steps([(moment, workers_at(events, moment)) for moment in [run_start, *change_times]], run_start),
        "executors": _steps(
            [(moment, executors_at(pipeline_events, moment)) for moment in [run_start, *dlt_times]], run_start
        ),
    }


def scaled(data: Mapping[str, Any], factor: float) -> dict:
    """The chart's data with every minute multiplied by `factor` (the local runner's speed: plan minutes)."""
    return {
        **data,
        "interval_minutes": data["interval_minutes"] * factor,
        "end_minute": data["end_minute"] * factor,
        "offered": [[minute * factor, value] for minute, value in data["offered"]],
        "offered_end_minute": data["offered_end_minute"] * factor,
        "intervals": [{**item, "start_minute": item["start_minute"] * factor} for item in data["intervals"]],
        "workers": [[minute * factor, value] for minute, value in data["workers"]],
        "executors": [[minute * factor, value] for minute, value in data["executors"]],
    }
