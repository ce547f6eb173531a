"""Logic of the analysis notebook: for one finished benchmark run, the achieved load of every window of the
timeline against its target, and how the cluster scaled.

Plain functions (tested without Spark): parameters, the windows on the wall clock, achieved rates from
per-second row counts, gaps, worker counts and reaction times from the cluster's resize events (and, when the
stack declares a DLT pipeline, executor counts and reaction times from its event log), result rows and the text
report. Spark pieces (tested against a local Spark session): per-second row counts over the stream tables,
per-second input rows from the stream_metrics table, the pipeline's event log, and the writes.
`fetch_cluster_events` is the only piece that calls the workspace (the Clusters API through the Databricks
SDK); it is not unit tested.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import reduce
from typing import Any, Callable, Iterable, Mapping, NamedTuple, Sequence

from metrics_logic import DEFAULT_METRICS_TABLE

# The analysis notebook's parameters (sorted). Required ones first in the notebook's header table.
ANALYSIS_PARAMETER_NAMES = (
    "catalog",
    "cluster_events_table",
    "cluster_id",
    "metrics_table",
    "phases_json",
    "pipeline_event_log_table",
    "results_table",
    "run_start",
    "schema",
    "windows_json",
)
REQUIRED_PARAMETERS = ("catalog", "schema", "phases_json", "windows_json")
PARAMETER_DEFAULTS = {
    "cluster_events_table": "cluster_events",
    "cluster_id": "",
    "metrics_table": DEFAULT_METRICS_TABLE,
    "pipeline_event_log_table": "",  # empty: the stack declares no DLT pipeline
    "results_table": "benchmark_results",
    "run_start": "",
}
PHASES = ("baseline", "3x", "9x")

# Columns of the cluster_events table: one row per cluster event of the run's time range.
CLUSTER_EVENT_COLUMNS = (
    "cluster_id",
    "event_time",         # UTC
    "event_type",         # RESIZING, UPSIZE_COMPLETED, RUNNING, AUTOSCALING_STATS_REPORT, ...
    "current_workers",    # details.current_num_workers: workers when the event happened (before a resize)
    "target_workers",     # details.target_num_workers: workers a resize aims at
    "cause",              # details.cause: AUTOSCALE, USER_REQUEST, AUTORECOVERY, REPLACE_BAD_NODES
    "reason",             # details.reason.code (a termination or failure reason), if any
    "details_json",       # the event's whole `details`, as JSON
)
CLUSTER_EVENTS_SCHEMA_DDL = (
    "cluster_id STRING, event_time TIMESTAMP, event_type STRING, current_workers INT, target_workers INT, "
    "cause STRING, reason STRING, details_json STRING"
)
# Event types fetched from the Clusters API (names the installed SDK does not know are skipped).
CLUSTER_EVENT_TYPES = (
    "CREATING", "STARTING", "RESTARTING", "RUNNING", "RESIZING", "UPSIZE_COMPLETED", "NODES_LOST",
    "AUTOSCALING_STATS_REPORT", "AUTOSCALING_BACKOFF", "AUTOSCALING_FAILED", "DECOMMISSION_STARTED",
    "DECOMMISSION_ENDED", "TERMINATING",
)
# Events that announce a resize decision (their target is the new size).
RESIZE_EVENT_TYPES = ("RESIZING",)
# The DLT event log's events that report the pipeline's executors (`details.cluster_resources`).
DLT_RESOURCES_EVENT_TYPE = "cluster_resources"
# Events are fetched from this long before the run (to know the worker count at its start) ...
EVENTS_LOOKBACK = timedelta(minutes=60)
# ... to this long after it (the scale-down after the last window).
EVENTS_GRACE = timedelta(minutes=10)

# Columns of the benchmark_results table: one row per window of the timeline of one run.
RESULT_COLUMNS = (
    "run_start",                   # start of the run's timeline (the baseline phase's start), UTC
    "window_index",                # 1, 2, ... in timeline order
    "start_minute",
    "end_minute",
    "window_start",                # UTC
    "window_end",
    "active_phases",               # e.g. "baseline+9x"
    "target_rows_per_second",
    "achieved_rows_per_second",    # rows in the stream tables with event_timestamp in the window / its seconds
    "gap_percent",                 # (achieved - target) / target * 100; negative = the load fell short
    "metrics_rows_per_second",     # input rows of the micro-batches triggered in the window / its seconds
    "metrics_gap_percent",
    "workers_at_start",
    "workers_at_end",
    "reaction_seconds",            # window start -> first resize to a size other than workers_at_start
    "analyzed_at",
    # The DLT pipeline's (appended later: tables written before have no such columns until the next write)
    "dlt_executors_at_start",      # cluster_resources.num_executors at the window start
    "dlt_executors_at_end",
    "dlt_reaction_seconds",        # window start -> first latest_requested_num_executors other than at the start
)
RESULTS_SCHEMA_DDL = (
    "run_start TIMESTAMP, window_index INT, start_minute DOUBLE, end_minute DOUBLE, window_start TIMESTAMP, "
    "window_end TIMESTAMP, active_phases STRING, target_rows_per_second BIGINT, achieved_rows_per_second DOUBLE, "
    "gap_percent DOUBLE, metrics_rows_per_second DOUBLE, metrics_gap_percent DOUBLE, workers_at_start INT, "
    "workers_at_end INT, reaction_seconds DOUBLE, analyzed_at TIMESTAMP, dlt_executors_at_start INT, "
    "dlt_executors_at_end INT, dlt_reaction_seconds DOUBLE"
)

_CLUSTER_ID = re.compile(r"^[A-Za-z0-9_-]+$")
_TABLE_NAME = re.compile(r"^[A-Za-z0-9_]+$")


@dataclass(frozen=True)
class PhaseTables:
    """One phase's streams and tables, as the generator derives them (its table_name_format and ids)."""
    phase: str
    table_name_format: str
    first_stream_id: int
    stream_count: int

    def tables(self) -> list[str]:
        return [self.table_name_format.format(stream_id=stream_id)
                for stream_id in range(self.first_stream_id, self.first_stream_id + self.stream_count)]


