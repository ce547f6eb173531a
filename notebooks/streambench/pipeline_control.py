"""Logic of the DLT pipeline's control notebook (pipeline_control.py): plain decision functions, tested without
Spark or a workspace, and the loop that drives the pipeline through one timeline with the Databricks SDK.

Why a control loop: the pipeline is triggered (`continuous: false`), so `pulumi up` never starts its compute. A
triggered update processes the data available when it started and then ends, so one update cannot cover a
15-minute timeline. The loop starts an update, and when it ends, the next one, from the timeline's start until its
end; then it stops the pipeline. `pipelines.clusterShutdown.delay` (pipeline configuration, from the plan) keeps
the pipeline's cluster, and its enhanced-autoscaling size, between two updates.

Pipelines API calls (the `databricks-sdk` that Databricks clusters ship, `WorkspaceClient().pipelines`):
- `start_update(pipeline_id=...)` -> `POST /api/2.0/pipelines/{id}/updates`; fails while another update is active;
- `get_update(pipeline_id=..., update_id=...)` -> `GET /api/2.0/pipelines/{id}/updates/{update_id}`;
- `stop(pipeline_id=...)` -> `POST /api/2.0/pipelines/{id}/stop`: cancels the active update, a no-op when there is
  none; then `get(pipeline_id=...)` until the pipeline holds no compute (`stop_pipeline`). Not the SDK's
  `stop_and_wait`: it raises when the state is FAILED, which a stop does not change after a failed last update.

Every number (poll interval, shortest useful update, failures in a row, stop timeout) is a job parameter from the
stack's scaling plan (plan.ts).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Mapping, Sequence

from streambench.job_parameters import minutes_param, phase_window, positive_whole_param, qualified_name
from streambench.stream_tables import all_tables, parse_phases

# The parameters the control job passes, sorted: the one list of them (tests/plan/notebookContract.test.ts holds the
# plan's control parameters and the deployed pipeline_id to exactly these).
PARAMETER_NAMES = (
    "catalog",
    "max_failed_updates",
    "min_update_seconds",
    "phases_json",
    "pipeline_id",
    "poll_interval_seconds",
    "schema",
    "start_offset_minutes",
    "stop_timeout_seconds",
    "trigger_time",
    "window_minutes",
)
# A run started by hand has no trigger time and starts its timeline now.
OPTIONAL_PARAMETERS = ("trigger_time",)

# UpdateInfoState of the Pipelines API: an update in one of these has ended.
ENDED_UPDATE_STATES = frozenset({"COMPLETED", "FAILED", "CANCELED"})

START = "start"
WAIT = "wait"
FINISH = "finish"


class PipelineUpdatesFailed(RuntimeError):
    """Too many updates failed in a row: the run fails (after stopping the pipeline) so that the job says so."""


@dataclass(frozen=True)
class ControlParams:
    pipeline_id: str
    catalog: str
    schema: str
    phases_json: str
    trigger_time: str
    start_offset_minutes: float
    window_minutes: float
    poll_interval_seconds: int
    min_update_seconds: int
    max_failed_updates: int
    stop_timeout_seconds: int

    def source_tables(self) -> list[str]:
        """Every stream table of the timeline, fully qualified: the pipeline's sources."""
        return [qualified_name(self.catalog, self.schema, table) for table in all_tables(self.phases_json, [])]


def parse_params(raw: Mapping[str, str]) -> ControlParams:
    """Checks the notebook's parameters; raises ValueError naming every missing or bad one."""
    values = {name: (raw.get(name) or "").strip() for name in PARAMETER_NAMES}
    missing = {name for name in PARAMETER_NAMES if name not in OPTIONAL_PARAMETERS and not values[name]}
    problems = [f"{name} is required (set it as a job parameter)" for name in sorted(missing)]

    def whole(name: str) -> int:
        return 0 if name in missing else positive_whole_param(name, values[name], problems)

    def minutes(name: str, allow_zero: bool) -> float:
        return 0.0 if name in missing else minutes_param(name, values[name], problems, allow_zero)

    params = ControlParams(
        pipeline_id=values["pipeline_id"],
        catalog=values["catalog"],
        schema=values["schema"],
        phases_json=values["phases_json"],
        trigger_time=values["trigger_time"],
        start_offset_minutes=minutes("start_offset_minutes", allow_zero=True),
        window_minutes=minutes("window_minutes", allow_zero=False),
        poll_interval_seconds=whole("poll_interval_seconds"),
        min_update_seconds=whole("min_update_seconds"),
        max_failed_updates=whole("max_failed_updates"),
        stop_timeout_seconds=whole("stop_timeout_seconds"),
    )
    if "phases_json" not in missing:
        parse_phases(params.phases_json, problems)
    if problems:
        raise ValueError("Pipeline control parameters are invalid:\n  - " + "\n  - ".join(problems))
    return params


def state_name(state: Any) -> str | None:
    """An update state as its API name, whether the SDK gave an enum (UpdateInfoState.RUNNING) or a string."""
    if state is None:
        return None
    return getattr(state, "value", state)


def next_action(
    now: datetime, end: datetime, update_state: str | None, failed_in_a_row: int, params: ControlParams
) -> str:
    """What the control loop does next, from the clock and the state of the update it started last.

    - START: no update is active and the timeline has long enough left for one to do work;
    - WAIT: an update is active and the timeline has not ended;
    - FINISH: the timeline has ended, or so little of it is left that an update would only set up its tables, or
      someone cancelled the update (the control never restarts a pipeline somebody stopped).
    Raises PipelineUpdatesFailed when `max_failed_updates` updates failed in a row."""
    if update_state == "CANCELED":
        return FINISH
    if now >= end:
        return FINISH
    if update_state is not None and update_state not in ENDED_UPDATE_STATES:
        return WAIT
    if failed_in_a_row >= params.max_failed_updates:
        raise PipelineUpdatesFailed(f"{failed_in_a_row} pipeline updates failed in a row; see the pipeline's event log")
    if (end - now).total_seconds() < params.min_update_seconds:
        return FINISH
    return START


