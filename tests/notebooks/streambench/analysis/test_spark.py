"""The analysis' Spark pieces against a real local Spark session with Delta: small stream tables with known
event timestamps, a stream_metrics table written by the recorder, hand-made cluster events, a DLT pipeline's
event log table, a results table written by an older version, then the whole analysis, and the tables it
writes read back."""

import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest
from plan_documents import plan_window
from pyspark.sql import functions as F
from streambench.analysis.events import CLUSTER_EVENT_COLUMNS, EVENTS_GRACE, EVENTS_LOOKBACK, cluster_event_rows
from streambench.analysis.params import parse_analysis_params
from streambench.analysis.report import RESULT_COLUMNS
from streambench.analysis.spark import analyze_run, write_cluster_events
from streambench.metrics_rows import METRICS_COLUMNS, METRICS_SCHEMA_DDL, progress_row, query_name

SCHEMA = "analysis_test"
CLUSTER = "1125-020000-abcdefgh"
RUN_START = datetime(2026, 11, 25, 2, 0, tzinfo=timezone.utc)
# Two 1-minute windows: 2 baseline streams at 2 rows/s, then the 3x stream joins, planned at 6 rows/s, but
# it only makes 3 rows/s: the second window falls short (7 of 10 rows/s).
WINDOWS = [plan_window(0, 1, 4), plan_window(1, 2, 4, 6)]
PHASES = [
    {"phase": "baseline", "table_name_format": "stream_table_{stream_id:03d}", "first_stream_id": 1, "stream_count": 2},
    {"phase": "3x", "table_name_format": "stream_table_3x_scale", "first_stream_id": 3, "stream_count": 1},
    {"phase": "9x", "table_name_format": "stream_table_9x_scale", "first_stream_id": 4, "stream_count": 1},  # never ran
]


# benchmark_results as the analysis created it before the DLT columns.
OLD_RESULTS_SCHEMA_DDL = (
    "run_start TIMESTAMP, window_index INT, start_minute DOUBLE, end_minute DOUBLE, window_start TIMESTAMP, "
    "window_end TIMESTAMP, active_phases STRING, target_rows_per_second BIGINT, achieved_rows_per_second DOUBLE, "
    "gap_percent DOUBLE, metrics_rows_per_second DOUBLE, metrics_gap_percent DOUBLE, workers_at_start INT, "
    "workers_at_end INT, reaction_seconds DOUBLE, analyzed_at TIMESTAMP"
)


def at(seconds):
    return RUN_START + timedelta(seconds=seconds)


def full(table):
    return f"spark_catalog.{SCHEMA}.{table}"


@dataclass(frozen=True)
class Spec:
    stream_id: int
    stream_type: str
    table: str


def write_stream_table(spark, table, stream_type, stream_id, seconds, fractions):
    rows = [
        (f"{stream_type}-{stream_id}-device-00", at(second + fraction), stream_type, stream_id)
        for second in seconds
        for fraction in fractions
    ]
    spark.createDataFrame(
        rows, "device_id STRING, event_timestamp TIMESTAMP, stream_type STRING, stream_id INT"
    ).write.format("delta").mode("overwrite").saveAsTable(full(table))


def progress(spec, second, rows, run_id, batch_id):
    return {
        "id": f"id-{spec.stream_id}",
        "runId": run_id,
        "name": query_name(spec.stream_type, spec.table),
        "timestamp": at(second).isoformat().replace("+00:00", "Z"),
        "batchId": batch_id,
        "numInputRows": rows,
        "inputRowsPerSecond": rows / 10,
        "processedRowsPerSecond": rows * 5.0,
        "durationMs": {"triggerExecution": 200},
        # The window's observation: every row read is inside the window, the oldest stamped 10 s before the trigger.
        "observedMetrics": {
            "streambench_window": {"rows_written": rows, "oldest_event_us": int(at(second - 10).timestamp() * 1e6)}
        },
    }


