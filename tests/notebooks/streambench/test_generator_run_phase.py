"""run_phase's control flow without Spark: the wait until the phase's window (the timeline run's 3x and 9x
offsets), the abort when a stream fails, and a clean stop of every stream whatever fails. Spark's pieces are
replaced by fakes that record what run_phase asks of them; the real ones are tested in test_generator_spark.py."""

from datetime import datetime, timedelta, timezone

import pytest
import streambench.generator as generator_logic
import streambench.job_parameters as job_parameters
from streambench.generator import parse_params, run_phase
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
    def __init__(self, name, clock, fails_at=None, stop_error=None):
        self.name, self.clock, self.fails_at, self.stop_error = name, clock, fails_at, stop_error
        self.stopped = False
        self.lastProgress = None

    @property
    def isActive(self):
        return not self.stopped and not (self.fails_at and self.clock.now() >= self.fails_at)

    def exception(self):
        return "StreamingQueryException: boom" if self.fails_at and self.clock.now() >= self.fails_at else None

    def stop(self):
        self.stopped = True
        if self.stop_error:
            raise RuntimeError(self.stop_error)


class FakeRecorder:
    instances = []

    def __init__(self, specs, phase=None, phase_start=None):
        self.closed = False
        self.written_rows = 0
        FakeRecorder.instances.append(self)

    def attach(self, spark, log):
        return True

    def flush(self, spark, table, fallback_queries=None, log=None):
        pass

    def close(self, spark, table, queries, log=None):
        self.closed = True


@pytest.fixture
def fakes(monkeypatch):
    """Replaces the Spark pieces; `queries` says how each started stream behaves (by position)."""
    started = []
    behaviour = {}

    def start_stream(spark, spec, params):
        query = FakeQuery(spec.table, behaviour["clock"], **behaviour.get(len(started), {}))
        started.append((behaviour["clock"].now(), query))
        return query

    FakeRecorder.instances = []
    monkeypatch.setattr(generator_logic, "start_stream", start_stream)
    monkeypatch.setattr(generator_logic, "create_missing_tables", lambda spark, params: [])
    monkeypatch.setattr(generator_logic, "MetricsRecorder", FakeRecorder)
    return started, behaviour


def three_streams(**overrides):
    phases_json = PHASES_JSON.replace(
        '"first_stream_id": 1, "stream_count": 50', '"first_stream_id": 1, "stream_count": 3'
    )
    return parse_params(raw_params(phases_json=phases_json, status_interval_seconds="30", **overrides))


@pytest.mark.parametrize("phase, offset, window", [("3x", 3, 3), ("9x", 6, 4)])
def test_a_phase_of_the_full_timeline_run_waits_for_its_window_then_streams_to_its_end(fakes, phase, offset, window):
    started, behaviour = fakes
    clock = behaviour["clock"] = Clock(TRIGGER + timedelta(seconds=20))  # the cluster took 20 s to start the task
    params = parse_params(raw_params(phase=phase, start_offset_minutes=str(offset), window_minutes=str(window)))
    lines = []
    summary = run_phase(None, params, now=clock.now, sleep=clock.sleep, log=lines.append)

    window_start = TRIGGER + timedelta(minutes=offset)
    assert lines[0] == f"Waiting {offset * 60 - 20} s for the {phase} window to start at {window_start.isoformat()}."
    assert [time for time, _ in started] == [window_start]  # not a second early
    waits = clock.sleeps[: len(clock.sleeps) - window * 60]
    assert all(0 < seconds <= 10 for seconds in waits) and sum(waits) == offset * 60 - 20
    assert clock.now() == window_start + timedelta(minutes=window)  # ran to the end of its window, on the clock
    assert all(query.stopped for _, query in started)
    assert summary == {
        "phase": phase,
        "streams": 1,
        "end": (window_start + timedelta(minutes=window)).isoformat(),
        "skipped": False,
        "metrics_rows": 0,
    }


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
    assert [query.stopped for _, query in started] == [True, True, True]
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
    assert [query.stopped for _, query in started] == [True, True, True]
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
    assert all(query.stopped for _, query in started) and FakeRecorder.instances[0].closed


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
