"""The DLT pipeline's decisions, without Spark: its configuration, source tables, dataset names and aggregate query."""

import ast
import json
from pathlib import Path

import pytest
import streambench.pipeline as logic
from plan_documents import phases_json, timeline_phases_json
from streambench.generator import PARAMETER_NAMES, parse_params, stream_specs

PIPELINE_SOURCE = Path(__file__).resolve().parents[3] / "notebooks" / "pipeline.py"


# The brief's prod timeline: 50 baseline streams, then one 3x and one 9x stream.
PROD_PHASES = timeline_phases_json(50)


def conf(**overrides):
    values = {
        logic.SOURCE_CATALOG_KEY: "main",
        logic.SOURCE_SCHEMA_KEY: "dlt_autoscaling_prod",
        logic.PHASES_KEY: PROD_PHASES,
    }
    values.update({key.replace("__", "."): value for key, value in overrides.items()})
    return values


def test_the_prod_benchmark_tables_come_from_the_phases_document():
    config = logic.parse_config(conf())
    assert len(config.source_tables) == 52
    assert config.source_tables[:2] == ("stream_table_001", "stream_table_002")
    assert config.source_tables[-3:] == ("stream_table_050", "stream_table_3x_scale", "stream_table_9x_scale")
    assert config.full_source_names[0] == "`main`.`dlt_autoscaling_prod`.`stream_table_001`"
    assert config.watermark_delay == logic.DEFAULT_WATERMARK_DELAY


def test_two_thousand_streams_take_one_entry_per_phase():
    tables = logic.parse_config(conf(streambench__phases_json=timeline_phases_json(2000))).source_tables
    assert len(tables) == 2002
    assert (tables[0], tables[1999]) == ("stream_table_0001", "stream_table_2000")


def generator_params(phase, first_stream_id, stream_count, table_name_format):
    raw = {name: "1" for name in PARAMETER_NAMES}  # every number valid; the ones that matter are set below
    raw.update(
        catalog="main",
        schema="dlt_autoscaling_prod",
        checkpoint_root="/Volumes/x",
        trigger_time="",
        phase=phase,
        phases_json=json.dumps(
            [
                {
                    "phase": phase,
                    "table_name_format": table_name_format,
                    "first_stream_id": first_stream_id,
                    "stream_count": stream_count,
                }
            ]
        ),
    )
    return raw


def test_the_pipeline_reads_exactly_the_tables_the_generator_writes():
    generator_tables = []
    for raw in (
        generator_params("baseline", 1, 50, "stream_table_{stream_id:03d}"),
        generator_params("3x", 51, 1, "stream_table_3x_scale"),
        generator_params("9x", 52, 1, "stream_table_9x_scale"),
    ):
        generator_tables += [spec.table for spec in stream_specs(parse_params(raw))]
    assert logic.parse_config(conf()).source_tables == tuple(generator_tables)


@pytest.mark.parametrize(
    "phases, expected",
    [
        (
            phases_json(("baseline", "stream_table_{stream_id:03d}", 1, 2), ("3x", "stream_table_002", 3, 1)),
            "tables listed twice: stream_table_002",
        ),
        (phases_json(("baseline", "stream-table-{stream_id:03d}", 1, 2)), "is not a table name"),
        (phases_json(("baseline", "main.schema.t_{stream_id}", 1, 2)), "is not a table name"),
        (
            phases_json(("baseline", "stream_table_{stream_id:06d}", 1, 200_000)),
            "stream_count must be a whole number from 1 to 2000",
        ),
        (
            phases_json(
                *(
                    (phase, f"t{copy}_{{stream_id:04d}}", 1, 2000)
                    for copy in range(2)
                    for phase in ("baseline", "3x", "9x")
                )
            ),
            "12,000 tables, more than 10,000",
        ),
        (phases_json(("baseline", "stream_table_{stream_id:03d}", 0, 2)), "first_stream_id must be a whole number"),
        (phases_json(("baseline", "stream_table_001", 1, 3)), "must contain {stream_id...}"),
        (phases_json(("5 X", "stream_table_5x", 1, 1)), "phase must be lower-case letters, digits and underscores"),
        ("stream_table_{stream_id:03d}@1-50", "phases_json is not JSON"),
        ("[]", "non-empty JSON list"),
    ],
)
def test_a_bad_phases_document_is_refused_with_the_reason(phases, expected):
    with pytest.raises(ValueError, match="phases_json is invalid") as error:
        logic.parse_config(conf(streambench__phases_json=phases))
    assert expected in str(error.value)


