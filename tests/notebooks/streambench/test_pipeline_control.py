"""The DLT pipeline control's decisions and its loop over a simulated timeline, without Spark or a workspace.

The loop runs against a recording stand-in with the SDK's method names (`start_update`, `get_update`,
`stop`, `get`); tests/e2e/pipelineLifecycle.e2e.ts runs the same loop through the real
databricks-sdk against the workspace emulator."""

from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from plan_documents import timeline_phases_json
from streambench.pipeline_control import (
    FINISH,
    PARAMETER_NAMES,
    START,
    WAIT,
    PipelineUpdatesFailed,
    failures_after,
    next_action,
    parse_params,
    run_pipeline,
    state_name,
)

PHASES_JSON = timeline_phases_json(5)
TRIGGER = datetime(2026, 11, 25, 2, 0, 0, tzinfo=timezone.utc)
END = TRIGGER + timedelta(minutes=15)


def raw_params(**overrides):
    values = {
        "catalog": "main",
        "max_failed_updates": "3",
        "min_update_seconds": "60",
        "phases_json": PHASES_JSON,
        "pipeline_id": "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b",
        "poll_interval_seconds": "10",
        "schema": "dlt_autoscaling_dev",
        "start_offset_minutes": "0",
        "stop_timeout_seconds": "180",
        "trigger_time": "2026-11-25T02:00:00",
        "window_minutes": "15",
    }
    values.update(overrides)
    return values


PARAMS = parse_params(raw_params())


def test_parameters_are_checked_all_at_once():
    assert set(raw_params()) == set(PARAMETER_NAMES)
    with pytest.raises(ValueError) as error:
        parse_params(raw_params(pipeline_id="", poll_interval_seconds="0", window_minutes="-1", phases_json="[]"))
    message = str(error.value)
    for fragment in (
        "pipeline_id is required",
        "poll_interval_seconds must be a whole number",
        "window_minutes must be a positive",
    ):
        assert fragment in message
    assert parse_params(raw_params(trigger_time="")).trigger_time == ""


@pytest.mark.parametrize("name, kind", [("window_minutes", "positive"), ("start_offset_minutes", "non-negative")])
@pytest.mark.parametrize("text", ["nan", "inf", "1e12"])
def test_minutes_must_be_a_finite_minute_of_a_day_long_run(name, kind, text):
    with pytest.raises(ValueError, match=f"{name} must be a {kind} number of minutes up to 1440"):
        parse_params(raw_params(**{name: text}))


@pytest.mark.parametrize("text", ["²", "١٢"])
def test_whole_numbers_are_ascii_digits(text):
    with pytest.raises(ValueError, match=f"poll_interval_seconds must be a whole number of at least 1, got {text!r}"):
        parse_params(raw_params(poll_interval_seconds=text))


def test_the_sources_are_every_table_of_the_timeline_fully_qualified():
    sources = PARAMS.source_tables()
    assert sources[0] == "`main`.`dlt_autoscaling_dev`.`stream_table_001`"
    assert sources[-2:] == [
        "`main`.`dlt_autoscaling_dev`.`stream_table_3x_scale`",
        "`main`.`dlt_autoscaling_dev`.`stream_table_9x_scale`",
    ]
    assert len(sources) == 7


@pytest.mark.parametrize(
    "minute, state, failed, expected",
    [
        (0, None, 0, START),  # the timeline starts: the first update
        (3, "RUNNING", 0, WAIT),  # an update is going
        (3, "WAITING_FOR_RESOURCES", 0, WAIT),
        (3, "SETTING_UP_TABLES", 0, WAIT),
        (4, "COMPLETED", 0, START),  # a triggered update ended: the next one, right away
        (4, "FAILED", 2, START),  # two failures in a row are tolerated
        (15, "RUNNING", 0, FINISH),  # the timeline's end: stop it, mid-update
        (15, None, 0, FINISH),
        (14.5, "COMPLETED", 0, FINISH),  # 30 s left: an update would only set up its tables
        (5, "CANCELED", 0, FINISH),  # somebody stopped the pipeline: the control does not restart it
    ],
)
def test_next_action(minute, state, failed, expected):
    assert next_action(TRIGGER + timedelta(minutes=minute), END, state, failed, PARAMS) == expected


