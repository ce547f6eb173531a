"""notebooks/pipeline.py really runs: the open-source Spark Declarative Pipelines CLI of pyspark 4.2
(`python -m pyspark.pipelines.cli run --spec ...`, what `spark-pipelines run` executes) runs it once, triggered (as
each update of the stack's control job runs it), against the timeline's seven Delta source tables in test mode (5
baseline streams, 3x and 9x) with known rows, and the test reads the pipeline's Delta tables back.

The CLI is a Spark Connect client. It runs in a subprocess and connects to the test run's one Spark Connect server
(conftest.py `connect_server`, inside the shared test session's JVM: no second JVM, and the pipeline sees the source
tables of that session's catalog, as it sees the generator's tables on Databricks). The CLI builds its own Connect
session and sets its own pyspark mode, hence the subprocess; the shared session carries on.

Needs the `pipelines` extra of pyspark (pandas, pyarrow, grpcio, grpcio-status, googleapis-common-protos, zstandard,
pyyaml); without it the module is skipped and says so, except under any CI (CI set, and not empty, false or 0), where a
missing package fails the run: CI must never go green without this test.
"""

import json
import os
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import streambench.pipeline as logic
from ci_gate import under_ci

NOTEBOOKS = Path(__file__).resolve().parents[3] / "notebooks"
SCHEMA = "pipeline_test"
RUN_TIMEOUT_SECONDS = 300  # ~30 s on an idle 2-core machine
EXTRAS = ("pandas", "pyarrow", "grpc", "grpc_status", "google.rpc", "zstandard", "yaml")


def _missing_extras():
    missing = []
    for module in EXTRAS:
        try:
            __import__(module)
        except ImportError:
            missing.append(module)
    return missing


def extras_decision(missing, ci):
    """None when every extra is installed; else ("skip", why) on a developer's machine, ("fail", why) under any CI."""
    if not missing:
        return None
    why = f"pyspark[pipelines] extras not installed: {missing}"
    if ci:
        return (
            "fail",
            f"{why}; CI={os.environ.get('CI')}, so the DLT pipeline test fails instead of skipping "
            "(install requirements-test.txt)",
        )
    return "skip", f"{why}; under CI this fails"


_DECISION = extras_decision(_missing_extras(), under_ci())
if _DECISION and _DECISION[0] == "fail":
    pytest.fail(_DECISION[1], pytrace=False)
pytestmark = pytest.mark.skipif(_DECISION is not None, reason=_DECISION[1] if _DECISION else "")


def row(device, timestamp, temperature, humidity, pressure, stream_type, stream_id):
    return (device, datetime.fromisoformat(timestamp), temperature, humidity, pressure, stream_type, stream_id)


# The design's timeline in test mode, one row per minute for every 100 rows/s: 5 baseline streams (1 row a minute
# each) for minutes 0-15, the 3x stream (3 a minute) for minutes 3-10 and the 9x stream (9 a minute) for minutes
# 6-10, so minutes 6-10 carry 500 + 300 + 900 = 1,700 rows/s, the 62,000 of prod divided as test mode divides it.
START = datetime.fromisoformat("2026-11-25T12:00:00")
RUN_MINUTES = 15
STREAMS = (  # table, stream type, stream id, rows a minute, first minute, end minute
    *((f"stream_table_{stream_id:03d}", "baseline", stream_id, 1, 0, 15) for stream_id in range(1, 6)),
    ("stream_table_3x_scale", "3x", 6, 3, 3, 10),
    ("stream_table_9x_scale", "9x", 7, 9, 6, 10),
)
TARGET_ROWS_PER_MINUTE = [5, 5, 5, 8, 8, 8, 17, 17, 17, 17, 5, 5, 5, 5, 5]  # 500 / 800 / 1,700 / 500 rows/s ÷ 100


def timeline_rows(table, stream_type, stream_id, per_minute, first_minute, end_minute):
    rows = []
    for minute in range(first_minute, end_minute):
        for index in range(per_minute):
            second = index * 60 // per_minute + 1
            timestamp = (START + timedelta(minutes=minute, seconds=second)).isoformat()
            value = float(stream_id * 10 + minute + index)
            rows.append(
                row(
                    f"{stream_type}-{stream_id}-device-{index:02d}",
                    timestamp,
                    value,
                    50.0 + value,
                    1000.0 + value,
                    stream_type,
                    stream_id,
                )
            )
    return rows


SEED = {table: timeline_rows(table, *rest) for table, *rest in STREAMS}
# After the run: moves the watermark (1 minute delay) to 12:16:30, which closes every minute of the run. Its own
# minute stays open, so it is not written yet.
SEED["stream_table_001"].append(row("baseline-1-device-99", "2026-11-25T12:17:30", 0.0, 0.0, 0.0, "baseline", 1))
CONFIGURATION = {
    logic.SOURCE_CATALOG_KEY: "spark_catalog",
    logic.SOURCE_SCHEMA_KEY: SCHEMA,
    # The compact form, as the stack writes it: the numbered baseline tables and the fixed 3x and 9x tables.
    logic.PHASES_KEY: json.dumps(
        [
            {
                "phase": "baseline",
                "table_name_format": "stream_table_{stream_id:03d}",
                "first_stream_id": 1,
                "stream_count": 5,
            },
            {"phase": "3x", "table_name_format": "stream_table_3x_scale", "first_stream_id": 6, "stream_count": 1},
            {"phase": "9x", "table_name_format": "stream_table_9x_scale", "first_stream_id": 7, "stream_count": 1},
        ]
    ),
    logic.WATERMARK_DELAY_KEY: "1 minute",
    # Local only: SDP writes its tables in the default source format (Databricks pipelines always write Delta), and
    # a failing flow should fail the run at once rather than be retried.
    "spark.sql.sources.default": "delta",
    "spark.sql.pipelines.maxFlowRetryAttempts": "0",
}


