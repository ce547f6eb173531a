"""Thresholds as a CI gate: each `<metric> <op> <number>` (config/thresholds.ts parses them; the run spec carries
them as {metric, op, value, text}) checked against a run's results, for the run and for every window. A threshold
fails when its expression is true. The checks become a JUnit XML (one test case per threshold and window) and a
JSON summary beside results.json; a failed one makes the run exit EXIT_THRESHOLD_FAILED.

Plain functions over results.json's shape, tested without Spark.
"""

from __future__ import annotations

import json
import operator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence
from xml.etree import ElementTree

# config/thresholds.ts EXIT_THRESHOLD_FAILED: the run played and was analysed, and a threshold failed.
EXIT_THRESHOLD_FAILED = 99
JUNIT_FILE = "thresholds.junit.xml"
SUMMARY_FILE = "thresholds.json"

OPERATORS: Mapping[str, Callable[[float, float], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<=": operator.le,
    ">=": operator.ge,
    "<": operator.lt,
    ">": operator.gt,
}


@dataclass(frozen=True)
class Check:
    """One threshold against one scope (`run`, or a window `3-6 min`): failed, passed, or not measured."""

    threshold: str
    scope: str
    value: float | None
    failed: bool

    @property
    def name(self) -> str:
        return f"{self.threshold} [{self.scope}]"


def _window_value(metric: str, verdict: Mapping[str, Any]) -> float | None:
    """A window's value of `metric`; None when the window did not measure it (no load, no batch, no resize)."""
    if metric == "kept_up":
        kept_up = verdict.get("kept_up")
        return None if kept_up is None else float(bool(kept_up))
    if metric == "batch_p95_to_trigger":
        batch, trigger = verdict.get("batch_p95_seconds"), verdict.get("trigger_seconds")
        return None if batch is None or not trigger else float(batch) / float(trigger)
    value = verdict.get(metric)
    return None if value is None else float(value)


def _run_value(metric: str, results: Mapping[str, Any], windows: Sequence[float | None]) -> float | None:
    """The run's value: its verdict (kept up only if every window did), its cost, or the worst window's value."""
    cost = results.get("cost") or {}
    if metric == "kept_up":
        kept_up = results.get("kept_up")
        return None if kept_up is None else float(bool(kept_up))
    if metric == "node_minutes":
        return None if cost.get("worker_minutes") is None else float(cost["worker_minutes"])
    if metric == "cost":
        return None if cost.get("estimated_price") is None else float(cost["estimated_price"])
    measured = [value for value in windows if value is not None]
    return max(measured) if measured else None


def window_scope(window: Mapping[str, Any]) -> str:
    from streambench.analysis.verdict_table import window_label

    return f"window {window_label(window['start_minute'], window['end_minute'])} min"


def check_thresholds(results: Mapping[str, Any], thresholds: Sequence[Mapping[str, Any]]) -> list[Check]:
    """Every threshold against the run and each of its windows (run-only metrics against the run)."""
    checks = []
    for threshold in thresholds:
        metric, compare, limit = threshold["metric"], OPERATORS[threshold["op"]], float(threshold["value"])
        text = threshold["text"]
        per_window = [] if metric in ("node_minutes", "cost") else results.get("windows") or []
        # A window of results.json nests its verdict; a benchmark_results row (the analysis job's summary) is flat.
        values = [_window_value(metric, window.get("verdict") or window) for window in per_window]
        scoped = [(window_scope(window), value) for window, value in zip(per_window, values)]
        scoped.append(("run", _run_value(metric, results, values)))
        checks.extend(Check(text, scope, value, value is not None and compare(value, limit)) for scope, value in scoped)
    return checks


def junit_xml(suite: str, checks: Sequence[Check]) -> str:
    """A JUnit report: one test case per check, its window in its name; a failure says the value that tripped it,
    a check with nothing measured is skipped."""
    root = ElementTree.Element(
        "testsuite",
        name=suite,
        tests=str(len(checks)),
        failures=str(sum(check.failed for check in checks)),
        skipped=str(sum(check.value is None for check in checks)),
    )
    for check in checks:
        case = ElementTree.SubElement(root, "testcase", classname=suite, name=check.name)
        if check.failed:
            ElementTree.SubElement(
                case, "failure", message=f"{check.threshold} is true: the {check.scope} measured {check.value:g}"
            )
        elif check.value is None:
            ElementTree.SubElement(case, "skipped", message=f"the {check.scope} did not measure it")
    return ElementTree.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def write_gate(
    state_dir: Path, stack: str, results: Mapping[str, Any], thresholds: Sequence[Mapping[str, Any]]
) -> list[Check]:
    """Checks the thresholds and writes the JUnit report and the JSON summary beside results.json; returns the checks."""
    checks = check_thresholds(results, thresholds)
    (state_dir / JUNIT_FILE).write_text(junit_xml(f"streambench.{stack}", checks))
    summary = {
        "passed": not any(check.failed for check in checks),
        "exit_code": EXIT_THRESHOLD_FAILED if any(check.failed for check in checks) else 0,
        "checks": [{**asdict(check), "name": check.name} for check in checks],
    }
    (state_dir / SUMMARY_FILE).write_text(json.dumps(summary, indent=2))
    return checks


def failed_lines(checks: Sequence[Check]) -> list[str]:
    return [f"threshold failed: {check.name}: measured {check.value:g}" for check in checks if check.failed]
