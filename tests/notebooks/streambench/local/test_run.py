"""`npm run local`: the run spec a stack's plan gives (built by cli/local.ts itself), its parameters on the
compressed clock, and real runs on local Spark: a short whole timeline through the notebooks' own code against the
plan, with its chart, and Ctrl-C on the real command."""

import json
import os
import signal
import struct
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
from runner_support import ROOT, SPEED, committed_batches, phase_windows
from streambench.chart import PNG_SIZE, draw_results, offered_steps  # noqa: E402
from streambench.local.console import Console  # noqa: E402
from streambench.local.databricks_connect import connect_problems  # noqa: E402
from streambench.local.report import analyse_and_draw  # noqa: E402
from streambench.local.run import install_stop_on_ctrl_c, run_timeline  # noqa: E402
from streambench.local.timeline import (  # noqa: E402
    Clock,
    RunSpecError,
    analysis_parameters,
    databricks_connect_line,
    parse_run_spec,
    phase_parameters,
    progress_line,
    scaled_windows,
    window_table,
)
from streambench.metrics_rows import parse_progress_time, window_observation  # noqa: E402

# How far each window's achieved rows/s may fall below the plan's target. The rate source stamps rows from the
# moment its query starts (under a second after the window's start here), and when a phase ends, its streams are
# stopped mid-batch: the rows after their last committed micro-batch are lost. With micro-batches of 2-4 s for a
# 2 s trigger on this 2-core machine shared with other test runs, the 9x stream lost 6.3 s of its 12 s window, and
# the window fell 52.5 % short of its target.
SHORTFALL_TOLERANCE_PERCENT = 60
# Above the target nothing can come: the rate source is exact and rows count by their event time. Only the
# rounding of the windows' edges to whole seconds is allowed for.
EXCESS_TOLERANCE_PERCENT = 2
# The Ctrl-C test's speed: its 3x window lasts 30 s (30-60 s after the start). The interrupt waits for committed
# micro-batches: with two CPU burners beside other test runs on this 2-core machine, micro-batches took up to 23 s and
# the baseline's first rows of its window were committed 6 to 42 s after the start. At 10x the window (6-12 s) was
# mostly over by then.
CTRL_C_SPEED = 2

# ---- the run spec and its parameters (no Spark) ----------------------------------------------------------


def test_the_spec_carries_the_plans_job_parameters_with_the_full_timeline_jobs_offsets(small_spec):
    phases = {phase["phase"]: phase["parameters"] for phase in small_spec["phases"]}
    assert list(phases) == ["baseline", "3x", "9x"]
    assert [phases[name]["start_offset_minutes"] for name in phases] == ["0", "1", "2"]
    assert [phases[name]["window_minutes"] for name in phases] == ["4", "1", "1"]
    assert [phases[name]["rows_per_second"] for name in phases] == ["200", "600", "1800"]
    assert all(parameters["trigger_time"] == small_spec["triggerTimeReference"] for parameters in phases.values())
    windows = json.loads(small_spec["analysisParameters"]["windows_json"])
    assert [window["totalRowsPerSecond"] for window in windows] == [200, 800, 2000, 200]
    assert small_spec["analysisParameters"]["run_start"] == small_spec["triggerTimeReference"]


def test_phase_parameters_run_the_timeline_speed_times_faster_on_this_machine(small_spec):
    spec = parse_run_spec({**small_spec, "speed": 10})
    run_start = datetime(2026, 11, 25, 18, 0, 5, tzinfo=timezone.utc)
    nine = phase_parameters(spec, spec.phases[2], run_start, "local-1")
    assert nine["start_offset_minutes"] == "0.2" and nine["window_minutes"] == "0.1"
    assert nine["trigger_interval_seconds"] == "1" and nine["status_interval_seconds"] == "3"
    assert nine["trigger_time"] == "2026-11-25T18:00:05"
    assert nine["catalog"] == "spark_catalog"
    assert nine["checkpoint_root"] == f"{spec.state_dir}/checkpoints/9x/local-1"
    assert nine["rows_per_second"] == "1800"
    assert [entry["stream_count"] for entry in json.loads(nine["phases_json"]) if entry["phase"] == "9x"] == [1]


