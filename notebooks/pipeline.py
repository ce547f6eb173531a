"""Streaming benchmark under a DLT pipeline: the pipeline source.

A plain Python file, not a notebook: Databricks Lakeflow pipelines take it as a file library
(`libraries[].file.path`), open-source Spark Declarative Pipelines (`spark-pipelines run`) take it from the spec's
`libraries` glob. Both provide `spark` and both run `from pyspark import pipelines as dp`.

Datasets, in the pipeline's default catalog and schema (the benchmark schema):
- `dlt_bronze_all_streams`: streaming table, the union of every benchmark stream table, one append flow per source
  table (`bronze_from_<table>`), plus `ingested_at` (when the pipeline appended the row).
- `dlt_minute_by_stream_type`: streaming table, per event-time minute and stream type: `row_count` and the average
  temperature, humidity and pressure. A minute is written once its watermark has passed.

The source tables and the watermark delay come from the pipeline configuration; see streambench/pipeline.py.
"""

import os
import sys

from pyspark import pipelines as dp

try:
    import streambench.pipeline as logic
except ImportError:  # the folder of this file is not on sys.path (no root_path set): put it there
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import streambench.pipeline as logic

try:
    spark  # noqa: B018 - provided by the pipeline runtime
except NameError:
    from pyspark.sql import SparkSession

    spark = SparkSession.getActiveSession()

config = logic.parse_config({key: spark.conf.get(key, None) for key in logic.CONFIG_KEYS})

dp.create_streaming_table(
    name=logic.BRONZE_TABLE,
    comment="Every benchmark stream table, appended as it arrives (one append flow per source table).",
    schema=logic.schema_ddl(logic.BRONZE_COLUMNS),
)


def bronze_rows(source_table: str):
    """One source table's new rows in the bronze row layout."""
    from pyspark.sql import functions as F

    columns = [F.col(name) for name, _ in logic.SOURCE_COLUMNS]
    return spark.readStream.table(source_table).select(*columns, F.current_timestamp().alias("ingested_at"))


def _add_bronze_flow(table: str, full_name: str) -> None:
    @dp.append_flow(target=logic.BRONZE_TABLE, name=logic.bronze_flow_name(table))
    def _flow():
        return bronze_rows(full_name)


for _table, _full_name in zip(config.source_tables, config.full_source_names):
    _add_bronze_flow(_table, _full_name)


@dp.table(
    name=logic.MINUTE_TABLE,
    comment="Rows and average temperature/humidity/pressure per event-time minute and stream type.",
    schema=logic.schema_ddl(logic.MINUTE_COLUMNS),
)
def minute_by_stream_type():
    return spark.sql(logic.minute_aggregate_sql(logic.BRONZE_TABLE, config.watermark_delay))
