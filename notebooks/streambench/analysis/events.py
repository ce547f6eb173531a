"""How the compute scaled during a run: the cluster's events (Clusters API) and the DLT pipeline's event log.

Plain functions (tested without Spark) turn events into worker counts and reaction times; `fetch_cluster_events`
is the only piece that calls the workspace (the Clusters API through the Databricks SDK); it is not unit tested.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable, Mapping, NamedTuple, Sequence

from streambench.job_parameters import parse_run_start, whole_number

# Columns of the cluster_events table: one row per cluster event of the run's time range.
CLUSTER_EVENT_COLUMNS = (
    "cluster_id",
    "event_time",  # UTC
    "event_type",  # RESIZING, UPSIZE_COMPLETED, RUNNING, AUTOSCALING_STATS_REPORT, ...
    "current_workers",  # details.current_num_workers: workers when the event happened (before a resize)
    "target_workers",  # details.target_num_workers: workers a resize aims at
    "cause",  # details.cause: AUTOSCALE, USER_REQUEST, AUTORECOVERY, REPLACE_BAD_NODES
    "reason",  # details.reason.code (a termination or failure reason), if any
    "details_json",  # the event's whole `details`, as JSON
)
CLUSTER_EVENTS_SCHEMA_DDL = (
    "cluster_id STRING, event_time TIMESTAMP, event_type STRING, current_workers INT, target_workers INT, "
    "cause STRING, reason STRING, details_json STRING"
)
# Event types fetched from the Clusters API (names the installed SDK does not know are skipped).
CLUSTER_EVENT_TYPES = (
    "CREATING",
    "STARTING",
    "RESTARTING",
    "RUNNING",
    "RESIZING",
    "UPSIZE_COMPLETED",
    "NODES_LOST",
    "AUTOSCALING_STATS_REPORT",
    "AUTOSCALING_BACKOFF",
    "AUTOSCALING_FAILED",
    "DECOMMISSION_STARTED",
    "DECOMMISSION_ENDED",
    "TERMINATING",
)
# Events that announce a resize decision (their target is the new size).
RESIZE_EVENT_TYPES = ("RESIZING",)
# Events that announce a finished upsize (a downsize has none: its end shows as the new count in a later event).
UPSIZE_DONE_EVENT_TYPES = ("UPSIZE_COMPLETED",)
# The DLT event log's events that report the pipeline's executors (`details.cluster_resources`).
DLT_RESOURCES_EVENT_TYPE = "cluster_resources"
# Events are fetched from this long before the run (to know the worker count at its start) ...
EVENTS_LOOKBACK = timedelta(minutes=60)
# ... to this long after it (the scale-down after the last window).
EVENTS_GRACE = timedelta(minutes=10)


def cluster_event_rows(api_events: Iterable[Mapping[str, Any]]) -> list[dict]:
    """cluster_events rows from Clusters API events (`POST /api/2.1/clusters/events` `events[]`, or the SDK's
    `ClusterEvent.as_dict()`), oldest first. Events without a timestamp are skipped."""
    rows = []
    for event in api_events:
        if event.get("timestamp") is None:
            continue
        details = event.get("details") or {}
        reason = details.get("reason")
        if isinstance(reason, Mapping):
            reason = reason.get("code")
        current, target = details.get("current_num_workers"), details.get("target_num_workers")
        rows.append(
            {
                "cluster_id": event.get("cluster_id"),
                "event_time": datetime.fromtimestamp(int(event["timestamp"]) / 1000, tz=timezone.utc),
                "event_type": event.get("type"),
                "current_workers": None if current is None else int(current),
                "target_workers": None if target is None else int(target),
                "cause": details.get("cause"),
                "reason": None if reason is None else str(reason),
                "details_json": json.dumps(details, sort_keys=True),
            }
        )
    return sorted(rows, key=lambda row: row["event_time"])


def workers_at(events: Sequence[Mapping[str, Any]], moment: datetime) -> int | None:
    """Workers at `moment`: the current_workers of the last event at or before it that reports one; before
    the first such event, the count that event reports (nothing changed until then); None without events."""
    known = sorted((row for row in events if row.get("current_workers") is not None), key=lambda row: row["event_time"])
    before = [row for row in known if row["event_time"] <= moment]
    if before:
        return before[-1]["current_workers"]
    return known[0]["current_workers"] if known else None


def reaction_seconds(
    events: Sequence[Mapping[str, Any]],
    window_start: datetime,
    window_end: datetime | None,
    workers_at_start: int | None,
) -> float | None:
    """Seconds from the window start to the first resize event in the window whose target differs from the
    workers at the window start (the resize requested); None if the cluster did not resize in the window. Without
    a window end, any later resize counts."""
    request = first_resize(events, window_start, window_end, workers_at_start)
    return None if request is None else (request["event_time"] - window_start).total_seconds()


def first_resize(
    events: Sequence[Mapping[str, Any]],
    window_start: datetime,
    window_end: datetime | None,
    workers_at_start: int | None,
) -> Mapping[str, Any] | None:
    """The first resize event in the window whose target differs from the workers at the window start."""
    for row in sorted(events, key=lambda row: row["event_time"]):
        if row.get("event_type") not in RESIZE_EVENT_TYPES or row.get("target_workers") is None:
            continue
        if row["event_time"] < window_start or (window_end is not None and row["event_time"] >= window_end):
            continue
        if row["target_workers"] != workers_at_start:
            return row
    return None


def resize_completed_seconds(
    events: Sequence[Mapping[str, Any]], window_start: datetime, window_end: datetime, workers_at_start: int | None
) -> float | None:
    """Seconds from the window start to the completion of its first resize: the first UPSIZE_COMPLETED at or after
    the request, or the first later event that reports the requested workers (a downsize has no completion event),
    before the window's end; None without a resize, or when it did not complete in the window."""
    request = first_resize(events, window_start, window_end, workers_at_start)
    if request is None:
        return None
    for row in sorted(events, key=lambda row: row["event_time"]):
        if row is request or row["event_time"] < request["event_time"] or row["event_time"] >= window_end:
            continue
        if row.get("event_type") in UPSIZE_DONE_EVENT_TYPES or row.get("current_workers") == request["target_workers"]:
            return (row["event_time"] - window_start).total_seconds()
    return None


