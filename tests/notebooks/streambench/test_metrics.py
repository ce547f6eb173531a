"""The stream metrics: the progress-to-row mapping and the recorder without Spark, then the recorder on a real rate
stream, flushed to a real Delta table: as a StreamingQueryListener on the classic session, and by polling the query's
progress on the Spark Connect session (`any_spark`), where it registers no listener."""

import json
import pickle
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from types import SimpleNamespace

import pytest
from spark_variants import variant_schema
from streambench.metrics import MetricsRecorder
from streambench.metrics_rows import (
    METRICS_COLUMNS,
    METRICS_SCHEMA_DDL,
    WINDOW_OBSERVATION,
    progress_dict,
    progress_row,
    query_name,
    read_until_micros,
    stream_end_row,
)

PHASE_START = datetime(2026, 11, 25, 2, 0, tzinfo=timezone.utc)
SCHEMA = "metrics_test"


@dataclass(frozen=True)
class Spec:
    stream_id: int
    stream_type: str
    table: str


SPECS = [Spec(1, "baseline", "stream_table_001"), Spec(2, "baseline", "stream_table_002")]


def progress(batch_id=3, name="baseline:stream_table_001", run_id="run-a", **overrides):
    values = {
        "id": "11111111-1111-1111-1111-111111111111",
        "runId": run_id,
        "name": name,
        "timestamp": "2026-11-25T02:00:30.250Z",
        "batchId": batch_id,
        "batchDuration": 812,
        "numInputRows": 10_000,
        "inputRowsPerSecond": 999.9,
        "processedRowsPerSecond": 12_315.27,
        "durationMs": {"addBatch": 700, "triggerExecution": 812},
        "sources": [],
        "sink": {},
    }
    values.update(overrides)
    return values


# The batch's observed window metrics (streambench.window_edges.window_rows): 2,000 rows in the window, the oldest
# stamped 9.75 s before the batch's trigger (02:00:20.500), which committed 812 ms after it.
OBSERVED = {
    WINDOW_OBSERVATION: {
        "rows_written": 2_000,
        "oldest_event_us": 1_795_572_020_500_000,
        "newest_event_us": 1_795_572_029_999_000,
        "read_until_us": 1_795_572_029_999_000,
    }
}


def test_progress_row_maps_every_column():
    row = progress_row(
        progress(observedMetrics=OBSERVED), "baseline", 1, "baseline", "stream_table_001", PHASE_START, 10
    )
    assert tuple(row) == METRICS_COLUMNS
    assert row == {
        "phase": "baseline",
        "phase_start": PHASE_START,
        "stream_id": 1,
        "stream_type": "baseline",
        "table_name": "stream_table_001",
        "query_name": "baseline:stream_table_001",
        "query_id": "11111111-1111-1111-1111-111111111111",
        "query_run_id": "run-a",
        "batch_id": 3,
        "batch_time": datetime(2026, 11, 25, 2, 0, 30, 250_000, tzinfo=timezone.utc),
        "num_input_rows": 10_000,
        "input_rows_per_second": 999.9,
        "processed_rows_per_second": 12_315.27,
        "batch_duration_ms": 812,
        "trigger_interval_ms": 10_000,
        "rows_written": 2_000,
        "oldest_event_time": datetime(2026, 11, 25, 2, 0, 20, 500_000, tzinfo=timezone.utc),
        "processing_lag_ms": 9_750 + 812,
        "rows_expected": None,
        "rows_not_written": None,
        "drain_ms": None,
    }


def test_a_batch_without_observed_metrics_or_without_rows_in_the_window_has_no_lag():
    plain = progress_row(progress(), "baseline", 1, "baseline", "t")
    assert [plain[column] for column in ("trigger_interval_ms", "rows_written", "oldest_event_time")] == [None] * 3
    assert plain["processing_lag_ms"] is None
    empty = {WINDOW_OBSERVATION: {"rows_written": 0, "oldest_event_us": None, "read_until_us": 1}}
    outside = progress_row(progress(observedMetrics=empty), "3x", 51, "3x", "t", None, 10)
    assert (outside["rows_written"], outside["processing_lag_ms"], outside["trigger_interval_ms"]) == (0, None, 10_000)
    assert read_until_micros(progress(observedMetrics=OBSERVED)) == 1_795_572_029_999_000
    assert read_until_micros(progress()) is None and read_until_micros(None) is None