def test_connect_keeps_the_workspace_catalog_and_volume_and_fills_in_the_run_id(small_spec):
    spec = parse_run_spec({**small_spec, "mode": "connect", "speed": 1})
    parameters = phase_parameters(spec, spec.phases[0], datetime(2026, 11, 25, tzinfo=timezone.utc), "local-7")
    assert parameters["catalog"] == "main"
    assert parameters["checkpoint_root"] == "/Volumes/main/dlt_autoscaling_small/checkpoints/baseline/local-7"
    assert parameters["trigger_interval_seconds"] == "10" and parameters["window_minutes"] == "4"


@pytest.mark.parametrize(
    "speed, plan_seconds, expected", [(1, 10, 10), (4, 10, 3), (10, 30, 3), (20, 10, 1), (60, 30, 1)]
)
def test_intervals_shrink_with_the_speed_in_whole_seconds_never_below_one(speed, plan_seconds, expected):
    assert Clock(speed).interval_seconds(plan_seconds) == expected


def test_a_stopped_run_is_analysed_over_what_was_played(small_spec):
    spec = parse_run_spec(small_spec)
    windows = scaled_windows(spec.analysis_parameters["windows_json"], Clock(SPEED), stop_plan_minute=1.5)
    assert [(window["startMinute"], window["endMinute"]) for window in windows] == [(0.0, 0.2), (0.2, 0.3)]
    parameters = analysis_parameters(spec, datetime(2026, 11, 25, 18, tzinfo=timezone.utc), 1.5)
    assert parameters["run_start"] == "2026-11-25T18:00:00" and parameters["catalog"] == "spark_catalog"


def test_bad_specs_are_refused_with_every_problem():
    with pytest.raises(RunSpecError) as error:
        parse_run_spec({"mode": "cloud", "speed": 0, "phases": []})
    message = str(error.value)
    for expected in (
        "mode must be one of local, spark-connect, connect",
        "speed must be a number above 0",
        "stack is required",
        "phases must list at least one phase",
        "analysisParameters is required",
    ):
        assert expected in message


def test_progress_line_and_window_table():
    assert (
        progress_line(4.5, 15, "baseline+3x at 800 rows/s", width=10)
        == "[###.......]  30%  minute 4.5 of 15  baseline+3x at 800 rows/s"
    )
    assert progress_line(-0.2, 15, "waiting", width=4).startswith("[....]   0%  minute 0.0 of 15")
    assert databricks_connect_line("16.4.x-scala2.12") == "16.4.*" and databricks_connect_line("") == ""


def test_on_a_terminal_status_lines_go_above_the_progress_bar_which_stays_last():
    import io

    screen = io.StringIO()
    console = Console(screen, interactive=True)
    console.bar("[#...] 25%", 0.25)
    console.prefixed("3x")("18:00:03 UTC | active streams: 1")
    console.bar("[##..] 50%", 0.5)
    console.end_bar()
    assert screen.getvalue() == (
        "\r\x1b[K[#...] 25%\r\x1b[K[3x] 18:00:03 UTC | active streams: 1\n[#...] 25%\r\x1b[K[##..] 50%\n"
    )


def test_without_a_terminal_the_bar_is_printed_at_every_tenth():
    import io

    screen = io.StringIO()
    console = Console(screen, interactive=False)
    for percent in range(0, 101, 5):
        console.bar(f"{percent}%", percent / 100)
    assert screen.getvalue().split() == [f"{percent}%" for percent in range(0, 101, 10)]


def test_connect_says_what_to_install_and_set(small_spec):
    spec = parse_run_spec({**small_spec, "mode": "connect", "sparkVersion": "15.4.x-scala2.12", "clusterName": ""})
    problems = connect_problems(spec, {}, connect_installed=False)
    assert "pip install 'databricks-connect==15.4.*'" in problems[0] and "--cluster-id" in problems[1]
    spec = parse_run_spec({**small_spec, "mode": "connect", "clusterName": "streambench-small"})
    # No host is needed here: the SDK may find one in a profile.
    assert connect_problems(spec, {}, connect_installed=True) == []