def workers_peak(events: Sequence[Mapping[str, Any]], window_start: datetime, window_end: datetime) -> int | None:
    """The most workers in the window: the count at its start and every count an event in it reports."""
    counts = [workers_at(events, window_start)] + [
        row["current_workers"]
        for row in events
        if row.get("current_workers") is not None and window_start <= row["event_time"] < window_end
    ]
    known = [count for count in counts if count is not None]
    return max(known) if known else None


# ---- DLT pipeline event log ----------------------------------------------------------------------------


class DltEvent(NamedTuple):
    """A cluster_resources event of the pipeline's event log."""

    time: datetime  # UTC
    executors: int | None  # details.cluster_resources.num_executors
    requested: int | None  # details.cluster_resources.latest_requested_num_executors (enhanced autoscaling)


def _utc(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc) if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, str):
        try:
            return parse_run_start(value)
        except ValueError:
            return None
    return None


def dlt_events(rows: Iterable[Mapping[str, Any]]) -> list[DltEvent]:
    """DltEvents, oldest first, from event log rows ({timestamp, event_type, details}; `details` a JSON string
    or a dict; timestamps naive = UTC). Other event types, rows without a time, unreadable details and
    cluster_resources without either count are skipped; a count that is missing or not a whole number is None."""
    events = []
    for row in rows:
        if row.get("event_type") != DLT_RESOURCES_EVENT_TYPE:
            continue
        moment, details = _utc(row.get("timestamp")), row.get("details")
        if isinstance(details, (str, bytes)):
            try:
                details = json.loads(details)
            except ValueError:
                continue
        resources = details.get("cluster_resources") if isinstance(details, Mapping) else None
        if moment is None or not isinstance(resources, Mapping):
            continue
        executors = whole_number(resources.get("num_executors"))
        requested = whole_number(resources.get("latest_requested_num_executors"))
        if executors is not None or requested is not None:
            events.append(DltEvent(moment, executors, requested))
    return sorted(events, key=lambda event: event.time)


def executors_at(events: Sequence[DltEvent], moment: datetime) -> int | None:
    """The pipeline's executors at `moment`, as workers_at: the last count at or before it; before the first
    count, that count; None without counts."""
    known = sorted((event for event in events if event.executors is not None), key=lambda event: event.time)
    before = [event for event in known if event.time <= moment]
    if before:
        return before[-1].executors
    return known[0].executors if known else None


def dlt_reaction_seconds(
    events: Sequence[DltEvent], window_start: datetime, window_end: datetime | None, executors_at_start: int | None
) -> float | None:
    """Seconds from the window start to the first event in the window whose requested executors differ from
    the executors at the window start; None if the pipeline asked for no other size in the window."""
    request = dlt_first_request(events, window_start, window_end, executors_at_start)
    return None if request is None else (request.time - window_start).total_seconds()


def dlt_first_request(
    events: Sequence[DltEvent], window_start: datetime, window_end: datetime | None, executors_at_start: int | None
) -> DltEvent | None:
    for event in sorted(events, key=lambda event: event.time):
        if event.requested is None or event.time < window_start:
            continue
        if window_end is not None and event.time >= window_end:
            continue
        if event.requested != executors_at_start:
            return event
    return None


def dlt_resize_completed_seconds(
    events: Sequence[DltEvent], window_start: datetime, window_end: datetime, executors_at_start: int | None
) -> float | None:
    """Seconds from the window start to the first event, at or after the pipeline's first request for another
    size, that reports the requested executors running; None without a request or when none came in the window."""
    request = dlt_first_request(events, window_start, window_end, executors_at_start)
    if request is None:
        return None
    for event in sorted(events, key=lambda event: event.time):
        if request.time <= event.time < window_end and event.executors == request.requested:
            return (event.time - window_start).total_seconds()
    return None


def dlt_executors_peak(events: Sequence[DltEvent], window_start: datetime, window_end: datetime) -> int | None:
    """The most executors in the window: the count at its start and every count an event in it reports."""
    counts = [executors_at(events, window_start)] + [
        event.executors for event in events if event.executors is not None and window_start <= event.time < window_end
    ]
    known = [count for count in counts if count is not None]
    return max(known) if known else None


# ---- workspace (not unit tested) -----------------------------------------------------------------------


def fetch_cluster_events(
    cluster_id: str, start_ms: int, end_ms: int, event_types: Sequence[str] = CLUSTER_EVENT_TYPES
) -> list[dict]:
    """The cluster's events in [start_ms, end_ms] from the Clusters API, as API dicts. Runs only on
    Databricks, where the SDK is installed and authenticates from the notebook's context."""
    from databricks.sdk import WorkspaceClient
    from databricks.sdk.service.compute import EventType

    types = [EventType[name] for name in event_types if name in EventType.__members__]
    events = WorkspaceClient().clusters.events(
        cluster_id=cluster_id, start_time=start_ms, end_time=end_ms, event_types=types
    )
    return [event.as_dict() for event in events]


def current_cluster_id(spark) -> str:
    """The id of the cluster the notebook runs on ('' outside Databricks)."""
    try:
        return spark.conf.get("spark.databricks.clusterUsageTags.clusterId", "") or ""
    except Exception:
        return ""
