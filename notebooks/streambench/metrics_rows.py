"""The rows of the stream_metrics table: its columns, and one row per micro-batch (or per stream's end) from a
query's progress. Plain functions, tested without Spark; the MetricsRecorder (metrics.py) writes them.

The dashboard and the analysis notebook query the table by the column names below; rename nothing.
"""

from __future__ import annotations

import json
import math
from datetime import datetime, timedelta, timezone
from typing import Any, Mapping

# Columns of the stream_metrics table, in order. One row per micro-batch of one stream.
METRICS_COLUMNS = (
    "phase",  # generator phase that ran the stream: baseline, 3x or 9x
    "phase_start",  # start of that phase's window (trigger time + offset), UTC
    "stream_id",  # the stream's id (the rows' stream_id)
    "stream_type",  # the rows' stream_type
    "table_name",  # the stream's table (name only, no catalog/schema)
    "query_name",  # Spark query name (`<stream_type>:<table>`)
    "query_id",  # StreamingQuery id (stable across restarts from the same checkpoint)
    "query_run_id",  # StreamingQuery runId (new at every start)
    "batch_id",
    "batch_time",  # progress timestamp: when the micro-batch was triggered, UTC
    "num_input_rows",  # rows read from the rate source, with those before and after the window (lead, drain)
    "input_rows_per_second",  # null when Spark reports no rate (e.g. the first batch)
    "processed_rows_per_second",
    "batch_duration_ms",  # durationMs.triggerExecution
    "trigger_interval_ms",  # the streams' micro-batch trigger: batch_duration_ms over it says whether a batch kept up
    # From the batch's observed metrics (WINDOW_OBSERVATION), null where the stream has none:
    "rows_written",  # rows of the batch inside the stream's window, the rows it appended to the stream's table
    "oldest_event_time",  # the oldest event_timestamp among them, UTC
    "processing_lag_ms",  # commit (batch_time + batch_duration_ms) minus oldest_event_time
    # Only on the stream's end row (batch_id null, one per stream when its phase ends; null on batch rows):
    "rows_expected",  # rows/s x window seconds: the load the plan offers the stream
    "rows_not_written",  # rows_expected minus the rows of the window in the stream's table
    "drain_ms",  # from the window's end until every row of the window was committed; null: the drain limit ran out
)
METRICS_SCHEMA_DDL = (
    "phase STRING, phase_start TIMESTAMP, stream_id INT, stream_type STRING, table_name STRING, "
    "query_name STRING, query_id STRING, query_run_id STRING, batch_id BIGINT, batch_time TIMESTAMP, "
    "num_input_rows BIGINT, input_rows_per_second DOUBLE, processed_rows_per_second DOUBLE, "
    "batch_duration_ms BIGINT, trigger_interval_ms BIGINT, rows_written BIGINT, oldest_event_time TIMESTAMP, "
    "processing_lag_ms BIGINT, rows_expected BIGINT, rows_not_written BIGINT, drain_ms BIGINT"
)
# The generator observes every micro-batch under this name (DataFrame.observe; streambench.generator.window_frame),
# and Spark reports the values in the batch's progress (`observedMetrics`), on classic and Spark Connect alike (in two JSON forms, see progress_dict):
# the rows inside the window, their oldest and newest event time, and the newest row read from the rate source
# (before the window's filter), all times in epoch microseconds.
WINDOW_OBSERVATION = "streambench_window"
DEFAULT_METRICS_TABLE = "stream_metrics"
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
# Upper bound of rows kept between flushes (2,000 streams x 3 batches per 30 s is 6,000): a table that stays
# unwritable for long must not grow the driver's memory without bound. The oldest rows go first.
MAX_BUFFERED_ROWS = 200_000


def query_name(stream_type: str, table: str) -> str:
    """The name the generator gives each stream's query (streambench.generator.start_stream)."""
    return f"{stream_type}:{table}"


def parse_progress_time(text: str | None) -> datetime | None:
    """A progress timestamp (`2026-11-25T02:00:10.123Z`) as an aware UTC datetime."""
    if not text:
        return None
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed.astimezone(timezone.utc) if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _rate(value: Any) -> float | None:
    if value is None:
        return None
    rate = float(value)
    return None if math.isnan(rate) or math.isinf(rate) else rate


# A Spark Connect server sends each observation as `{"values": [...], "schema": {"fields": [{"name": ...}, ...]}}`
# (a row with its schema) where the JVM's progress JSON has `{name: value, ...}`; progress_dict turns it into the latter.
# A query's totals over its sources. The JVM's progress JSON carries them; the progress a Spark Connect server sends
# leaves them out, and pyspark's StreamingQueryProgress then sums its sources' (pyspark.sql.streaming.listener).
SOURCE_TOTALS = ("numInputRows", "inputRowsPerSecond", "processedRowsPerSecond")