def test_every_missing_or_bad_key_is_named_in_one_error():
    with pytest.raises(ValueError) as error:
        logic.parse_config({logic.SOURCE_SCHEMA_KEY: "`evil`", logic.WATERMARK_DELAY_KEY: "soon"})
    message = str(error.value)
    for expected in (
        f"{logic.SOURCE_CATALOG_KEY} is required",
        f"{logic.PHASES_KEY} is required",
        f"{logic.SOURCE_SCHEMA_KEY} must not contain backticks",
        f"{logic.WATERMARK_DELAY_KEY} must look like '2 minutes'",
    ):
        assert expected in message


def test_unset_keys_read_as_none_are_missing():
    with pytest.raises(ValueError, match="source_catalog is required"):
        logic.parse_config({**conf(), logic.SOURCE_CATALOG_KEY: None})


@pytest.mark.parametrize(
    "raw, normalised", [("30 seconds", "30 seconds"), (" 1  Minute ", "1 minute"), ("2 hours", "2 hours")]
)
def test_watermark_delay_is_a_plain_interval(raw, normalised):
    assert logic.parse_config(conf(streambench__watermark_delay=raw)).watermark_delay == normalised


@pytest.mark.parametrize("raw", ["0 minutes", "2 min", "2 days", "1 minute; DROP TABLE x", "-1 minute"])
def test_watermark_delay_refuses_anything_else(raw):
    with pytest.raises(ValueError, match="watermark_delay"):
        logic.parse_config(conf(streambench__watermark_delay=raw))


def test_dataset_names_never_collide_with_the_generator_tables():
    generator_tables = set(logic.parse_config(conf()).source_tables)
    assert {logic.BRONZE_TABLE, logic.MINUTE_TABLE}.isdisjoint(generator_tables)
    assert all(not name.startswith("stream_table") for name in (logic.BRONZE_TABLE, logic.MINUTE_TABLE))
    assert logic.bronze_flow_name("stream_table_3x_scale") == "bronze_from_stream_table_3x_scale"


def test_bronze_keeps_the_generator_row_schema_and_adds_the_ingest_time():
    assert [name for name, _ in logic.SOURCE_COLUMNS] == [
        "device_id",
        "event_timestamp",
        "temperature",
        "humidity",
        "pressure",
        "stream_type",
        "stream_id",
    ]
    assert logic.BRONZE_COLUMNS[-1] == ("ingested_at", "TIMESTAMP")
    assert logic.schema_ddl(logic.SOURCE_COLUMNS[:2]) == "device_id STRING, event_timestamp TIMESTAMP"


def test_the_aggregate_is_a_watermarked_per_minute_group_by_stream_type():
    assert logic.window_expression() == "window(event_timestamp, '1 minute')"
    sql = logic.minute_aggregate_sql("dlt_bronze_all_streams", "2 minutes")
    assert "FROM STREAM(`dlt_bronze_all_streams`) WATERMARK event_timestamp DELAY OF INTERVAL 2 minutes" in sql
    assert sql.endswith("GROUP BY window(event_timestamp, '1 minute'), stream_type")
    for name, _ in logic.MINUTE_COLUMNS:
        assert f" {name}" in sql or f"AS {name}" in sql
    with pytest.raises(ValueError):
        logic.minute_aggregate_sql("x", "2 minutes) --")


def test_the_pipeline_source_uses_the_open_source_pipelines_api_and_no_databricks_only_module():
    tree = ast.parse(PIPELINE_SOURCE.read_text())
    imports = {
        (node.module, alias.name) for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) for alias in node.names
    }
    modules = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    assert ("pyspark", "pipelines") in imports
    assert "dlt" not in modules and not any(module == "dlt" for module, _ in imports)
    assert "dbutils" not in PIPELINE_SOURCE.read_text()
    assert not PIPELINE_SOURCE.read_text().startswith("# Databricks notebook source")  # a file, not a notebook