def spec_yaml(storage: Path) -> str:
    configuration = "\n".join(f"  {key}: {json.dumps(value)}" for key, value in CONFIGURATION.items())
    return (
        "name: streambench-dlt-test\n"
        f"storage: {storage.as_uri()}\n"
        "catalog: spark_catalog\n"
        f"database: {SCHEMA}\n"
        f"configuration:\n{configuration}\n"
        "libraries:\n"
        "  - glob:\n"
        "      include: notebooks/pipeline.py\n"
    )


@pytest.fixture(scope="module")
def pipeline_run(spark, connect_server, tmp_path_factory):
    spark.sql(f"CREATE SCHEMA IF NOT EXISTS spark_catalog.{SCHEMA}")
    for table, rows in SEED.items():
        spark.createDataFrame(rows, logic.schema_ddl(logic.SOURCE_COLUMNS)).write.format("delta").saveAsTable(
            f"spark_catalog.{SCHEMA}.{table}"
        )

    work = tmp_path_factory.mktemp("sdp")
    (work / "notebooks").symlink_to(NOTEBOOKS, target_is_directory=True)  # only pipeline.py is a library
    spec = work / "spark-pipeline.yml"
    spec.write_text(spec_yaml(work / "storage"))
    env = {key: value for key, value in os.environ.items() if not key.startswith("SPARK_")}
    env["SPARK_REMOTE"] = connect_server
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "pyspark.pipelines.cli", "run", "--spec", str(spec)],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_SECONDS,
    )
    seconds = time.monotonic() - started
    log = result.stdout + result.stderr
    assert result.returncode == 0, (
        f"pipeline run failed (exit {result.returncode}) after {seconds:.0f} s:\n{log[-6000:]}"
    )
    return {"work": work, "log": log, "seconds": seconds}


def table(spark, name):
    return spark.table(f"spark_catalog.{SCHEMA}.{name}")


def test_the_run_completes_with_one_append_flow_per_source_table(pipeline_run):
    log = pipeline_run["log"]
    assert "Run is COMPLETED" in log
    for source in SEED:
        assert f"Flow spark_catalog.{SCHEMA}.{logic.bronze_flow_name(source)} has COMPLETED" in log
    assert f"Flow spark_catalog.{SCHEMA}.{logic.MINUTE_TABLE} has COMPLETED" in log
    checkpoints = pipeline_run["work"] / "storage" / "_checkpoints" / "spark_catalog" / SCHEMA / logic.BRONZE_TABLE
    assert {path.name for path in checkpoints.iterdir()} == {logic.bronze_flow_name(source) for source in SEED}


def test_the_pipeline_tables_are_delta_tables_in_the_benchmark_schema(spark, pipeline_run):
    for name in (logic.BRONZE_TABLE, logic.MINUTE_TABLE):
        detail = spark.sql(f"DESCRIBE DETAIL spark_catalog.{SCHEMA}.{name}").first()
        assert detail.format == "delta"


def test_bronze_is_the_union_of_every_source_row(spark, pipeline_run):
    bronze = table(spark, logic.BRONZE_TABLE)
    assert [(field.name, field.dataType.simpleString()) for field in bronze.schema] == [
        (name, data_type.lower()) for name, data_type in logic.BRONZE_COLUMNS
    ]
    columns = [name for name, _ in logic.SOURCE_COLUMNS]
    assert sorted(tuple(r) for r in bronze.select(*columns).collect()) == sorted(
        r for rows in SEED.values() for r in rows
    )
    assert bronze.filter("ingested_at IS NULL").count() == 0


def test_minute_aggregate_holds_the_timeline_per_minute_and_stream_type(spark, pipeline_run):
    minutes = table(spark, logic.MINUTE_TABLE)
    assert [field.name for field in minutes.schema] == [name for name, _ in logic.MINUTE_COLUMNS]
    got = {
        ((r.window_start - START).seconds // 60, r.stream_type): (
            r.row_count,
            round(r.avg_temperature, 6),
            round(r.avg_humidity, 6),
            round(r.avg_pressure, 6),
        )
        for r in minutes.collect()
    }
    expected = {}
    for rows in SEED.values():
        for _device, timestamp, temperature, humidity, pressure, stream_type, _ in rows:
            minute = int((timestamp - START).total_seconds() // 60)
            if minute < RUN_MINUTES:
                expected.setdefault((minute, stream_type), []).append((temperature, humidity, pressure))
    assert got == {
        key: (len(values), *(round(sum(column) / len(values), 6) for column in zip(*values)))
        for key, values in expected.items()
    }
    # Every minute of the run is there (the one after it is still open), with the timeline's rows: 3x and 9x
    # together in minutes 6-10.
    per_minute = [sum(count for (minute, _), (count, *_) in got.items() if minute == m) for m in range(RUN_MINUTES)]
    assert per_minute == TARGET_ROWS_PER_MINUTE
    assert sorted(stream_type for (minute, stream_type) in got if minute == 7) == ["3x", "9x", "baseline"]
    assert max(minute for minute, _ in got) == RUN_MINUTES - 1


def test_the_shared_session_is_unaffected(spark, pipeline_run):
    assert spark.range(3).count() == 3
    assert "SPARK_CONNECT_MODE_ENABLED" not in os.environ