def test_a_stream_s_end_row_says_how_many_rows_of_its_window_were_not_written():
    query = SimpleNamespace(id=uuid.UUID(int=7), runId="run-a")
    ended = datetime(2026, 11, 25, 2, 15, 40, tzinfo=timezone.utc)
    row = stream_end_row("baseline", SPECS[1], PHASE_START, ended, 900_000, 899_000, None, 10, query)
    assert tuple(row) == METRICS_COLUMNS
    assert {column: value for column, value in row.items() if value is not None} == {
        "phase": "baseline",
        "phase_start": PHASE_START,
        "stream_id": 2,
        "stream_type": "baseline",
        "table_name": "stream_table_002",
        "query_name": "baseline:stream_table_002",
        "query_id": "00000000-0000-0000-0000-000000000007",
        "query_run_id": "run-a",
        "batch_time": ended,
        "trigger_interval_ms": 10_000,
        "rows_written": 899_000,
        "rows_expected": 900_000,
        "rows_not_written": 1_000,
    }  # no batch_id, no num_input_rows: sums of a run's batches are unchanged by it
    assert stream_end_row("3x", SPECS[0], PHASE_START, ended, 10, 10, 1_500)["drain_ms"] == 1_500


def test_added_rows_are_flushed_with_the_batches():
    recorder = MetricsRecorder(SPECS, max_buffered_rows=3)
    recorder.record(progress(batch_id=1))
    recorder.add([{"table_name": "end row"}] * 3)
    assert recorder.buffered() == 3 and recorder.dropped_rows == 1  # the oldest went first


DROP = object()


@pytest.mark.parametrize(
    "overrides, column, expected",
    [
        ({"inputRowsPerSecond": DROP}, "input_rows_per_second", None),  # Spark leaves out a rate it has not
        ({"processedRowsPerSecond": float("nan")}, "processed_rows_per_second", None),
        ({"numInputRows": DROP}, "num_input_rows", 0),
        ({"durationMs": {}}, "batch_duration_ms", None),
        (
            {"timestamp": "2026-11-25T03:00:30.250+01:00"},
            "batch_time",
            datetime(2026, 11, 25, 2, 0, 30, 250_000, tzinfo=timezone.utc),
        ),
        ({"id": uuid.UUID(int=5)}, "query_id", "00000000-0000-0000-0000-000000000005"),
    ],
)
def test_progress_row_handles_missing_and_odd_values(overrides, column, expected):
    value = progress(**{key: item for key, item in overrides.items() if item is not DROP})
    for key in [key for key, item in overrides.items() if item is DROP]:
        value.pop(key)
    assert progress_row(value, "baseline", 1, "baseline", "t", None)[column] == expected


def test_recorder_keys_progress_by_query_name_and_skips_duplicates_and_strangers():
    recorder = MetricsRecorder(SPECS, phase_start=PHASE_START)
    assert recorder.phase == "baseline"
    assert recorder.record(progress(batch_id=1))
    assert not recorder.record(progress(batch_id=1))  # same run and batch: once
    assert recorder.record(progress(batch_id=1, run_id="run-b"))  # a restart is a new run
    assert recorder.record(progress(batch_id=1, name=query_name("baseline", "stream_table_002")))
    assert not recorder.record(progress(name="9x:someone_elses_table"))  # not one of the recorder's streams
    assert recorder.buffered() == 3


def test_listener_callback_records_the_event_json_and_never_raises():
    recorder = MetricsRecorder(SPECS)
    recorder.onQueryProgress(SimpleNamespace(progress=SimpleNamespace(json=json.dumps(progress()))))
    recorder.onQueryProgress(SimpleNamespace(progress=SimpleNamespace(json="not json")))
    assert recorder.progress_events == 2
    assert recorder.buffered() == 1
    assert "not recorded" in recorder.last_error


def test_a_full_buffer_drops_the_oldest_rows():
    recorder = MetricsRecorder(SPECS, max_buffered_rows=2)
    for batch_id in range(5):
        recorder.record(progress(batch_id=batch_id))
    assert recorder.buffered() == 2
    assert recorder.dropped_rows == 3


