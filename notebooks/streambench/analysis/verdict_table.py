"""The verdict as text: one line per window (offered against processed rows/s, batch durations against the trigger,
lag, workers, reaction times, kept up), the reasons a window did not keep up, and the run's cost. The analysis
notebook prints it, the local runner prints and draws it, and `npm run ops -- analyze` prints it from the analysis
run's output (benchmark_results rows as JSON: times may be ISO strings)."""

from __future__ import annotations

from typing import Any, Mapping, Sequence


def _number(value: Any, digits: int = 0, unit: str = "") -> str:
    return "-" if value is None else f"{value:,.{digits}f}{unit}"


def _count(value: Any) -> str:
    return "?" if value is None else str(value)


def minute_text(minute: float) -> str:
    """A minute of the timeline as a label shows it: at most 2 decimals, trailing zeros cut (`3`, `4.67`, `1440`)."""
    text = f"{float(minute):.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def window_label(start_minute: float, end_minute: float) -> str:
    """`3-4.67`: a window's minutes, in every table that lists windows (a stopped run cuts its last one anywhere)."""
    return f"{minute_text(start_minute)}-{minute_text(end_minute)}"


def kept_up_text(value: bool | None) -> str:
    return "n/a" if value is None else ("yes" if value else "NO")


def _pair(first: Any, second: Any, digits: int = 1) -> str:
    return f"{_number(first, digits)}/{_number(second, digits)}"


def verdict_table(rows: Sequence[Mapping[str, Any]], pipeline: bool = False, cluster: bool = True) -> list[list[str]]:
    """Header and one row per window. Seconds throughout; "asked/done" = seconds from the window's start to the
    first resize requested and completed; "lag ok" = to the lag back under its threshold. Without a `cluster` (a
    run on this machine's Spark) there are no workers to count nor resizes to time: no such columns."""
    cluster_columns = ["workers (peak)", "asked/done s"] if cluster else []
    header = [
        "#",
        "minutes",
        "offered/s",
        "processed/s",
        "%",
        "batch p50/p95 s",
        "trigger s",
        "lag p50/p95/max s",
        *cluster_columns,
        "lag ok s",
    ]
    if pipeline:
        header += ["dlt exec (peak)", "dlt asked/done s"]
    header.append("kept up")
    table = [header]
    for row in rows:
        line = [
            str(row["window_index"]),
            window_label(row["start_minute"], row["end_minute"]),
            _number(row.get("target_rows_per_second")),
            _number(row.get("processed_rows_per_second")),
            _number(row.get("processed_percent"), 1),
            _pair(row.get("batch_p50_seconds"), row.get("batch_p95_seconds")),
            _number(row.get("trigger_seconds"), 0),
            f"{_pair(row.get('lag_p50_seconds'), row.get('lag_p95_seconds'))}/{_number(row.get('lag_max_seconds'), 1)}",
        ]
        if cluster:
            line += [
                f"{_count(row.get('workers_at_start'))}->{_count(row.get('workers_at_end'))} ({_count(row.get('workers_peak'))})",
                _pair(row.get("reaction_seconds"), row.get("resize_completed_seconds"), 0),
            ]
        line.append(_number(row.get("lag_recovered_seconds"), 0))
        if pipeline:
            line += [
                f"{_count(row.get('dlt_executors_at_start'))}->{_count(row.get('dlt_executors_at_end'))} "
                f"({_count(row.get('dlt_executors_peak'))})",
                _pair(row.get("dlt_reaction_seconds"), row.get("dlt_resize_completed_seconds"), 0),
            ]
        line.append(kept_up_text(row.get("kept_up")))
        table.append(line)
    return table


def text_table(rows: Sequence[Sequence[str]]) -> str:
    """Columns two spaces apart, the first two left-aligned and the rest right-aligned, the header ruled."""
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    lines = [
        "  ".join(
            cell.ljust(width) if column < 2 else cell.rjust(width)
            for column, (cell, width) in enumerate(zip(row, widths))
        ).rstrip()
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def verdict_lines(
    rows: Sequence[Mapping[str, Any]],
    pipeline: bool = False,
    cost: Mapping[str, Any] | None = None,
    cluster: bool = True,
):
    """The verdict table (without the cluster's columns when there is no `cluster`), why each window that did not
    keep up did not, the run's verdict and its cost (none without `cost`)."""
    if not rows:
        return ["No window to judge."]
    lines = [text_table(verdict_table(rows, pipeline, cluster))]
    for row in rows:
        if row.get("kept_up") is not True and row.get("kept_up_reasons"):
            lines.append(f"  window {row['window_index']}: {row['kept_up_reasons']}")
    criteria = rows[0].get("criteria_json")
    lines.append(f"Kept up over the whole run: {kept_up_text(rows[0].get('run_kept_up'))}")
    if criteria:
        lines.append(f"  criteria: {criteria}")
    if cost:
        lines += cost_lines(cost)
    return lines


def cost_lines(cost: Mapping[str, Any]) -> list[str]:
    """The run's cost: node-minutes, the estimate where the stack config gives a rate, and the billing query."""
    minutes = cost.get("worker_minutes")
    lines = [
        f"Cost: {_number(minutes, 1)} node-minutes (driver + workers, from the cluster's events)"
        if minutes is not None
        else "Cost: node-minutes unknown (no cluster events)"
    ]
    if cost.get("estimated_dbus") is not None:
        estimate = f"  estimate: {cost['estimated_dbus']:,.2f} DBU at {cost['dbu_per_node_hour']:g} DBU per node-hour"
        if cost.get("estimated_price") is not None:
            estimate += f" = {cost['estimated_price']:,.2f} at {cost['price_per_dbu']:g} per DBU"
        lines.append(estimate)
    else:
        lines.append("  no estimate: set streambench:cost.dbuPerNodeHour (and cost.pricePerDbu) in the stack config")
    if cost.get("billing_query"):
        lines += [f"  actual DBUs ({cost.get('billing_note')}):"] + [
            f"    {line}" for line in str(cost["billing_query"]).splitlines()
        ]
    return lines