TOKEN = "dapi" + "0123456789abcdef" * 2  # the shape of a personal access token, never to be printed
SECRET = "dose" + "fedcba9876543210" * 2  # an OAuth secret's shape


def run_connect(small_spec, tmp_path, env, **spec_changes):
    """The runner with --connect's spec in this venv (no databricks-connect; databricks-sdk is here), HOME empty."""
    spec = {**small_spec, "mode": "connect", "stateDir": str(tmp_path / "state"), **spec_changes}
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    clean = {key: value for key, value in os.environ.items() if not key.startswith("DATABRICKS_")}
    return subprocess.run(
        [sys.executable, str(ROOT / "notebooks" / "streambench" / "local" / "run.py")],
        input=json.dumps(spec),
        capture_output=True,
        text=True,
        timeout=60,
        env={**clean, "HOME": str(home), **env},
    )


def test_connect_in_a_python_without_databricks_connect_stops_before_any_session(small_spec, tmp_path):
    result = run_connect(small_spec, tmp_path, {})
    assert result.returncode == 1
    assert "databricks-connect is not installed" in result.stderr
    # The SDK's unified authentication found no credentials anywhere (no variables, no ~/.databrickscfg).
    assert "cannot authenticate:" in result.stderr, result.stderr


@pytest.mark.parametrize(
    "env, said",
    [
        # Host and token swapped: refused as a token, never printed.
        ({"DATABRICKS_HOST": TOKEN, "DATABRICKS_TOKEN": "https://dbc-1.cloud.databricks.com"}, "looks like a token"),
        # A token and an OAuth client secret at once: the SDK refuses, and its message goes out scrubbed.
        (
            {
                "DATABRICKS_HOST": "http://127.0.0.1:9",
                "DATABRICKS_TOKEN": TOKEN,
                "DATABRICKS_CLIENT_ID": "streambench-sp",
                "DATABRICKS_CLIENT_SECRET": SECRET,
            },
            "cannot authenticate:",
        ),
    ],
)
def test_connect_never_prints_a_credential_it_is_given(small_spec, tmp_path, env, said):
    """The runner's --connect reads the credentials through the SDK (databricks_connect.workspace_config): what it
    says about them names the problem, never the value."""
    result = run_connect(small_spec, tmp_path, env, clusterId="0101-abc")
    assert result.returncode == 1 and said in result.stderr, result.stderr
    for credential in (TOKEN, SECRET):
        assert credential not in result.stdout + result.stderr


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_the_chart_is_a_png_of_the_stated_size(tmp_path):
    data = {
        "interval_minutes": 1 / 6,
        "end_minute": 6.5,
        "offered": [[0.0, 500], [3.0, 800]],
        "offered_end_minute": 6.0,
        "intervals": [
            {
                "start_minute": index / 6,
                "processed_by_type": {"baseline": 480.0, "3x": 300.0 if index >= 18 else 0.0},
                "lag_p95_seconds": 12.0,
                "lag_max_seconds": 14.0 if index % 2 else None,
            }
            for index in range(39)
        ],
        "lag_threshold_seconds": 30.0,
        "workers": [[0.0, 2], [3.5, 4]],
        "executors": [],
    }
    path = draw_results(
        str(tmp_path / "chart.png"),
        "test",
        data,
        [["minutes", "kept up"], ["0-3", "yes"], ["3-6", "NO"]],
        ["baseline", "3x"],
    )
    assert png_size(Path(path)) == PNG_SIZE == (1400, 1100)
    assert offered_steps(data) == ([0.0, 3.0, 6.0], [500.0, 800.0, 800.0])


# ---- real runs on local Spark ----------------------------------------------------------------------------