def test_polling_goes_round_the_queries_within_its_time_budget():
    queries = [
        SimpleNamespace(
            recentProgress=[
                progress(batch_id=b, name=query_name("baseline", spec.table), run_id=spec.table) for b in range(3)
            ]
        )
        for spec in SPECS * 2
    ]  # the same two streams twice: the second pass adds nothing
    queries.append(SimpleNamespace(recentProgress=None))  # a query without progress yet
    ticks = iter(range(100))
    recorder = MetricsRecorder(SPECS)
    # The clock moves 1 s per query: a 1.5 s budget polls two queries per call.
    assert recorder.poll(queries, budget_seconds=1.5, clock=lambda: next(ticks)) == 6
    assert recorder.poll(queries, budget_seconds=1.5, clock=lambda: next(ticks)) == 0
    assert recorder.poll(queries) == 0  # no budget: every query
    assert recorder.buffered() == 6


def test_polling_reads_progress_objects_and_the_dicts_of_older_pyspark():
    as_object = SimpleNamespace(json=json.dumps(progress(batch_id=1)))
    recorder = MetricsRecorder(SPECS)
    assert recorder.poll([SimpleNamespace(recentProgress=[as_object, progress(batch_id=2)])]) == 2


def test_flush_polls_only_while_the_listener_is_silent():
    polled = []

    class Query:
        @property
        def recentProgress(self):  # noqa: N802
            polled.append(1)
            return []

    recorder = MetricsRecorder(SPECS)
    assert recorder.flush(None, "unused", fallback_queries=[Query()]) == 0 and polled == [1]
    recorder.onQueryProgress(SimpleNamespace(progress=SimpleNamespace(json=json.dumps(progress(name="other")))))
    assert recorder.flush(None, "unused", fallback_queries=[Query()]) == 0 and polled == [1]


def test_a_spark_connect_progress_without_the_query_totals_gets_its_sources_sums():
    """A Spark Connect server's progress JSON leaves out numInputRows and the rates; pyspark sums the sources'."""
    from streambench.status import total_input_rows_per_second

    sources = [
        {"description": "rate-a", "numInputRows": 30, "inputRowsPerSecond": 3.0, "processedRowsPerSecond": 6.0},
        {"description": "rate-b", "numInputRows": 20, "inputRowsPerSecond": 2.0, "processedRowsPerSecond": None},
    ]
    connect = progress(sources=sources)
    for key in ("numInputRows", "inputRowsPerSecond", "processedRowsPerSecond"):
        connect.pop(key)
    row = progress_row(progress_dict(SimpleNamespace(json=json.dumps(connect))), "baseline", 1, "baseline", "t")
    assert (row["num_input_rows"], row["input_rows_per_second"], row["processed_rows_per_second"]) == (50, 5.0, 6.0)
    assert total_input_rows_per_second([SimpleNamespace(json=json.dumps(connect)), None, progress()]) == 5.0 + 999.9


def test_a_spark_connect_observation_with_its_schema_reads_as_the_classic_one():
    """A Spark Connect server sends an observation as its values with their schema."""
    names = ["rows_written", "oldest_event_us", "newest_event_us", "read_until_us"]
    values = [OBSERVED[WINDOW_OBSERVATION][name] for name in names]
    fields = [{"name": name, "type": "long", "nullable": True, "metadata": {}} for name in names]
    connect = progress(observedMetrics={WINDOW_OBSERVATION: {"values": values, "schema": {"fields": fields}}})
    as_connect = progress_dict(SimpleNamespace(json=json.dumps(connect)))
    assert as_connect["observedMetrics"] == OBSERVED
    assert read_until_micros(as_connect) == OBSERVED[WINDOW_OBSERVATION]["read_until_us"]
    row = progress_row(as_connect, "baseline", 1, "baseline", "t")
    assert row == progress_row(progress(observedMetrics=OBSERVED), "baseline", 1, "baseline", "t")
    assert row["rows_written"] == 2_000 and row["processing_lag_ms"] == 9_750 + 812


