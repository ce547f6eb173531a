"""The generator's Spark code against a real local Spark session with Delta: streams really run for a few
seconds into real tables, which the tests read back. The windows are a few seconds of the real clock: the rate
source stamps rows with it, so no fake clock can stand in here. The two-stream phase (`finished_run`) runs on the
classic session and through Spark Connect (`any_spark`), each in its own schema; the other runs on the classic one."""

import json
import time
from datetime import datetime, timedelta, timezone

import pytest
import streambench.generator as generator_logic
from pyspark.sql import functions as F
from spark_variants import variant_schema
from streambench.generator import create_missing_tables, parse_params, run_phase, stream_specs
from streambench.metrics_rows import time_micros

RATE = 40
WINDOW_SECONDS = 6
SCHEMA = "generator_test"
LEAD_SECONDS = 15  # covers the queries' start on a loaded 2-core machine: the tables exist before
SLOW_BATCH_MILLIS = 4000


def raw_params(**overrides):
    values = {
        "catalog": "spark_catalog",
        "checkpoint_root": "",
        "drain_limit_seconds": "120",
        "metrics_table": "generator_metrics",
        "num_partitions": "2",
        "phase": "baseline",
        "phases_json": "",
        "rows_per_second": str(RATE),
        "schema": SCHEMA,
        "start_lead_seconds": str(LEAD_SECONDS),
        "start_offset_minutes": "0",
        "status_interval_seconds": "3",
        "trigger_interval_seconds": "1",
        "trigger_time": "",
        "window_minutes": str(WINDOW_SECONDS / 60),
    }
    values.update(overrides)
    return values


def with_a_slow_row(stamped_at, stream_id, sleep_millis):
    """The generator's frame, but the one row of stream `stream_id` stamped at `stamped_at` holds its task for
    `sleep_millis` (a JVM sleep, no Python worker): the micro-batch that carries it runs that long at least."""
    original = generator_logic.generator_frame
    first = time_micros(stamped_at)
    last = first + 1_000_000 // RATE  # rows are 1/RATE s apart: exactly one row falls in [first, last)

    def frame(spark, spec, params):
        rows = original(spark, spec, params)
        if spec.stream_id != stream_id:
            return rows
        micros = "unix_micros(event_timestamp)"
        slept = F.expr(
            f"CASE WHEN {micros} >= {first} AND {micros} < {last} "
            f"THEN reflect('java.lang.Thread', 'sleep', CAST({sleep_millis} AS BIGINT)) END"
        )
        return rows.where(slept.isNull() | (slept == "null"))

    return frame


def play(spark, parameters, offset_seconds, slow_row):
    """run_phase on the real clock for the phase `parameters(trigger_time)`, its timeline triggered now, so that
    its window opens `offset_seconds` from now. The timeline's tables are created first (as on every run but a
    stack's first), so the lead only has to cover the queries' start. `slow_row(start, end)` says which row of
    which stream holds its batch, and how long (with_a_slow_row)."""
    created = create_missing_tables(spark, parse_params(parameters("")))
    trigger = datetime.now(timezone.utc)
    params = parse_params(parameters(trigger.replace(tzinfo=None).isoformat()))
    start = trigger + timedelta(seconds=offset_seconds)
    end = start + timedelta(seconds=WINDOW_SECONDS)
    lines = []
    queries = []  # what start_stream returned, to hold the metrics to the queries' own progress
    start_stream = generator_logic.start_stream
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(generator_logic, "generator_frame", with_a_slow_row(*slow_row(start, end)))
        patch.setattr(
            generator_logic,
            "start_stream",
            lambda *args, **kw: queries.append(start_stream(*args, **kw)) or queries[-1],
        )
        summary = run_phase(spark, params, log=lines.append)
    return params, summary, lines, created, start, end, queries


@pytest.fixture(scope="module")
def finished_run(any_spark, tmp_path_factory):
    """A two-stream baseline phase of a timeline triggered 3 s before its streams' lead: they start 15 s ahead of
    a 6 s window and drain after it. Stream 2 meets a 4 s batch 2 s into the window."""
    spark = any_spark
    schema = variant_schema(SCHEMA, spark)
    spark.sql(f"CREATE SCHEMA IF NOT EXISTS spark_catalog.{schema}")
    checkpoints = tmp_path_factory.mktemp("checkpoints")
    offset_seconds = LEAD_SECONDS + 3

    def parameters(trigger_time):
        return raw_params(
            checkpoint_root=str(checkpoints / "baseline" / "run-1"),
            phases_json=json.dumps(
                [
                    {
                        "phase": "baseline",
                        "table_name_format": "stream_table_{stream_id:03d}",
                        "first_stream_id": 1,
                        "stream_count": 2,
                    },
                    {
                        "phase": "9x",
                        "table_name_format": "stream_table_9x_scale",
                        "first_stream_id": 3,
                        "stream_count": 1,
                    },
                ]
            ),
            start_offset_minutes=str(offset_seconds / 60),
            trigger_time=trigger_time,
            schema=schema,
        )

    return play(
        spark, parameters, offset_seconds, lambda start, end: (start + timedelta(seconds=2), 2, SLOW_BATCH_MILLIS)
    )