def test_every_window_reaches_the_plans_target_within_the_tolerance(played):
    spec, outcome, report, lines, _ = played
    assert not outcome.errors and not outcome.stopped
    assert [(window.start_minute, window.end_minute) for window in report.windows] == [(0, 1), (1, 2), (2, 3), (3, 4)]
    assert [window.target_rows_per_second for window in report.windows] == [200, 800, 2000, 200]
    for window in report.windows:
        assert -SHORTFALL_TOLERANCE_PERCENT <= window.gap_percent <= EXCESS_TOLERANCE_PERCENT, (
            window,
            "\n".join(lines),
        )


def test_each_stream_writes_only_inside_its_phases_window(spark, played):
    """Where the rows are on the clock does not depend on the machine's speed: the 3x rows fall in minute 1-2 of
    the run and the 9x rows in minute 2-3 (plan minutes), the baseline rows in 0-4."""
    spec, outcome, _, _, _ = played
    start = outcome.run_start.timestamp()
    for phase, (first_minute, last_minute) in {"baseline": (0, 4), "3x": (1, 2), "9x": (2, 3)}.items():
        table = json.loads(spec.analysis_parameters["phases_json"])
        name = next(item["table_name_format"] for item in table if item["phase"] == phase).format(stream_id=1)
        row = spark.sql(
            f"SELECT min(unix_micros(event_timestamp)) AS first, max(unix_micros(event_timestamp)) AS last, "
            f"count(*) AS rows FROM spark_catalog.dlt_autoscaling_small.{name} "
            f"WHERE event_timestamp BETWEEN timestamp_seconds({start}) AND timestamp_seconds({start + 60})"
        ).first()
        assert row["rows"] > 0, phase
        first_seen = Clock(SPEED).plan_minutes(row["first"] / 1e6 - start)
        last_seen = Clock(SPEED).plan_minutes(row["last"] / 1e6 - start)
        # A phase stops its streams within a second of its window's end (its loop looks at the clock every second).
        assert first_minute <= first_seen and last_seen < last_minute + Clock(SPEED).plan_minutes(1.0), (
            phase,
            first_seen,
            last_seen,
        )


def test_the_phases_statuses_ride_on_the_progress_line_not_one_line_each_per_interval(played):
    _, _, _, lines, _ = played
    assert not any("input rows/s" in line or "draining:" in line for line in lines)
    assert any(line.startswith("[") and "9x at 2,000 rows/s, measured " in line for line in lines), lines
    assert any(line.startswith("[##########") and "100%" in line for line in lines)


def test_the_run_writes_its_chart_and_results(played):
    _, outcome, report, _, state = played
    assert report.chart_path == str(state / "results.png")
    assert png_size(state / "results.png") == PNG_SIZE
    results = json.loads((state / "results.json").read_text())
    assert results["run_id"] == outcome.run_id and len(results["windows"]) == 4
    assert window_table(report.windows)[0] == [
        "minutes",
        "phases",
        "target rows/s",
        "achieved rows/s",
        "gap",
        "processed rows/s",
        "kept up",
    ]
    # Every window carries its verdict, from the micro-batches the run committed, and the run its own.
    assert [window["verdict"]["batches"] > 0 for window in results["windows"]] == [True] * 4
    assert all(window["verdict"]["kept_up"] in (True, False) for window in results["windows"])
    assert results["kept_up"] == all(window["verdict"]["kept_up"] for window in results["windows"])
    assert set(results["criteria"]) == {
        "processed_tolerance_percent",
        "max_batch_to_trigger",
        "lag_threshold_triggers",
        "lag_recovery_triggers",
    }
    assert "worker_minutes" in results["cost"]


def test_the_run_joins_the_stacks_runs_on_this_machine_and_they_are_printed_side_by_side(played):
    _, outcome, report, lines, state = played
    [kept] = list((state / "runs").glob("*.json"))
    assert kept.name == f"{outcome.run_start:%Y%m%dT%H%M%SZ}.json"
    line = json.loads(kept.read_text())
    assert (line["compute"], line["windows"], line["kept_up"]) == ("local Spark, 5x", 4, report.kept_up)
    printed = next(text for text in lines if "This stack's latest runs on this machine" in text).strip().splitlines()
    assert printed[1].startswith("RUN START (UTC)") and len(printed) == 4  # title, header, rule, the one run
    assert printed[3].startswith(f"{outcome.run_start:%Y-%m-%d %H:%M:%S}  local Spark, 5x")


