"""Stream metrics of the generator: every micro-batch's progress of every stream, recorded to a Delta table.

`progress_row` is a plain function (tested without Spark). `MetricsRecorder` is a StreamingQueryListener:
Spark calls `onQueryProgress` on its listener thread after each micro-batch, and the recorder only appends a
row to an in-memory buffer there (no Spark call, no I/O), so the streams never wait for it. The generator's
loop calls `flush` every status interval: one small append of the buffered rows to the metrics table.

The dashboard and the analysis notebook query the table by the column names below; rename nothing.
"""

from __future__ import annotations

import json
import math
import threading
import time
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterable, Mapping, Sequence

from pyspark.sql.streaming import StreamingQueryListener

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
# and Spark reports the values in the batch's progress (`observedMetrics`), on classic and Spark Connect alike:
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


def progress_dict(progress: Any) -> dict:
    """A progress as a plain dict, from a StreamingQueryProgress (its `json`) or a dict (PySpark before 4.0
    returns `recentProgress` as dicts)."""
    text = getattr(progress, "json", None)
    if isinstance(text, str):
        return json.loads(text)
    if isinstance(progress, Mapping):
        return dict(progress)
    raise TypeError(f"not a streaming progress: {type(progress).__name__}")


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


class MetricsRecorder(StreamingQueryListener):
    """Collects the progress of the given streams (anything with stream_id, stream_type and table, such as
    streambench.generator.StreamSpec) off the stream threads, and appends it to a Delta table on `flush`.

    Use: `attach(spark)` before the streams start, `flush(spark, table, fallback_queries=queries)` every
    status interval, `close(spark, table, queries)` once they are stopped. Progress of queries that are not
    in `specs` (other streams of the session) is ignored."""

    def __init__(
        self,
        specs: Iterable[Any],
        phase: str | None = None,
        phase_start: datetime | None = None,
        max_buffered_rows: int = MAX_BUFFERED_ROWS,
        trigger_interval_seconds: int | None = None,
    ):
        self._specs = {query_name(spec.stream_type, spec.table): spec for spec in specs}
        phases = {spec.stream_type for spec in self._specs.values()}
        self.phase = phase if phase is not None else (phases.pop() if len(phases) == 1 else "")
        self.phase_start = phase_start
        self.max_buffered_rows = max_buffered_rows
        self.trigger_interval_seconds = trigger_interval_seconds
        self._lock = threading.Condition()
        self._rows: list[dict] = []
        self._seen: set[tuple[str, str, int]] = set()
        self._terminated: set[str] = set()
        self.progress_events = 0  # progress events delivered to the listener
        self.dropped_rows = 0  # rows dropped because the buffer was full
        self.written_rows = 0
        self.last_error: str | None = None
        self._poll_cursor = 0

    def __getstate__(self) -> dict:
        # A lock does not pickle; a Spark Connect server that runs Python listeners remotely pickles this.
        state = self.__dict__.copy()
        state.pop("_lock", None)
        state.pop("_jlistenerobj", None)  # the JVM side of a classic PySpark listener
        state.pop("_sparkSession", None)  # set by Spark Connect
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._lock = threading.Condition()

    def attach(self, spark, log: Callable[[str], None] = print) -> bool:
        """Registers the recorder as a listener of the session's streams. Returns False (and the generator
        goes on, recording by `poll` through `flush(..., fallback_queries=...)`) if the session refuses it."""
        try:
            spark.streams.addListener(self)
            return True
        except Exception as error:
            log(
                f"metrics: no streaming listener ({str(error).splitlines()[0] if str(error) else repr(error)}); "
                "polling each query's recent progress instead"
            )
            return False

    def detach(self, spark) -> None:
        try:
            spark.streams.removeListener(self)
        except Exception:
            pass

    # ---- collecting (listener thread; must stay cheap) ----------------------------------------------

    def record(self, progress: Mapping[str, Any]) -> bool:
        """Buffers one progress (as a dict) of one of the recorder's streams; False if ignored or a duplicate."""
        spec = self._specs.get(progress.get("name") or "")
        if spec is None or progress.get("batchId") is None:
            return False
        key = (progress.get("name"), str(progress.get("runId")), int(progress["batchId"]))
        row = progress_row(
            progress,
            self.phase,
            spec.stream_id,
            spec.stream_type,
            spec.table,
            self.phase_start,
            self.trigger_interval_seconds,
        )
        with self._lock:
            if key in self._seen:
                return False
            self._seen.add(key)
            self._append([row])
        return True

    def add(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """Buffers rows that are not a batch's progress (streams' end rows, `stream_end_row`) for the next flush."""
        with self._lock:
            self._append([dict(row) for row in rows])

    def _append(self, rows: list[dict]) -> None:
        # Holding the lock: the oldest rows go first when the buffer is full.
        self._rows.extend(rows)
        overflow = len(self._rows) - self.max_buffered_rows
        if overflow > 0:
            del self._rows[:overflow]
            self.dropped_rows += overflow

    def onQueryStarted(self, event) -> None:  # noqa: N802 (Spark's listener interface)
        pass

    def onQueryProgress(self, event) -> None:  # noqa: N802
        try:
            with self._lock:
                self.progress_events += 1
            self.record(progress_dict(event.progress))
        except Exception as error:  # a listener must never raise into Spark's listener bus
            self.last_error = f"progress event not recorded: {error!r}"

    def onQueryIdle(self, event) -> None:  # noqa: N802
        pass

    def onQueryTerminated(self, event) -> None:  # noqa: N802
        with self._lock:
            self._terminated.add(str(event.id))
            self._lock.notify_all()

    # ---- driver side (the generator's loop) ---------------------------------------------------------

    def poll(
        self, queries: Sequence[Any], budget_seconds: float | None = None, clock: Callable[[], float] = time.monotonic
    ) -> int:
        """Records the progress the queries still hold (`recentProgress`: the last 100 batches by default, over
        16 minutes at a 10 s trigger). The fallback for a session whose listener events never reach this
        Python process (a Spark Connect server that runs Python listeners remotely); what the listener already
        recorded is skipped. With a time budget, polling stops when it is spent and the next call goes on
        with the next query, so thousands of streams never hold up the generator's loop for long.
        Returns the number of new rows."""
        if not queries:
            return 0
        deadline = None if budget_seconds is None else clock() + budget_seconds
        added = 0
        first = self._poll_cursor % len(queries)
        for step in range(len(queries)):
            if deadline is not None and step and clock() >= deadline:
                break
            position = (first + step) % len(queries)
            self._poll_cursor = position + 1
            try:
                for progress in queries[position].recentProgress or []:
                    added += self.record(progress_dict(progress))
            except Exception as error:
                self.last_error = f"progress of query {position} not polled: {error!r}"
        return added

    def wait_for_termination(self, query_ids: Iterable[Any], timeout_seconds: float = 10.0) -> bool:
        """Waits until the listener has seen every query in `query_ids` terminate: Spark delivers a query's
        last progress before its termination, so a flush after this misses no batch. False on timeout."""
        wanted = {str(query_id) for query_id in query_ids}
        deadline = time.monotonic() + timeout_seconds
        with self._lock:
            while not wanted <= self._terminated:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._lock.wait(remaining)
        return True

    def buffered(self) -> int:
        with self._lock:
            return len(self._rows)

    def flush(
        self,
        spark,
        full_table_name: str,
        fallback_queries: Sequence[Any] | None = None,
        fallback_budget_seconds: float | None = 5.0,
        log: Callable[[str], None] = print,
    ) -> int:
        """Appends every buffered row to the Delta table (created on first write) in one write, and returns
        how many were written. A failed write keeps the rows for the next flush and never raises: the
        metrics must not stop the benchmark. `fallback_queries` are polled (see `poll`, within
        `fallback_budget_seconds`) only while the listener has received no progress event."""
        if fallback_queries is not None and self.progress_events == 0:
            self.poll(list(fallback_queries), fallback_budget_seconds)
        with self._lock:
            rows, self._rows = self._rows, []
        if not rows:
            return 0
        try:
            (
                spark.createDataFrame(
                    [tuple(row[column] for column in METRICS_COLUMNS) for row in rows], METRICS_SCHEMA_DDL
                )
                .write.format("delta")
                .mode("append")
                # A table written by an older generator gains the newer columns instead of refusing the rows.
                .option("mergeSchema", "true")
                .saveAsTable(full_table_name)
            )
        except Exception as error:
            with self._lock:
                self._rows[:0] = rows
                overflow = len(self._rows) - self.max_buffered_rows
                if overflow > 0:
                    del self._rows[:overflow]
                    self.dropped_rows += overflow
            self.last_error = f"metrics flush to {full_table_name} failed: {error}"
            log(
                f"metrics: writing {len(rows)} row(s) to {full_table_name} failed, kept for the next flush: "
                f"{str(error).splitlines()[0] if str(error) else repr(error)}"
            )
            return 0
        self.written_rows += len(rows)
        return len(rows)

    def close(
        self,
        spark,
        full_table_name: str,
        queries: Sequence[Any],
        timeout_seconds: float = 10.0,
        log: Callable[[str], None] = print,
    ) -> int:
        """After the streams are stopped: waits for their last progress events (when the listener receives
        events at all), writes everything still buffered (polling every query if the listener never
        received an event) and unregisters the listener. Never raises; returns the rows written."""
        try:
            if self.progress_events and not self.wait_for_termination([query.id for query in queries], timeout_seconds):
                log("metrics: not every stream reported its end; the last batches may be missing")
        except Exception as error:
            log(f"metrics: waiting for the streams' last progress failed: {error!r}")
        written = self.flush(spark, full_table_name, fallback_queries=queries, fallback_budget_seconds=None, log=log)
        self.detach(spark)
        if self.dropped_rows:
            log(f"metrics: {self.dropped_rows} row(s) were dropped (the buffer was full)")
        return written
