"""run_phase's control flow without Spark: the start a lead ahead of the phase's window (the timeline run's 3x and
9x offsets), the drain after it and its limit, the abort when a stream fails, and a clean stop of every stream
whatever fails. Spark's pieces are
replaced by fakes that record what run_phase asks of them; the real ones are tested in test_generator_spark.py."""

from datetime import datetime, timedelta, timezone

import pytest
import streambench.generator as generator_logic
import streambench.job_parameters as job_parameters
import streambench.window_edges as window_edges
from streambench.generator import parse_params, run_phase
from streambench.metrics_rows import WINDOW_OBSERVATION, time_micros
from streambench.window_edges import expected_rows
from test_generator import PHASES_JSON, raw_params

TRIGGER = datetime(2026, 11, 25, 2, 0, tzinfo=timezone.utc)


class Clock:
    def __init__(self, start):
        self.time = start
        self.sleeps = []

    def now(self):
        return self.time

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.time += timedelta(seconds=seconds)


class FakeQuery:
    """A stream on the fake clock. `lag`: seconds its committed rows trail the clock (its last committed batch read
    rows stamped up to now - lag, and committed now); None: it never commits a batch."""

    def __init__(self, name, clock, fails_at=None, stop_error=None, lag=2):
        self.name, self.clock, self.fails_at, self.stop_error, self.lag = name, clock, fails_at, stop_error, lag
        self.stopped_at = None

    @property
    def stopped(self):
        return self.stopped_at is not None

    @property
    def lastProgress(self):  # noqa: N802 (Spark's name)
        if self.lag is None:
            return None
        now = self.clock.now()
        read_until = now - timedelta(seconds=self.lag)
        return {
            "timestamp": (now - timedelta(milliseconds=500)).isoformat(),
            "durationMs": {"triggerExecution": 500},
            "inputRowsPerSecond": 1000.0,
            "observedMetrics": {WINDOW_OBSERVATION: {"read_until_us": time_micros(read_until)}},
        }

    @property
    def isActive(self):
        return not self.stopped and not (self.fails_at and self.clock.now() >= self.fails_at)

    def exception(self):
        return "StreamingQueryException: boom" if self.fails_at and self.clock.now() >= self.fails_at else None

    def stop(self):
        self.stopped_at = self.clock.now()
        if self.stop_error:
            raise RuntimeError(self.stop_error)


class FakeRecorder:
    instances = []

    def __init__(self, specs, phase=None, phase_start=None, trigger_interval_seconds=None):
        self.closed = False
        self.written_rows = 0
        self.added = []
        FakeRecorder.instances.append(self)

    def attach(self, spark, log):
        return True

    def flush(self, spark, table, fallback_queries=None, log=None):
        pass

    def add(self, rows):
        self.added.extend(rows)

    def close(self, spark, table, queries, log=None):
        self.closed = True


@pytest.fixture
def fakes(monkeypatch):
    """Replaces the Spark pieces; `behaviour` says how each started stream behaves (by position), and
    behaviour["written"] how many rows of its window each table holds at the end (default: all of them)."""
    started = []
    behaviour = {}
    counted = []

    def start_stream(spark, spec, params, window=None):
        query = FakeQuery(spec.table, behaviour["clock"], **behaviour.get(len(started), {}))
        started.append((behaviour["clock"].now(), query, window))
        return query

    def count_window_rows(spark, tables, window_start, window_end):
        counted.append((tables, window_start, window_end))
        expected = expected_rows(int(behaviour.get("rate", 1000)), window_start, window_end)
        written = behaviour.get("written", {})
        return {table: written.get(table.split("`.`")[-1].strip("`"), expected) for table in tables}

    FakeRecorder.instances = []
    monkeypatch.setattr(generator_logic, "start_stream", start_stream)
    monkeypatch.setattr(generator_logic, "create_missing_tables", lambda spark, params: [])
    monkeypatch.setattr(generator_logic, "MetricsRecorder", FakeRecorder)
    monkeypatch.setattr(window_edges, "count_window_rows", count_window_rows)
    behaviour["counted"] = counted
    return started, behaviour


