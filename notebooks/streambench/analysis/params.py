"""The analysis notebook's parameters: names, defaults, the plan's windows (`windows_json`) and their checks."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Mapping

from streambench.analysis.cost import CostSettings, parse_tags
from streambench.analysis.verdict import CRITERIA_LIMITS, CRITERIA_PARAMETER_NAMES, Criteria
from streambench.job_parameters import (
    MAX_RUN_MINUTES,
    TABLE_NAME_PATTERN,
    is_run_minute,
    json_objects,
    parse_time_param,
    qualified_name,
    whole_number,
)
from streambench.metrics_rows import DEFAULT_METRICS_TABLE
from streambench.stream_tables import PhaseTables, parse_phases

# The analysis notebook's parameters, sorted: the one list of them (tests/plan/notebookContract.test.ts holds the
# plan's analysis parameters and the deployed cluster_id to exactly these). Required ones first in the notebook's
# header table.
ANALYSIS_PARAMETER_NAMES = (
    "catalog",
    "chart_folder",
    "cluster_events_table",
    "cluster_id",
    "cluster_tags_json",
    "compute",
    "dbu_per_node_hour",
    "lag_recovery_triggers",
    "lag_threshold_triggers",
    "max_batch_to_trigger",
    "metrics_table",
    "phases_json",
    "pipeline_compute",
    "pipeline_event_log_table",
    "price_per_dbu",
    "processed_tolerance_percent",
    "results_table",
    "run_start",
    "schema",
    "windows_json",
)
REQUIRED_PARAMETERS = ("catalog", "schema", "phases_json", "windows_json")
PARAMETER_DEFAULTS = {
    "cluster_events_table": "cluster_events",
    "cluster_id": "",
    "compute": "",  # empty: unlabelled (a run analysed with parameters from before the label existed)
    "metrics_table": DEFAULT_METRICS_TABLE,
    "pipeline_compute": "",  # empty: no DLT pipeline
    "pipeline_event_log_table": "",  # empty: the stack declares no DLT pipeline
    "results_table": "benchmark_results",
    "run_start": "",
    "chart_folder": "",  # empty: no chart is saved
    "cluster_tags_json": "",  # empty: no billing query
    "dbu_per_node_hour": "",  # empty: no cost estimate
    "price_per_dbu": "",
    **{name: f"{getattr(Criteria(), name):g}" for name in CRITERIA_PARAMETER_NAMES},
}

CLUSTER_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]+$")

# What a run ran on (plan/settings.ts COMPUTE_LABELS): the phases' compute, and the DLT pipeline's.
PHASE_COMPUTE_LABELS = ("all-purpose cluster", "job cluster", "local Spark")
PIPELINE_COMPUTE_LABELS = ("classic pipeline", "serverless pipeline")


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
    compute: str = ""  # the phases' compute, one of PHASE_COMPUTE_LABELS; empty = unlabelled
    pipeline_compute: str = ""  # the pipeline's, one of PIPELINE_COMPUTE_LABELS; empty = no pipeline
    criteria: Criteria = Criteria()  # what the verdict holds each window to
    cost: CostSettings = CostSettings()  # the rates of the cost estimate
    cluster_tags: Mapping[str, str] = field(default_factory=dict)  # the stack's tags: the billing query's filter
    chart_folder: str = ""  # where the chart is saved (`<folder>/<run start>.png`); empty = nowhere

    def full_name(self, table: str) -> str:
        return qualified_name(self.catalog, self.schema, table)

    def phase_tables(self) -> list[tuple[str, str]]:
        """(phase, table) of every stream table of the run, in phase order."""
        return [(phase.phase, table) for phase in self.phases for table in phase.tables()]


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def parse_windows(text: str, problems: list[str]) -> tuple[WindowPlan, ...]:
    """The plan's throughput windows from `windows_json`, checked: in order, not overlapping."""
    windows = []
    for position, item in json_objects("windows_json", text, "windows", problems):
        start, end = _number(item.get("startMinute")), _number(item.get("endMinute"))
        by_phase_raw = item.get("rowsPerSecondByPhase") or {}
        by_phase = (
            {str(phase): whole_number(rate) for phase, rate in dict(by_phase_raw).items()}
            if isinstance(by_phase_raw, Mapping)
            else {}
        )
        total = (
            whole_number(item.get("totalRowsPerSecond"))
            if "totalRowsPerSecond" in item
            else sum(rate or 0 for rate in by_phase.values())
        )
        # is_run_minute refuses NaN and the infinities, which json.loads reads from NaN and Infinity.
        if start is None or end is None or not (is_run_minute(start) and is_run_minute(end)) or end <= start:
            problems.append(
                f"windows_json[{position}] needs 0 <= startMinute < endMinute <= {MAX_RUN_MINUTES}, got "
                f"{item.get('startMinute')!r}..{item.get('endMinute')!r}"
            )
            continue
        if total is None or total < 0 or any(rate is None or rate < 0 for rate in by_phase.values()):
            problems.append(f"windows_json[{position}] rates must be whole numbers of at least 0")
            continue
        if windows and start < windows[-1].end_minute:
            problems.append(f"windows_json[{position}] starts at minute {start:g}, before the previous window ends")
            continue
        windows.append(WindowPlan(start, end, total, by_phase))
    return tuple(windows)


