"""The two edges of a stream's window: which rows belong to it, when a stream has committed all of them (the drain
after the window's end), and how many reached the stream's table.

The Spark `rate` source stamps every row (`timestamp`, the rows' event_timestamp) from its own start: the rows
of second k of a query carry its start time + k s, `rowsPerSecond` of them evenly spread over that second, and
every micro-batch reads the next whole seconds of rows up to the second its planning began in
(RateStreamMicroBatchStream: `latestOffset` counts whole seconds since the source's creation). So:

- a query started before its window and filtered to `window_start <= event_timestamp < window_end` writes
  exactly rows/s x window seconds: any half-open span of whole seconds holds exactly that many rows;
- its rows arrive in event-time order, a contiguous range per micro-batch, so once a committed micro-batch has
  read a row stamped at or after the window's end, every row of the window is committed. That test needs no
  clock of this process: it holds on Spark Connect, where the rows are stamped by the server's clock.

`query.stop()` at the window's end would throw away every row not yet committed (the last batch or two), which
is why a phase drains instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import reduce
from typing import Any, Callable, Mapping, Sequence

from streambench.metrics_rows import (
    WINDOW_OBSERVATION,
    parse_progress_time,
    progress_dict,
    read_until_micros,
    stream_end_row,
    time_micros,
)

# Tables counted in one Spark job at the end of a phase: one union of this many filtered counts.
COUNT_TABLES_PER_QUERY = 100
# Shortfalls named one by one in the log line and the run's summary; the end rows in stream_metrics hold them all.
SHORT_STREAMS_SHOWN = 20


def expected_rows(rows_per_second: int, window_start: datetime, window_end: datetime) -> int:
    """The rows the plan offers one stream in its window: rows/s x window seconds."""
    return round(rows_per_second * (window_end - window_start).total_seconds())


def drained(read_until_us: int | None, window_end: datetime) -> bool:
    """Whether a stream whose last committed micro-batch read rows up to `read_until_us` (epoch microseconds) has
    committed every row stamped before the window's end (see the module's text)."""
    return read_until_us is not None and read_until_us >= time_micros(window_end)


def committed_at(progress: Mapping[str, Any]) -> datetime | None:
    """When a micro-batch committed: its trigger time plus its trigger execution."""
    started = parse_progress_time(progress.get("timestamp"))
    duration = (progress.get("durationMs") or {}).get("triggerExecution")
    return None if started is None or duration is None else started + timedelta(milliseconds=int(duration))


def drain_line(now: datetime, pending: int, streams: int, window_end: datetime, limit_seconds: int) -> str:
    """The status line while a phase drains."""
    waited = (now - window_end).total_seconds()
    return (
        f"{now.strftime('%H:%M:%S')} UTC | draining: {pending} of {streams} stream(s) still committing their "
        f"window's last rows | {waited:.0f} s of at most {limit_seconds} s"
    )


def drain_outcome_line(phase: str, drain: Drain, limit_seconds: int) -> str:
    """What the drain came to: every stream complete, or the limit reached with streams still short."""
    if drain.undrained:
        return (
            f"Drain limit of {limit_seconds} s reached: {drain.undrained} of {len(drain.drain_ms)} {phase} stream(s) "
            "had not committed every row of their window; stopping them."
        )
    return (
        f"Every {phase} stream committed every row of its window, the last "
        f"{(drain.longest_ms or 0) / 1000:.1f} s after the window's end."
    )


def rows_lines(phase: str, expected_per_stream: int, written: Mapping[str, int]) -> list[str]:
    """What the phase's end says about its offered load: the rows of its window that reached the tables, and,
    loudly, every stream whose table holds a different count than rows/s x window seconds."""
    offered = expected_per_stream * len(written)
    total = sum(written.values())
    share = total / offered * 100 if offered else 100.0
    lines = [f"Rows of the {phase} window in its tables: {total:,} of {offered:,} offered ({share:.2f} %)."]
    short = {table: expected_per_stream - rows for table, rows in written.items() if rows != expected_per_stream}
    if short:
        named = ", ".join(f"{table}: {missing:+,}" for table, missing in list(short.items())[:SHORT_STREAMS_SHOWN])
        more = f" and {len(short) - SHORT_STREAMS_SHOWN} more" if len(short) > SHORT_STREAMS_SHOWN else ""
        lines.append(
            f"ROWS NOT WRITTEN: {offered - total:,} of the {offered:,} rows the {phase} window offered are not in "
            f"its tables ({len(short)} of {len(written)} stream(s): {named}{more}; a negative count is a surplus)."
        )
    return lines


@dataclass
class Drain:
    """How a phase's drain ended: per stream (in the order given), the milliseconds from the window's end to the
    commit of every row of its window, or None where the drain limit ran out first."""

    drain_ms: list[int | None]

    @property
    def undrained(self) -> int:
        return sum(ms is None for ms in self.drain_ms)

    @property
    def longest_ms(self) -> int | None:
        done = [ms for ms in self.drain_ms if ms is not None]
        return max(done) if done else None


def window_summary(expected_per_stream: int, written: Mapping[str, int], drain: Drain | None, streams: int) -> dict:
    """The offered load's part of a phase's summary: rows offered, written and not written (nothing is written
    where the phase failed before counting), the streams short of their rows, and the drain."""
    offered = expected_per_stream * streams
    short = {table: expected_per_stream - rows for table, rows in written.items() if rows != expected_per_stream}
    return {
        "rows_expected": offered,
        "rows_written": sum(written.values()),
        "rows_not_written": offered - sum(written.values()),
        "short_streams": dict(list(short.items())[:SHORT_STREAMS_SHOWN]),
        "streams_not_drained": streams if drain is None else drain.undrained,
        "drain_seconds": None if drain is None or drain.longest_ms is None else drain.longest_ms / 1000,
    }


def drain_streams(
    queries: Sequence[Any],
    window_end: datetime,
    limit_seconds: int,
    now: Callable[[], datetime],
    sleep: Callable[[float], None],
    stop: Callable[[Any], None],
    tick: Callable[[int], None],
) -> Drain:
    """After the window's end: stops each query (`stop(query)`) as soon as it has committed every row of its
    window, and returns when every one has, or at the window's end + `limit_seconds` with the others still
    running (the caller stops them). `tick(pending)` runs between the checks: failures, status, metrics."""
    deadline = window_end + timedelta(seconds=limit_seconds)
    drain_ms: list[int | None] = [None] * len(queries)
    pending = list(range(len(queries)))
    while True:
        for position in list(pending):
            raw = queries[position].lastProgress
            progress = progress_dict(raw) if raw is not None else {}
            if drained(read_until_micros(progress), window_end):
                done = committed_at(progress) or now()
                drain_ms[position] = max(0, (done - window_end) // timedelta(milliseconds=1))
                pending.remove(position)
                stop(queries[position])
        if not pending or now() >= deadline:
            return Drain(drain_ms)
        tick(len(pending))
        sleep(min(1.0, max((deadline - now()).total_seconds(), 0.0)))


# ---- Spark pieces --------------------------------------------------------------------------------------


def window_rows(frame, window_start: datetime, window_end: datetime):
    """The rows of a generator frame stamped inside [window_start, window_end), observed per micro-batch under
    WINDOW_OBSERVATION: the rows kept, their oldest and newest event time, and the newest row read (before the
    filter), which tells the drain when the window is complete. The columns stay the frame's."""
    from pyspark.sql import functions as F

    # Compared as epoch microseconds: no session time zone between the plan's instants and the rows' stamps.
    micros = F.expr("unix_micros(event_timestamp)")
    inside = (micros >= F.lit(time_micros(window_start))) & (micros < F.lit(time_micros(window_end)))
    return frame.observe(
        WINDOW_OBSERVATION,
        F.count(F.when(inside, F.lit(1))).alias("rows_written"),
        F.min(F.when(inside, micros)).alias("oldest_event_us"),
        F.max(F.when(inside, micros)).alias("newest_event_us"),
        F.max(micros).alias("read_until_us"),
    ).where(inside)


