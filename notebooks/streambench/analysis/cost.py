"""What a run cost: node-minutes (the driver and the workers) integrated over the cluster's events, an estimate in
DBUs from a configured rate per node-hour, and the query that reads the actual DBUs from `system.billing.usage`.
Plain functions, tested without Spark (tests/notebooks/streambench/analysis/test_cost.py).

`system.billing.usage` (Databricks docs, "Billable usage system table reference") holds one row per hour of usage
of each compute resource: `usage_start_time` / `usage_end_time` (UTC), `usage_quantity` in `usage_unit` (DBU),
`sku_name`, `custom_tags` (the compute's tags, a map) and `usage_metadata` (a struct with `cluster_id`,
`dlt_pipeline_id`, `job_id`, ...). Its records are typically available within 12 hours, so the query gives the
actual DBUs of a run only hours after it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Mapping, Sequence

from streambench.analysis.events import workers_at

# Nodes a cluster runs besides its workers.
DRIVER_NODES = 1
# The billing table's rows are hourly: a run is looked up in the whole hours around it.
BILLING_TABLE = "system.billing.usage"
_TAG_TEXT = re.compile(r"^[A-Za-z0-9_.:/=+@ -]*$")


@dataclass(frozen=True)
class CostSettings:
    """The stack config's cost keys (`streambench:cost.*`): DBUs one node bills per hour on the stack's node
    type, and the price of one DBU; None = not configured (no estimate)."""

    dbu_per_node_hour: float | None = None
    price_per_dbu: float | None = None


def node_minutes(events: Sequence[Mapping[str, Any]], start: datetime, end: datetime) -> float | None:
    """Node-minutes of the cluster over [start, end): the driver plus the workers at each moment (a step function
    of the events' current_workers, as workers_at reads them), integrated; None without any worker count."""
    if end <= start or workers_at(events, start) is None:
        return None
    changes = sorted(
        row["event_time"]
        for row in events
        if row.get("current_workers") is not None and start < row["event_time"] < end
    )
    total, moment = 0.0, start
    for change in changes + [end]:
        total += (DRIVER_NODES + workers_at(events, moment)) * (change - moment).total_seconds()
        moment = change
    return total / 60.0


def estimated_dbus(minutes: float | None, settings: CostSettings) -> float | None:
    """DBUs of `minutes` node-minutes at the configured rate; None when either is unknown."""
    if minutes is None or settings.dbu_per_node_hour is None:
        return None
    return minutes / 60.0 * settings.dbu_per_node_hour


def estimated_price(dbus: float | None, settings: CostSettings) -> float | None:
    """The estimated DBUs at the configured price per DBU; None when either is unknown."""
    if dbus is None or settings.price_per_dbu is None:
        return None
    return dbus * settings.price_per_dbu


def _sql_text(value: str) -> str:
    if not _TAG_TEXT.match(value):
        raise ValueError(f"not a tag key or value this query takes: {value!r}")
    return "'" + value + "'"


def _sql_time(moment: datetime) -> str:
    return f"TIMESTAMP '{moment.astimezone(timezone.utc):%Y-%m-%d %H:%M:%S}'"


def billing_usage_sql(tags: Mapping[str, str], start: datetime, end: datetime, cluster_id: str = "") -> str:
    """The query for the actual DBUs of the run's compute: the usage rows carrying every one of the stack's tags
    (its cluster's and its pipeline's custom tags) whose hour overlaps [start, end), per compute resource and SKU.
    Hourly rows include the usage of the rest of those hours."""
    conditions = [f"custom_tags[{_sql_text(key)}] = {_sql_text(value)}" for key, value in sorted(tags.items())]
    conditions += [f"usage_end_time > {_sql_time(start)}", f"usage_start_time < {_sql_time(end)}"]
    where = "\n  AND ".join(conditions)
    cluster_note = (
        f"  -- the benchmark cluster: usage_metadata.cluster_id = {_sql_text(cluster_id)}\n" if cluster_id else ""
    )
    return (
        "SELECT usage_metadata.cluster_id, usage_metadata.dlt_pipeline_id, sku_name, usage_unit,\n"
        "       SUM(usage_quantity) AS usage_quantity, MIN(usage_start_time) AS first_hour, MAX(usage_end_time) AS last_hour\n"
        f"FROM {BILLING_TABLE}\n"
        f"{cluster_note}"
        f"WHERE {where}\n"
        "GROUP BY ALL\n"
        "ORDER BY usage_quantity DESC"
    )


def parse_tags(text: str, problems: list[str]) -> dict[str, str]:
    """The stack's tags from `cluster_tags_json` (a JSON object of strings); {} and a problem when it is not one."""
    if not text.strip():
        return {}
    try:
        tags = json.loads(text)
    except ValueError:
        tags = None
    if not isinstance(tags, dict) or not all(
        isinstance(key, str) and isinstance(value, str) and _TAG_TEXT.match(key) and _TAG_TEXT.match(value)
        for key, value in tags.items()
    ):
        problems.append(f"cluster_tags_json must be a JSON object of tag names to values, got {text.strip()[:80]!r}")
        return {}
    return tags


def run_cost(
    events: Sequence[Mapping[str, Any]],
    start: datetime,
    end: datetime,
    settings: CostSettings,
    tags: Mapping[str, str],
    cluster_id: str = "",
) -> dict:
    """The run's cost, JSON-able: node-minutes over the run, the estimated DBUs and price, and the billing query."""
    minutes = node_minutes(events, start, end)
    dbus = estimated_dbus(minutes, settings)
    return {
        "worker_minutes": None if minutes is None else round(minutes, 2),
        "dbu_per_node_hour": settings.dbu_per_node_hour,
        "estimated_dbus": None if dbus is None else round(dbus, 3),
        "price_per_dbu": settings.price_per_dbu,
        "estimated_price": None
        if estimated_price(dbus, settings) is None
        else round(estimated_price(dbus, settings), 2),
        "billing_query": billing_usage_sql(tags, start, end, cluster_id) if tags else None,
        "billing_note": "system.billing.usage rows arrive hours after the usage (typically within 12 hours)",
    }