_DECIMAL = re.compile(r"([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")


def decimal_param(name: str, text: str, problems: list[str], maximum: float, positive: bool = True) -> float | None:
    """A job parameter holding a plain decimal number above 0 (or from 0) up to `maximum`; None when empty, and
    a problem naming the parameter when it is not such a number."""
    text = text.strip()
    if not text:
        return None
    value = float(text) if _DECIMAL.fullmatch(text) else None
    if value is None or not (value > 0 if positive else value >= 0) or value > maximum:
        problems.append(f"{name} must be a number {'above' if positive else 'from'} 0 up to {maximum:g}, got {text!r}")
        return None
    return value


def parse_criteria(value, problems: list[str]) -> Criteria:
    """The verdict's criteria from their parameters; the default of each one left empty."""
    given = {}
    for name in CRITERIA_PARAMETER_NAMES:
        number = decimal_param(
            name, value(name), problems, CRITERIA_LIMITS[name], positive=name != "processed_tolerance_percent"
        )
        if number is not None:
            given[name] = number
    return Criteria(**given)


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
    if cluster_id and not CLUSTER_ID_PATTERN.match(cluster_id):
        problems.append(f"cluster_id {cluster_id!r} is not a cluster id")
    for name in ("metrics_table", "cluster_events_table", "results_table", "pipeline_event_log_table"):
        if name == "pipeline_event_log_table" and not value(name):
            continue  # optional
        if not TABLE_NAME_PATTERN.match(value(name)):
            problems.append(
                f"{name} must be a table name in the benchmark schema (letters, digits, _), got {value(name)!r}"
            )
    for name, labels in (("compute", PHASE_COMPUTE_LABELS), ("pipeline_compute", PIPELINE_COMPUTE_LABELS)):
        if value(name) and value(name) not in labels:
            problems.append(
                f"{name} must be one of {', '.join(repr(label) for label in labels)} or empty, got {value(name)!r}"
            )
    criteria = parse_criteria(value, problems)
    cost = CostSettings(
        dbu_per_node_hour=decimal_param("dbu_per_node_hour", value("dbu_per_node_hour"), problems, 1000.0),
        price_per_dbu=decimal_param("price_per_dbu", value("price_per_dbu"), problems, 1000.0, positive=False),
    )
    cluster_tags = parse_tags(value("cluster_tags_json"), problems)
    chart_folder = value("chart_folder").rstrip("/")
    if chart_folder and (not chart_folder.startswith("/") or ".." in chart_folder.split("/")):
        problems.append(
            f"chart_folder must be an absolute path such as /Volumes/<catalog>/<schema>/<volume>/charts, got {chart_folder!r}"
        )
    if problems:
        raise ValueError("Analysis parameters are invalid:\n  - " + "\n  - ".join(problems))
    return AnalysisParams(
        catalog=value("catalog"),
        schema=value("schema"),
        phases=phases,
        windows=windows,
        cluster_id=cluster_id,
        run_start=run_start,
        metrics_table=value("metrics_table"),
        cluster_events_table=value("cluster_events_table"),
        results_table=value("results_table"),
        pipeline_event_log_table=value("pipeline_event_log_table"),
        compute=value("compute"),
        pipeline_compute=value("pipeline_compute"),
        criteria=criteria,
        cost=cost,
        cluster_tags=cluster_tags,
        chart_folder=chart_folder,
    )