def three_streams(**overrides):
    phases_json = PHASES_JSON.replace(
        '"first_stream_id": 1, "stream_count": 50', '"first_stream_id": 1, "stream_count": 3'
    )
    return parse_params(raw_params(phases_json=phases_json, status_interval_seconds="30", **overrides))


@pytest.mark.parametrize("phase, offset, window", [("3x", 3, 3), ("9x", 6, 4)])
def test_a_phase_of_the_full_timeline_run_starts_its_streams_the_lead_ahead_of_its_window_and_drains(
    fakes, phase, offset, window
):
    started, behaviour = fakes
    clock = behaviour["clock"] = Clock(TRIGGER + timedelta(seconds=20))  # the cluster took 20 s to start the task
    params = parse_params(
        raw_params(phase=phase, start_offset_minutes=str(offset), window_minutes=str(window), start_lead_seconds="60")
    )
    lines = []
    summary = run_phase(None, params, now=clock.now, sleep=clock.sleep, log=lines.append)

    window_start = TRIGGER + timedelta(minutes=offset)
    window_end = window_start + timedelta(minutes=window)
    wait = offset * 60 - 60 - 20
    assert (
        lines[0]
        == f"Waiting {wait} s to start the {phase} streams 60 s ahead of their window at {window_start.isoformat()}."
    )
    # Started a minute early, on the window's filter; not a second earlier.
    assert [(time, window) for time, _, window in started] == [
        (window_start - timedelta(seconds=60), (window_start, window_end))
    ]
    waits = clock.sleeps[: len(clock.sleeps) - (window * 60 + 60) - 2]
    assert all(0 < seconds <= 10 for seconds in waits) and sum(waits) == wait
    assert not any("before its streams start" in line for line in lines)  # on time: nothing to report
    # Ran to the end of its window, then drained: the stream trails by 2 s, so it had every row 2 s after the end.
    assert [query.stopped_at for _, query, _ in started] == [window_end + timedelta(seconds=2)]
    assert f"Every {phase} stream committed every row of its window, the last 2.0 s after the window's end." in lines
    rows = 1000 * window * 60
    assert f"Rows of the {phase} window in its tables: {rows:,} of {rows:,} offered (100.00 %)." in lines
    assert not any("ROWS NOT WRITTEN" in line for line in lines)
    assert summary == {
        "phase": phase,
        "streams": 1,
        "start": window_start.isoformat(),
        "end": window_end.isoformat(),
        "skipped": False,
        "metrics_rows": 0,
        "rows_expected": rows,
        "rows_written": rows,
        "rows_not_written": 0,
        "short_streams": {},
        "streams_not_drained": 0,
        "drain_seconds": 2.0,
    }
    [end_row] = FakeRecorder.instances[0].added
    assert (end_row["rows_expected"], end_row["rows_not_written"], end_row["drain_ms"]) == (rows, 0, 2000)


def test_a_phase_at_offset_0_cannot_lead_and_says_how_late_its_streams_start(fakes):
    started, behaviour = fakes
    clock = behaviour["clock"] = Clock(TRIGGER + timedelta(seconds=20))
    lines = []
    run_phase(None, three_streams(), now=clock.now, sleep=clock.sleep, log=lines.append)
    assert not lines[0].startswith("Waiting")
    assert {time for time, _, _ in started} == {TRIGGER + timedelta(seconds=20)}
    assert (
        "The baseline window opened 20.0 s before its streams start: rows of its first seconds may never be "
        "stamped, and count as not written."
    ) in lines