def test_polling_counts_the_batches_that_left_a_query_s_history_before_they_were_polled():
    def history(batches):
        return SimpleNamespace(recentProgress=[progress(batch_id=batch) for batch in batches])

    recorder = MetricsRecorder(SPECS)
    assert recorder.poll([history(range(0, 3))]) == 3
    assert recorder.poll([history(range(1, 5))]) == 2 and recorder.missed_batches == 0  # overlaps: nothing lost
    assert recorder.poll([history(range(8, 10))]) == 2  # batches 5, 6 and 7 are gone
    assert recorder.missed_batches == 3 and "3 micro-batch(es) left the progress history" in recorder.last_error
    lines = []
    recorder.close(None, "spark_catalog.unused.stream_metrics", [], log=lines.append)
    assert any("3 micro-batch(es) left their query's progress history" in line for line in lines)


def test_wait_for_termination_returns_once_every_query_has_terminated():
    recorder = MetricsRecorder(SPECS)
    assert recorder.wait_for_termination(["q1"], timeout_seconds=0.05) is False
    timer = threading.Timer(0.1, recorder.onQueryTerminated, [SimpleNamespace(id="q1")])
    timer.start()
    assert recorder.wait_for_termination(["q1"], timeout_seconds=5) is True
    timer.join()


def test_the_recorder_pickles_for_a_remote_listener():
    recorder = MetricsRecorder(SPECS, phase_start=PHASE_START)
    recorder.record(progress())
    copy = pickle.loads(pickle.dumps(recorder))
    assert copy.buffered() == 1
    assert copy.record(progress(batch_id=4))


# ---- real Spark ------------------------------------------------------------------------------------------


def table_name(name):
    return f"spark_catalog.{SCHEMA}.{name}"


@pytest.fixture(scope="module")
def metrics_schema(spark):
    spark.sql(f"CREATE SCHEMA IF NOT EXISTS spark_catalog.{SCHEMA}")
    return SCHEMA


def test_a_real_stream_s_every_micro_batch_is_recorded_once_and_flushed_to_delta(any_spark, tmp_path):
    """Classic: the listener records each batch off the stream's thread. Spark Connect: no listener; the recorder
    polls. Either way the table holds every micro-batch the query itself reports, once."""
    from pyspark.sql import functions as F
    from streambench.metrics import is_spark_connect

    spark = any_spark
    schema = variant_schema(SCHEMA, spark)
    spark.sql(f"CREATE SCHEMA IF NOT EXISTS spark_catalog.{schema}")
    metrics_table = f"spark_catalog.{schema}.stream_metrics"
    spec = Spec(7, "baseline", "probe_table")
    recorder = MetricsRecorder([spec], phase_start=PHASE_START)
    lines = []
    assert recorder.attach(spark, log=lines.append) is not is_spark_connect(spark)
    started = datetime.now(timezone.utc)
    query = (
        spark.readStream.format("rate")
        .option("rowsPerSecond", 50)
        .option("numPartitions", 1)
        .load()
        .writeStream.format("noop")
        .queryName(query_name(spec.stream_type, spec.table))
        .option("checkpointLocation", str(tmp_path / "checkpoint"))
        .trigger(processingTime="500 milliseconds")
        .start()
    )
    try:
        deadline = time.monotonic() + 60
        while not (query.lastProgress and query.lastProgress["batchId"] >= 2) and time.monotonic() < deadline:
            time.sleep(0.2)
        recorder.flush(spark, metrics_table, fallback_queries=[query], log=lines.append)  # the generator's loop
    finally:
        query.stop()
    # What the generator does once its streams are stopped: last events (or a last poll), last write, detach.
    recorder.close(spark, metrics_table, [query], log=lines.append)
    finished = datetime.now(timezone.utc)
    reported = [progress["batchId"] for progress in query.recentProgress]
    assert len(reported) >= 3 and recorder.buffered() == 0 and recorder.written_rows == len(reported)
    assert recorder.missed_batches == 0 and recorder.last_error is None, recorder.last_error
    if is_spark_connect(spark):
        assert recorder.progress_events == 0 and "recording each query's recent progress" in lines[0]
    else:
        assert recorder.progress_events >= len(reported) and lines == []

    # Polling the stopped query's recent progress finds the same batches.
    polled = MetricsRecorder([spec], phase_start=PHASE_START)
    assert polled.poll([query]) == len(reported)

    table = spark.table(metrics_table)
    assert tuple(table.columns) == METRICS_COLUMNS
    rows = table.select(
        "*",
        F.expr("unix_micros(batch_time) / 1e6").alias("batch_epoch"),
        F.expr("unix_micros(phase_start) / 1e6").alias("phase_start_epoch"),
    ).collect()
    assert sorted(row.batch_id for row in rows) == sorted(reported) == list(range(len(reported)))
    assert {(row.phase, row.stream_id, row.stream_type, row.table_name, row.query_name) for row in rows} == {
        ("baseline", 7, "baseline", "probe_table", "baseline:probe_table")
    }
    assert {(row.query_id, row.query_run_id) for row in rows} == {(str(query.id), str(query.runId))}
    assert {row.phase_start_epoch for row in rows} == {PHASE_START.timestamp()}
    assert all(started.timestamp() - 1 <= row.batch_epoch <= finished.timestamp() + 1 for row in rows)
    assert sum(row.num_input_rows for row in rows) > 0
    assert all(row.batch_duration_ms is not None and row.batch_duration_ms >= 0 for row in rows)
    later = [row for row in rows if row.batch_id >= 1]
    assert later and all(0 <= (row.input_rows_per_second or 0) < 500 for row in later)  # ~50 rows/s
    assert any(row.input_rows_per_second for row in later)
    assert all(row.processed_rows_per_second is None or row.processed_rows_per_second >= 0 for row in rows)