def test_too_many_failed_updates_in_a_row_fail_the_run():
    with pytest.raises(PipelineUpdatesFailed, match="3 pipeline updates failed in a row"):
        next_action(TRIGGER + timedelta(minutes=5), END, "FAILED", 3, PARAMS)


def test_failures_count_in_a_row_and_a_completed_update_resets_them():
    assert failures_after("FAILED", 1) == 2
    assert failures_after("COMPLETED", 2) == 0
    assert failures_after("CANCELED", 1) == 1


def test_state_names_from_the_sdk_enum_or_a_string():
    assert state_name(SimpleNamespace(value="RUNNING")) == "RUNNING"
    assert state_name("COMPLETED") == "COMPLETED"
    assert state_name(None) is None


class Clock:
    def __init__(self, start):
        self.now = start

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += timedelta(seconds=seconds)


class RecordingPipelines:
    """The SDK's PipelinesAPI methods the loop calls; each update lasts `update_seconds` of the simulated clock."""

    def __init__(
        self, clock, update_seconds=150, outcomes=None, fail_on_start=False, stop_seconds=0, fail_on_stop=False
    ):
        self.clock = clock
        self.stop_seconds = stop_seconds
        self.fail_on_stop = fail_on_stop
        self.stopped_at = None
        self.update_seconds = update_seconds
        self.outcomes = list(outcomes or [])
        self.fail_on_start = fail_on_start
        self.calls = []
        self.updates = {}

    def start_update(self, *, pipeline_id, full_refresh):
        if self.fail_on_start:
            raise RuntimeError("an update is already active")
        update_id = f"update-{len(self.updates) + 1}"
        self.updates[update_id] = (self.clock(), self.outcomes.pop(0) if self.outcomes else "COMPLETED")
        self.calls.append(("start_update", pipeline_id, full_refresh, self.clock()))
        return SimpleNamespace(update_id=update_id)

    def get_update(self, *, pipeline_id, update_id):
        started, outcome = self.updates[update_id]
        state = outcome if self.clock() - started >= timedelta(seconds=self.update_seconds) else "RUNNING"
        return SimpleNamespace(update=SimpleNamespace(state=SimpleNamespace(value=state)))

    def last_outcome(self):
        return self.updates[f"update-{len(self.updates)}"][1] if self.updates else "IDLE"

    def stop(self, *, pipeline_id):
        self.calls.append(("stop", pipeline_id, self.clock()))
        if self.fail_on_stop:
            raise RuntimeError("the workspace refused the stop")
        self.stopped_at = self.clock()

    def get(self, *, pipeline_id):
        # Stopping takes `stop_seconds`; stop changes nothing after a failed last update, which stays FAILED.
        stopping = self.clock() - self.stopped_at < timedelta(seconds=self.stop_seconds)
        state = "STOPPING" if stopping else ("FAILED" if self.last_outcome() == "FAILED" else "IDLE")
        return SimpleNamespace(state=SimpleNamespace(value=state))


def play(pipelines, clock, missing=lambda: [], **overrides):
    params = parse_params(raw_params(**overrides))
    return run_pipeline(pipelines, params, missing, now=clock, sleep=clock.sleep, log=lambda line: None)


def test_a_timeline_keeps_one_update_going_from_its_start_to_its_end_then_stops_the_pipeline():
    clock = Clock(TRIGGER + timedelta(seconds=20))  # the run starts 20 s after its trigger (cluster, scheduler)
    pipelines = RecordingPipelines(clock)
    summary = play(pipelines, clock)
    starts = [call for call in pipelines.calls if call[0] == "start_update"]
    stops = [call for call in pipelines.calls if call[0] == "stop"]
    # Updates of 150 s, the next one at most one poll (10 s) after the last ended, none in the last minute.
    assert len(starts) == 6
    assert starts[0][3] == TRIGGER + timedelta(seconds=20)
    gaps = [(b[3] - a[3]).total_seconds() for a, b in zip(starts, starts[1:])]
    assert all(150 <= gap <= 160 for gap in gaps), gaps
    assert all(call[2] is False for call in starts), "never a full refresh"
    assert stops == [("stop", PARAMS.pipeline_id, stops[0][2])]
    assert END <= stops[0][2] < END + timedelta(seconds=10), "stopped at the timeline's end, mid-update"
    assert pipelines.calls[-1][0] == "stop"
    assert summary["stopped"] and [u["state"] for u in summary["updates"]][:-1] == ["COMPLETED"] * 5


