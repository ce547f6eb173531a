"""The generator's Spark code against a real local Spark session with Delta: streams really run for a few
seconds into real tables, which the tests read back."""

import json
import time
from datetime import datetime, timedelta, timezone

import pytest
from pyspark.sql import functions as F
from streambench.generator import parse_params, run_phase, stream_specs

RATE = 40
SCHEMA = "generator_test"


class FastForward:
    """The phase's clock: real time until every stream has committed enough micro-batches (however slow this
    machine is), then a jump to the phase's end, so the test checks content, not the machine's speed."""

    def __init__(self, spark, end, batches=5, settle_seconds=9.0, deadline_seconds=240.0):
        self.spark, self.end, self.batches, self.settle_seconds = spark, end, batches, settle_seconds
        self.jump = timedelta(0)
        self.ready_at = None
        self.deadline = time.monotonic() + deadline_seconds

    def now(self):
        return datetime.now(timezone.utc) + self.jump

    def sleep(self, seconds):
        time.sleep(min(seconds, 0.5))
        if time.monotonic() > self.deadline:
            raise TimeoutError("the streams did not commit enough micro-batches in time")
        active = self.spark.streams.active
        enough = active and all(
            query.lastProgress and query.lastProgress["batchId"] >= self.batches for query in active
        )
        if enough and self.ready_at is None:
            self.ready_at = time.monotonic()  # let a few status lines report the measured rate first
        if self.ready_at is not None and time.monotonic() - self.ready_at >= self.settle_seconds and not self.jump:
            self.jump = self.end - datetime.now(timezone.utc)