def test_a_failed_flush_keeps_the_rows_for_the_next_one(spark, metrics_schema):
    recorder = MetricsRecorder(SPECS, phase_start=PHASE_START)
    recorder.record(progress(batch_id=1))
    recorder.record(progress(batch_id=2))
    lines = []
    assert recorder.flush(spark, "spark_catalog.no_such_schema.stream_metrics", log=lines.append) == 0
    assert recorder.buffered() == 2 and "kept for the next flush" in lines[0]
    assert recorder.flush(spark, table_name("retried_metrics"), log=lines.append) == 2
    assert recorder.flush(spark, table_name("retried_metrics"), log=lines.append) == 0  # nothing left
    assert sorted(row.batch_id for row in spark.table(table_name("retried_metrics")).collect()) == [1, 2]


def test_a_metrics_table_of_an_older_generator_gains_the_new_columns(spark, metrics_schema):
    older = "phase STRING, stream_id INT, batch_id BIGINT, num_input_rows BIGINT, batch_duration_ms BIGINT"
    spark.createDataFrame([("baseline", 1, 0, 5, 100)], older).write.format("delta").saveAsTable(
        table_name("older_metrics")
    )
    recorder = MetricsRecorder(SPECS, phase_start=PHASE_START, trigger_interval_seconds=10)
    recorder.record(progress(batch_id=1, observedMetrics=OBSERVED))
    assert recorder.flush(spark, table_name("older_metrics"), log=print) == 1
    table = spark.table(table_name("older_metrics"))
    assert set(table.columns) == set(METRICS_COLUMNS)
    assert [row.processing_lag_ms for row in table.orderBy("batch_id").collect()] == [None, 9_750 + 812]
    assert METRICS_SCHEMA_DDL.count(",") + 1 == len(METRICS_COLUMNS)


class CapturingSpark:
    """Just enough of a session for `flush`: the rows it would append to the metrics table."""

    def __init__(self):
        self.rows = []

    def createDataFrame(self, rows, schema):  # noqa: N802 - the session's name
        self.rows.extend(rows)
        writer = SimpleNamespace()
        for step in ("format", "mode", "option"):
            setattr(writer, step, lambda *_: writer)
        writer.saveAsTable = lambda _name: None
        return SimpleNamespace(write=writer)


def test_close_reads_the_last_batches_from_the_stopped_query_when_the_listener_is_late():
    """The listener delivered batches 0 and 1; 2 and 3 (the drain) are only in the stopped query's progress."""
    recorder = MetricsRecorder(SPECS)
    for batch in (0, 1):
        recorder.onQueryProgress(SimpleNamespace(progress=progress(batch_id=batch)))
    query = SimpleNamespace(id="q-1", recentProgress=[progress(batch_id=batch) for batch in range(4)])
    spark, lines = CapturingSpark(), []
    assert recorder.close(spark, "spark_catalog.s.stream_metrics", [query], timeout_seconds=0.05, log=lines.append) == 4
    batch_column = METRICS_COLUMNS.index("batch_id")
    assert sorted(row[batch_column] for row in spark.rows) == [0, 1, 2, 3]
    assert lines == ["metrics: not every stream reported its end in time; its last batches are read from the query"]