def test_every_stream_is_stopped_after_the_run(spark, played):
    assert spark.streams.active == []


def test_ctrl_c_stops_every_stream_and_still_analyses_and_draws_what_was_played(spark, small_spec, tmp_path):
    """A real SIGINT, as a terminal sends it, inside the 3x phase's window, once the baseline has committed rows of
    its window and the 3x stream a micro-batch of the timeline: the runner's handler stops every phase (each through
    its own `finally`), then the analysis and the chart cover what was played."""
    # Its own schema, so that its rows never mix with the whole run's.
    stop_spec = json.loads(json.dumps(small_spec).replace("dlt_autoscaling_small", "dlt_autoscaling_stopped"))
    spec = parse_run_spec({**stop_spec, "speed": CTRL_C_SPEED, "stateDir": str(tmp_path)})
    console = Console(interactive=False)
    lines = []
    console.log = lines.append
    stop = threading.Event()
    missed = []  # why the interrupt could not come where this test needs it
    waiting_for = {  # what the test checks was committed before the stop (a batch's progress follows its commit)
        "baseline": lambda batch, run_start: window_observation(batch).get("rows_written"),  # rows of its window
        "3x": lambda batch, run_start: parse_progress_time(batch["timestamp"]) >= run_start,  # a timeline batch
    }

    def interrupt_inside_the_3x_window():
        deadline = time.monotonic() + 300  # the session's warm-up comes first, slow on a loaded machine
        while waiting_for and time.monotonic() < deadline:
            time.sleep(0.5)
            windows = phase_windows(lines)
            if {"baseline", "3x"} <= set(windows):
                for phase, committed in list(waiting_for.items()):
                    if any(committed(batch, windows["baseline"][0]) for batch in committed_batches(spark, phase)):
                        del waiting_for[phase]
        if waiting_for:
            missed.append(f"nothing committed in 300 s by {sorted(waiting_for)}")
        else:  # committed whenever the load let it: now the 3x window, which must still be open
            opens, closes = windows["3x"]
            while (now := datetime.now(timezone.utc)) < opens:
                time.sleep(min((opens - now).total_seconds(), 0.5))
            if (closes - now).total_seconds() < 2:  # the stop is recorded within a tick, before 9x's window
                missed.append(f"committed at {now:%H:%M:%S}, too late for the 3x window ending {closes:%H:%M:%S}")
        signal.raise_signal(signal.SIGINT)

    previous = signal.getsignal(signal.SIGINT)
    install_stop_on_ctrl_c(stop, console)
    try:
        threading.Thread(target=interrupt_inside_the_3x_window, daemon=True).start()
        outcome = run_timeline(spark, spec, console, stop)
    finally:
        signal.signal(signal.SIGINT, previous)
    report = analyse_and_draw(spark, spec, outcome, console, state_dir=tmp_path)
    text = "\n".join(lines)
    assert not missed and outcome.stopped and not outcome.errors, (missed, text)
    assert spark.streams.active == []
    assert "Ctrl-C: stopping every stream" in text
    for phase in ("baseline", "3x"):
        assert f"[{phase}] stopped; its streams are stopped and its metrics written" in text
    assert "[9x] stopped before its window started" in text
    results = json.loads((tmp_path / "results.json").read_text())
    assert 1 < results["stopped_at_minute"] < 2
    assert results["windows"][-1]["end_minute"] == pytest.approx(results["stopped_at_minute"], abs=1e-3)
    assert [window.phases for window in report.windows] == ["baseline", "baseline+3x"]
    assert results["rows"] > 0
    assert png_size(tmp_path / "results.png") == PNG_SIZE
    metrics = spark.sql(
        "SELECT count(*) AS batches FROM spark_catalog.dlt_autoscaling_stopped.stream_metrics "
        f"WHERE stream_type = '3x' AND batch_time >= timestamp_seconds({outcome.run_start.timestamp()})"
    ).first()
    assert metrics["batches"] > 0, "the stopped 3x phase wrote no metrics"