@pytest.fixture(scope="module")
def drain_limited_run(spark, tmp_path_factory):
    """A one-stream 3x phase whose last batch of the window takes 8 s, with a drain limit of 1 s."""
    spark.sql(f"CREATE SCHEMA IF NOT EXISTS spark_catalog.{SCHEMA}")
    checkpoints = tmp_path_factory.mktemp("checkpoints")

    def parameters(trigger_time):
        return raw_params(
            phase="3x",
            checkpoint_root=str(checkpoints / "3x" / "run-2"),
            phases_json='[{"phase": "3x", "table_name_format": "limited_3x_scale", "first_stream_id": 9, "stream_count": 1}]',
            drain_limit_seconds="1",
            metrics_table="limited_metrics",
            start_offset_minutes=str(LEAD_SECONDS / 60),
            trigger_time=trigger_time,
        )

    # The row 0.3 s before the end: its batch is planned after it and runs 8 s, far past the end + 1 s.
    return play(spark, parameters, LEAD_SECONDS, lambda start, end: (end - timedelta(milliseconds=300), 9, 8000))


def table(spark, name):
    return spark.table(f"spark_catalog.{variant_schema(SCHEMA, spark)}.{name}")


def window_second(column, start):
    """The second of the window a row's event time falls in (0 = the window's first)."""
    return F.floor((F.expr(f"unix_micros({column})") - F.lit(time_micros(start))) / 1_000_000)


def test_each_stream_wrote_its_own_table_in_the_benchmark_schema(any_spark, finished_run):
    spark = any_spark
    params = finished_run[0]
    for spec in stream_specs(params):
        rows = table(spark, spec.table)
        assert dict(rows.dtypes) == {
            "device_id": "string",
            "event_timestamp": "timestamp",
            "temperature": "double",
            "humidity": "double",
            "pressure": "double",
            "stream_type": "string",
            "stream_id": "int",
        }
        ids = {(row.stream_type, row.stream_id) for row in rows.select("stream_type", "stream_id").distinct().collect()}
        assert ids == {("baseline", spec.stream_id)}


def test_every_stream_wrote_exactly_rows_per_second_times_window_seconds_all_inside_its_window(any_spark, finished_run):
    spark = any_spark
    params, summary, _, _, start, _, _ = finished_run
    for spec in stream_specs(params):  # stream 2 with its slow batch in the middle of the window as well
        per_second = {
            row["second"]: row["count"]
            for row in table(spark, spec.table)
            .groupBy(window_second("event_timestamp", start).alias("second"))
            .count()
            .collect()
        }
        assert per_second == {second: RATE for second in range(WINDOW_SECONDS)}, spec.table
    assert {key: summary[key] for key in ("rows_expected", "rows_written", "rows_not_written", "short_streams")} == {
        "rows_expected": 2 * RATE * WINDOW_SECONDS,
        "rows_written": 2 * RATE * WINDOW_SECONDS,
        "rows_not_written": 0,
        "short_streams": {},
    }
    assert summary["streams_not_drained"] == 0 and summary["drain_seconds"] >= 0


def test_values_are_plausible_and_every_device_reports(any_spark, finished_run):
    spark = any_spark
    stats = (
        table(spark, "stream_table_001")
        .agg(
            F.min("temperature"),
            F.max("temperature"),
            F.min("humidity"),
            F.max("humidity"),
            F.min("pressure"),
            F.max("pressure"),
            F.countDistinct("device_id"),
        )
        .first()
    )
    assert 15 <= stats[0] <= stats[1] <= 35
    assert 30 <= stats[2] <= stats[3] <= 90
    assert 980 <= stats[4] <= stats[5] <= 1040
    assert stats[6] > 1


def test_the_phase_drained_then_stopped_every_stream(any_spark, finished_run):
    spark = any_spark
    _, summary, lines, _, start, end, _ = finished_run
    assert {key: summary[key] for key in ("phase", "streams", "start", "end", "skipped")} == {
        "phase": "baseline",
        "streams": 2,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "skipped": False,
    }
    assert any(line.startswith("Every baseline stream committed every row of its window") for line in lines)
    assert (
        f"Rows of the baseline window in its tables: {2 * RATE * WINDOW_SECONDS:,} of {2 * RATE * WINDOW_SECONDS:,} offered (100.00 %)."
        in lines
    )
    assert spark.streams.active == []