def test_the_first_update_waits_for_every_source_table():
    clock = Clock(TRIGGER)
    appear_at = TRIGGER + timedelta(seconds=45)  # the baseline job creates the missing tables once it runs
    pipelines = RecordingPipelines(clock)
    play(
        pipelines,
        clock,
        missing=lambda: ["`main`.`dlt_autoscaling_dev`.`stream_table_9x_scale`"] if clock() < appear_at else [],
    )
    first_start = next(call for call in pipelines.calls if call[0] == "start_update")
    assert appear_at <= first_start[3] < appear_at + timedelta(seconds=10)


def test_sources_that_never_appear_mean_no_update_at_all():
    clock = Clock(TRIGGER)
    pipelines = RecordingPipelines(clock)
    summary = play(pipelines, clock, missing=lambda: ["`main`.`s`.`stream_table_001`"])
    assert [call[0] for call in pipelines.calls] == ["stop"]
    assert summary["missing_sources"] == ["`main`.`s`.`stream_table_001`"] and summary["updates"] == []


def test_a_run_that_starts_after_the_timeline_leaves_the_pipeline_alone():
    clock = Clock(END + timedelta(minutes=1))
    pipelines = RecordingPipelines(clock)
    assert play(pipelines, clock)["skipped"] is True
    assert pipelines.calls == []


def test_a_failing_pipeline_fails_the_run_and_is_still_stopped():
    clock = Clock(TRIGGER)
    pipelines = RecordingPipelines(clock, update_seconds=30, outcomes=["FAILED"] * 10)
    with pytest.raises(PipelineUpdatesFailed):
        play(pipelines, clock)
    assert [call[0] for call in pipelines.calls] == ["start_update"] * 3 + ["stop"]


def test_an_error_in_the_loop_still_stops_the_pipeline():
    clock = Clock(TRIGGER)
    pipelines = RecordingPipelines(clock, fail_on_start=True)
    with pytest.raises(RuntimeError, match="already active"):
        play(pipelines, clock)
    assert [call[0] for call in pipelines.calls] == ["stop"]


def test_a_cancelled_run_still_stops_the_pipeline():
    # Cancelling a notebook run interrupts its Python code (KeyboardInterrupt) in the middle of a sleep.
    clock = Clock(TRIGGER)
    pipelines = RecordingPipelines(clock)
    interrupt_at = TRIGGER + timedelta(minutes=4)

    def sleep(seconds):
        clock.sleep(seconds)
        if clock() >= interrupt_at:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_pipeline(pipelines, PARAMS, lambda: [], now=clock, sleep=sleep, log=lambda line: None)
    assert [call[0] for call in pipelines.calls][-1] == "stop"
    assert pipelines.calls[-1][2] < TRIGGER + timedelta(minutes=5)


def test_a_failed_last_update_leaves_the_pipeline_failed_and_the_run_still_succeeds():
    # One failure is tolerated; the update cut off at the timeline's end failed, so the pipeline stays FAILED.
    clock = Clock(TRIGGER)
    pipelines = RecordingPipelines(clock, outcomes=["COMPLETED"] * 5 + ["FAILED"])
    summary = play(pipelines, clock)
    assert summary["stopped"] is True
    assert pipelines.get(pipeline_id=PARAMS.pipeline_id).state.value == "FAILED"


def test_the_stop_waits_until_the_pipeline_holds_no_compute():
    clock = Clock(TRIGGER)
    pipelines = RecordingPipelines(clock, stop_seconds=45)
    play(pipelines, clock)
    assert clock() - pipelines.stopped_at >= timedelta(seconds=45)


def test_a_stop_that_never_settles_fails_the_run_after_the_stop_timeout():
    clock = Clock(TRIGGER)
    pipelines = RecordingPipelines(clock, stop_seconds=10_000)
    with pytest.raises(TimeoutError, match="still STOPPING 180 s after"):
        play(pipelines, clock)


def test_a_failed_stop_does_not_hide_the_failure_that_came_first():
    clock = Clock(TRIGGER)
    pipelines = RecordingPipelines(clock, update_seconds=30, outcomes=["FAILED"] * 10, fail_on_stop=True)
    with pytest.raises(PipelineUpdatesFailed):
        play(pipelines, clock)
    assert [call[0] for call in pipelines.calls][-1] == "stop"