def test_past_the_drain_limit_the_phase_stops_anyway_and_reports_every_row_not_written(fakes):
    started, behaviour = fakes
    clock = behaviour["clock"] = Clock(TRIGGER)
    behaviour[0] = {"lag": None}  # never commits: stopped at the limit
    behaviour[1] = {"lag": 3}  # stopped as soon as it has every row, while the others drain on
    behaviour["written"] = {"stream_table_001": 900_000 - 500}
    end = TRIGGER + timedelta(minutes=15)
    lines = []
    summary = run_phase(
        None, three_streams(drain_limit_seconds="45"), now=clock.now, sleep=clock.sleep, log=lines.append
    )

    assert [query.stopped_at for _, query, _ in started] == [
        end + timedelta(seconds=45),
        end + timedelta(seconds=3),
        end + timedelta(seconds=2),
    ]
    assert (
        "Drain limit of 45 s reached: 1 of 3 baseline stream(s) had not committed every row of their window; "
        "stopping them."
    ) in lines
    assert any(
        line.endswith("| draining: 1 of 3 stream(s) still committing their window's last rows | 30 s of at most 45 s")
        for line in lines
    )
    assert (
        "ROWS NOT WRITTEN: 500 of the 2,700,000 rows the baseline window offered are not in its tables "
        "(1 of 3 stream(s): stream_table_001: +500; a negative count is a surplus)."
    ) in lines
    assert lines[-1].startswith("Stopped 3 baseline stream(s)")
    assert {key: summary[key] for key in ("rows_expected", "rows_written", "rows_not_written", "short_streams")} == {
        "rows_expected": 2_700_000,
        "rows_written": 2_700_000 - 500,
        "rows_not_written": 500,
        "short_streams": {"stream_table_001": 500},
    }
    assert (summary["streams_not_drained"], summary["drain_seconds"]) == (1, 3.0)
    # The rows are counted once the streams are stopped, in the window the streams wrote.
    [(tables, window_start, window_end)] = behaviour["counted"]
    assert (len(tables), window_start, window_end) == (3, TRIGGER, end)
    end_rows = FakeRecorder.instances[0].added
    assert [(row["table_name"], row["rows_not_written"], row["drain_ms"]) for row in end_rows] == [
        ("stream_table_001", 500, None),
        ("stream_table_002", 0, 3000),
        ("stream_table_003", 0, 2000),
    ]


def test_a_drain_limit_of_0_stops_at_the_window_s_end(fakes):
    started, behaviour = fakes
    clock = behaviour["clock"] = Clock(TRIGGER)
    summary = run_phase(
        None, three_streams(drain_limit_seconds="0"), now=clock.now, sleep=clock.sleep, log=lambda line: None
    )
    assert {query.stopped_at for _, query, _ in started} == {TRIGGER + timedelta(minutes=15)}
    assert (summary["streams_not_drained"], summary["drain_seconds"]) == (3, None)


def test_a_stream_that_fails_while_the_others_drain_aborts_the_phase(fakes):
    started, behaviour = fakes
    clock = behaviour["clock"] = Clock(TRIGGER)
    behaviour[2] = {"lag": None, "fails_at": TRIGGER + timedelta(minutes=15, seconds=5)}
    with pytest.raises(RuntimeError, match=r"stream stream_table_003 failed"):
        run_phase(None, three_streams(), now=clock.now, sleep=clock.sleep, log=lambda line: None)
    assert all(query.stopped for _, query, _ in started) and FakeRecorder.instances[0].closed
    assert behaviour["counted"] == []  # a failed phase counts nothing: its error says what happened


def test_a_run_that_starts_after_its_window_writes_nothing(fakes):
    started, behaviour = fakes
    clock = behaviour["clock"] = Clock(TRIGGER + timedelta(minutes=16))
    summary = run_phase(None, three_streams(), now=clock.now, sleep=clock.sleep, log=lambda line: None)
    assert summary["skipped"] is True and started == []


def test_a_failed_stream_aborts_the_phase_stops_every_stream_and_closes_the_metrics(fakes):
    started, behaviour = fakes
    clock = behaviour["clock"] = Clock(TRIGGER)
    behaviour[1] = {"fails_at": TRIGGER + timedelta(seconds=45)}
    with pytest.raises(RuntimeError, match=r"stream stream_table_002 failed: StreamingQueryException: boom"):
        run_phase(None, three_streams(), now=clock.now, sleep=clock.sleep, log=lambda line: None)
    assert clock.now() < TRIGGER + timedelta(seconds=50)  # within about a second, not at the window's end
    assert [query.stopped for _, query, _ in started] == [True, True, True]
    assert FakeRecorder.instances[0].closed


