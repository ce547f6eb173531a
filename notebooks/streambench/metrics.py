"""Stream metrics of the generator: every micro-batch's progress of every stream, recorded to a Delta table.

`progress_row` is a plain function (tested without Spark). `MetricsRecorder` is a StreamingQueryListener:
on a classic session Spark calls `onQueryProgress` on its listener thread after each micro-batch, and the recorder
only appends a row to an in-memory buffer there (no Spark call, no I/O), so the streams never wait for it. The
generator's loop calls `flush` every status interval: one small append of the buffered rows to the metrics table.

On a Spark Connect session (standard access mode, serverless, Databricks Connect) the recorder registers no
listener: a Connect listener may run on the server, on a copy of the recorder that this process never sees
(see is_spark_connect). It polls each query's `recentProgress` at every flush instead, and once more after
the streams stopped, which records every micro-batch the queries report; a batch that left a query's progress
history before it was polled is counted in `missed_batches` and said.

The dashboard and the analysis notebook query the table by the column names below; rename nothing.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime
from typing import Any, Callable, Iterable, Mapping, Sequence

from pyspark.sql.streaming import StreamingQueryListener

from streambench.metrics_rows import (
    MAX_BUFFERED_ROWS,
    METRICS_COLUMNS,
    METRICS_SCHEMA_DDL,
    progress_dict,
    progress_row,
    query_name,
)

# pyspark's own switch between its classic and its Connect implementations (pyspark.sql.utils.is_remote): set, every
# `pyspark.sql.functions` call builds a Connect column. Connect sessions set it when they are built.
CONNECT_MODE_VARIABLE = "SPARK_CONNECT_MODE_ENABLED"


def is_spark_connect(spark: Any) -> bool:
    """Whether `spark` is a Spark Connect session (open-source Connect, Databricks Connect, standard access mode or
    serverless): its class lives in pyspark.sql.connect, in pyspark and in databricks-connect's pyspark alike. There a
    StreamingQueryListener may run on the server, apart from this process's objects (Databricks: it "does not have
    access to variables defined outside of it"); open-source PySpark 4.2 delivers its events to the client."""
    return type(spark).__module__.startswith("pyspark.sql.connect")


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
        self.missed_batches = 0  # batches that left a polled query's progress history unrecorded
        self.last_error: str | None = None
        self._poll_cursor = 0
        self._newest_batch: dict[tuple[str, str], int] = {}  # per query run: the newest batch id recorded

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
        goes on, recording by `poll` through `flush(..., fallback_queries=...)`) on a Spark Connect session, or
        if the session refuses it."""
        if is_spark_connect(spark):
            log(
                "metrics: a Spark Connect session, where a listener may run on the server: recording each query's "
                "recent progress at every status interval instead"
            )
            return False
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
            run = key[:2]
            self._newest_batch[run] = max(key[2], self._newest_batch.get(run, key[2]))
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
        with the next query, so thousands of streams never hold up the generator's loop for long. A query
        whose history no longer reaches back to the batch after the newest one recorded lost the batches between
        (`missed_batches`). Returns the number of new rows."""
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
                history = [progress_dict(progress) for progress in queries[position].recentProgress or []]
                self._count_missed(history)
                for progress in history:
                    added += self.record(progress)
            except Exception as error:
                self.last_error = f"progress of query {position} not polled: {error!r}"
        return added

    def _count_missed(self, history: Sequence[Mapping[str, Any]]) -> None:
        batches = [int(progress["batchId"]) for progress in history if progress.get("batchId") is not None]
        if not batches or (history[0].get("name") or "") not in self._specs:
            return
        run = (history[0].get("name"), str(history[0].get("runId")))
        with self._lock:
            newest = self._newest_batch.get(run)
        if newest is not None and min(batches) > newest + 1:
            self.missed_batches += min(batches) - newest - 1
            self.last_error = (
                f"{self.missed_batches} micro-batch(es) left the progress history of {run[0]} before they were polled"
            )

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
        received an event) and unregisters the listener. Then every query's `recentProgress` is polled too: the
        listener bus delivers events on its own thread, and on a loaded driver a stream's last progress events can
        come later than the wait (seen on a 2-core machine: the 3x stream's drain batches were missing), while a
        stopped query still holds its progress; what the listener recorded is skipped. Never raises; returns the
        rows written."""
        try:
            if self.progress_events and not self.wait_for_termination([query.id for query in queries], timeout_seconds):
                log("metrics: not every stream reported its end in time; its last batches are read from the query")
        except Exception as error:
            log(f"metrics: waiting for the streams' last progress failed: {error!r}")
        self.poll(list(queries))
        written = self.flush(spark, full_table_name, log=log)
        self.detach(spark)
        if self.dropped_rows:
            log(f"metrics: {self.dropped_rows} row(s) were dropped (the buffer was full)")
        if self.missed_batches:
            log(
                f"metrics: {self.missed_batches} micro-batch(es) left their query's progress history before they "
                "were polled, and are not recorded"
            )
        return written