@dataclass(frozen=True)
class WindowPlan:
    """One row of the plan's throughput table (plan.ts ThroughputWindow)."""
    start_minute: float
    end_minute: float
    total_rows_per_second: int
    rows_per_second_by_phase: Mapping[str, int] = field(default_factory=dict)

    @property
    def active_phases(self) -> str:
        return "+".join(phase for phase, rate in self.rows_per_second_by_phase.items() if rate) or "-"


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


@dataclass(frozen=True)
class AnalysisParams:
    catalog: str
    schema: str
    phases: tuple[PhaseTables, ...]
    windows: tuple[WindowPlan, ...]
    cluster_id: str
    run_start: datetime | None
    metrics_table: str
    cluster_events_table: str
    results_table: str
    pipeline_event_log_table: str = ""  # empty: no DLT pipeline

    def full_name(self, table: str) -> str:
        return ".".join(quote_identifier(part) for part in (self.catalog, self.schema, table))

    def phase_tables(self) -> list[tuple[str, str]]:
        """(phase, table) of every stream table of the run, in phase order."""
        return [(phase.phase, table) for phase in self.phases for table in phase.tables()]


def quote_identifier(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


# ---- parameters ----------------------------------------------------------------------------------------

def _whole_number(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def parse_windows(text: str, problems: list[str]) -> tuple[WindowPlan, ...]:
    """The plan's throughput windows from `windows_json`, checked: in order, not overlapping."""
    try:
        raw = json.loads(text)
    except ValueError as error:
        problems.append(f"windows_json is not JSON: {error}")
        return ()
    if not isinstance(raw, list) or not raw:
        problems.append("windows_json must be a non-empty JSON list of windows")
        return ()
    windows = []
    for position, item in enumerate(raw, start=1):
        if not isinstance(item, Mapping):
            problems.append(f"windows_json[{position}] must be an object")
            continue
        start, end = _number(item.get("startMinute")), _number(item.get("endMinute"))
        by_phase_raw = item.get("rowsPerSecondByPhase") or {}
        by_phase = {str(phase): _whole_number(rate) for phase, rate in dict(by_phase_raw).items()} \
            if isinstance(by_phase_raw, Mapping) else {}
        total = _whole_number(item.get("totalRowsPerSecond")) if "totalRowsPerSecond" in item \
            else sum(rate or 0 for rate in by_phase.values())
        if start is None or end is None or start < 0 or end <= start:
            problems.append(f"windows_json[{position}] needs 0 <= startMinute < endMinute, got "
                            f"{item.get('startMinute')!r}..{item.get('endMinute')!r}")
            continue
        if total is None or total < 0 or any(rate is None or rate < 0 for rate in by_phase.values()):
            problems.append(f"windows_json[{position}] rates must be whole numbers of at least 0")
            continue
        if windows and start < windows[-1].end_minute:
            problems.append(f"windows_json[{position}] starts at minute {start:g}, before the previous window ends")
            continue
        windows.append(WindowPlan(start, end, total, by_phase))
    return tuple(windows)


def parse_phases(text: str, problems: list[str]) -> tuple[PhaseTables, ...]:
    """The phases' table naming from `phases_json`: a list of {phase, table_name_format, first_stream_id,
    stream_count} (the generator's parameters of the same names)."""
    try:
        raw = json.loads(text)
    except ValueError as error:
        problems.append(f"phases_json is not JSON: {error}")
        return ()
    if not isinstance(raw, list) or not raw:
        problems.append("phases_json must be a non-empty JSON list of phases")
        return ()
    phases = []
    for position, item in enumerate(raw, start=1):
        if not isinstance(item, Mapping):
            problems.append(f"phases_json[{position}] must be an object")
            continue
        phase = str(item.get("phase", "")).strip()
        table_format = str(item.get("table_name_format", "")).strip()
        first, count = _whole_number(item.get("first_stream_id")), _whole_number(item.get("stream_count"))
        bad = []
        if phase not in PHASES:
            bad.append(f"phase must be one of {', '.join(PHASES)}")
        if not table_format:
            bad.append("table_name_format is required")
        if first is None or first < 1:
            bad.append("first_stream_id must be a whole number of at least 1")
        if count is None or count < 1:
            bad.append("stream_count must be a whole number of at least 1")
        elif count > 1 and "{stream_id" not in table_format:
            bad.append("table_name_format must contain {stream_id...} when stream_count > 1")
        if bad:
            problems.append(f"phases_json[{position}]: " + "; ".join(bad))
            continue
        try:
            table_format.format(stream_id=first)
        except (KeyError, IndexError, ValueError) as error:
            problems.append(f"phases_json[{position}]: table_name_format does not format: {error!r}")
            continue
        phases.append(PhaseTables(phase, table_format, first, count))
    return tuple(phases)


def parse_run_start(text: str) -> datetime | None:
    """An ISO time (naive = UTC) as an aware UTC datetime; None for empty or an unsubstituted `{{...}}`.
    Raises ValueError for anything else."""
    text = (text or "").strip()
    if not text or "{{" in text:
        return None
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed.astimezone(timezone.utc) if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def parse_time_param(name: str, text: str, problems: list[str]) -> datetime | None:
    """A job parameter holding a trigger time (`{{job.trigger.time.iso_datetime}}`): the time, None when empty or
    unsubstituted, or a problem naming the parameter. The generator and the analysis both read theirs here."""
    try:
        return parse_run_start(text)
    except ValueError:
        problems.append(f"{name} must be an ISO date-time (e.g. 2026-11-25T02:00:00Z), got {text!r}")
        return None


def parse_analysis_params(raw: Mapping[str, str]) -> AnalysisParams:
    """Checks the notebook's parameters; raises ValueError naming every missing or bad one."""
    def value(name: str) -> str:
        text = (raw.get(name) or "").strip()
        return text if text else PARAMETER_DEFAULTS.get(name, "")

    problems = [f"{name} is required (set it as a job parameter)" for name in REQUIRED_PARAMETERS if not value(name)]
    windows = parse_windows(value("windows_json"), problems) if value("windows_json") else ()
    phases = parse_phases(value("phases_json"), problems) if value("phases_json") else ()
    run_start = parse_time_param("run_start", value("run_start"), problems)
    cluster_id = value("cluster_id")
    if cluster_id and not _CLUSTER_ID.match(cluster_id):
        problems.append(f"cluster_id {cluster_id!r} is not a cluster id")
    for name in ("metrics_table", "cluster_events_table", "results_table", "pipeline_event_log_table"):
        if name == "pipeline_event_log_table" and not value(name):
            continue  # optional
        if not _TABLE_NAME.match(value(name)):
            problems.append(f"{name} must be a table name in the benchmark schema (letters, digits, _), "
                            f"got {value(name)!r}")
    if problems:
        raise ValueError("Analysis parameters are invalid:\n  - " + "\n  - ".join(problems))
    return AnalysisParams(
        catalog=value("catalog"), schema=value("schema"), phases=phases, windows=windows, cluster_id=cluster_id,
        run_start=run_start, metrics_table=value("metrics_table"),
        cluster_events_table=value("cluster_events_table"), results_table=value("results_table"),
        pipeline_event_log_table=value("pipeline_event_log_table"),
    )


# ---- windows, rates, gaps ------------------------------------------------------------------------------

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


# ---- cluster events ------------------------------------------------------------------------------------

def cluster_event_rows(api_events: Iterable[Mapping[str, Any]]) -> list[dict]:
    """cluster_events rows from Clusters API events (`POST /api/2.1/clusters/events` `events[]`, or the SDK's
    `ClusterEvent.as_dict()`), oldest first. Events without a timestamp are skipped."""
    rows = []
    for event in api_events:
        if event.get("timestamp") is None:
            continue
        details = event.get("details") or {}
        reason = details.get("reason")
        if isinstance(reason, Mapping):
            reason = reason.get("code")
        current, target = details.get("current_num_workers"), details.get("target_num_workers")
        rows.append({
            "cluster_id": event.get("cluster_id"),
            "event_time": datetime.fromtimestamp(int(event["timestamp"]) / 1000, tz=timezone.utc),
            "event_type": event.get("type"),
            "current_workers": None if current is None else int(current),
            "target_workers": None if target is None else int(target),
            "cause": details.get("cause"),
            "reason": None if reason is None else str(reason),
            "details_json": json.dumps(details, sort_keys=True),
        })
    return sorted(rows, key=lambda row: row["event_time"])


def workers_at(events: Sequence[Mapping[str, Any]], moment: datetime) -> int | None:
    """Workers at `moment`: the current_workers of the last event at or before it that reports one; before
    the first such event, the count that event reports (nothing changed until then); None without events."""
    known = sorted((row for row in events if row.get("current_workers") is not None), key=lambda row: row["event_time"])
    before = [row for row in known if row["event_time"] <= moment]
    if before:
        return before[-1]["current_workers"]
    return known[0]["current_workers"] if known else None


def reaction_seconds(events: Sequence[Mapping[str, Any]], window_start: datetime, window_end: datetime | None,
                     workers_at_start: int | None) -> float | None:
    """Seconds from the window start to the first resize event in the window whose target differs from the
    workers at the window start; None if the cluster did not resize in the window. Without a window end,
    any later resize counts."""
    for row in sorted(events, key=lambda row: row["event_time"]):
        if row.get("event_type") not in RESIZE_EVENT_TYPES or row.get("target_workers") is None:
            continue
        if row["event_time"] < window_start or (window_end is not None and row["event_time"] >= window_end):
            continue
        if row["target_workers"] != workers_at_start:
            return (row["event_time"] - window_start).total_seconds()
    return None


# ---- DLT pipeline event log ----------------------------------------------------------------------------

class DltEvent(NamedTuple):
    """A cluster_resources event of the pipeline's event log."""
    time: datetime          # UTC
    executors: int | None   # details.cluster_resources.num_executors
    requested: int | None   # details.cluster_resources.latest_requested_num_executors (enhanced autoscaling)


def _utc(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc) if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, str):
        try:
            return parse_run_start(value)
        except ValueError:
            return None
    return None


def dlt_events(rows: Iterable[Mapping[str, Any]]) -> list[DltEvent]:
    """DltEvents, oldest first, from event log rows ({timestamp, event_type, details}; `details` a JSON string
    or a dict; timestamps naive = UTC). Other event types, rows without a time, unreadable details and
    cluster_resources without either count are skipped; a count that is missing or not a whole number is None."""
    events = []
    for row in rows:
        if row.get("event_type") != DLT_RESOURCES_EVENT_TYPE:
            continue
        moment, details = _utc(row.get("timestamp")), row.get("details")
        if isinstance(details, (str, bytes)):
            try:
                details = json.loads(details)
            except ValueError:
                continue
        resources = details.get("cluster_resources") if isinstance(details, Mapping) else None
        if moment is None or not isinstance(resources, Mapping):
            continue
        executors = _whole_number(resources.get("num_executors"))
        requested = _whole_number(resources.get("latest_requested_num_executors"))
        if executors is not None or requested is not None:
            events.append(DltEvent(moment, executors, requested))
    return sorted(events, key=lambda event: event.time)


def executors_at(events: Sequence[DltEvent], moment: datetime) -> int | None:
    """The pipeline's executors at `moment`, as workers_at: the last count at or before it; before the first
    count, that count; None without counts."""
    known = sorted((event for event in events if event.executors is not None), key=lambda event: event.time)
    before = [event for event in known if event.time <= moment]
    if before:
        return before[-1].executors
    return known[0].executors if known else None


def dlt_reaction_seconds(events: Sequence[DltEvent], window_start: datetime, window_end: datetime | None,
                         executors_at_start: int | None) -> float | None:
    """Seconds from the window start to the first event in the window whose requested executors differ from
    the executors at the window start; None if the pipeline asked for no other size in the window."""
    for event in sorted(events, key=lambda event: event.time):
        if event.requested is None or event.time < window_start:
            continue
        if window_end is not None and event.time >= window_end:
            continue
        if event.requested != executors_at_start:
            return (event.time - window_start).total_seconds()
    return None


# ---- results and report --------------------------------------------------------------------------------

def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def result_rows(run_start: datetime, windows: Sequence[Window], table_per_second: Mapping[int, int],
                metrics_per_second: Mapping[int, int] | None, events: Sequence[Mapping[str, Any]],
                analyzed_at: datetime, pipeline_events: Sequence[DltEvent] = ()) -> list[dict]:
    """One benchmark_results row per window (the dlt_ columns are None without pipeline events)."""
    rows = []
    for window in windows:
        target = window.plan.total_rows_per_second
        achieved = achieved_rate(table_per_second, window.start, window.end)
        from_metrics = None if metrics_per_second is None else achieved_rate(metrics_per_second, window.start, window.end)
        at_start = workers_at(events, window.start)
        dlt_at_start = executors_at(pipeline_events, window.start)
        rows.append({
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
            "dlt_reaction_seconds": _round(dlt_reaction_seconds(pipeline_events, window.start, window.end,
                                                                dlt_at_start), 1),
        })
    return rows


def _rate_text(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f}"


def _gap_text(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+.1f} %"


def _workers_text(value: int | None) -> str:
    return "?" if value is None else str(value)


def _reaction_text(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f} s"


def format_report(run_start: datetime, rows: Sequence[Mapping[str, Any]],
                  table_counts: Sequence[tuple[str, str, int]] = (), notes: Sequence[str] = (),
                  pipeline: bool = False) -> str:
    """The text the notebook prints: one line per window (with the DLT pipeline's executors and reaction when
    the stack has a `pipeline`), then the rows of every table, then notes."""
    end = max((row["window_end"] for row in rows), default=run_start)
    lines = [
        f"Run started {run_start.astimezone(timezone.utc):%Y-%m-%d %H:%M:%S} UTC, "
        f"{(end - run_start).total_seconds() / 60:g} min, {len(rows)} window(s)",
        "",
        f"{'#':>2}  {'minutes':<9} {'phases':<16} {'target/s':>9} {'achieved/s':>11} {'gap':>9} "
        f"{'metrics/s':>10} {'gap':>9}  {'workers':<9} {'reaction':>8}"
        + (f"  {'dlt exec':<9} {'dlt react':>9}" if pipeline else ""),
    ]
    for row in rows:
        minutes = f"{row['start_minute']:g}-{row['end_minute']:g}"
        workers = f"{_workers_text(row['workers_at_start'])} -> {_workers_text(row['workers_at_end'])}"
        reaction = _reaction_text(row["reaction_seconds"])
        dlt = ""
        if pipeline:
            executors = (f"{_workers_text(row.get('dlt_executors_at_start'))} -> "
                         f"{_workers_text(row.get('dlt_executors_at_end'))}")
            dlt = f"  {executors:<9} {_reaction_text(row.get('dlt_reaction_seconds')):>9}"
        lines.append(
            f"{row['window_index']:>2}  {minutes:<9} {row['active_phases']:<16} {row['target_rows_per_second']:>9,} "
            f"{_rate_text(row['achieved_rows_per_second']):>11} {_gap_text(row['gap_percent']):>9} "
            f"{_rate_text(row['metrics_rows_per_second']):>10} {_gap_text(row['metrics_gap_percent']):>9}  "
            f"{workers:<9} {reaction:>8}" + dlt
        )
    if table_counts:
        lines += ["", "Rows per table (event time within the run):"]
        by_phase: dict[str, int] = {}
        for phase, table, count in table_counts:
            by_phase[phase] = by_phase.get(phase, 0) + count
            lines.append(f"  {phase:<9} {table:<40} {count:>14,}")
        lines.append("  " + ", ".join(f"{phase}: {count:,}" for phase, count in by_phase.items())
                     + f"; total: {sum(by_phase.values()):,}")
    if notes:
        lines += ["", "Notes:"] + [f"  - {note}" for note in notes]
    return "\n".join(lines)


# ---- workspace (not unit tested) -----------------------------------------------------------------------

def fetch_cluster_events(cluster_id: str, start_ms: int, end_ms: int,
                         event_types: Sequence[str] = CLUSTER_EVENT_TYPES) -> list[dict]:
    """The cluster's events in [start_ms, end_ms] from the Clusters API, as API dicts. Runs only on
    Databricks, where the SDK is installed and authenticates from the notebook's context."""
    from databricks.sdk import WorkspaceClient
    from databricks.sdk.service.compute import EventType

    types = [EventType[name] for name in event_types if name in EventType.__members__]
    events = WorkspaceClient().clusters.events(cluster_id=cluster_id, start_time=start_ms, end_time=end_ms,
                                               event_types=types)
    return [event.as_dict() for event in events]


def current_cluster_id(spark) -> str:
    """The id of the cluster the notebook runs on ('' outside Databricks)."""
    try:
        return spark.conf.get("spark.databricks.clusterUsageTags.clusterId", "") or ""
    except Exception:
        return ""


# ---- Spark pieces --------------------------------------------------------------------------------------

def _timestamp(moment: datetime):
    """A timestamp literal for an exact instant, whatever the session time zone."""
    from pyspark.sql import functions as F

    return F.timestamp_seconds(F.lit(moment.timestamp()))


def existing_tables(spark, catalog: str, schema: str) -> set[str]:
    """Names of the tables in the schema (one catalog call instead of one per stream table)."""
    rows = spark.sql(f"SHOW TABLES IN {quote_identifier(catalog)}.{quote_identifier(schema)}").collect()
    return {row["tableName"] for row in rows}


def stream_counts(spark, tables: Sequence[str], start: datetime, end: datetime,
                  chunk_size: int = 100) -> tuple[dict[int, int], dict[str, int]]:
    """Rows with event_timestamp in [start, end) across the stream tables (full names): per epoch second
    (all tables together) and per table. Tables are read `chunk_size` at a time, so 2,000 tables never
    make one 2,000-way union."""
    from pyspark.sql import DataFrame
    from pyspark.sql import functions as F

    per_second: dict[int, int] = {}
    per_table: dict[str, int] = {name: 0 for name in tables}
    for offset in range(0, len(tables), chunk_size):
        chunk = tables[offset:offset + chunk_size]
        rows = reduce(DataFrame.unionByName, [
            spark.table(name).select(F.lit(name).alias("table_name"), F.col("event_timestamp")) for name in chunk
        ]).where((F.col("event_timestamp") >= _timestamp(start)) & (F.col("event_timestamp") < _timestamp(end)))
        rows = rows.select("table_name", F.expr("unix_seconds(event_timestamp)").alias("second"))
        by_second = rows.groupBy("second").agg(F.count(F.lit(1)).alias("rows")) \
            .select(F.lit(None).cast("string").alias("table_name"), "second", "rows")
        by_table = rows.groupBy("table_name").agg(F.count(F.lit(1)).alias("rows")) \
            .select("table_name", F.lit(None).cast("long").alias("second"), "rows")
        for row in by_second.unionByName(by_table).collect():
            if row["table_name"] is None:
                per_second[int(row["second"])] = per_second.get(int(row["second"]), 0) + int(row["rows"])
            else:
                per_table[row["table_name"]] = int(row["rows"])
    return per_second, per_table


def metrics_per_second(spark, metrics_table: str, start: datetime, end: datetime) -> dict[int, int]:
    """Input rows of the micro-batches triggered in [start, end), per epoch second of their trigger, from
    the stream_metrics table (a batch recorded twice counts once)."""
    from pyspark.sql import functions as F

    rows = (
        spark.table(metrics_table)
        .where((F.col("batch_time") >= _timestamp(start)) & (F.col("batch_time") < _timestamp(end)))
        .dropDuplicates(["query_run_id", "batch_id"])
        .groupBy(F.expr("unix_seconds(batch_time)").alias("second"))
        .agg(F.sum("num_input_rows").alias("rows"))
        .collect()
    )
    return {int(row["second"]): int(row["rows"] or 0) for row in rows}


def latest_run_start(spark, metrics_table: str, phase: str = "baseline") -> datetime | None:
    """The start of the latest run of `phase` recorded in the stream_metrics table."""
    from pyspark.sql import functions as F

    row = (
        spark.table(metrics_table)
        .where(F.col("phase") == phase)
        .agg(F.max(F.expr("unix_micros(phase_start)")).alias("micros"))
        .first()
    )
    if row is None or row["micros"] is None:
        return None
    return datetime.fromtimestamp(row["micros"] / 1_000_000, tz=timezone.utc)


def read_dlt_events(spark, event_log_table: str, start: datetime, end: datetime) -> list[DltEvent]:
    """The pipeline's cluster_resources events of [start, end) from its event log table (full name)."""
    from pyspark.sql import functions as F

    rows = (
        spark.table(event_log_table)
        .where((F.col("event_type") == DLT_RESOURCES_EVENT_TYPE)
               & (F.col("timestamp") >= _timestamp(start)) & (F.col("timestamp") < _timestamp(end)))
        .select(F.expr("unix_micros(timestamp)").alias("micros"), "event_type",
                F.col("details").cast("string").alias("details"))
        .collect()
    )
    return dlt_events({"timestamp": datetime.fromtimestamp(row["micros"] / 1_000_000, tz=timezone.utc),
                       "event_type": row["event_type"], "details": row["details"]} for row in rows)


def _replace_rows(spark, full_name: str, rows: Sequence[Mapping[str, Any]], columns: Sequence[str], ddl: str,
                  predicate: str) -> None:
    """Replaces the table's rows matching `predicate` with `rows` in one Delta commit (creates the table).
    Columns added to `ddl` since an existing table was created are appended to it (mergeSchema)."""
    frame = spark.createDataFrame([tuple(row[column] for column in columns) for row in rows], ddl)
    frame.write.format("delta").mode("overwrite").option("replaceWhere", predicate) \
        .option("mergeSchema", "true").saveAsTable(full_name)


def _epoch_literal(moment: datetime) -> str:
    return f"timestamp_seconds({moment.timestamp()!r})"


def write_cluster_events(spark, full_name: str, rows: Sequence[Mapping[str, Any]], cluster_id: str,
                         start: datetime, end: datetime) -> None:
    """Stores the cluster's events of [start, end): re-running the analysis replaces them, never duplicates."""
    if not _CLUSTER_ID.match(cluster_id):
        raise ValueError(f"not a cluster id: {cluster_id!r}")
    kept = [row for row in rows if start <= row["event_time"] < end and row["cluster_id"] == cluster_id]
    predicate = (f"cluster_id = '{cluster_id}' AND event_time >= {_epoch_literal(start)} "
                 f"AND event_time < {_epoch_literal(end)}")
    _replace_rows(spark, full_name, kept, CLUSTER_EVENT_COLUMNS, CLUSTER_EVENTS_SCHEMA_DDL, predicate)


def write_results(spark, full_name: str, rows: Sequence[Mapping[str, Any]], run_start: datetime) -> None:
    """Stores one run's result rows: re-running the analysis of a run replaces its rows."""
    _replace_rows(spark, full_name, rows, RESULT_COLUMNS, RESULTS_SCHEMA_DDL,
                  f"run_start = {_epoch_literal(run_start)}")


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def analyze_run(spark, params: AnalysisParams,
                fetch_events: Callable[[str, int, int], list[dict]] = fetch_cluster_events,
                now: Callable[[], datetime] = utc_now, log: Callable[[str], None] = print,
                chunk_size: int = 100) -> dict:
    """The whole analysis of one run: counts, metrics, cluster events, results written, report printed.
    Returns a JSON-able summary."""
    notes: list[str] = []
    existing = existing_tables(spark, params.catalog, params.schema)
    has_metrics = params.metrics_table in existing
    run_start = params.run_start
    if run_start is None:
        run_start = latest_run_start(spark, params.full_name(params.metrics_table)) if has_metrics else None
        if run_start is None:
            raise ValueError("run_start is empty and no baseline run is recorded in "
                             f"{params.full_name(params.metrics_table)}; set run_start")
        notes.append(f"run_start not given: the latest baseline start in {params.metrics_table} was used")
    run_start = run_start.astimezone(timezone.utc).replace(microsecond=0)
    windows = expected_windows(params.windows, run_start)
    run_end = windows[-1].end
    analyzed_at = now()
    if run_end > analyzed_at:
        notes.append(f"the run is not over (it ends {run_end:%H:%M:%S} UTC): later windows are incomplete")

    tables = params.phase_tables()
    present = [(phase, table) for phase, table in tables if table in existing]
    missing = [table for _, table in tables if table not in existing]
    if missing:
        notes.append(f"{len(missing)} stream table(s) do not exist (counted as 0 rows): {', '.join(missing[:5])}"
                     + (" ..." if len(missing) > 5 else ""))
    per_second, per_table = stream_counts(spark, [params.full_name(table) for _, table in present],
                                          run_start, run_end, chunk_size)
    table_counts = [(phase, table, per_table.get(params.full_name(table), 0)) for phase, table in tables]

    metrics = None
    if has_metrics:
        metrics = metrics_per_second(spark, params.full_name(params.metrics_table), run_start, run_end)
    else:
        notes.append(f"no {params.metrics_table} table: the metrics columns are empty")

    events: list[dict] = []
    cluster_id = params.cluster_id or current_cluster_id(spark)
    if not cluster_id:
        notes.append("no cluster_id: worker counts and reaction times are unknown")
    else:
        events_start, events_end = run_start - EVENTS_LOOKBACK, run_end + EVENTS_GRACE
        try:
            events = cluster_event_rows(fetch_events(cluster_id, int(events_start.timestamp() * 1000),
                                                     int(events_end.timestamp() * 1000)))
            write_cluster_events(spark, params.full_name(params.cluster_events_table), events, cluster_id,
                                 events_start, events_end)
        except Exception as error:
            notes.append(f"cluster events of {cluster_id} unavailable: {str(error).splitlines()[0] if str(error) else repr(error)}")

    pipeline_events: list[DltEvent] = []
    if params.pipeline_event_log_table:
        try:
            pipeline_events = read_dlt_events(spark, params.full_name(params.pipeline_event_log_table),
                                              run_start - EVENTS_LOOKBACK, run_end + EVENTS_GRACE)
            if not pipeline_events:
                notes.append(f"no cluster_resources events in {params.pipeline_event_log_table} for the run: "
                             "the DLT columns are empty")
        except Exception as error:
            notes.append(f"pipeline event log {params.pipeline_event_log_table} unavailable: "
                         f"{str(error).splitlines()[0] if str(error) else repr(error)}")

    rows = result_rows(run_start, windows, per_second, metrics, events, analyzed_at, pipeline_events)
    write_results(spark, params.full_name(params.results_table), rows, run_start)
    log(format_report(run_start, rows, table_counts, notes, pipeline=bool(params.pipeline_event_log_table)))
    return {
        "run_start": run_start.isoformat(),
        "windows": [{column: (value.isoformat() if isinstance(value, datetime) else value)
                     for column, value in row.items()} for row in rows],
        "tables": len(table_counts),
        "rows": sum(count for _, _, count in table_counts),
        "cluster_events": len(events),
        "pipeline_events": len(pipeline_events),
        "notes": notes,
    }
