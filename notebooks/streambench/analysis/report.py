"""The analysis's results: one benchmark_results row per window, and the text report the notebook prints."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any, Mapping, Sequence

from streambench.analysis.compute import NO_SHAPE, SHAPE_COLUMNS
from streambench.analysis.cost import node_minutes
from streambench.analysis.events import (
    DltEvent,
    dlt_executors_peak,
    dlt_reaction_seconds,
    dlt_resize_completed_seconds,
    executors_at,
    reaction_seconds,
    resize_completed_seconds,
    workers_at,
    workers_peak,
)
from streambench.analysis.verdict import DEFAULT_CRITERIA, Batch, Criteria, run_kept_up, verdict, window_measures
from streambench.analysis.verdict_table import verdict_lines, window_label
from streambench.analysis.windows import Window, achieved_rate, gap_percent

# Columns of the benchmark_results table: one row per window of the timeline of one run.
RESULT_COLUMNS = (
    "run_start",  # start of the run's timeline (the baseline phase's start), UTC
    "window_index",  # 1, 2, ... in timeline order
    "start_minute",
    "end_minute",
    "window_start",  # UTC
    "window_end",
    "active_phases",  # e.g. "baseline+9x"
    "target_rows_per_second",
    "achieved_rows_per_second",  # rows in the stream tables with event_timestamp in the window / its seconds
    "gap_percent",  # (achieved - target) / target * 100; negative = the load fell short
    "metrics_rows_per_second",  # input rows of the micro-batches triggered in the window / its seconds
    "metrics_gap_percent",
    "workers_at_start",
    "workers_at_end",
    "reaction_seconds",  # window start -> first resize to a size other than workers_at_start
    "analyzed_at",
    # The DLT pipeline's (appended later: tables written before have no such columns until the next write)
    "dlt_executors_at_start",  # cluster_resources.num_executors at the window start
    "dlt_executors_at_end",
    "dlt_reaction_seconds",  # window start -> first latest_requested_num_executors other than at the start
    # What the run ran on (appended later, like the dlt_ columns): the phases' compute and the pipeline's
    "compute",  # "all-purpose cluster", ... ; None = unlabelled
    "dlt_compute",  # "classic pipeline" or "serverless pipeline"; None = no pipeline
    # The verdict (appended later): did the compute keep up with the offered load (target_rows_per_second)?
    "processed_rows_per_second",  # rows_written of the batches committed in the window one trigger later / its seconds
    "processed_percent",  # processed / target * 100
    "batches",  # micro-batches committed in the window, all streams
    "trigger_seconds",  # the streams' trigger interval
    "batch_p50_seconds",  # batch_duration_ms of those batches: median ...
    "batch_p95_seconds",  # ... and 95th percentile
    "lag_p50_seconds",  # processing_lag_ms of those batches: median, 95th percentile, most
    "lag_p95_seconds",
    "lag_max_seconds",
    "workers_peak",  # the most workers in the window
    "resize_completed_seconds",  # window start -> the first resize done (UPSIZE_COMPLETED or the target reached)
    "lag_recovered_seconds",  # window start -> lag under its threshold for good (verdict.lag_recovered_seconds)
    "dlt_executors_peak",
    "dlt_resize_completed_seconds",  # window start -> the requested executors running
    "kept_up",  # every criterion held; None = no offered load and no micro-batch: nothing to judge
    "kept_up_reasons",  # the criteria that failed, "; "-separated; "" when kept up
    "run_kept_up",  # every window of the run kept up (the same on each row of a run)
    "worker_minutes",  # node-minutes (driver + workers) of the cluster in the window
    "run_worker_minutes",  # ... over the whole run (the same on each row of a run)
    "run_estimated_dbus",  # run_worker_minutes / 60 x streambench:cost.dbuPerNodeHour; None = not configured
    "criteria_json",  # the criteria the verdict used (verdict.Criteria as JSON)
    # What the run ran on (appended later), from the cluster's clusters/get (compute.cluster_shape); the same on
    # every row of a run, None when the cluster is not known
    "node_type",
    "driver_node_type",
    "min_workers",  # autoscale.min_workers, or num_workers of a fixed-size cluster
    "max_workers",
    "run_lag_p95_seconds",  # processing_lag_ms p95 of every micro-batch of the run (the windows' delivery windows)
)
RESULTS_SCHEMA_DDL = (
    "run_start TIMESTAMP, window_index INT, start_minute DOUBLE, end_minute DOUBLE, window_start TIMESTAMP, "
    "window_end TIMESTAMP, active_phases STRING, target_rows_per_second BIGINT, achieved_rows_per_second DOUBLE, "
    "gap_percent DOUBLE, metrics_rows_per_second DOUBLE, metrics_gap_percent DOUBLE, workers_at_start INT, "
    "workers_at_end INT, reaction_seconds DOUBLE, analyzed_at TIMESTAMP, dlt_executors_at_start INT, "
    "dlt_executors_at_end INT, dlt_reaction_seconds DOUBLE, compute STRING, dlt_compute STRING, "
    "processed_rows_per_second DOUBLE, processed_percent DOUBLE, batches INT, trigger_seconds DOUBLE, "
    "batch_p50_seconds DOUBLE, batch_p95_seconds DOUBLE, lag_p50_seconds DOUBLE, lag_p95_seconds DOUBLE, "
    "lag_max_seconds DOUBLE, workers_peak INT, resize_completed_seconds DOUBLE, lag_recovered_seconds DOUBLE, "
    "dlt_executors_peak INT, dlt_resize_completed_seconds DOUBLE, kept_up BOOLEAN, kept_up_reasons STRING, "
    "run_kept_up BOOLEAN, worker_minutes DOUBLE, run_worker_minutes DOUBLE, run_estimated_dbus DOUBLE, "
    "criteria_json STRING, node_type STRING, driver_node_type STRING, min_workers INT, max_workers INT, "
    "run_lag_p95_seconds DOUBLE"
)


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def result_rows(
    run_start: datetime,
    windows: Sequence[Window],
    table_per_second: Mapping[int, int],
    metrics_per_second: Mapping[int, int] | None,
    events: Sequence[Mapping[str, Any]],
    analyzed_at: datetime,
    pipeline_events: Sequence[DltEvent] = (),
    compute: str = "",
    pipeline_compute: str = "",
    batches: Sequence[Batch] = (),
    criteria: Criteria = DEFAULT_CRITERIA,
    run_cost: Mapping[str, Any] | None = None,
    shape: Mapping[str, Any] = NO_SHAPE,
) -> list[dict]:
    """One benchmark_results row per window (the dlt_ columns are None without pipeline events), each labelled with
    the run's `compute` and `pipeline_compute` (None when empty) and the cluster's `shape` (compute.cluster_shape),
    with the verdict from the window's `batches` against `criteria`, and the run's verdict, lag p95 and cost
    (`run_cost`, cost.run_cost) on every row."""
    rows = []
    whole_run = (
        window_measures(batches, windows[0].start, windows[-1].end, criteria).lag_p95_seconds if windows else None
    )
    for window in windows:
        target = window.plan.total_rows_per_second
        achieved = achieved_rate(table_per_second, window.start, window.end)
        from_metrics = (
            None if metrics_per_second is None else achieved_rate(metrics_per_second, window.start, window.end)
        )
        at_start = workers_at(events, window.start)
        dlt_at_start = executors_at(pipeline_events, window.start)
        measures = window_measures(batches, window.start, window.end, criteria)
        kept_up, reasons = verdict(target, measures, criteria)
        processed = measures.processed_rows_per_second
        rows.append(
            {
                "run_start": run_start,
                "window_index": window.index,
                "start_minute": float(window.plan.start_minute),
                "end_minute": float(window.plan.end_minute),
                "window_start": window.start,
                "window_end": window.end,
                "active_phases": window.plan.active_phases,
                "target_rows_per_second": int(target),
                "achieved_rows_per_second": _round(achieved, 2),
                "gap_percent": _round(gap_percent(target, achieved), 2),
                "metrics_rows_per_second": _round(from_metrics, 2),
                "metrics_gap_percent": _round(gap_percent(target, from_metrics), 2),
                "workers_at_start": at_start,
                "workers_at_end": workers_at(events, window.end),
                "reaction_seconds": _round(reaction_seconds(events, window.start, window.end, at_start), 1),
                "analyzed_at": analyzed_at,
                "dlt_executors_at_start": dlt_at_start,
                "dlt_executors_at_end": executors_at(pipeline_events, window.end),
                "dlt_reaction_seconds": _round(
                    dlt_reaction_seconds(pipeline_events, window.start, window.end, dlt_at_start), 1
                ),
                "compute": compute or None,
                "dlt_compute": pipeline_compute or None,
                "processed_rows_per_second": _round(processed, 2),
                "processed_percent": None if processed is None or not target else round(processed / target * 100, 2),
                "batches": measures.batches,
                "trigger_seconds": measures.trigger_seconds,
                "batch_p50_seconds": _round(measures.batch_p50_seconds, 3),
                "batch_p95_seconds": _round(measures.batch_p95_seconds, 3),
                "lag_p50_seconds": _round(measures.lag_p50_seconds, 3),
                "lag_p95_seconds": _round(measures.lag_p95_seconds, 3),
                "lag_max_seconds": _round(measures.lag_max_seconds, 3),
                "workers_peak": workers_peak(events, window.start, window.end),
                "resize_completed_seconds": _round(
                    resize_completed_seconds(events, window.start, window.end, at_start), 1
                ),
                "lag_recovered_seconds": _round(measures.lag_recovered_seconds, 1),
                "dlt_executors_peak": dlt_executors_peak(pipeline_events, window.start, window.end),
                "dlt_resize_completed_seconds": _round(
                    dlt_resize_completed_seconds(pipeline_events, window.start, window.end, dlt_at_start), 1
                ),
                "kept_up": kept_up,
                "kept_up_reasons": "; ".join(reasons) if kept_up is not True else "",
                "run_kept_up": None,
                "worker_minutes": _round(node_minutes(events, window.start, window.end), 2),
                "run_worker_minutes": (run_cost or {}).get("worker_minutes"),
                "run_estimated_dbus": (run_cost or {}).get("estimated_dbus"),
                "criteria_json": json.dumps(criteria.__dict__, sort_keys=True),
                **{column: shape.get(column) for column in SHAPE_COLUMNS},
                "run_lag_p95_seconds": _round(whole_run, 3),
            }
        )
    overall = run_kept_up(rows)
    for row in rows:
        row["run_kept_up"] = overall
    return rows


def _rate_text(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f}"


def _gap_text(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+.1f} %"


def _workers_text(value: int | None) -> str:
    return "?" if value is None else str(value)


def _reaction_text(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f} s"


def compute_text(row: Mapping[str, Any]) -> str:
    """`all-purpose cluster (i3.xlarge, 2-8 workers)`: the run's compute label and the cluster's shape, as known."""
    shape = [row.get("node_type")] if row.get("node_type") else []
    if row.get("min_workers") is not None and row.get("max_workers") is not None:
        low, high = row["min_workers"], row["max_workers"]
        shape.append(f"{low} workers" if low == high else f"{low}-{high} workers")
    label = row.get("compute") or ("cluster" if shape else "")
    return f"{label} ({', '.join(shape)})" if shape else label


def format_report(
    run_start: datetime,
    rows: Sequence[Mapping[str, Any]],
    table_counts: Sequence[tuple[str, str, int]] = (),
    notes: Sequence[str] = (),
    pipeline: bool = False,
    cost: Mapping[str, Any] | None = None,
) -> str:
    """The text the notebook prints: one line per window (with the DLT pipeline's executors and reaction when
    the stack has a `pipeline`), the verdict per window and the run's cost, then the rows of every table, then
    notes."""
    end = max((row["window_end"] for row in rows), default=run_start)
    labels = [label for label in (compute_text(rows[0]), rows[0].get("dlt_compute")) if label] if rows else []
    lines = [
        f"Run started {run_start.astimezone(timezone.utc):%Y-%m-%d %H:%M:%S} UTC, "
        f"{(end - run_start).total_seconds() / 60:g} min, {len(rows)} window(s)"
        + (f", on {' + '.join(labels)}" if labels else ""),
        "",
        f"{'#':>2}  {'minutes':<9} {'phases':<16} {'target/s':>9} {'achieved/s':>11} {'gap':>9} "
        f"{'metrics/s':>10} {'gap':>9}  {'workers':<9} {'reaction':>8}"
        + (f"  {'dlt exec':<9} {'dlt react':>9}" if pipeline else ""),
    ]
    for row in rows:
        minutes = window_label(row["start_minute"], row["end_minute"])
        workers = f"{_workers_text(row['workers_at_start'])} -> {_workers_text(row['workers_at_end'])}"
        reaction = _reaction_text(row["reaction_seconds"])
        dlt = ""
        if pipeline:
            executors = (
                f"{_workers_text(row.get('dlt_executors_at_start'))} -> "
                f"{_workers_text(row.get('dlt_executors_at_end'))}"
            )
            dlt = f"  {executors:<9} {_reaction_text(row.get('dlt_reaction_seconds')):>9}"
        lines.append(
            f"{row['window_index']:>2}  {minutes:<9} {row['active_phases']:<16} {row['target_rows_per_second']:>9,} "
            f"{_rate_text(row['achieved_rows_per_second']):>11} {_gap_text(row['gap_percent']):>9} "
            f"{_rate_text(row['metrics_rows_per_second']):>10} {_gap_text(row['metrics_gap_percent']):>9}  "
            f"{workers:<9} {reaction:>8}" + dlt
        )
    lines += ["", "Did the compute keep up?"] + verdict_lines(rows, pipeline, cost)
    if table_counts:
        lines += ["", "Rows per table (event time within the run):"]
        by_phase: dict[str, int] = {}
        for phase, table, count in table_counts:
            by_phase[phase] = by_phase.get(phase, 0) + count
            lines.append(f"  {phase:<9} {table:<40} {count:>14,}")
        lines.append(
            "  "
            + ", ".join(f"{phase}: {count:,}" for phase, count in by_phase.items())
            + f"; total: {sum(by_phase.values()):,}"
        )
    if notes:
        lines += ["", "Notes:"] + [f"  - {note}" for note in notes]
    return "\n".join(lines)
