"""A load profile on local Spark, and the thresholds of its command line: a dev-sized staircase (a base and three
cumulative steps) through cli/local.ts's own run spec and the runner at --speed 10. Every phase writes exactly its
rows/s x window seconds, stamped inside its window; the results have one window per change of the total load, each
with its verdict; a threshold the run fails exits 99 and its JUnit names the window."""

import dataclasses
import json
import threading
from pathlib import Path
from xml.etree import ElementTree

import pytest
from runner_support import local_ts, project_with
from streambench.gates import EXIT_THRESHOLD_FAILED, JUNIT_FILE
from streambench.local.console import Console
from streambench.local.report import analyse_and_draw
from streambench.local.run import gate, run_timeline
from streambench.local.timeline import Clock, parse_run_spec

SPEED = 10
# Test mode: a base of 2 streams at 100 rows/s, steps of 1 x 300, 1 x 300 and 1 x 600 rows/s from minute 1, 2 and 3,
# all stopping at minute 4; the base alone to minute 5.
STAIRCASE_STACK = """config:
  streambench:testMode: true
  streambench:partitions: 1
  streambench:staircase:
    base: { streams: 2, rowsPerSecond: 1000 }
    steps:
      - { streams: 1, rowsPerSecond: 3000 }
      - { streams: 1, rowsPerSecond: 3000 }
      - { streams: 1, rowsPerSecond: 6000 }
    firstStepMinute: 1
    stepMinutes: 1
    holdMinutes: 1
    cooldownMinutes: 1
"""
PHASE_WINDOWS = {"base": (0, 5), "step_1": (1, 4), "step_2": (2, 4), "step_3": (3, 4)}
# The rate source is exact; only the rounding of a window's edges to whole seconds may move a table's count.
ROWS_TOLERANCE = 0.02


@pytest.fixture(scope="module")
def staircase_run(spark, tmp_path_factory):
    project = project_with(tmp_path_factory.mktemp("staircase"), "steps", STAIRCASE_STACK)
    result = local_ts(
        project, "--stack", "steps", "--speed", str(SPEED), "--dry-run", "--fail-if", "lag_p95_seconds >= 0"
    )
    assert result.returncode == 0, result.stderr
    state = tmp_path_factory.mktemp("steps-state")
    spec = parse_run_spec({**json.loads(result.stdout), "stateDir": str(state)})
    console = Console(interactive=False)
    console.log = lambda line: None
    outcome = run_timeline(spark, spec, console, threading.Event())
    report = analyse_and_draw(spark, spec, outcome, console, state_dir=state)
    return spec, outcome, report, state


def test_every_phase_writes_its_rows_per_second_times_its_window_inside_its_window(spark, staircase_run):
    spec, outcome, _, _ = staircase_run
    assert not outcome.errors and not outcome.stopped
    clock = Clock(SPEED)
    start = outcome.run_start.timestamp()
    phases = json.loads(spec.analysis_parameters["phases_json"])
    assert [phase["phase"] for phase in phases] == list(PHASE_WINDOWS)
    rates = {job.phase: int(job.parameters["rows_per_second"]) for job in spec.phases}
    for phase in phases:
        first_minute, last_minute = PHASE_WINDOWS[phase["phase"]]
        window_seconds = clock.real_minutes(last_minute - first_minute) * 60
        for number in range(1, phase["stream_count"] + 1):
            table = phase["table_name_format"].format(stream_id=phase["first_stream_id"] + number - 1, number=number)
            row = spark.sql(
                "SELECT count(*) AS rows, min(unix_micros(event_timestamp)) AS first, "
                f"max(unix_micros(event_timestamp)) AS last FROM spark_catalog.dlt_autoscaling_steps.{table}"
            ).first()
            expected = rates[phase["phase"]] * window_seconds
            assert abs(row["rows"] - expected) <= ROWS_TOLERANCE * expected, (table, row["rows"], expected)
            assert first_minute <= clock.plan_minutes(row["first"] / 1e6 - start), table
            assert clock.plan_minutes(row["last"] / 1e6 - start) < last_minute, table


def test_the_results_have_one_window_per_change_of_the_total_load_each_with_its_verdict(staircase_run):
    _, _, _, state = staircase_run
    results = json.loads((state / "results.json").read_text())
    windows = results["windows"]
    assert [(window["start_minute"], window["end_minute"]) for window in windows] == [
        (0, 1),
        (1, 2),
        (2, 3),
        (3, 4),
        (4, 5),
    ]
    assert [window["target_rows_per_second"] for window in windows] == [200, 500, 800, 1400, 200]
    assert all(window["verdict"]["kept_up"] in (True, False) for window in windows), [w["verdict"] for w in windows]


def test_a_threshold_the_run_fails_exits_99_naming_each_window_and_a_run_within_it_exits_0(staircase_run):
    spec, _, report, state = staircase_run
    console = Console(interactive=False)
    console.log = lambda line: None
    # --fail-if "lag_p95_seconds >= 0" from the command line: true wherever a lag was measured.
    assert [item["text"] for item in spec.thresholds] == ["lag_p95_seconds >= 0"]
    assert gate(spec, Path(report.results_path), console) == EXIT_THRESHOLD_FAILED
    failures = [
        case.get("name") for case in ElementTree.parse(state / JUNIT_FILE).getroot() if case.find("failure") is not None
    ]
    # Every window that measured a lag fails, by its name, and so does the run.
    windows = json.loads(Path(report.results_path).read_text())["windows"]
    measured = [w for w in windows if w["verdict"].get("lag_p95_seconds") is not None]
    assert measured, windows
    assert failures == [
        *(f"lag_p95_seconds >= 0 [window {w['start_minute']:g}-{w['end_minute']:g} min]" for w in measured),
        "lag_p95_seconds >= 0 [run]",
    ]
    within = dataclasses.replace(
        spec, thresholds=({"metric": "lag_p95_seconds", "op": "<", "value": 0, "text": "lag_p95_seconds < 0"},)
    )
    assert gate(within, Path(report.results_path), console) == 0


def test_the_report_page_shows_the_runs_own_numbers(staircase_run):
    from streambench.html_report import number, write_report

    _, _, report, state = staircase_run
    page = Path(write_report(state)).read_text()
    assert "data:image/png;base64," in page and "http" not in page.replace("http-equiv", "")
    for window in json.loads(Path(report.results_path).read_text())["windows"]:
        assert f"<td>{number(window['verdict'].get('processed_rows_per_second'), 0)}</td>" in page