@pytest.fixture(scope="module")
def analyzed(spark, tmp_path_factory):
    spark.sql(f"DROP SCHEMA IF EXISTS spark_catalog.{SCHEMA} CASCADE")
    spark.sql(f"CREATE SCHEMA spark_catalog.{SCHEMA}")
    # Baseline: 2 rows in every second of both minutes, plus rows before and after the run (not counted).
    write_stream_table(spark, "stream_table_001", "baseline", 1, [-10, *range(120), 125], [0.1, 0.6])
    write_stream_table(spark, "stream_table_002", "baseline", 2, range(120), [0.0, 0.999])
    write_stream_table(spark, "stream_table_3x_scale", "3x", 3, range(60, 120), [0.1, 0.4, 0.7])

    # Metrics rows as the generator's recorder writes them (the recorder's own write is tested in
    # test_metrics.py; one write here keeps the test short): a 10-second batch per stream, 10 s of rows.
    baseline = [Spec(1, "baseline", "stream_table_001"), Spec(2, "baseline", "stream_table_002")]
    scale = Spec(3, "3x", "stream_table_3x_scale")
    metrics = [
        progress_row(
            progress(spec, second, 20, f"run-{spec.stream_id}", batch),
            "baseline",
            spec.stream_id,
            spec.stream_type,
            spec.table,
            RUN_START,
            trigger_interval_seconds=10,
        )
        for spec in baseline
        for batch, second in enumerate(range(0, 120, 10))
    ]
    metrics += [
        progress_row(progress(scale, second, 30, "run-3", batch), "3x", 3, "3x", scale.table, at(60), 10)
        for batch, second in enumerate(range(60, 120, 10))
    ]
    # The same batch written twice (a flush retried after a write that did succeed) counts once.
    metrics.append(dict(metrics[-1]))
    # Yesterday's run: not the latest baseline start.
    metrics.append(
        progress_row(
            progress(baseline[0], -86_400, 20, "run-old", 0),
            "baseline",
            1,
            "baseline",
            baseline[0].table,
            RUN_START - timedelta(days=1),
        )
    )
    spark.createDataFrame(
        [tuple(row[column] for column in METRICS_COLUMNS) for row in metrics], METRICS_SCHEMA_DDL
    ).write.format("delta").saveAsTable(full("stream_metrics"))

    # The DLT pipeline's event log (some of its columns): 2 executors, 5 requested at 1:15, running at 1:40.
    def log_event(second, event_type, **details):
        return (f"event-{second}-{event_type}", at(second), event_type, "INFO", json.dumps({event_type: details}))

    spark.createDataFrame(
        [
            log_event(-3 * 3600, "cluster_resources", num_executors=9, latest_requested_num_executors=9),  # too early
            log_event(-300, "cluster_resources", num_executors=2, latest_requested_num_executors=2),
            log_event(
                30,
                "cluster_resources",
                num_executors=2,
                latest_requested_num_executors=2,
                avg_task_slot_utilization=0.5,
                avg_num_queued_tasks=0,
            ),
            log_event(50, "flow_progress", status="RUNNING"),
            log_event(
                75,
                "cluster_resources",
                num_executors=2,
                latest_requested_num_executors=5,
                avg_task_slot_utilization=1.0,
                avg_num_queued_tasks=40,
            ),
            log_event(76, "autoscale", status="RESIZING", requested_num_executors=5),
            log_event(100, "cluster_resources", num_executors=5, latest_requested_num_executors=5),
        ],
        "id STRING, timestamp TIMESTAMP, event_type STRING, level STRING, details STRING",
    ).write.format("delta").saveAsTable(full("dlt_event_log"))

    # Yesterday's results, written by a version without the dlt_ columns: the new rows are added beside them.
    old_columns = RESULT_COLUMNS[: RESULT_COLUMNS.index("analyzed_at") + 1]
    old = {column: None for column in old_columns}
    old.update(
        run_start=RUN_START - timedelta(days=1), window_index=1, target_rows_per_second=4, achieved_rows_per_second=3.0
    )
    spark.createDataFrame([tuple(old[column] for column in old_columns)], OLD_RESULTS_SCHEMA_DDL).write.format(
        "delta"
    ).saveAsTable(full("benchmark_results"))

    # Hand-made Clusters API events: 2 workers, a resize to 4 at 1:20 into the run, done at 1:50.
    api_events = [
        {
            "cluster_id": CLUSTER,
            "timestamp": int(at(-600).timestamp() * 1000),
            "type": "RUNNING",
            "details": {"current_num_workers": 2},
        },
        {
            "cluster_id": CLUSTER,
            "timestamp": int(at(80).timestamp() * 1000),
            "type": "RESIZING",
            "details": {"current_num_workers": 2, "target_num_workers": 4, "cause": "AUTOSCALE"},
        },
        {
            "cluster_id": CLUSTER,
            "timestamp": int(at(110).timestamp() * 1000),
            "type": "UPSIZE_COMPLETED",
            "details": {"current_num_workers": 4, "target_num_workers": 4},
        },
    ]
    calls = []

    def fetch_events(cluster_id, start_ms, end_ms):
        calls.append((cluster_id, start_ms, end_ms))
        return api_events

    params = parse_analysis_params(
        {
            "catalog": "spark_catalog",
            "schema": SCHEMA,
            "phases_json": json.dumps(PHASES),
            "windows_json": json.dumps(WINDOWS),
            "cluster_id": CLUSTER,
            "run_start": "",
            "pipeline_event_log_table": "dlt_event_log",
            "compute": "all-purpose cluster",
            "pipeline_compute": "serverless pipeline",
            "dbu_per_node_hour": "0.75",
            "cluster_tags_json": json.dumps({"project": "streambench", "stack": "test"}),
            "chart_folder": str(tmp_path_factory.mktemp("volume") / "charts"),
        }
    )
    lines = []

    def fetch_cluster(cluster_id):
        calls.append(("clusters/get", cluster_id))
        return {
            "cluster_id": cluster_id,
            "node_type_id": "i3.xlarge",
            "autoscale": {"min_workers": 2, "max_workers": 8},
        }

    summary = analyze_run(
        spark,
        params,
        fetch_events=fetch_events,
        fetch_cluster=fetch_cluster,
        now=lambda: at(3600),
        log=lines.append,
        chunk_size=2,
    )  # two reads: stream_table_001 + 002, then the 3x table
    # Storing the same run's events again replaces them instead of adding to them (results: the same helper).
    write_cluster_events(
        spark,
        full("cluster_events"),
        cluster_event_rows(api_events),
        CLUSTER,
        RUN_START - EVENTS_LOOKBACK,
        at(120) + EVENTS_GRACE,
    )
    return summary, lines, calls