def failures_after(update_state: str | None, failed_in_a_row: int) -> int:
    """Failed updates in a row once an update has ended in `update_state`."""
    if update_state == "FAILED":
        return failed_in_a_row + 1
    if update_state == "COMPLETED":
        return 0
    return failed_in_a_row


def missing_tables(spark, full_names: Sequence[str]) -> list[str]:
    """The tables of `full_names` (quoted three-part names) that do not exist yet."""
    return [name for name in full_names if not spark.catalog.tableExists(name.replace("`", ""))]


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class ControlSummary:
    pipeline_id: str
    start: str
    end: str
    updates: list[dict] = field(default_factory=list)
    skipped: bool = False
    missing_sources: list[str] = field(default_factory=list)
    stopped: bool = False

    def as_dict(self) -> dict:
        return {
            "pipeline_id": self.pipeline_id,
            "start": self.start,
            "end": self.end,
            "updates": self.updates,
            "skipped": self.skipped,
            "missing_sources": self.missing_sources,
            "stopped": self.stopped,
        }


# Pipeline states that hold no compute. A triggered pipeline whose last update failed stays FAILED after a stop.
STOPPED_PIPELINE_STATES = ("IDLE", "FAILED", "DELETED")


def stop_pipeline(
    pipelines,
    pipeline_id: str,
    timeout_seconds: int,
    poll_interval_seconds: int,
    *,
    now: Callable[[], datetime],
    sleep: Callable[[float], None],
) -> str:
    """Stops the pipeline and waits until it holds no compute; returns the state it settled in."""
    pipelines.stop(pipeline_id=pipeline_id)
    deadline = now() + timedelta(seconds=timeout_seconds)
    while (state := state_name(pipelines.get(pipeline_id=pipeline_id).state)) not in STOPPED_PIPELINE_STATES:
        if now() >= deadline:
            raise TimeoutError(
                f"the pipeline {pipeline_id} is still {state} {timeout_seconds} s after it was asked to stop"
            )
        sleep(float(poll_interval_seconds))
    return state


def run_pipeline(
    pipelines,
    params: ControlParams,
    missing_sources: Callable[[], list[str]],
    now: Callable[[], datetime] = utc_now,
    sleep: Callable[[float], None] = time.sleep,
    log: Callable[[str], None] = print,
) -> dict:
    """Runs the pipeline from the timeline's start to its end, then stops it, whatever happens in between (a failed
    update, an exception, the run being cancelled). `pipelines` is the SDK's `WorkspaceClient().pipelines`.

    Its first update starts only once every source table exists (the generator's first run creates the missing ones),
    so that on a fresh workspace the pipeline never resolves a table that is not there yet."""
    start, end = phase_window(params.trigger_time, params.start_offset_minutes, params.window_minutes, now())
    summary = ControlSummary(params.pipeline_id, start.isoformat(), end.isoformat())
    if now() >= end:
        log(f"The timeline ended at {end.isoformat()}; this run started too late and leaves the pipeline alone.")
        summary.skipped = True
        return summary.as_dict()
    failure: BaseException | None = None
    try:
        while (wait := (start - now()).total_seconds()) > 0:
            sleep(min(wait, float(params.poll_interval_seconds)))
        missing = missing_sources()
        while missing and now() < end:
            log(f"Waiting for {len(missing)} source table(s) of the pipeline, e.g. {missing[0]}.")
            sleep(float(params.poll_interval_seconds))
            missing = missing_sources()
        if missing:
            log(
                f"{len(missing)} source table(s) never appeared before {end.isoformat()}: the pipeline was not started."
            )
            summary.missing_sources = missing
            return summary.as_dict()

        update_id, state, failed_in_a_row = None, None, 0
        while (action := next_action(now(), end, state, failed_in_a_row, params)) != FINISH:
            if action == START:
                update_id = pipelines.start_update(pipeline_id=params.pipeline_id, full_refresh=False).update_id
                state = "CREATED"
                summary.updates.append({"update_id": update_id, "started": now().isoformat(), "state": state})
                log(
                    f"{now().strftime('%H:%M:%S')} UTC | started pipeline update {update_id} "
                    f"({(end - now()).total_seconds():.0f} s of the timeline left)"
                )
                continue
            sleep(float(params.poll_interval_seconds))
            state = state_name(pipelines.get_update(pipeline_id=params.pipeline_id, update_id=update_id).update.state)
            summary.updates[-1]["state"] = state
            if state in ENDED_UPDATE_STATES:
                failed_in_a_row = failures_after(state, failed_in_a_row)
                log(f"{now().strftime('%H:%M:%S')} UTC | pipeline update {update_id} ended: {state}")
    except BaseException as error:
        failure = error
        raise
    finally:
        log(f"Stopping the pipeline {params.pipeline_id} at {now().isoformat()}.")
        try:
            state = stop_pipeline(
                pipelines,
                params.pipeline_id,
                params.stop_timeout_seconds,
                params.poll_interval_seconds,
                now=now,
                sleep=sleep,
            )
        except Exception as stop_error:
            if failure is None:
                raise
            # The run already failed: report the stop's failure beside it, never instead of it.
            log(f"Stopping the pipeline {params.pipeline_id} failed too: {stop_error}")
        else:
            summary.stopped = True
            log(f"The pipeline {params.pipeline_id} is stopped ({state}).")
    return summary.as_dict()
