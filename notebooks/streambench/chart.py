"""The chart of a local run (`results.png`): measured throughput per interval stacked by stream type against the
plan's target step line, and the per-window table under it. matplotlib with the Agg backend (no display needed).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Mapping, Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 (after choosing the backend)

# Pixels of the PNG: FIGURE_INCHES x DPI.
FIGURE_INCHES = (12.0, 8.0)
DPI = 100
PNG_SIZE = (int(FIGURE_INCHES[0] * DPI), int(FIGURE_INCHES[1] * DPI))
STREAM_TYPE_COLOURS = {"baseline": "#4C78A8", "3x": "#F58518", "9x": "#E45756"}


@dataclass(frozen=True)
class Interval:
    """Rows per second measured by stream type over one interval starting at `start_minute` (plan minutes)."""

    start_minute: float
    rows_per_second_by_type: Mapping[str, float]


def target_steps(windows_json: str) -> tuple[list[float], list[float]]:
    """The plan's target as a step line: x = window edges (plan minutes), y = the total from each edge on."""
    windows = json.loads(windows_json)
    minutes = [float(window["startMinute"]) for window in windows] + [float(windows[-1]["endMinute"])]
    totals = [float(window["totalRowsPerSecond"]) for window in windows]
    return minutes, totals + totals[-1:]


def draw_results(
    path: str,
    title: str,
    windows_json: str,
    intervals: Sequence[Interval],
    interval_minutes: float,
    table: Sequence[Sequence[str]],
    stream_types: Sequence[str],
) -> str:
    """Writes the chart to `path` (PNG, PNG_SIZE pixels) and returns the path. `table` is a header row and
    rows (streambench.local.timeline.window_table); `stream_types` in stacking order."""
    figure = plt.figure(figsize=FIGURE_INCHES, dpi=DPI)
    grid = figure.add_gridspec(
        2, 1, height_ratios=[3.0, 1.25], hspace=0.28, left=0.08, right=0.98, top=0.93, bottom=0.03
    )
    chart = figure.add_subplot(grid[0])
    bottoms = [0.0] * len(intervals)
    starts = [interval.start_minute for interval in intervals]
    for stream_type in stream_types:
        heights = [float(interval.rows_per_second_by_type.get(stream_type, 0.0)) for interval in intervals]
        chart.bar(
            starts,
            heights,
            width=interval_minutes,
            bottom=bottoms,
            align="edge",
            color=STREAM_TYPE_COLOURS.get(stream_type),
            label=f"measured: {stream_type}",
            linewidth=0,
        )
        bottoms = [bottom + height for bottom, height in zip(bottoms, heights)]
    minutes, totals = target_steps(windows_json)
    chart.step(minutes, totals, where="post", color="black", linewidth=2.0, label="plan target")
    chart.set_xlim(minutes[0], minutes[-1])
    chart.set_ylim(0, max(totals + bottoms + [1.0]) * 1.15)
    chart.set_xlabel("minute of the timeline (plan time)")
    chart.set_ylabel("rows/s")
    chart.set_title(title, fontsize=11)
    chart.grid(axis="y", alpha=0.3)
    chart.legend(loc="upper right", fontsize=9)
    chart.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda value, _: f"{value:,.0f}"))

    below = figure.add_subplot(grid[1])
    below.axis("off")
    cells = below.table(
        cellText=[list(row) for row in table[1:]], colLabels=list(table[0]), loc="center", cellLoc="center"
    )
    cells.auto_set_font_size(False)
    cells.set_fontsize(9)
    cells.scale(1.0, 1.3)
    figure.savefig(path, dpi=DPI, format="png")
    plt.close(figure)
    return path
