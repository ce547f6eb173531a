"""After a local run: the analysis job's code on what was played, the chart and results.json."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from streambench.local.console import Console
from streambench.local.timeline import (
    Clock,
    RunSpec,
    TimelineOutcome,
    analysis_parameters,
    phase_parameters,
    run_plan_minutes,
    text_table,
    window_results,
    window_table,
)


def stop_plan_minute(outcome: TimelineOutcome, clock: Clock, total_minutes: float) -> float | None:
    """Where on the timeline a stopped run ended (plan minutes); None when it was played to its end."""
    if not outcome.stopped:
        return None
    return min(clock.plan_minutes((outcome.stopped_at - outcome.run_start).total_seconds()), total_minutes)


def throughput_intervals(
    spark, analysis, run_start: datetime, plan_minutes: float, clock: Clock, interval_seconds: int
):
    """Rows per second by stream type per interval of `interval_seconds` (wall clock), from the stream tables'
    event_timestamp, over the first `plan_minutes` of the run; intervals in plan minutes."""
    from functools import reduce

    from pyspark.sql import DataFrame
    from pyspark.sql import functions as F

    from streambench.analysis.spark import existing_tables
    from streambench.chart import Interval

    real_seconds = plan_minutes * 60.0 / clock.speed
    count = max(1, int(math.ceil(real_seconds / interval_seconds - 1e-9)))
    present = existing_tables(spark, analysis.catalog, analysis.schema)
    tables = [analysis.full_name(table) for _, table in analysis.phase_tables() if table in present]
    by_index: dict[int, dict[str, float]] = {}
    start_us = int(run_start.timestamp()) * 1_000_000
    end_us = start_us + int(real_seconds * 1_000_000)
    for offset in range(0, len(tables), 100):
        rows = reduce(
            DataFrame.unionByName,
            [spark.table(name).select("stream_type", "event_timestamp") for name in tables[offset : offset + 100]],
        )
        micros = F.expr("unix_micros(event_timestamp)")
        counted = (
            rows.where((micros >= F.lit(start_us)) & (micros < F.lit(end_us)))
            .groupBy(
                F.floor((micros - F.lit(start_us)) / F.lit(interval_seconds * 1_000_000)).alias("slot"), "stream_type"
            )
            .agg(F.count(F.lit(1)).alias("rows"))
            .collect()
        )
        for row in counted:
            slot = by_index.setdefault(int(row["slot"]), {})
            slot[row["stream_type"]] = slot.get(row["stream_type"], 0.0) + row["rows"] / interval_seconds
    interval_minutes = clock.plan_minutes(interval_seconds)
    return [Interval(index * interval_minutes, by_index.get(index, {})) for index in range(count)], interval_minutes


@dataclass
class RunReport:
    windows: list
    chart_path: str | None
    results_path: str
    analysis_notes: list
    rows: int  # stream rows counted in the played timeline: 0 = the run measured nothing


def analyse_and_draw(
    spark,
    spec: RunSpec,
    outcome: TimelineOutcome,
    console: Console,
    cluster_id: str = "",
    state_dir: Path | None = None,
    where: str = "",
) -> RunReport | None:
    """The analysis job's code on what was played, then the chart and results.json in the state folder; `where`
    names the compute in the chart's title (sessions.RunSession.where). None when nothing was played (stopped
    before the first window)."""
    from streambench.analysis.params import parse_analysis_params
    from streambench.analysis.spark import analyze_run
    from streambench.chart import draw_results

    clock, total = spec.clock, run_plan_minutes(spec)
    played = stop_plan_minute(outcome, clock, total)
    if played is not None and played <= 0:
        console.log("Stopped before the timeline started: nothing was measured.")
        return None
    analysis = parse_analysis_params(analysis_parameters(spec, outcome.run_start, played, cluster_id))
    report_lines: list[str] = []
    summary = analyze_run(spark, analysis, log=report_lines.append)
    results = window_results(summary["windows"], clock)
    table = window_table(results)
    console.log("\nPer window (plan minutes; rows/s are real):\n" + text_table(table))
    for note in summary["notes"]:
        console.log(f"  note: {note}")
    state_dir = Path(state_dir or spec.state_dir)
    state_dir.mkdir(parents=True, exist_ok=True)
    interval_seconds = int(
        phase_parameters(spec, spec.phases[0], outcome.run_start, outcome.run_id)["trigger_interval_seconds"]
    )
    minutes = total if played is None else played
    intervals, interval_minutes = throughput_intervals(
        spark, analysis, outcome.run_start, minutes, clock, interval_seconds
    )
    where = where or (f"cluster {cluster_id} (Databricks Connect)" if cluster_id else f"{spec.mode} Spark")
    stopped = "" if played is None else f", stopped at minute {played:.1f}"
    title = (
        f"streambench {spec.stack}: {where}, {spec.speed:g}x speed{stopped}, run {outcome.run_start:%Y-%m-%d %H:%M:%S} UTC"
        f"\nmeasured rows/s per {interval_minutes * 60:g} s of plan time (event time) against the plan's target"
    )
    chart_path = draw_results(
        str(state_dir / "results.png"),
        title,
        spec.analysis_parameters["windows_json"],
        intervals,
        interval_minutes,
        table,
        [job.phase for job in spec.phases],
    )
    results_path = state_dir / "results.json"
    results_path.write_text(
        json.dumps(
            {
                "stack": spec.stack,
                "mode": spec.mode,
                "speed": spec.speed,
                "run_start": outcome.run_start.isoformat(),
                "run_id": outcome.run_id,
                "stopped_at_minute": played,
                "errors": outcome.errors,
                "windows": [result.__dict__ for result in results],
                "notes": summary["notes"],
                "rows": summary["rows"],
                "chart": chart_path,
            },
            indent=2,
        )
    )
    console.log(f"\nChart: {chart_path}\nResults: {results_path}")
    return RunReport(results, chart_path, str(results_path), summary["notes"], int(summary["rows"]))
