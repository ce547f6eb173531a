"""The window's edges without Spark: the offered rows, when a stream has committed its whole window, the drain
loop on a fake clock, and what the phase's end says about the rows."""

import json
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from streambench.metrics_rows import WINDOW_OBSERVATION, time_micros
from streambench.window_edges import (
    Drain,
    committed_at,
    drain_streams,
    drained,
    expected_rows,
    rows_lines,
    window_summary,
)

START = datetime(2026, 11, 25, 2, 3, tzinfo=timezone.utc)
END = datetime(2026, 11, 25, 2, 10, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    "rate, start, end, rows",
    [
        (3000, START, END, 3000 * 7 * 60),  # prod's 3x stream
        (90, START, START + timedelta(minutes=0.4), 90 * 24),  # dev's 9x window at 10x
        (40, START, START + timedelta(seconds=6.5), 260),
    ],
)
def test_a_stream_is_offered_rows_per_second_times_window_seconds(rate, start, end, rows):
    assert expected_rows(rate, start, end) == rows


def test_a_stream_has_its_whole_window_once_a_committed_batch_read_a_row_stamped_at_the_end_or_later():
    end_us = time_micros(END)
    assert not drained(None, END)  # no batch yet, or one without observed metrics
    assert not drained(end_us - 1, END)
    assert drained(end_us, END) and drained(end_us + 5_000_000, END)


def test_a_batch_commits_at_its_trigger_time_plus_its_trigger_execution():
    progress = {"timestamp": "2026-11-25T02:10:01.250Z", "durationMs": {"triggerExecution": 1750}}
    assert committed_at(progress) == END + timedelta(seconds=3)
    assert committed_at({"timestamp": "2026-11-25T02:10:01.250Z", "durationMs": {}}) is None


class Clock:
    def __init__(self, start):
        self.time = start

    def now(self):
        return self.time

    def sleep(self, seconds):
        self.time += timedelta(seconds=seconds)


def query(clock, committed_through):
    """A query whose last committed batch read rows up to `committed_through(now)`, as Spark 4's progress object."""

    class Query:
        @property
        def lastProgress(self):  # noqa: N802
            read_until = committed_through(clock.now())
            if read_until is None:
                return None
            progress = {
                "timestamp": (clock.now() - timedelta(seconds=1)).isoformat(),
                "durationMs": {"triggerExecution": 400},
                "observedMetrics": {WINDOW_OBSERVATION: {"read_until_us": time_micros(read_until)}},
            }
            return SimpleNamespace(json=json.dumps(progress))

    return Query()


def test_the_drain_stops_each_stream_once_it_has_its_window_and_the_rest_at_the_limit():
    clock = Clock(END)
    queries = [
        query(clock, lambda now: now - timedelta(seconds=4)),  # 4 s behind: complete at END + 4 s
        query(clock, lambda now: None),  # never commits
        query(clock, lambda now: now),  # complete at once
    ]
    stopped, ticks = [], []
    drain = drain_streams(
        queries,
        END,
        10,
        clock.now,
        clock.sleep,
        lambda stopping: stopped.append((queries.index(stopping), clock.now())),
        ticks.append,
    )
    assert stopped == [(2, END), (0, END + timedelta(seconds=4))]
    # Drained at the batch's commit (trigger time + execution), not when the loop noticed it.
    assert drain.drain_ms == [3400, None, 0]
    assert (drain.undrained, drain.longest_ms) == (1, 3400)
    assert clock.now() == END + timedelta(seconds=10)  # the limit; the caller stops the last one
    assert ticks[:5] == [2, 2, 2, 2, 1]


def test_a_drain_limit_of_0_checks_once_and_returns():
    clock = Clock(END)
    ticks = []
    drain = drain_streams(
        [query(clock, lambda now: now - timedelta(seconds=1))], END, 0, clock.now, clock.sleep, print, ticks.append
    )
    assert (drain.drain_ms, ticks, clock.now()) == ([None], [], END)


def test_the_phase_end_says_how_many_rows_reached_the_tables_and_names_every_stream_short_of_them():
    assert rows_lines("3x", 1_260_000, {"stream_table_3x_scale": 1_260_000}) == [
        "Rows of the 3x window in its tables: 1,260,000 of 1,260,000 offered (100.00 %)."
    ]
    written = {f"stream_table_{number:03d}": 100 for number in range(1, 31)}
    written["stream_table_002"] = 40
    written["stream_table_003"] = 101
    for number in range(10, 31):
        written[f"stream_table_{number:03d}"] = 99
    lines = rows_lines("baseline", 100, written)
    assert lines[0] == "Rows of the baseline window in its tables: 2,920 of 3,000 offered (97.33 %)."
    assert lines[1].startswith(
        "ROWS NOT WRITTEN: 80 of the 3,000 rows the baseline window offered are not in its tables (23 of 30 "
        "stream(s): stream_table_002: +60, stream_table_003: -1, stream_table_010: +1,"
    )
    assert lines[1].endswith("stream_table_027: +1 and 3 more; a negative count is a surplus).")


def test_the_summary_counts_rows_and_the_drain():
    summary = window_summary(100, {"a": 100, "b": 70}, Drain([1200, None]), 2)
    assert summary == {
        "rows_expected": 200,
        "rows_written": 170,
        "rows_not_written": 30,
        "short_streams": {"b": 30},
        "streams_not_drained": 1,
        "drain_seconds": 1.2,
    }