def test_the_run_start_defaults_to_the_latest_baseline_run_in_the_metrics(analyzed):
    summary = analyzed[0]
    assert summary["run_start"] == RUN_START.isoformat()
    assert any("latest baseline start" in note for note in summary["notes"])


def test_each_window_gets_its_achieved_rates_gap_workers_and_reaction(analyzed):
    windows = analyzed[0]["windows"]
    picked = [
        {
            key: window[key]
            for key in (
                "window_index",
                "target_rows_per_second",
                "achieved_rows_per_second",
                "gap_percent",
                "metrics_rows_per_second",
                "metrics_gap_percent",
                "workers_at_start",
                "workers_at_end",
                "reaction_seconds",
            )
        }
        for window in windows
    ]
    assert picked == [
        {
            "window_index": 1,
            "target_rows_per_second": 4,
            "achieved_rows_per_second": 4.0,
            "gap_percent": 0.0,
            "metrics_rows_per_second": 4.0,
            "metrics_gap_percent": 0.0,
            "workers_at_start": 2,
            "workers_at_end": 2,
            "reaction_seconds": None,
        },
        {
            "window_index": 2,
            "target_rows_per_second": 10,
            "achieved_rows_per_second": 7.0,
            "gap_percent": -30.0,
            "metrics_rows_per_second": 7.0,
            "metrics_gap_percent": -30.0,
            "workers_at_start": 2,
            "workers_at_end": 4,
            "reaction_seconds": 20.0,
        },
    ]