def test_each_stream_checkpointed_under_its_own_path(finished_run):
    from pathlib import Path

    params = finished_run[0]
    for spec in stream_specs(params):
        assert (Path(spec.checkpoint_path) / "commits").is_dir()


def test_the_phase_waited_for_its_lead_and_printed_status_lines(finished_run):
    lines = finished_run[2]
    assert lines[0].startswith("Waiting ")
    assert f"s to start the baseline streams {LEAD_SECONDS} s ahead of their window" in lines[0]
    assert not any("before its streams start" in line for line in lines)
    status = [line for line in lines if "active streams" in line]
    assert len(status) >= 2
    assert all(f"of {2 * RATE:,} target" in line for line in status)
    assert lines[-1].startswith("Stopped 2 baseline stream(s)")


def test_a_run_that_starts_after_its_window_writes_nothing(spark, tmp_path):
    params = parse_params(
        raw_params(
            checkpoint_root=str(tmp_path),
            phase="9x",
            phases_json='[{"phase": "9x", "table_name_format": "late_9x_scale", "first_stream_id": 52, "stream_count": 1}]',
            trigger_time="2020-01-01T00:00:00",
            window_minutes="4",
        )
    )
    summary = run_phase(spark, params, log=lambda line: None)
    assert summary["skipped"] is True
    assert not spark.catalog.tableExists(f"spark_catalog.{SCHEMA}.late_9x_scale")


def metrics_of(spark, name, batches=True):
    metrics = spark.table(f"spark_catalog.{variant_schema(SCHEMA, spark)}.{name}")
    return metrics.where(F.col("batch_id").isNotNull() if batches else F.col("batch_id").isNull())


def test_every_micro_batch_of_every_stream_is_recorded_with_the_rows_it_wrote(any_spark, finished_run):
    spark = any_spark
    params, summary = finished_run[0], finished_run[1]
    assert table(spark, "generator_metrics").count() == summary["metrics_rows"] > 0
    per_stream = {
        row.table_name: row
        for row in metrics_of(spark, "generator_metrics")
        .groupBy("table_name", "stream_id", "stream_type")
        .agg(
            F.sum("rows_written").alias("rows"),
            F.sum("num_input_rows").alias("read"),
            F.countDistinct("batch_id").alias("batches"),
            F.count("*").alias("records"),
        )
        .collect()
    }
    for spec in stream_specs(params):
        recorded = per_stream[spec.table]
        assert (recorded.stream_id, recorded.stream_type) == (spec.stream_id, "baseline")
        assert recorded.batches == recorded.records  # each micro-batch recorded once
        # Every row of the window went through a recorded micro-batch; the source read the lead's rows as well.
        assert recorded.rows == table(spark, spec.table).count() == RATE * WINDOW_SECONDS
        assert recorded.read > recorded.rows


def test_every_micro_batch_of_every_stream_is_recorded_once_against_the_queries_own_progress(any_spark, finished_run):
    """Classic (the listener) and Spark Connect (polling) alike: stream_metrics holds one row per micro-batch each
    query reports in its progress, from its first batch to its last, and no other."""
    spark, queries = any_spark, finished_run[6]
    recorded = {}
    for row in metrics_of(spark, "generator_metrics").select("query_run_id", "batch_id").collect():
        recorded.setdefault(row.query_run_id, []).append(row.batch_id)
    assert len(queries) == 2 and set(recorded) == {str(query.runId) for query in queries}
    for query in queries:
        reported = [progress["batchId"] for progress in query.recentProgress]
        assert 3 <= len(reported) < 100  # below 100 the history holds every batch (numRecentProgressUpdates)
        assert reported == list(range(reported[0], query.lastProgress["batchId"] + 1))
        assert sorted(recorded[str(query.runId)]) == reported, query.name


def test_a_slow_batch_shows_as_processing_lag_and_a_batch_longer_than_the_trigger(any_spark, finished_run):
    spark = any_spark
    batches = metrics_of(spark, "generator_metrics").where(F.col("rows_written") > 0)
    lags = {
        row.table_name: row
        for row in batches.groupBy("table_name")
        .agg(
            F.min("processing_lag_ms").alias("least"),
            F.max("processing_lag_ms").alias("most"),
            F.max("batch_duration_ms").alias("longest"),
            F.max("trigger_interval_ms").alias("trigger"),
            F.count(F.when(F.col("oldest_event_time").isNull(), 1)).alias("without_oldest"),
        )
        .collect()
    }
    assert all(row.least > 0 and row.trigger == 1000 and row.without_oldest == 0 for row in lags.values())
    # The batch with stream 2's slow row committed at least 4 s after it started, its oldest row stamped before.
    assert lags["stream_table_002"].most >= SLOW_BATCH_MILLIS
    assert lags["stream_table_002"].longest >= SLOW_BATCH_MILLIS > lags["stream_table_002"].trigger