def count_window_rows(spark, tables: Sequence[str], window_start: datetime, window_end: datetime) -> dict[str, int]:
    """The rows stamped inside the window in each table (full names), in one Spark job per
    COUNT_TABLES_PER_QUERY tables; data skipping on event_timestamp keeps earlier runs' files out."""
    from pyspark.sql import functions as F

    micros = F.expr("unix_micros(event_timestamp)")
    inside = (micros >= F.lit(time_micros(window_start))) & (micros < F.lit(time_micros(window_end)))
    counts: dict[str, int] = {}
    for first in range(0, len(tables), COUNT_TABLES_PER_QUERY):
        parts = [
            spark.table(table)
            .where(inside)
            .agg(F.count(F.lit(1)).alias("rows"))
            .select(F.lit(table).alias("name"), "rows")
            for table in tables[first : first + COUNT_TABLES_PER_QUERY]
        ]
        for row in reduce(lambda left, right: left.unionByName(right), parts).collect():
            counts[row["name"]] = int(row["rows"])
    return counts


def window_end_rows(
    spark,
    params: Any,
    specs: Sequence[Any],
    queries: Sequence[Any],
    window: tuple[datetime, datetime],
    drain: Drain | None,
    recorder: Any,
    ended_at: datetime,
    log: Callable[[str], None],
) -> dict[str, int]:
    """Once a phase's streams are stopped: the window's rows in every stream's table, logged against the offered
    load and buffered in the recorder as each stream's end row for stream_metrics. Returns the rows per table."""
    start, end = window
    counts = count_window_rows(spark, [spec.full_table_name for spec in specs], start, end)
    written = {spec.table: counts.get(spec.full_table_name, 0) for spec in specs}
    expected = expected_rows(params.rows_per_second, start, end)
    for line in rows_lines(params.phase, expected, written):
        log(line)
    recorder.add(
        stream_end_row(
            params.phase,
            spec,
            start,
            ended_at,
            expected,
            written[spec.table],
            None if drain is None else drain.drain_ms[position],
            params.trigger_interval_seconds,
            queries[position],
        )
        for position, spec in enumerate(specs)
    )
    return written