def test_a_stop_that_raises_leaves_no_other_stream_running_and_every_failure_is_reported(fakes):
    started, behaviour = fakes
    clock = behaviour["clock"] = Clock(TRIGGER)
    behaviour[0] = {"stop_error": "stop timed out"}
    behaviour[2] = {"stop_error": "checkpoint gone"}
    lines = []
    with pytest.raises(RuntimeError) as raised:
        run_phase(None, three_streams(), now=clock.now, sleep=clock.sleep, log=lines.append)
    message = str(raised.value)
    assert "The baseline phase did not end cleanly:" in message
    assert "stopping stream stream_table_001 failed: RuntimeError('stop timed out')" in message
    assert "stopping stream stream_table_003 failed: RuntimeError('checkpoint gone')" in message
    assert [query.stopped for _, query, _ in started] == [True, True, True]
    assert FakeRecorder.instances[0].closed
    assert sum("stopping stream" in line for line in lines) == 2


def test_a_failed_stream_and_a_failed_stop_are_both_reported(fakes):
    started, behaviour = fakes
    clock = behaviour["clock"] = Clock(TRIGGER)
    behaviour[0] = {"fails_at": TRIGGER + timedelta(seconds=5), "stop_error": "stop timed out"}
    with pytest.raises(RuntimeError) as raised:
        run_phase(None, three_streams(), now=clock.now, sleep=clock.sleep, log=lambda line: None)
    assert "(after: stream stream_table_001 failed: StreamingQueryException: boom)" in str(raised.value)
    assert "stopping stream stream_table_001 failed" in str(raised.value)
    assert isinstance(raised.value.__cause__, RuntimeError)
    assert all(query.stopped for _, query, _ in started) and FakeRecorder.instances[0].closed


@pytest.mark.parametrize("bad", ["yesterday", "2026-13-01T00:00:00", "02:00", "2026-11-25 2am"])
def test_a_malformed_trigger_time_fails_the_same_clear_way_in_the_generator_and_the_analysis(bad):
    with pytest.raises(ValueError) as generator:
        parse_params(raw_params(trigger_time=bad))
    assert f"trigger_time must be an ISO date-time (e.g. 2026-11-25T02:00:00Z), got {bad!r}" in str(generator.value)
    problems = []
    assert job_parameters.parse_time_param("run_start", bad, problems) is None
    assert problems == [f"run_start must be an ISO date-time (e.g. 2026-11-25T02:00:00Z), got {bad!r}"]


@pytest.mark.parametrize("empty", ["", "{{job.trigger.time.iso_datetime}}"])
def test_no_trigger_time_still_means_a_run_started_by_hand(empty):
    assert parse_params(raw_params(trigger_time=empty)).trigger_time == empty


def test_given_a_status_callback_the_phase_reports_its_status_there_instead_of_printing_lines(fakes):
    """The local runner shows every phase's status on one line; the notebook prints its own lines (no callback)."""
    from streambench.status import PhaseStatus

    started, behaviour = fakes
    clock = behaviour["clock"] = Clock(TRIGGER)
    behaviour[0] = {"lag": 45}  # one stream trails: the phase drains 45 s after its window
    lines, statuses = [], []
    run_phase(None, three_streams(), now=clock.now, sleep=clock.sleep, log=lines.append, status=statuses.append)
    assert not any("active streams" in line or "draining:" in line for line in lines), lines
    assert statuses[0] == PhaseStatus("baseline", 3, 3000.0, 3000, 15 * 60)
    assert statuses[1].seconds_left == 15 * 60 - 30
    assert len([status for status in statuses if not status.draining]) == 15 * 2  # one per 30-s interval
    assert statuses[-1] == PhaseStatus("baseline", 1, None, 3000, 0.0, draining=True)
    # Without the callback, the same phase prints its status line every interval, as the notebook does.
    FakeRecorder.instances, started[:] = [], []
    clock.time, printed = TRIGGER, []
    run_phase(None, three_streams(), now=clock.now, sleep=clock.sleep, log=printed.append)
    assert len([line for line in printed if "active streams: 3" in line]) == 15 * 2
    assert any("draining: 1 of 3 stream(s)" in line for line in printed)