@pytest.fixture(scope="module")
def finished_run(spark, tmp_path_factory):
    """Runs a two-stream baseline phase that started late: its trigger was 20 s before a 10-minute window."""
    spark.sql(f"CREATE SCHEMA IF NOT EXISTS spark_catalog.{SCHEMA}")
    checkpoints = tmp_path_factory.mktemp("checkpoints")
    trigger = datetime.now(timezone.utc) - timedelta(seconds=20)
    params = parse_params(
        {
            "catalog": "spark_catalog",
            "checkpoint_root": str(checkpoints / "baseline" / "run-1"),
            "metrics_table": "generator_metrics",
            "num_partitions": "2",
            "phase": "baseline",
            "phases_json": json.dumps(
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
            "rows_per_second": str(RATE),
            "schema": SCHEMA,
            "start_offset_minutes": "0",
            "status_interval_seconds": "4",
            "trigger_interval_seconds": "1",
            "start_lead_seconds": "0",
            "drain_limit_seconds": "0",
            "trigger_time": trigger.replace(tzinfo=None).isoformat(),
            "window_minutes": "10",
        }
    )
    clock = FastForward(spark, end=trigger + timedelta(minutes=10))
    lines = []
    started = datetime.now(timezone.utc)
    summary = run_phase(spark, params, now=clock.now, sleep=clock.sleep, log=lines.append)
    finished = datetime.now(timezone.utc)
    return params, summary, lines, started, finished, trigger, clock


def table(spark, name):
    return spark.table(f"spark_catalog.{SCHEMA}.{name}")


def test_each_stream_wrote_its_own_table_in_the_benchmark_schema(spark, finished_run):
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
        assert rows.count() > 0
        ids = {(row.stream_type, row.stream_id) for row in rows.select("stream_type", "stream_id").distinct().collect()}
        assert ids == {("baseline", spec.stream_id)}


def test_values_are_plausible_and_event_time_is_the_generation_time(spark, finished_run):
    _, _, _, started, finished, _, _ = finished_run
    stats = (
        table(spark, "stream_table_001")
        .agg(
            F.min("temperature"),
            F.max("temperature"),
            F.min("humidity"),
            F.max("humidity"),
            F.min("pressure"),
            F.max("pressure"),
            F.min("event_timestamp"),
            F.max("event_timestamp"),
            F.countDistinct("device_id"),
        )
        .first()
    )
    assert 15 <= stats[0] <= stats[1] <= 35
    assert 30 <= stats[2] <= stats[3] <= 90
    assert 980 <= stats[4] <= stats[5] <= 1040
    # Local session time zone: compare as naive local times, with a second of slack either side.
    started_local = started.astimezone().replace(tzinfo=None) - timedelta(seconds=1)
    finished_local = finished.astimezone().replace(tzinfo=None) + timedelta(seconds=1)
    assert started_local <= stats[6] <= stats[7] <= finished_local
    assert stats[8] > 1


def test_every_complete_second_holds_exactly_the_configured_rate(spark, finished_run):
    per_second = (
        table(spark, "stream_table_002")
        .groupBy(F.date_trunc("second", "event_timestamp").alias("second"))
        .count()
        .orderBy("second")
        .collect()
    )
    complete = [row["count"] for row in per_second[1:-1]]  # the first and last second may be cut by start/stop
    assert len(complete) >= 3
    assert set(complete) == {RATE}


def test_a_late_start_keeps_the_trigger_anchored_end_and_every_stream_stops_there(spark, finished_run):
    _, summary, _, _, _, trigger, clock = finished_run
    end = trigger + timedelta(minutes=10)
    assert {key: summary[key] for key in ("phase", "streams", "end", "skipped")} == {
        "phase": "baseline",
        "streams": 2,
        "end": end.isoformat(),
        "skipped": False,
    }
    assert clock.now() >= end  # the loop ran to the trigger-anchored end, not to start + 10 minutes
    assert spark.streams.active == []


def test_each_stream_checkpointed_under_its_own_path(finished_run):
    from pathlib import Path

    params = finished_run[0]
    for spec in stream_specs(params):
        assert (Path(spec.checkpoint_path) / "commits").is_dir()


def test_status_lines_report_the_measured_rate(finished_run):
    lines = finished_run[2]
    status = [line for line in lines if "active streams" in line]
    assert len(status) >= 2
    assert all(f"of {2 * RATE:,} target" in line for line in status)
    assert any("input rows/s: 0 " not in line for line in status[1:])
    assert lines[-1].startswith("Stopped 2 baseline stream(s)")


def test_a_run_that_starts_after_its_window_writes_nothing(spark, tmp_path):
    params = parse_params(
        {
            "catalog": "spark_catalog",
            "checkpoint_root": str(tmp_path),
            "metrics_table": "generator_metrics",
            "num_partitions": "1",
            "phase": "9x",
            "rows_per_second": "10",
            "phases_json": '[{"phase": "9x", "table_name_format": "late_9x_scale", "first_stream_id": 52, "stream_count": 1}]',
            "schema": SCHEMA,
            "start_offset_minutes": "0",
            "status_interval_seconds": "30",
            "trigger_interval_seconds": "1",
            "start_lead_seconds": "0",
            "drain_limit_seconds": "0",
            "trigger_time": "2020-01-01T00:00:00",
            "window_minutes": "4",
        }
    )
    summary = run_phase(spark, params, log=lambda line: None)
    assert summary["skipped"] is True
    assert not spark.catalog.tableExists(f"spark_catalog.{SCHEMA}.late_9x_scale")


def test_every_micro_batch_of_every_stream_is_recorded_to_the_metrics_table(spark, finished_run):
    params, summary = finished_run[0], finished_run[1]
    metrics = spark.table(f"spark_catalog.{SCHEMA}.generator_metrics")
    assert metrics.count() == summary["metrics_rows"] > 0
    per_stream = {
        row.table_name: row
        for row in metrics.groupBy("table_name", "stream_id", "stream_type")
        .agg(
            F.sum("num_input_rows").alias("rows"),
            F.max("num_input_rows").alias("largest_batch"),
            F.countDistinct("batch_id").alias("batches"),
            F.count("*").alias("records"),
        )
        .collect()
    }
    for spec in stream_specs(params):
        recorded = per_stream[spec.table]
        assert (recorded.stream_id, recorded.stream_type) == (spec.stream_id, "baseline")
        assert recorded.batches == recorded.records  # each micro-batch recorded once
        # Every row the stream wrote went through a recorded micro-batch, but for the batch that stop() may cut
        # between its commit and its progress event.
        written = table(spark, spec.table).count()
        assert 0 <= written - recorded.rows <= 2 * recorded.largest_batch, (written, recorded.rows)


def test_the_tables_of_later_phases_exist_empty_from_the_first_phase_on(spark, finished_run):
    nine_x = table(spark, "stream_table_9x_scale")
    assert nine_x.count() == 0
    assert nine_x.schema == table(spark, "stream_table_001").schema
    assert any(line.startswith("Created 3 empty stream table(s)") for line in finished_run[2])


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
        {
            "catalog": "spark_catalog",
            "checkpoint_root": str(tmp_path / "run-7"),
            "metrics_table": "generator_metrics",
            "num_partitions": "1",
            "phase": "3x",
            "rows_per_second": "20",
            "phases_json": '[{"phase": "3x", "table_name_format": "resume_3x_scale", "first_stream_id": 61, "stream_count": 1}]',
            "schema": SCHEMA,
            "start_offset_minutes": "0",
            "status_interval_seconds": "30",
            "trigger_interval_seconds": "1",
            "start_lead_seconds": "0",
            "drain_limit_seconds": "0",
            "trigger_time": "",
            "window_minutes": "1",
        }
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
