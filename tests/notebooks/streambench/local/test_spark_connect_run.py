"""`npm run local -- --spark-connect` for real: cli/local.ts starts the runner, which starts local Spark with a Spark
Connect server in its JVM and plays the small stack's whole timeline through a Connect session (no listener: the
metrics are polled), analyses it and draws it, then stops the server and its JVM. Nothing it started outlives it."""

import json
import os
import subprocess
from datetime import datetime, timedelta, timezone

import pytest
from runner_support import NODE_LOCAL, ROOT, SMALL_STACK, processes_with, project_with
from spark_variants import connect_server_problem, skip_or_fail

SPEED = 20  # the small stack's 4 plan minutes in 12 s
RUN_TIMEOUT_SECONDS = 600  # a JVM start, Delta, a warm-up stream and the analysis on a loaded 2-core machine
# As test_run.py: the edges of 3 s windows on a loaded machine, nothing above the target.
SHORTFALL_TOLERANCE_PERCENT = 60
EXCESS_TOLERANCE_PERCENT = 2


@pytest.fixture(scope="module")
def connect_run(tmp_path_factory):
    problem = connect_server_problem(os.environ)
    if problem:
        skip_or_fail(problem)
    project = project_with(tmp_path_factory.mktemp("spark-connect"), "small", SMALL_STACK)
    result = subprocess.run(
        [*NODE_LOCAL, "--stack", "small", "--spark-connect", "--speed", str(SPEED)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PROJECT_DIR": str(project)},
        timeout=RUN_TIMEOUT_SECONDS,
    )
    state = project / ".streambench" / "small"
    return result, state, processes_with(str(state))


def test_the_whole_timeline_plays_through_the_spark_connect_server_the_runner_started(connect_run):
    result, state, _ = connect_run
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    assert "Spark Connect server at sc://127.0.0.1:" in output
    assert "recording each query's recent progress" in output  # the recorder polls on Connect
    results = json.loads((state / "results.json").read_text())
    assert results["mode"] == "spark-connect" and not results["errors"] and results["rows"] > 0
    assert [window["target_rows_per_second"] for window in results["windows"]] == [200, 800, 2000, 200]
    for window in results["windows"]:
        assert -SHORTFALL_TOLERANCE_PERCENT <= window["gap_percent"] <= EXCESS_TOLERANCE_PERCENT, (window, output)
    # Every window's metrics rate comes from stream_metrics, read through the Connect session (see below for its value).
    assert all(window["metrics_rows_per_second"] is not None for window in results["windows"]), results["windows"]
    assert (state / "results.png").stat().st_size > 0


def recorded_batches(spark, state):
    """The run's stream_metrics batch rows, read back from its warehouse by the classic session."""
    from pyspark.sql import functions as F

    [log] = list((state / "warehouse").glob("**/stream_metrics/_delta_log"))
    return spark.read.format("delta").load(str(log.parent)).where(F.col("batch_id").isNotNull())


def test_the_polled_metrics_hold_every_micro_batch_of_every_stream_once(spark, connect_run):
    """The run's stream_metrics table, read back from its warehouse: per query run, one row per batch id, with no
    batch missing between its first and its last (a batch that left a query's progress history unpolled would be)."""
    from pyspark.sql import functions as F

    _, state, _ = connect_run
    per_run = (
        recorded_batches(spark, state)
        .groupBy("query_name", "query_run_id")
        .agg(
            F.count("*").alias("rows"),
            F.countDistinct("batch_id").alias("batches"),
            (F.max("batch_id") - F.min("batch_id") + 1).alias("span"),
        )
        .collect()
    )
    assert sorted(row.query_name for row in per_run) == [
        "3x:stream_table_3x_scale",
        "9x:stream_table_9x_scale",
        "baseline:stream_table_001",
    ]
    for row in per_run:
        assert row.rows == row.batches == row.span >= 2, row


def test_the_metrics_rates_are_the_input_rows_of_the_polled_batches(spark, connect_run):
    """A Connect server's progress leaves out the query's numInputRows (metrics_rows.progress_dict sums its
    sources'): every batch that wrote rows recorded at least as many input rows. Each window's metrics rows/s is the
    input rows of the batches triggered in it over its seconds, as the Connect analysis read them. Which windows hold
    a batch depends on the machine: a micro-batch here can outlast the whole 12 s timeline under load."""
    _, state, _ = connect_run
    results = json.loads((state / "results.json").read_text())
    batches = recorded_batches(spark, state).select("batch_time", "num_input_rows", "rows_written").collect()
    writing = [batch for batch in batches if batch.rows_written]
    assert writing, batches
    assert all(batch.num_input_rows >= batch.rows_written for batch in writing), writing
    run_start = datetime.fromisoformat(results["run_start"])
    for window in results["windows"]:
        start, end = (run_start + timedelta(minutes=window[edge] / SPEED) for edge in ("start_minute", "end_minute"))
        triggered = [
            batch.num_input_rows for batch in batches if start <= batch.batch_time.astimezone(timezone.utc) < end
        ]
        assert window["metrics_rows_per_second"] == pytest.approx(
            sum(triggered) / (end - start).total_seconds(), abs=0.01
        ), (window, batches)


def test_nothing_the_run_started_outlives_it(connect_run):
    _, _, left = connect_run
    assert left == [], f"still running after the run: {left}"