def test_each_stream_s_end_row_holds_its_offered_and_written_rows(any_spark, finished_run):
    spark = any_spark
    end_rows = metrics_of(spark, "generator_metrics", batches=False).orderBy("stream_id").collect()
    assert [(row.table_name, row.rows_expected, row.rows_written, row.rows_not_written) for row in end_rows] == [
        ("stream_table_001", RATE * WINDOW_SECONDS, RATE * WINDOW_SECONDS, 0),
        ("stream_table_002", RATE * WINDOW_SECONDS, RATE * WINDOW_SECONDS, 0),
    ]
    assert all(row.drain_ms is not None and row.num_input_rows is None for row in end_rows)


def test_past_the_drain_limit_the_rows_never_written_are_reported(spark, drain_limited_run):
    _, summary, lines, _, start, end, _ = drain_limited_run
    written = table(spark, "limited_3x_scale").count()
    missing = RATE * WINDOW_SECONDS - written
    assert missing > 0  # at least the slow row and every row after it
    assert (summary["rows_expected"], summary["rows_written"], summary["rows_not_written"]) == (
        RATE * WINDOW_SECONDS,
        written,
        missing,
    )
    assert summary["short_streams"] == {"limited_3x_scale": missing}
    assert (summary["streams_not_drained"], summary["drain_seconds"]) == (1, None)
    assert (
        "Drain limit of 1 s reached: 1 of 1 3x stream(s) had not committed every row of their window; stopping them."
        in lines
    )
    assert any(
        line.startswith(f"ROWS NOT WRITTEN: {missing:,} of the {RATE * WINDOW_SECONDS:,} rows") for line in lines
    )
    [end_row] = metrics_of(spark, "limited_metrics", batches=False).collect()
    assert (end_row.rows_expected, end_row.rows_written, end_row.rows_not_written, end_row.drain_ms) == (
        RATE * WINDOW_SECONDS,
        written,
        missing,
        None,
    )
    # Whatever was written (on a loaded machine one batch may hold the whole window) is the window's, and precedes
    # the slow row, whose batch never committed.
    outside = table(spark, "limited_3x_scale").where(
        (window_second("event_timestamp", start) < 0)
        | (F.expr("unix_micros(event_timestamp)") >= time_micros(end - timedelta(milliseconds=300)))
    )
    assert outside.count() == 0
    assert spark.streams.active == []


def test_the_tables_of_later_phases_exist_empty_from_the_first_phase_on(any_spark, finished_run):
    spark = any_spark
    nine_x = table(spark, "stream_table_9x_scale")
    assert nine_x.count() == 0
    assert nine_x.schema == table(spark, "stream_table_001").schema
    assert finished_run[3] == ["stream_table_001", "stream_table_002", "stream_table_9x_scale"]


def wait_for_batches(query, batches, deadline_seconds=120):
    deadline = time.monotonic() + deadline_seconds
    while not (query.lastProgress and query.lastProgress["batchId"] >= batches):
        assert time.monotonic() < deadline, "the stream did not commit its micro-batches in time"
        time.sleep(0.5)


def test_a_restarted_stream_resumes_from_its_checkpoint(spark, tmp_path):
    """A task retry of a run reuses the run's checkpoint folder: the stream goes on from its last committed
    micro-batch, so nothing already written is written again."""
    from streambench.generator import start_stream

    spark.sql(f"CREATE SCHEMA IF NOT EXISTS spark_catalog.{SCHEMA}")
    params = parse_params(
        raw_params(
            checkpoint_root=str(tmp_path / "run-7"),
            num_partitions="1",
            phase="3x",
            rows_per_second="20",
            phases_json='[{"phase": "3x", "table_name_format": "resume_3x_scale", "first_stream_id": 61, "stream_count": 1}]',
            window_minutes="1",
        )
    )
    [spec] = stream_specs(params)
    first = start_stream(spark, spec, params)
    wait_for_batches(first, 2)
    first.stop()
    committed = max(
        int(path.name) for path in (tmp_path / "run-7" / spec.table / "commits").iterdir() if path.name.isdigit()
    )
    rows_before = table(spark, spec.table).count()

    second = start_stream(spark, spec, params)
    wait_for_batches(second, committed + 1)
    second.stop()
    resumed = [progress["batchId"] for progress in second.recentProgress if progress["numInputRows"] > 0]
    assert resumed and min(resumed) > committed  # no committed batch ran again
    assert table(spark, spec.table).count() > rows_before
