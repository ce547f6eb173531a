"""Logic of the optional DLT pipeline (issue 6: "DLT under the same load"): plain functions, tested without Spark.

The pipeline (pipeline.py) reads every benchmark stream table, unions them into one bronze streaming table and keeps a
per-minute, per-stream-type aggregate. Everything it needs comes from the pipeline's `configuration` map (Spark conf
keys), which the stack builds from the same scaling plan as the generator jobs; nothing here repeats a table name.

Configuration keys (all values are strings, as pipeline configuration values always are):

| key | required | example | meaning |
|---|---|---|---|
| `streambench.source_catalog` | yes | `main` | catalog of the stream tables |
| `streambench.source_schema` | yes | `dlt_autoscaling_prod` | schema of the stream tables |
| `streambench.phases_json` | yes | `[{"phase": "baseline", "first_stream_id": 1, ...}, ...]` | the phases document (stream_tables.py) |
| `streambench.watermark_delay` | no | `2 minutes` (default) | how late a row may arrive and still count in its minute |

The tables travel as the phases document, the one encoding every notebook reads (stream_tables.parse_phases): one
entry per phase, whatever the number of streams, so 2,000 baseline streams take no more room than 50.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping

from streambench.job_parameters import TABLE_NAME_PATTERN, qualified_name, quote_identifier
from streambench.stream_tables import all_tables

CONFIG_PREFIX = "streambench."
SOURCE_CATALOG_KEY = CONFIG_PREFIX + "source_catalog"
SOURCE_SCHEMA_KEY = CONFIG_PREFIX + "source_schema"
PHASES_KEY = CONFIG_PREFIX + "phases_json"
WATERMARK_DELAY_KEY = CONFIG_PREFIX + "watermark_delay"
REQUIRED_KEYS = (SOURCE_CATALOG_KEY, SOURCE_SCHEMA_KEY, PHASES_KEY)
OPTIONAL_KEYS = (WATERMARK_DELAY_KEY,)
CONFIG_KEYS = REQUIRED_KEYS + OPTIONAL_KEYS
DEFAULT_WATERMARK_DELAY = "2 minutes"

# A guard against a typo such as a stream_count of 200000: the stack allows at most 2,000 baseline streams plus 3x
# and 9x.
MAX_SOURCE_TABLES = 10_000

# The datasets the pipeline creates, unqualified: they land in the pipeline's default catalog and schema, which the
# stack sets to the benchmark schema. The `dlt_` prefix keeps them apart from the generator's `stream_table_*`.
BRONZE_TABLE = "dlt_bronze_all_streams"
MINUTE_TABLE = "dlt_minute_by_stream_type"

# The benchmark's row schema (streambench.generator.generator_frame) plus the time the pipeline appended the row to bronze.
SOURCE_COLUMNS = (
    ("device_id", "STRING"),
    ("event_timestamp", "TIMESTAMP"),
    ("temperature", "DOUBLE"),
    ("humidity", "DOUBLE"),
    ("pressure", "DOUBLE"),
    ("stream_type", "STRING"),
    ("stream_id", "INT"),
)
BRONZE_COLUMNS = SOURCE_COLUMNS + (("ingested_at", "TIMESTAMP"),)
MINUTE_COLUMNS = (
    ("window_start", "TIMESTAMP"),
    ("window_end", "TIMESTAMP"),
    ("stream_type", "STRING"),
    ("row_count", "BIGINT"),
    ("avg_temperature", "DOUBLE"),
    ("avg_humidity", "DOUBLE"),
    ("avg_pressure", "DOUBLE"),
)
WINDOW_DURATION = "1 minute"
EVENT_TIME_COLUMN = "event_timestamp"

_INTERVAL = re.compile(r"^([1-9]\d*) (second|seconds|minute|minutes|hour|hours)$")


@dataclass(frozen=True)
class PipelineConfig:
    source_catalog: str
    source_schema: str
    source_tables: tuple[str, ...]
    watermark_delay: str

    @property
    def full_source_names(self) -> tuple[str, ...]:
        return tuple(qualified_name(self.source_catalog, self.source_schema, table) for table in self.source_tables)


def schema_ddl(columns) -> str:
    return ", ".join(f"{name} {data_type}" for name, data_type in columns)


def source_tables(phases_json: str) -> tuple[str, ...]:
    """The table names of the phases document, in order; raises ValueError naming every problem."""
    problems: list[str] = []
    tables = all_tables(phases_json, problems)
    bad = [name for name in tables if not TABLE_NAME_PATTERN.match(name)]
    if bad:
        problems.append(f"{bad[0]!r} is not a table name (letters, digits and underscores only)")
    duplicates = sorted(_duplicates(tables))
    if duplicates:
        problems.append(f"tables listed twice: {', '.join(duplicates[:5])}")
    if len(tables) > MAX_SOURCE_TABLES:
        problems.append(f"{len(tables):,} tables, more than {MAX_SOURCE_TABLES:,}")
    if problems:
        raise ValueError(f"{PHASES_KEY} is invalid:\n  - " + "\n  - ".join(problems))
    return tuple(tables)


def _duplicates(names: list[str]) -> set[str]:
    seen: set[str] = set()
    twice: set[str] = set()
    for name in names:
        (twice if name in seen else seen).add(name)
    return twice


def parse_config(conf: Mapping[str, str | None]) -> PipelineConfig:
    """Checks the pipeline configuration; raises ValueError naming every missing or bad key."""
    values = {key: (conf.get(key) or "").strip() for key in CONFIG_KEYS}
    problems = [
        f"{key} is required (set it in the pipeline's configuration)" for key in REQUIRED_KEYS if not values[key]
    ]
    for key in (SOURCE_CATALOG_KEY, SOURCE_SCHEMA_KEY):
        if values[key] and "`" in values[key]:
            problems.append(f"{key} must not contain backticks, got {values[key]!r}")
    tables: tuple[str, ...] = ()
    if values[PHASES_KEY]:
        try:
            tables = source_tables(values[PHASES_KEY])
        except ValueError as error:
            problems.append(str(error))
    delay = " ".join((values[WATERMARK_DELAY_KEY] or DEFAULT_WATERMARK_DELAY).lower().split())
    if not _INTERVAL.match(delay):
        problems.append(
            f"{WATERMARK_DELAY_KEY} must look like '2 minutes' (seconds, minutes or hours), "
            f"got {values[WATERMARK_DELAY_KEY]!r}"
        )
    if problems:
        raise ValueError("Pipeline configuration is invalid:\n  - " + "\n  - ".join(problems))
    return PipelineConfig(values[SOURCE_CATALOG_KEY], values[SOURCE_SCHEMA_KEY], tables, delay)


def bronze_flow_name(table: str) -> str:
    """Each source table gets its own append flow (and so its own checkpoint) into bronze; a flow keeps its name,
    and so its checkpoint, when tables are added or removed."""
    return f"bronze_from_{table}"


def window_expression(column: str = EVENT_TIME_COLUMN) -> str:
    """The per-minute tumbling window over event time."""
    return f"window({column}, '{WINDOW_DURATION}')"


def minute_aggregate_sql(bronze_table: str = BRONZE_TABLE, watermark_delay: str = DEFAULT_WATERMARK_DELAY) -> str:
    """The per-minute, per-stream-type aggregate as a streaming query over bronze.

    Written as SQL with the WATERMARK clause on purpose: in open-source Spark Declarative Pipelines 4.2 the Python
    DataFrame.withWatermark is analysed eagerly over Spark Connect inside a dataset function and fails with
    TABLE_OR_VIEW_NOT_FOUND, while `spark.sql` is analysed with the rest of the graph. Databricks accepts both.

    Append output: a minute is written once, after the watermark (latest event time seen minus the delay) has passed
    its end; rows arriving later than that are dropped."""
    if not _INTERVAL.match(watermark_delay):
        raise ValueError(f"bad watermark delay {watermark_delay!r}")
    window = window_expression()
    return (
        "SELECT window.start AS window_start, window.end AS window_end, stream_type, "
        "count(*) AS row_count, avg(temperature) AS avg_temperature, avg(humidity) AS avg_humidity, "
        "avg(pressure) AS avg_pressure "
        f"FROM STREAM({quote_identifier(bronze_table)}) "
        f"WATERMARK {EVENT_TIME_COLUMN} DELAY OF INTERVAL {watermark_delay} AS bronze "
        f"GROUP BY {window}, stream_type"
    )