def test_the_report_lists_the_windows_the_rows_per_table_and_the_missing_table(analyzed):
    _, lines, _ = analyzed
    report = "\n".join(lines)
    assert " 2  1-2       baseline+3x" in report and "-30.0 %" in report and "2 -> 4" in report
    for table, rows in (
        ("stream_table_001", "240"),
        ("stream_table_002", "240"),
        ("stream_table_3x_scale", "180"),
        ("stream_table_9x_scale", "0"),
    ):
        assert any(table in line and line.rstrip().endswith(f" {rows}") for line in lines[0].splitlines())
    assert "1 stream table(s) do not exist (counted as 0 rows): stream_table_9x_scale" in report


def test_the_results_are_stored_one_row_per_window(spark, analyzed):
    table = spark.table(full("benchmark_results"))
    assert tuple(table.columns) == RESULT_COLUMNS
    rows = (
        table.where(F.col("run_start") == F.timestamp_seconds(F.lit(RUN_START.timestamp())))
        .select(
            "window_index",
            "achieved_rows_per_second",
            "gap_percent",
            "reaction_seconds",
            F.expr("unix_seconds(run_start)").alias("run_start_epoch"),
            F.expr("unix_seconds(window_start)").alias("start_epoch"),
        )
        .orderBy("window_index")
        .collect()
    )
    assert [tuple(row) for row in rows] == [
        (1, 4.0, 0.0, None, int(RUN_START.timestamp()), int(at(0).timestamp())),
        (2, 7.0, -30.0, 20.0, int(RUN_START.timestamp()), int(at(60).timestamp())),
    ]


def test_the_cluster_events_of_the_run_are_fetched_and_stored_once(spark, analyzed):
    _, _, calls = analyzed
    start_ms = int((RUN_START - EVENTS_LOOKBACK).timestamp() * 1000)
    end_ms = int((at(120) + EVENTS_GRACE).timestamp() * 1000)
    assert calls == [("clusters/get", CLUSTER), (CLUSTER, start_ms, end_ms)]
    table = spark.table(full("cluster_events"))
    assert tuple(table.columns) == CLUSTER_EVENT_COLUMNS
    rows = (
        table.select(
            "event_type",
            "current_workers",
            "target_workers",
            "cause",
            F.expr("unix_seconds(event_time)").alias("epoch"),
        )
        .orderBy("epoch")
        .collect()
    )
    assert [tuple(row) for row in rows] == [
        ("RUNNING", 2, None, None, int(at(-600).timestamp())),
        ("RESIZING", 2, 4, "AUTOSCALE", int(at(80).timestamp())),
        ("UPSIZE_COMPLETED", 4, 4, None, int(at(110).timestamp())),
    ]


def test_the_dlt_pipelines_executors_and_reaction_join_the_results(spark, analyzed):
    summary, lines, _ = analyzed
    assert [
        (window["dlt_executors_at_start"], window["dlt_executors_at_end"], window["dlt_reaction_seconds"])
        for window in summary["windows"]
    ] == [(2, 2, None), (2, 5, 15.0)]
    assert summary["pipeline_events"] == 4  # cluster_resources events of the run's range only
    report = lines[0].splitlines()
    assert report[2].endswith("dlt exec  dlt react")
    assert next(line for line in report if line.startswith(" 2  1-2")).endswith("2 -> 5         15 s")
    rows = (
        spark.table(full("benchmark_results"))
        .select(
            F.expr("unix_seconds(run_start)").alias("run_start_epoch"),
            "window_index",
            "achieved_rows_per_second",
            "dlt_executors_at_start",
            "dlt_executors_at_end",
            "dlt_reaction_seconds",
        )
        .orderBy("run_start_epoch", "window_index")
        .collect()
    )
    assert [tuple(row) for row in rows] == [
        (int(RUN_START.timestamp()) - 86_400, 1, 3.0, None, None, None),  # the older version's row, kept
        (int(RUN_START.timestamp()), 1, 4.0, 2, 2, None),
        (int(RUN_START.timestamp()), 2, 7.0, 2, 5, 15.0),
    ]


