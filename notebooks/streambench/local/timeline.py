"""The local run's decisions, as plain functions: how a stack's job parameters become the parameters of a run
on this machine (embedded Spark) or from it (Databricks Connect), on a clock compressed `speed` times; the
progress bar; the per-window table. Tested without Spark (tests/notebooks/streambench/local/test_run.py).

Nothing here holds a number of the benchmark: rates, streams, windows and intervals come from the job
parameters that `npm run local` takes from the scaling plan (plan.ts), the same values the jobs get.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Mapping, Sequence

from streambench.analysis.verdict_table import window_label

# Where the stack's tables go on this machine: the session catalog (Delta's catalog in the local session).
LOCAL_CATALOG = "spark_catalog"
# A micro-batch trigger or status interval is never shorter than this on the compressed clock: the rate source
# produces rows in whole seconds, so a shorter trigger only adds empty batches.
MIN_INTERVAL_SECONDS = 1
# Where the timeline plays: local Spark in this process; local Spark through a Spark Connect server the runner starts
# (--spark-connect); the stack's cluster through Databricks Connect (--connect).
MODES = ("local", "spark-connect", "connect")
LOCAL_MODES = ("local", "spark-connect")


class RunSpecError(ValueError):
    """A run spec (what `npm run local` hands the runner) that cannot be run; the message lists every problem."""


@dataclass(frozen=True)
class Clock:
    """The timeline's clock, `speed` times faster than the wall clock: a plan minute lasts 60/speed seconds.
    Rows per second per stream stay what the plan says."""

    speed: float

    def real_minutes(self, plan_minutes: float) -> float:
        return plan_minutes / self.speed

    def plan_minutes(self, real_seconds: float) -> float:
        return real_seconds * self.speed / 60.0

    def interval_seconds(self, plan_seconds: float) -> int:
        """A trigger or status interval on the compressed clock, in whole seconds (the notebook's encoding),
        never below MIN_INTERVAL_SECONDS."""
        return max(MIN_INTERVAL_SECONDS, int(math.floor(plan_seconds / self.speed + 0.5)))


@dataclass(frozen=True)
class PhaseJob:
    """One phase as the timeline job runs it: its name and the job parameters it gets."""

    phase: str
    parameters: Mapping[str, str]


@dataclass(frozen=True)
class RunSpec:
    """What `npm run local` (cli/local.ts) hands the runner: the stack's plan, as job parameters."""

    stack: str
    mode: str
    speed: float
    state_dir: str  # .streambench/<stack>: warehouse, checkpoints, results (local mode)
    volume_path: str  # the plan's checkpoint volume, /Volumes/<catalog>/<schema>/<volume>
    run_id_reference: str  # {{job.run_id}}
    trigger_time_reference: str  # {{job.trigger.time.iso_datetime}}
    phases: tuple[PhaseJob, ...]
    analysis_parameters: Mapping[str, str]
    cluster_name: str = ""
    cluster_id: str = ""
    spark_version: str = ""  # the cluster's pinned runtime, "" = latest LTS looked up at deploy
    host: str = ""  # --connect: the stack's databricks:host ("" = the SDK finds one)
    profile: str = ""  # --connect: the stack's databricks:profile ("" = the SDK's default)
    tags: Mapping[str, str] = field(default_factory=dict)  # the stack's tags: its cluster carries them
    thresholds: tuple[Mapping[str, Any], ...] = ()  # {metric, op, value, text}, checked by streambench.gates

    @property
    def clock(self) -> Clock:
        return Clock(self.speed)

    @property
    def on_this_machine(self) -> bool:
        """Whether the timeline plays on this machine's Spark (its warehouse, session catalog and checkpoints),
        in this process or through a local Spark Connect server."""
        return self.mode in LOCAL_MODES


def parse_run_spec(raw: Mapping[str, Any]) -> RunSpec:
    """Checks a run spec (JSON from cli/local.ts); raises RunSpecError naming every problem."""
    problems: list[str] = []
    mode = str(raw.get("mode", ""))
    if mode not in MODES:
        problems.append(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    speed = raw.get("speed")
    if isinstance(speed, bool) or not isinstance(speed, (int, float)) or not math.isfinite(speed) or speed <= 0:
        problems.append(f"speed must be a number above 0, got {speed!r}")
        speed = 1.0
    for key in ("stack", "stateDir", "volumePath", "runIdReference", "triggerTimeReference"):
        if not isinstance(raw.get(key), str) or not raw.get(key):
            problems.append(f"{key} is required")
    phases = []
    for position, item in enumerate(raw.get("phases") or [], start=1):
        parameters = item.get("parameters") if isinstance(item, Mapping) else None
        if not isinstance(parameters, Mapping) or not isinstance(item.get("phase"), str):
            problems.append(f"phases[{position}] needs a phase and its parameters")
            continue
        phases.append(PhaseJob(item["phase"], {str(key): str(value) for key, value in parameters.items()}))
    if not phases:
        problems.append("phases must list at least one phase")
    analysis = raw.get("analysisParameters")
    if not isinstance(analysis, Mapping):
        problems.append("analysisParameters is required")
        analysis = {}
    if problems:
        raise RunSpecError("The run spec is invalid:\n  - " + "\n  - ".join(problems))
    return RunSpec(
        stack=raw["stack"],
        mode=mode,
        speed=float(speed),
        state_dir=raw["stateDir"],
        volume_path=raw["volumePath"],
        run_id_reference=raw["runIdReference"],
        trigger_time_reference=raw["triggerTimeReference"],
        phases=tuple(phases),
        analysis_parameters={str(key): str(value) for key, value in analysis.items()},
        cluster_name=str(raw.get("clusterName") or ""),
        cluster_id=str(raw.get("clusterId") or ""),
        spark_version=str(raw.get("sparkVersion") or ""),
        host=str(raw.get("host") or ""),
        profile=str(raw.get("profile") or ""),
        tags={str(key): str(value) for key, value in (raw.get("tags") or {}).items()},
        thresholds=tuple(raw.get("thresholds") or ()),
    )


def run_id_for(run_start: datetime) -> str:
    """The run id that stands in for `{{job.run_id}}`: fresh checkpoints for every run, as on Databricks."""
    return "local-" + run_start.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def trigger_time_text(run_start: datetime) -> str:
    """The timeline's start as the phases get it (`trigger_time`): ISO, UTC, whole seconds."""
    return run_start.astimezone(timezone.utc).replace(microsecond=0, tzinfo=None).isoformat()


def _number_text(value: float) -> str:
    return f"{value:.6f}".rstrip("0").rstrip(".") or "0"


def checkpoint_root(spec: RunSpec, job_value: str, run_id: str) -> str:
    """The job's checkpoint root with `{{job.run_id}}` filled in; on this machine the plan's volume is the
    state folder's `checkpoints`."""
    root = job_value.replace(spec.run_id_reference, run_id)
    if spec.on_this_machine and root.startswith(spec.volume_path):
        root = f"{spec.state_dir.rstrip('/')}/checkpoints{root[len(spec.volume_path) :]}"
    return root


def phase_parameters(spec: RunSpec, job: PhaseJob, run_start: datetime, run_id: str) -> dict[str, str]:
    """The generator's parameters for one phase of this run: the job's, with what Databricks fills in at run
    time (trigger time, run id) filled in here, the windows and intervals on the compressed clock, and on this
    machine the session catalog and local checkpoints."""
    parameters = dict(job.parameters)
    clock = spec.clock
    if not parameters.get("trigger_time") or spec.trigger_time_reference in parameters["trigger_time"]:
        parameters["trigger_time"] = trigger_time_text(run_start)
    for name in ("start_offset_minutes", "window_minutes"):
        parameters[name] = _number_text(clock.real_minutes(float(parameters[name])))
    for name in ("trigger_interval_seconds", "status_interval_seconds"):
        parameters[name] = str(clock.interval_seconds(float(parameters[name])))
    parameters["checkpoint_root"] = checkpoint_root(spec, parameters["checkpoint_root"], run_id)
    if spec.on_this_machine:
        parameters["catalog"] = LOCAL_CATALOG
    return parameters


def scaled_windows(windows_json: str, clock: Clock, stop_plan_minute: float | None = None) -> list[dict]:
    """The plan's throughput windows on the compressed clock, for the analysis. With `stop_plan_minute` (a
    stopped run), only what was played: windows after it are dropped, the one it falls in ends there."""
    windows = []
    for window in json.loads(windows_json):
        start, end = float(window["startMinute"]), float(window["endMinute"])
        if stop_plan_minute is not None:
            if start >= stop_plan_minute:
                break
            end = min(end, stop_plan_minute)
        windows.append({**window, "startMinute": clock.real_minutes(start), "endMinute": clock.real_minutes(end)})
    return windows


def analysis_parameters(
    spec: RunSpec, run_start: datetime, stop_plan_minute: float | None = None, cluster_id: str = ""
) -> dict[str, str]:
    """The analysis job's parameters for this run: its timeline starts at `run_start`, its windows are on the
    compressed clock (cut at the stop of a stopped run)."""
    parameters = dict(spec.analysis_parameters)
    if not parameters.get("run_start") or spec.trigger_time_reference in parameters["run_start"]:
        parameters["run_start"] = trigger_time_text(run_start)
    parameters["windows_json"] = json.dumps(scaled_windows(parameters["windows_json"], spec.clock, stop_plan_minute))
    if spec.on_this_machine:
        parameters["catalog"] = LOCAL_CATALOG
    parameters["cluster_id"] = cluster_id
    # The runner draws the chart itself, in plan minutes, into the state folder: the stack's volume is not here.
    parameters["chart_folder"] = ""
    return parameters


def run_plan_minutes(spec: RunSpec) -> float:
    """Length of the timeline in plan minutes: the end of its last window."""
    return max(float(window["endMinute"]) for window in json.loads(spec.analysis_parameters["windows_json"]))


def active_phases_at(windows_json: str, plan_minute: float) -> str:
    for window in json.loads(windows_json):
        if float(window["startMinute"]) <= plan_minute < float(window["endMinute"]):
            phases = [phase for phase, rate in (window.get("rowsPerSecondByPhase") or {}).items() if rate]
            return f"{'+'.join(phases) or '-'} at {int(window['totalRowsPerSecond']):,} rows/s"
    return "done"


def progress_line(plan_minute: float, total_minutes: float, what: str, width: int = 30) -> str:
    """`[#########.........]  31%  minute 4.6 of 15  baseline+3x at 800 rows/s`."""
    share = 0.0 if total_minutes <= 0 else min(max(plan_minute / total_minutes, 0.0), 1.0)
    filled = int(share * width)
    return (
        f"[{'#' * filled}{'.' * (width - filled)}] {share * 100:3.0f}%  "
        f"minute {min(max(plan_minute, 0.0), total_minutes):.1f} of {total_minutes:g}  {what}"
    )


@dataclass(frozen=True)
class WindowResult:
    """One window of the per-window table, in plan minutes; rates, seconds and counts as measured (real)."""

    start_minute: float
    end_minute: float
    phases: str
    target_rows_per_second: int
    achieved_rows_per_second: float | None
    gap_percent: float | None
    metrics_rows_per_second: float | None
    verdict: Mapping[str, Any] = field(default_factory=dict)  # the verdict columns of its benchmark_results row

    @property
    def kept_up(self) -> bool | None:
        return self.verdict.get("kept_up")


# The benchmark_results columns of the verdict that results.json keeps per window (seconds are real seconds).
VERDICT_COLUMNS = (
    "processed_rows_per_second",
    "processed_percent",
    "batches",
    "trigger_seconds",
    "batch_p50_seconds",
    "batch_p95_seconds",
    "lag_p50_seconds",
    "lag_p95_seconds",
    "lag_max_seconds",
    "workers_at_start",
    "workers_at_end",
    "workers_peak",
    "reaction_seconds",
    "resize_completed_seconds",
    "lag_recovered_seconds",
    "kept_up",
    "kept_up_reasons",
)


def window_results(analysis_rows: Sequence[Mapping[str, Any]], clock: Clock) -> list[WindowResult]:
    """The analysis's result rows (benchmark_results) back in plan minutes."""
    return [
        WindowResult(
            start_minute=round(float(row["start_minute"]) * clock.speed, 6),
            end_minute=round(float(row["end_minute"]) * clock.speed, 6),
            phases=str(row["active_phases"]),
            target_rows_per_second=int(row["target_rows_per_second"]),
            achieved_rows_per_second=row.get("achieved_rows_per_second"),
            gap_percent=row.get("gap_percent"),
            metrics_rows_per_second=row.get("metrics_rows_per_second"),
            verdict={column: row.get(column) for column in VERDICT_COLUMNS},
        )
        for row in analysis_rows
    ]


def plan_minute_rows(analysis_rows: Sequence[Mapping[str, Any]], clock: Clock) -> list[dict]:
    """The analysis's result rows with their window minutes in plan minutes (for the verdict table)."""
    return [
        {
            **row,
            "start_minute": round(float(row["start_minute"]) * clock.speed, 6),
            "end_minute": round(float(row["end_minute"]) * clock.speed, 6),
        }
        for row in analysis_rows
    ]


def _rate(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f}"


def _gap(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+.1f} %"


def window_table(results: Sequence[WindowResult]) -> list[list[str]]:
    """Header and rows of the per-window table (printed and drawn under the chart)."""
    rows = [["minutes", "phases", "target rows/s", "achieved rows/s", "gap", "processed rows/s", "kept up"]]
    for result in results:
        kept_up = result.kept_up
        rows.append(
            [
                window_label(result.start_minute, result.end_minute),
                result.phases,
                f"{result.target_rows_per_second:,}",
                _rate(result.achieved_rows_per_second),
                _gap(result.gap_percent),
                _rate(result.verdict.get("processed_rows_per_second")),
                "n/a" if kept_up is None else ("yes" if kept_up else "NO"),
            ]
        )
    return rows


def text_table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    lines = [
        "  ".join(
            cell.rjust(width) if column >= 2 else cell.ljust(width)
            for column, (cell, width) in enumerate(zip(row, widths))
        ).rstrip()
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def databricks_connect_line(spark_version: str) -> str:
    """The databricks-connect release line that matches a runtime such as `16.4.x-scala2.12` (`16.4.*`)."""
    parts = spark_version.split(".")
    if len(parts) >= 2 and parts[0].isdigit() and parts[1].isdigit():
        return f"{parts[0]}.{parts[1]}.*"
    return ""


@dataclass
class TimelineOutcome:
    """How a played timeline ended: when it started, whether it was stopped, and what each phase reported."""

    run_start: datetime
    run_id: str
    stopped_at: datetime | None = None  # set when the run was stopped before its end
    errors: dict[str, str] = field(default_factory=dict)
    summaries: dict[str, dict] = field(default_factory=dict)

    @property
    def stopped(self) -> bool:
        return self.stopped_at is not None
