"""The plan's documents as a job passes them to the notebooks, built for the tests: the phases document
(`phases_json`, plan/build.ts phaseTablesJson) and the throughput windows (`windows_json`, plan/types.ts
ThroughputWindow)."""

import json


def phases_json(*phases):
    """A phases document of (phase, table_name_format, first_stream_id, stream_count) entries."""
    return json.dumps(
        [
            {"phase": phase, "table_name_format": table_format, "first_stream_id": first, "stream_count": count}
            for phase, table_format, first, count in phases
        ]
    )


def timeline_phases_json(baseline_streams):
    """The plan's phases document of a timeline: `baseline_streams` baseline streams, then one 3x and one 9x stream."""
    width = max(3, len(str(baseline_streams)))
    return phases_json(
        ("baseline", f"stream_table_{{stream_id:0{width}d}}", 1, baseline_streams),
        ("3x", "stream_table_3x_scale", baseline_streams + 1, 1),
        ("9x", "stream_table_9x_scale", baseline_streams + 2, 1),
    )


def plan_window(start_minute, end_minute, baseline, scale_3x=0, scale_9x=0):
    """One window of the plan's throughput table: the rows/s each phase adds in it, and their total."""
    by_phase = {"baseline": baseline, "3x": scale_3x, "9x": scale_9x}
    return {
        "startMinute": start_minute,
        "endMinute": end_minute,
        "rowsPerSecondByPhase": by_phase,
        "totalRowsPerSecond": sum(by_phase.values()),
    }