def progress_dict(progress: Any) -> dict:
    """A progress as a plain dict, from a StreamingQueryProgress (its `json`) or a dict (PySpark before 4.0
    returns `recentProgress` as dicts), with the query's totals (SOURCE_TOTALS) summed over its sources where the
    progress leaves them out, as on Spark Connect."""
    text = getattr(progress, "json", None)
    if isinstance(text, str):
        values = json.loads(text)
    elif isinstance(progress, Mapping):
        values = dict(progress)
    else:
        raise TypeError(f"not a streaming progress: {type(progress).__name__}")
    observed = values.get("observedMetrics")
    if isinstance(observed, Mapping):
        values["observedMetrics"] = {name: observation_values(row) for name, row in observed.items()}
    sources = values.get("sources") or []
    for key in SOURCE_TOTALS:
        if values.get(key) is None and sources:
            parts = [source.get(key) for source in sources if isinstance(source, Mapping)]
            known = [part for part in parts if part is not None]
            if known:
                values[key] = sum(known)
    return values


def observation_values(row: Any) -> Any:
    """One observation as `{name: value}`, from either form (see above); anything else as it is."""
    if isinstance(row, Mapping) and set(row) == {"values", "schema"} and isinstance(row["schema"], Mapping):
        names = [field.get("name") for field in row["schema"].get("fields") or []]
        return dict(zip(names, row["values"] or []))
    return row


def micros_time(micros: Any) -> datetime | None:
    """Epoch microseconds (an observed metric) as an aware UTC datetime."""
    return None if micros is None else EPOCH + timedelta(microseconds=int(micros))


def time_micros(moment: datetime) -> int:
    """An aware datetime as epoch microseconds, exactly (no float on the way)."""
    return (moment - EPOCH) // timedelta(microseconds=1)


def window_observation(progress: Mapping[str, Any]) -> Mapping[str, Any]:
    """The batch's observed window metrics (see WINDOW_OBSERVATION), or {} for a stream that observes none."""
    return (progress.get("observedMetrics") or {}).get(WINDOW_OBSERVATION) or {}


def read_until_micros(progress: Mapping[str, Any] | None) -> int | None:
    """The newest event time the rate source had handed this batch (epoch microseconds), or None."""
    value = window_observation(progress or {}).get("read_until_us")
    return None if value is None else int(value)


def progress_row(
    progress: Mapping[str, Any],
    phase: str,
    stream_id: int | None,
    stream_type: str,
    table: str,
    phase_start: datetime | None = None,
    trigger_interval_seconds: int | None = None,
) -> dict:
    """One stream_metrics row from a StreamingQueryProgress as JSON (`json.loads(progress.json)`)."""
    duration = (progress.get("durationMs") or {}).get("triggerExecution")
    batch_time = parse_progress_time(progress.get("timestamp"))
    observed = window_observation(progress)
    rows_written = observed.get("rows_written")
    oldest = micros_time(observed.get("oldest_event_us"))
    # The batch commits at the end of its trigger execution; its oldest row waited that long since it was stamped.
    lag = None
    if oldest is not None and batch_time is not None and duration is not None:
        lag = (batch_time + timedelta(milliseconds=int(duration)) - oldest) // timedelta(milliseconds=1)
    return {
        "phase": phase,
        "phase_start": phase_start,
        "stream_id": None if stream_id is None else int(stream_id),
        "stream_type": stream_type,
        "table_name": table,
        "query_name": progress.get("name"),
        "query_id": None if progress.get("id") is None else str(progress["id"]),
        "query_run_id": None if progress.get("runId") is None else str(progress["runId"]),
        "batch_id": int(progress["batchId"]),
        "batch_time": parse_progress_time(progress.get("timestamp")),
        "num_input_rows": int(progress.get("numInputRows") or 0),
        "input_rows_per_second": _rate(progress.get("inputRowsPerSecond")),
        "processed_rows_per_second": _rate(progress.get("processedRowsPerSecond")),
        "batch_duration_ms": None if duration is None else int(duration),
        "trigger_interval_ms": None if trigger_interval_seconds is None else int(trigger_interval_seconds) * 1000,
        "rows_written": None if rows_written is None else int(rows_written),
        "oldest_event_time": oldest,
        "processing_lag_ms": lag,
        "rows_expected": None,
        "rows_not_written": None,
        "drain_ms": None,
    }


def stream_end_row(
    phase: str,
    spec: Any,
    phase_start: datetime,
    ended_at: datetime,
    rows_expected: int,
    rows_written: int,
    drain_ms: int | None,
    trigger_interval_seconds: int | None = None,
    query: Any = None,
) -> dict:
    """The stream's end row in stream_metrics (batch_id null): the rows its window offered, the rows of the window
    in its table, the difference, and how long the drain took (null when the drain limit ran out first)."""
    run_id = getattr(query, "runId", None)
    query_id = getattr(query, "id", None)
    return {
        **{column: None for column in METRICS_COLUMNS},
        "phase": phase,
        "phase_start": phase_start,
        "stream_id": int(spec.stream_id),
        "stream_type": spec.stream_type,
        "table_name": spec.table,
        "query_name": query_name(spec.stream_type, spec.table),
        "query_id": None if query_id is None else str(query_id),
        "query_run_id": None if run_id is None else str(run_id),
        "batch_time": ended_at,
        "trigger_interval_ms": None if trigger_interval_seconds is None else int(trigger_interval_seconds) * 1000,
        "rows_written": int(rows_written),
        "rows_expected": int(rows_expected),
        "rows_not_written": int(rows_expected) - int(rows_written),
        "drain_ms": None if drain_ms is None else int(drain_ms),
    }
