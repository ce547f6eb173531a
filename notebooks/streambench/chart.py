"""The chart of a run, one drawing for both places a run is analysed: the analysis notebook on Databricks (saved in
the stack's volume and displayed) and the local runner (`results.png`). Three panels over the timeline: the
offered rows/s (the plan's step line) against the processed rows/s per interval stacked by stream type (each batch
one trigger before its commit, as the verdict counts it); the
processing lag per interval against its threshold; the workers and the DLT pipeline's executors. The verdict table
goes under them. matplotlib with the Agg backend (no display needed; matplotlib ships with the Databricks runtime).
The data is streambench.analysis.chart_data.chart_data's."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 (after choosing the backend)

# Pixels of the PNG: FIGURE_INCHES x DPI.
FIGURE_INCHES = (14.0, 11.0)
DPI = 100
PNG_SIZE = (int(FIGURE_INCHES[0] * DPI), int(FIGURE_INCHES[1] * DPI))
# One colour per stream type, in timeline order (the seed's baseline, 3x and 9x take the first three).
STREAM_TYPE_PALETTE = (
    "#4C78A8",
    "#F58518",
    "#E45756",
    "#72B7B2",
    "#54A24B",
    "#EECA3B",
    "#B279A2",
    "#FF9DA6",
    "#9D755D",
)


def offered_steps(data: Mapping[str, Any]) -> tuple[list[float], list[float]]:
    """The offered load as a step line: x = window edges (minutes), y = the total from each edge on."""
    minutes = [float(minute) for minute, _ in data["offered"]] + [float(data["offered_end_minute"])]
    totals = [float(total) for _, total in data["offered"]]
    return minutes, totals + totals[-1:]


def _step_line(axis, steps: Sequence[Sequence[float]], end_minute: float, **style) -> None:
    if not steps:
        return
    minutes = [float(minute) for minute, _ in steps] + [end_minute]
    values = [float(value) for _, value in steps]
    axis.step(minutes, values + values[-1:], where="post", **style)


def draw_results(
    path: str,
    title: str,
    data: Mapping[str, Any],
    table: Sequence[Sequence[str]],
    stream_types: Sequence[str],
    minute_label: str = "minute of the timeline",
) -> str:
    """Writes the chart to `path` (PNG, PNG_SIZE pixels) and returns the path. `table` is a header row and rows
    (streambench.analysis.verdict_table.verdict_table); `stream_types` in stacking order."""
    figure = plt.figure(figsize=FIGURE_INCHES, dpi=DPI)
    grid = figure.add_gridspec(
        4, 1, height_ratios=[3.0, 1.4, 1.2, 1.3], hspace=0.35, left=0.07, right=0.98, top=0.94, bottom=0.02
    )
    throughput = figure.add_subplot(grid[0])
    intervals = data["intervals"]
    width = float(data["interval_minutes"])
    starts = [float(item["start_minute"]) for item in intervals]
    bottoms = [0.0] * len(intervals)
    for position, stream_type in enumerate(stream_types):
        heights = [float(item["processed_by_type"].get(stream_type, 0.0)) for item in intervals]
        throughput.bar(
            starts,
            heights,
            width=width,
            bottom=bottoms,
            align="edge",
            color=STREAM_TYPE_PALETTE[position % len(STREAM_TYPE_PALETTE)],
            label=f"processed: {stream_type}",
            linewidth=0,
        )
        bottoms = [bottom + height for bottom, height in zip(bottoms, heights)]
    minutes, totals = offered_steps(data)
    throughput.step(minutes, totals, where="post", color="black", linewidth=2.0, label="offered (plan)")
    end_minute = max(float(data["end_minute"]), minutes[-1])
    throughput.set_ylim(0, max(totals + bottoms + [1.0]) * 1.15)
    throughput.set_ylabel("rows/s")
    throughput.set_title(title, fontsize=11)
    throughput.legend(loc="upper right", fontsize=9)
    throughput.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda value, _: f"{value:,.0f}"))

    lag = figure.add_subplot(grid[1], sharex=throughput)
    lag_starts = [start for start, item in zip(starts, intervals) if item.get("lag_max_seconds") is not None]
    lag_items = [item for item in intervals if item.get("lag_max_seconds") is not None]
    lag.bar(lag_starts, [item["lag_max_seconds"] for item in lag_items], width=width, align="edge", color="#BBBBBB",
            label="lag max", linewidth=0)  # fmt: skip
    lag.bar(lag_starts, [item["lag_p95_seconds"] for item in lag_items], width=width, align="edge", color="#54A24B",
            label="lag p95", linewidth=0)  # fmt: skip
    lag.axhline(float(data["lag_threshold_seconds"]), color="#B22222", linestyle="--", linewidth=1.2,
                label=f"threshold {float(data['lag_threshold_seconds']):g} s")  # fmt: skip
    lag.set_ylabel("lag (s)")
    lag.legend(loc="upper right", fontsize=8)

    compute = figure.add_subplot(grid[2], sharex=throughput)
    _step_line(compute, data["workers"], end_minute, color="#4C78A8", linewidth=2.0, label="cluster workers")
    _step_line(compute, data["executors"], end_minute, color="#E45756", linewidth=2.0, label="DLT executors")
    if not data["workers"] and not data["executors"]:
        compute.text(0.5, 0.5, "no cluster or pipeline events", ha="center", va="center", transform=compute.transAxes)
    compute.set_ylim(bottom=0)
    compute.set_ylabel("nodes")
    compute.set_xlabel(minute_label)
    compute.set_xlim(0.0, end_minute)
    if data["workers"] or data["executors"]:
        compute.legend(loc="upper right", fontsize=8)
    for axis in (throughput, lag, compute):
        axis.grid(axis="y", alpha=0.3)

    below = figure.add_subplot(grid[3])
    below.axis("off")
    cells = below.table(
        cellText=[list(row) for row in table[1:]], colLabels=list(table[0]), loc="center", cellLoc="center"
    )
    cells.auto_set_font_size(False)
    cells.set_fontsize(8)
    cells.scale(1.0, 1.25)
    figure.savefig(path, dpi=DPI, format="png")
    plt.close(figure)
    return path