def test_every_result_row_is_labelled_with_the_runs_compute(spark, analyzed):
    _, lines, _ = analyzed
    assert lines[0].splitlines()[0].endswith(", on all-purpose cluster (i3.xlarge, 2-8 workers) + serverless pipeline")
    rows = (
        spark.table(full("benchmark_results"))
        .select(
            F.expr("unix_seconds(run_start)").alias("run_start_epoch"),
            "window_index",
            "compute",
            "dlt_compute",
            "node_type",
            "min_workers",
            "max_workers",
        )
        .orderBy("run_start_epoch", "window_index")
        .collect()
    )
    assert [tuple(row) for row in rows] == [
        (int(RUN_START.timestamp()) - 86_400, 1, None, None, None, None, None),  # written before the labels existed
        (int(RUN_START.timestamp()), 1, "all-purpose cluster", "serverless pipeline", "i3.xlarge", 2, 8),
        (int(RUN_START.timestamp()), 2, "all-purpose cluster", "serverless pipeline", "i3.xlarge", 2, 8),
    ]


def test_each_window_gets_a_verdict_from_its_committed_micro_batches(spark, analyzed):
    summary = analyzed[0]
    verdicts = [
        (row["processed_rows_per_second"], row["processed_percent"], row["batches"], row["kept_up"])
        for row in summary["windows"]
    ]
    # Each window counts the batches committed one 10-s trigger after it. Window 1 (0:10-1:10): the baseline's 12
    # batches committed 0:10.2-1:00.2 (240 rows) and the 3x stream's first one (1:00.2, 30 rows). Window 2
    # (1:10-2:10): the baseline's batches up to 1:50.2 and the 3x stream's (200 + 150 rows): 5.83 of 10 rows/s.
    assert verdicts == [(4.5, 112.5, 13, True), (5.83, 58.33, 15, False)]
    second = summary["windows"][1]
    assert second["kept_up_reasons"] == "processed 58.3 % of the offered rows/s (< 98 %)"
    assert (second["batch_p50_seconds"], second["batch_p95_seconds"], second["trigger_seconds"]) == (0.2, 0.2, 10.0)
    assert (second["lag_p50_seconds"], second["lag_max_seconds"], second["lag_recovered_seconds"]) == (10.2, 10.2, 10.2)
    assert (second["workers_peak"], second["resize_completed_seconds"]) == (4, 50.0)
    assert (second["dlt_executors_peak"], second["dlt_resize_completed_seconds"]) == (5, 40.0)
    assert summary["kept_up"] is False
    stored = (
        spark.table(full("benchmark_results"))
        .where(F.col("window_index") == 2)
        .where(F.col("kept_up").isNotNull())
        .select("kept_up", "run_kept_up", "processed_percent", "run_worker_minutes", "run_estimated_dbus")
        .collect()
    )
    # Node-minutes: 3 nodes (driver + 2 workers) to 1:50, then 5: (3 x 110 + 5 x 10) / 60.
    assert [tuple(row) for row in stored] == [(False, False, 58.33, 6.33, 0.079)]


def test_the_report_prints_the_verdict_and_the_cost_with_the_billing_query(analyzed):
    summary, lines, _ = analyzed
    report = "\n".join(lines)
    assert "Did the compute keep up?" in report
    assert "Kept up over the whole run: NO" in report
    assert "window 2: processed 58.3 %" in report
    assert "6.3 node-minutes" in report and "0.08 DBU at 0.75 DBU per node-hour" in report
    assert "FROM system.billing.usage" in report and "custom_tags['stack'] = 'test'" in report
    assert summary["cost"]["worker_minutes"] == 6.33


def test_the_chart_is_saved_in_the_chart_folder_one_file_per_run(analyzed):
    summary = analyzed[0]
    assert summary["chart"].endswith("/charts/20261125T020000Z.png")
    with open(summary["chart"], "rb") as chart:
        assert chart.read(8) == b"\x89PNG\r\n\x1a\n"
    timeline = summary["timeline"]
    assert timeline["offered"] == [[0.0, 4], [1.0, 10]]
    assert timeline["workers"] == [[0.0, 2], [pytest.approx(110 / 60, abs=1e-5), 4]]
    assert sum(timeline["intervals"][0]["processed_by_type"].values()) == 4.0
