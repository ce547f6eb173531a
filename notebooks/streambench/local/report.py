"""After a local run: the analysis job's code on what was played, the chart and results.json."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from streambench.local.console import Console
from streambench.local.timeline import (
    Clock,
    RunSpec,
    TimelineOutcome,
    analysis_parameters,
    plan_minute_rows,
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


def verdict_text(spec: RunSpec, rows: list, pipeline: bool, cost: dict | None) -> str:
    """The verdict as the runner prints it. A run on this machine's Spark has no cluster: no workers nor resize
    times, and no cost (node-minutes from cluster events, the system.billing.usage query); a run on the stack's
    cluster (Databricks Connect) keeps them, as the workspace analysis prints them."""
    from streambench.analysis.verdict_table import verdict_lines

    on_cluster = not spec.on_this_machine
    return "\n".join(verdict_lines(rows, pipeline, cost if on_cluster else None, cluster=on_cluster))


@dataclass
class RunReport:
    windows: list
    chart_path: str | None
    results_path: str
    analysis_notes: list
    rows: int  # stream rows counted in the played timeline: 0 = the run measured nothing
    kept_up: bool | None = None  # the run's verdict: every window kept up


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
    from streambench.analysis.chart_data import scaled
    from streambench.analysis.params import parse_analysis_params
    from streambench.analysis.run_comparison import comparison_row
    from streambench.analysis.spark import analyze_run
    from streambench.analysis.verdict_table import verdict_table
    from streambench.chart import draw_results
    from streambench.local.history import history_text

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
    verdict_rows = plan_minute_rows(summary["windows"], clock)
    console.log("\nPer window (plan minutes; rows/s are real):\n" + text_table(table))
    console.log(
        "\nDid the compute keep up? (plan minutes; rows/s and seconds are real)\n"
        + verdict_text(spec, verdict_rows, summary["pipeline"], summary["cost"])
    )
    for note in summary["notes"]:
        console.log(f"  note: {note}")
    state_dir = Path(state_dir or spec.state_dir)
    state_dir.mkdir(parents=True, exist_ok=True)
    where = where or (f"cluster {cluster_id} (Databricks Connect)" if cluster_id else f"{spec.mode} Spark")
    stopped = "" if played is None else f", stopped at minute {played:.1f}"
    kept_up = summary["kept_up"]
    title = (
        f"streambench {spec.stack}: {where}, {spec.speed:g}x speed{stopped}, run {outcome.run_start:%Y-%m-%d %H:%M:%S} UTC, "
        f"kept up: {'n/a' if kept_up is None else ('yes' if kept_up else 'no')}"
        "\noffered rows/s (plan) against processed rows/s (rows_written of the micro-batches, one trigger before their commit)"
    )
    chart_path = draw_results(
        str(state_dir / "results.png"),
        title,
        scaled(summary["timeline"], clock.speed),
        verdict_table(verdict_rows, summary["pipeline"], cluster=not spec.on_this_machine),
        [job.phase for job in spec.phases],
        minute_label="minute of the timeline (plan time; lag and rows/s are real)",
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
                "kept_up": kept_up,
                "criteria": analysis.criteria.__dict__,
                "windows": [result.__dict__ for result in results],
                "cost": summary["cost"],
                "notes": summary["notes"],
                "rows": summary["rows"],
                "chart": chart_path,
            },
            indent=2,
            default=str,
        )
    )
    console.log(f"\nChart: {chart_path}\nResults: {results_path}")
    console.log(
        history_text(
            state_dir, {**comparison_row(summary["windows"]), "compute": f"{where}, {spec.speed:g}x"}, outcome.run_start
        )
    )
    return RunReport(results, chart_path, str(results_path), summary["notes"], int(summary["rows"]), kept_up)
