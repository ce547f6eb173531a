"""The analysis arithmetic without Spark, on hand-made timelines, counts and cluster events."""

import json
from datetime import datetime, timedelta, timezone

import pytest
from plan_documents import plan_window
from streambench.analysis.compute import SHAPE_COLUMNS
from streambench.analysis.events import (
    CLUSTER_EVENT_COLUMNS,
    DltEvent,
    cluster_event_rows,
    dlt_events,
    dlt_reaction_seconds,
    executors_at,
    reaction_seconds,
    workers_at,
)
from streambench.analysis.params import parse_analysis_params
from streambench.analysis.report import RESULT_COLUMNS, RESULTS_SCHEMA_DDL, format_report, result_rows
from streambench.analysis.windows import achieved_rate, expected_windows, gap_percent

RUN_START = datetime(2026, 11, 25, 2, 0, tzinfo=timezone.utc)
ANALYZED_AT = datetime(2026, 11, 25, 2, 30, tzinfo=timezone.utc)


def at(minutes=0.0, seconds=0.0):
    return RUN_START + timedelta(minutes=minutes, seconds=seconds)


def ms(moment):
    return int(moment.timestamp() * 1000)


# The design brief's timeline, whose 6-10 window asks for 62,000 rows/s (3x kept running).
WINDOWS = [
    plan_window(0, 3, 50000),
    plan_window(3, 6, 50000, 3000),
    plan_window(6, 10, 50000, 3000, 9000),
    plan_window(10, 15, 50000),
]
PHASES = [
    {
        "phase": "baseline",
        "table_name_format": "stream_table_{stream_id:03d}",
        "first_stream_id": 1,
        "stream_count": 50,
    },
    {"phase": "3x", "table_name_format": "stream_table_3x_scale", "first_stream_id": "51", "stream_count": "1"},
    {"phase": "9x", "table_name_format": "stream_table_9x_scale", "first_stream_id": 52, "stream_count": 1},
]


def raw_params(**overrides):
    values = {
        "catalog": "main",
        "schema": "dlt_autoscaling_prod",
        "phases_json": json.dumps(PHASES),
        "windows_json": json.dumps(WINDOWS),
        "cluster_id": "1125-020000-abcdefgh",
        "run_start": "",
        "metrics_table": "",
        "cluster_events_table": "",
        "results_table": "",
        "pipeline_event_log_table": "",
    }
    values.update(overrides)
    return values


# ---- parameters ------------------------------------------------------------------------------------------


def test_parameters_give_every_table_window_and_default():
    params = parse_analysis_params(raw_params())
    tables = params.phase_tables()
    assert len(tables) == 52
    assert tables[0] == ("baseline", "stream_table_001") and tables[49] == ("baseline", "stream_table_050")
    assert tables[50:] == [("3x", "stream_table_3x_scale"), ("9x", "stream_table_9x_scale")]
    assert [window.total_rows_per_second for window in params.windows] == [50000, 53000, 62000, 50000]
    assert params.windows[2].active_phases == "baseline+3x+9x"
    assert (params.metrics_table, params.cluster_events_table, params.results_table) == (
        "stream_metrics",
        "cluster_events",
        "benchmark_results",
    )
    assert params.run_start is None
    assert params.pipeline_event_log_table == ""  # no DLT pipeline
    assert params.full_name("stream_metrics") == "`main`.`dlt_autoscaling_prod`.`stream_metrics`"


def test_two_thousand_streams_need_only_their_format_and_count():
    phases = [
        {"phase": "baseline", "table_name_format": "load_{stream_id:04d}", "first_stream_id": 1, "stream_count": 2000}
    ]
    tables = parse_analysis_params(raw_params(phases_json=json.dumps(phases))).phase_tables()
    assert len(tables) == 2000 and tables[-1] == ("baseline", "load_2000") and tables[8] == ("baseline", "load_0009")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2026-11-25T02:00:00", RUN_START),  # naive = UTC
        ("2026-11-25T03:00:00+01:00", RUN_START),
        ("2026-11-25T02:00:00Z", RUN_START),
        ("{{job.trigger.time.iso_datetime}}", None),  # not substituted = not given
    ],
)
def test_run_start_is_read_as_utc(text, expected):
    assert parse_analysis_params(raw_params(run_start=text)).run_start == expected


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"catalog": "", "windows_json": ""}, ["catalog is required", "windows_json is required"]),
        ({"windows_json": "[{"}, ["windows_json is not JSON"]),
        ({"windows_json": json.dumps([WINDOWS[1], WINDOWS[0]])}, ["before the previous window ends"]),
        (
            {"windows_json": json.dumps([{"startMinute": 3, "endMinute": 3, "totalRowsPerSecond": 1}])},
            ["startMinute < endMinute"],
        ),
        (
            {
                "phases_json": json.dumps(
                    [{"phase": "27X", "table_name_format": "t", "first_stream_id": 0, "stream_count": 2}]
                )
            },
            ["phase must be lower-case", "first_stream_id must be", "must contain {stream_id"],
        ),
        *(
            (
                {"windows_json": json.dumps([{"startMinute": start, "endMinute": end, "totalRowsPerSecond": 1}])},
                [message],
            )
            for start, end in [
                (0, float("nan")),
                (float("nan"), 5),
                (0, float("inf")),
                (float("-inf"), 5),
                (0, 1e12),
                (0, 1441),
                ("nan", 5),
            ]
            for message in ("windows_json[1] needs 0 <= startMinute < endMinute <= 1440",)
        ),
        ({"run_start": "yesterday"}, ["run_start must be an ISO date-time"]),
        ({"cluster_id": "x; DROP TABLE"}, ["is not a cluster id"]),
        ({"results_table": "other.schema.table"}, ["results_table must be a table name"]),
        ({"pipeline_event_log_table": "x`; DROP"}, ["pipeline_event_log_table must be a table name"]),
        (
            {"compute": "laptop"},
            ["compute must be one of 'all-purpose cluster', 'job cluster', 'local Spark' or empty"],
        ),
        ({"pipeline_compute": "all-purpose cluster"}, ["pipeline_compute must be one of 'classic pipeline'"]),
    ],
)
def test_every_bad_parameter_is_named_in_one_error(overrides, message):
    with pytest.raises(ValueError) as error:
        parse_analysis_params(raw_params(**overrides))
    for expected in message:
        assert expected in str(error.value)


def test_the_compute_labels_are_read_and_optional():
    labelled = parse_analysis_params(raw_params(compute="all-purpose cluster", pipeline_compute=" classic pipeline "))
    assert (labelled.compute, labelled.pipeline_compute) == ("all-purpose cluster", "classic pipeline")
    unlabelled = parse_analysis_params(raw_params())
    assert (unlabelled.compute, unlabelled.pipeline_compute) == ("", "")


def test_result_rows_carry_the_compute_labels_or_none():
    windows = expected_windows(parse_analysis_params(raw_params()).windows, RUN_START)
    labelled = result_rows(
        RUN_START, windows, table_counts(), None, EVENTS, ANALYZED_AT, compute="job cluster", pipeline_compute=""
    )
    assert {(row["compute"], row["dlt_compute"]) for row in labelled} == {("job cluster", None)}
    assert {(row["compute"], row["dlt_compute"]) for row in results()} == {(None, None)}


def test_the_pipeline_event_log_table_is_optional():
    assert (
        parse_analysis_params(raw_params(pipeline_event_log_table=" dlt_event_log ")).pipeline_event_log_table
        == "dlt_event_log"
    )


# ---- windows and rates -----------------------------------------------------------------------------------


def test_windows_are_placed_on_the_runs_clock_from_its_whole_second():
    plans = parse_analysis_params(raw_params()).windows
    windows = expected_windows(plans, RUN_START + timedelta(microseconds=700_000))
    assert [(window.index, window.start, window.end, window.seconds) for window in windows] == [
        (1, at(0), at(3), 180.0),
        (2, at(3), at(6), 180.0),
        (3, at(6), at(10), 240.0),
        (4, at(10), at(15), 300.0),
    ]


def per_second(start, seconds, rows):
    first = int(start.timestamp())
    return {first + offset: rows for offset in range(seconds)}


@pytest.mark.parametrize(
    "counts, expected",
    [
        (per_second(at(0), 180, 50_000), 50_000.0),  # on target
        (per_second(at(0, 30), 150, 50_000), 41_666.67),  # started 30 s late: zeros count
        ({**per_second(at(-1), 60, 9), **per_second(at(3), 60, 9)}, 0.0),  # rows outside the window
        ({int(at(0).timestamp()): 90, int(at(3).timestamp()) - 1: 90}, 1.0),  # first and last second are in
        ({}, 0.0),
    ],
)
def test_achieved_rate_divides_the_windows_rows_by_its_whole_length(counts, expected):
    assert achieved_rate(counts, at(0), at(3)) == pytest.approx(expected, abs=0.01)


@pytest.mark.parametrize(
    "target, achieved, expected",
    [
        (62_000, 51_000, -17.74),  # the load fell short
        (50_000, 50_000, 0.0),
        (53_000, 53_530, 1.0),
        (0, 10, None),  # nothing planned: no gap
        (50_000, None, None),  # nothing measured
    ],
)
def test_gap_percent(target, achieved, expected):
    result = gap_percent(target, achieved)
    assert result == (None if expected is None else pytest.approx(expected, abs=0.005))


# ---- cluster events --------------------------------------------------------------------------------------


def api_event(moment, event_type, **details):
    return {"cluster_id": "1125-020000-abcdefgh", "timestamp": ms(moment), "type": event_type, "details": details}


# The cluster starts with 2 workers, grows to 4 when the 3x load arrives, to 6 under 9x, back to 2 after it.
API_EVENTS = [
    api_event(at(7, 10), "UPSIZE_COMPLETED", current_num_workers=6, target_num_workers=6),
    api_event(at(-20), "RUNNING", current_num_workers=2),
    api_event(at(3, 40), "RESIZING", current_num_workers=2, target_num_workers=4, cause="AUTOSCALE"),
    api_event(at(4, 30), "UPSIZE_COMPLETED", current_num_workers=4, target_num_workers=4),
    api_event(at(5), "AUTOSCALING_STATS_REPORT", autoscaling_stats={"x": 1}),
    api_event(at(6, 45), "RESIZING", current_num_workers=4, target_num_workers=4, cause="AUTOSCALE"),  # no change
    api_event(at(6, 50), "RESIZING", current_num_workers=4, target_num_workers=6, cause="AUTOSCALE"),
    api_event(
        at(11, 30),
        "RESIZING",
        current_num_workers=6,
        target_num_workers=2,
        cause="AUTOSCALE",
        reason={"code": "INACTIVITY", "type": "SUCCESS", "parameters": {}},
    ),
    {"cluster_id": "1125-020000-abcdefgh", "type": "RESIZING", "details": {}},  # no timestamp: skipped
]
EVENTS = cluster_event_rows(API_EVENTS)


def test_api_events_become_rows_oldest_first():
    assert [tuple(row) for row in EVENTS] == [CLUSTER_EVENT_COLUMNS] * 8
    assert [row["event_type"] for row in EVENTS][:3] == ["RUNNING", "RESIZING", "UPSIZE_COMPLETED"]
    resize = EVENTS[1]
    assert resize == {
        "cluster_id": "1125-020000-abcdefgh",
        "event_time": at(3, 40),
        "event_type": "RESIZING",
        "current_workers": 2,
        "target_workers": 4,
        "cause": "AUTOSCALE",
        "reason": None,
        "details_json": json.dumps(
            {"cause": "AUTOSCALE", "current_num_workers": 2, "target_num_workers": 4}, sort_keys=True
        ),
    }
    assert EVENTS[-1]["reason"] == "INACTIVITY"
    assert EVENTS[3]["current_workers"] is None and EVENTS[3]["event_type"] == "AUTOSCALING_STATS_REPORT"


@pytest.mark.parametrize(
    "moment, expected",
    [
        (at(-30), 2),  # before any event: the first event's count
        (at(0), 2),
        (at(3, 40), 2),  # a resize starts: still the old count
        (at(4, 30), 4),  # upsize completed
        (at(6), 4),
        (at(10), 6),
        (at(15), 6),  # a downsize is announced but no later event reports the new count
    ],
)
def test_workers_at_a_moment(moment, expected):
    assert workers_at(EVENTS, moment) == expected


def test_workers_are_unknown_without_events():
    assert workers_at([], at(0)) is None


@pytest.mark.parametrize(
    "start, end, workers, expected",
    [
        (at(3), at(6), 2, 40.0),  # 3x load at minute 3, resize to 4 at 3:40
        (at(6), at(10), 4, 50.0),  # the 6:45 "resize" to 4 is no change; 6:50 to 6 is
        (at(10), at(15), 6, 90.0),  # load drops at 10, downsize decided at 11:30
        (at(0), at(3), 2, None),  # nothing happened in the first window
        (at(0), None, 2, 220.0),  # without an end, a later resize counts
        (at(3), at(6), None, 40.0),  # unknown size at the start: the first resize
    ],
)
def test_reaction_is_the_first_resize_in_the_window_to_another_size(start, end, workers, expected):
    assert reaction_seconds(EVENTS, start, end, workers) == expected


# ---- DLT pipeline event log ------------------------------------------------------------------------------


def log_row(moment, event_type="cluster_resources", **resources):
    return {"timestamp": moment, "event_type": event_type, "details": json.dumps({event_type: resources})}


# The pipeline runs 2 executors, asks for 5 at 3:50 (the 3x load), has them at 4:40, asks for 8 at 6:20 and for
# 2 at 11:00. Nothing is logged between 8:00 and 11:00.
LOG_ROWS = [
    log_row(at(4, 40), num_executors=5, latest_requested_num_executors=5),
    log_row(at(-5), num_executors=2, latest_requested_num_executors=2, avg_task_slot_utilization=0.4),
    log_row(at(3, 20), num_executors=2, latest_requested_num_executors=2),
    log_row(at(3, 50), num_executors=2, latest_requested_num_executors=5, avg_num_queued_tasks=12),
    log_row(at(3, 55), "autoscale", status="RESIZING", requested_num_executors=5),  # not cluster_resources
    log_row(at(6, 10), num_executors=5),  # no request logged
    log_row(at(6, 20), num_executors=5, latest_requested_num_executors="8"),
    log_row(at(8), num_executors=8, latest_requested_num_executors=8),
    log_row(at(11), num_executors=8, latest_requested_num_executors=2),
    {"timestamp": at(5), "event_type": "cluster_resources", "details": "{not json"},  # unreadable: skipped
    {"timestamp": at(5), "event_type": "cluster_resources", "details": None},
    {"timestamp": None, "event_type": "cluster_resources", "details": {"cluster_resources": {"num_executors": 3}}},
    log_row(at(5), num_executors="many", latest_requested_num_executors=None),  # no count: skipped
    log_row(at(5, 5), "flow_progress", num_executors=99),
]
DLT = dlt_events(LOG_ROWS)


@pytest.mark.parametrize(
    "row, expected",
    [
        (log_row(at(1), num_executors=2, latest_requested_num_executors=4), DltEvent(at(1), 2, 4)),
        (
            {
                "timestamp": at(1).replace(tzinfo=None),
                "event_type": "cluster_resources",  # naive = UTC, dict
                "details": {"cluster_resources": {"num_executors": 3.0}},
            },
            DltEvent(at(1), 3, None),
        ),
        (
            {
                "timestamp": "2026-11-25T02:01:00Z",
                "event_type": "cluster_resources",
                "details": '{"cluster_resources": {"latest_requested_num_executors": 7}}',
            },
            DltEvent(at(1), None, 7),
        ),
        (log_row(at(1), num_executors=1.5, latest_requested_num_executors=True), None),  # not whole numbers
        ({"timestamp": at(1), "event_type": "cluster_resources", "details": '{"cluster_resources": 4}'}, None),
        ({"timestamp": "later", "event_type": "cluster_resources", "details": '{"cluster_resources": {}}'}, None),
        (log_row(at(1), "autoscale", status="SUCCEEDED", requested_num_executors=4), None),
    ],
)
def test_an_event_log_row_becomes_time_executors_and_request(row, expected):
    assert dlt_events([row]) == ([] if expected is None else [expected])


def test_event_log_rows_become_events_oldest_first():
    assert [(event.time, event.executors, event.requested) for event in DLT] == [
        (at(-5), 2, 2),
        (at(3, 20), 2, 2),
        (at(3, 50), 2, 5),
        (at(4, 40), 5, 5),
        (at(6, 10), 5, None),
        (at(6, 20), 5, 8),
        (at(8), 8, 8),
        (at(11), 8, 2),
    ]


@pytest.mark.parametrize(
    "moment, expected",
    [
        (at(-10), 2),  # before any event: the first event's count
        (at(0), 2),
        (at(3, 50), 2),  # more requested: still 2
        (at(6), 5),
        (at(10), 8),  # no event since 8:00: the last count
        (at(15), 8),  # 2 requested at 11:00 but never reported
    ],
)
def test_executors_at_a_moment(moment, expected):
    assert executors_at(DLT, moment) == expected


@pytest.mark.parametrize(
    "start, end, executors, expected",
    [
        (at(0), at(3), 2, None),  # nothing requested in the first window
        (at(3), at(6), 2, 50.0),  # 3:20 asks for the same 2; 3:50 asks for 5
        (at(6), at(10), 5, 20.0),  # 6:10 logs no request; 6:20 asks for 8
        (at(8, 30), at(10), 8, None),  # a window without DLT events
        (at(10), at(15), 8, 60.0),
        (at(10), None, 8, 60.0),  # without an end, a later request counts
        (at(3), at(6), None, 20.0),  # unknown count at the start: the first request (3:20)
    ],
)
def test_dlt_reaction_is_the_first_request_in_the_window_for_another_count(start, end, executors, expected):
    assert dlt_reaction_seconds(DLT, start, end, executors) == expected


def test_without_event_log_events_nothing_is_known():
    assert dlt_events([]) == [] and executors_at([], at(0)) is None
    assert dlt_reaction_seconds([], at(0), at(3), None) is None


# ---- results and report ----------------------------------------------------------------------------------

ACHIEVED = [50_000, 53_000, 51_000, 49_000]  # minutes 6-10 fall short of 62,000


def table_counts():
    counts = {}
    for window, rows in zip(WINDOWS, ACHIEVED):
        counts.update(per_second(at(window["startMinute"]), (window["endMinute"] - window["startMinute"]) * 60, rows))
    return counts


def metric_counts():
    # One 10-second batch per stream... summed: 10 s of rows every 10 s, 5 % below the table counts.
    counts = {}
    for window, rows in zip(WINDOWS, ACHIEVED):
        start = int(at(window["startMinute"]).timestamp())
        for second in range(start, start + (window["endMinute"] - window["startMinute"]) * 60, 10):
            counts[second] = int(rows * 10 * 0.95)
    return counts


def results(metrics=True, events=EVENTS, pipeline_events=DLT):
    windows = expected_windows(parse_analysis_params(raw_params()).windows, RUN_START)
    return result_rows(
        RUN_START, windows, table_counts(), metric_counts() if metrics else None, events, ANALYZED_AT, pipeline_events
    )


def test_the_dlt_compute_verdict_and_shape_columns_are_appended_to_the_results_table():
    first_verdict_column = RESULT_COLUMNS.index("processed_rows_per_second")
    assert RESULT_COLUMNS[first_verdict_column - 6 : first_verdict_column] == (
        "analyzed_at",
        "dlt_executors_at_start",
        "dlt_executors_at_end",
        "dlt_reaction_seconds",
        "compute",
        "dlt_compute",
    )
    first_shape_column = RESULT_COLUMNS.index("node_type")
    assert RESULT_COLUMNS[first_verdict_column:first_shape_column][-3:] == (
        "run_worker_minutes",
        "run_estimated_dbus",
        "criteria_json",
    )
    assert RESULT_COLUMNS[first_shape_column:] == (*SHAPE_COLUMNS, "run_lag_p95_seconds")
    assert tuple(part.split()[0] for part in RESULTS_SCHEMA_DDL.split(", ")) == RESULT_COLUMNS


def test_result_rows_per_window_including_the_one_that_fell_short():
    rows = results()
    assert [tuple(row) for row in rows] == [RESULT_COLUMNS] * 4
    short = rows[2]
    load_columns = RESULT_COLUMNS[: RESULT_COLUMNS.index("processed_rows_per_second")]
    assert {column: short[column] for column in load_columns} == {
        "run_start": RUN_START,
        "window_index": 3,
        "start_minute": 6.0,
        "end_minute": 10.0,
        "window_start": at(6),
        "window_end": at(10),
        "active_phases": "baseline+3x+9x",
        "target_rows_per_second": 62_000,
        "achieved_rows_per_second": 51_000.0,
        "gap_percent": -17.74,
        "metrics_rows_per_second": 48_450.0,
        "metrics_gap_percent": -21.85,
        "workers_at_start": 4,
        "workers_at_end": 6,
        "reaction_seconds": 50.0,
        "analyzed_at": ANALYZED_AT,
        "dlt_executors_at_start": 5,
        "dlt_executors_at_end": 8,
        "dlt_reaction_seconds": 20.0,
        "compute": None,
        "dlt_compute": None,
    }
    # Offered load and no micro-batch (none given here): nothing was processed, it did not keep up, and it says why.
    assert (short["batches"], short["kept_up"], short["run_kept_up"]) == (0, False, False)
    assert (
        short["kept_up_reasons"]
        == "processed 0 % of the offered rows/s (< 98 %): no micro-batch committed in the window"
    )
    assert [
        (row["gap_percent"], row["workers_at_start"], row["workers_at_end"], row["reaction_seconds"]) for row in rows
    ] == [(0.0, 2, 2, None), (0.0, 2, 4, 40.0), (-17.74, 4, 6, 50.0), (-2.0, 6, 6, 90.0)]
    assert [
        (row["dlt_executors_at_start"], row["dlt_executors_at_end"], row["dlt_reaction_seconds"]) for row in rows
    ] == [(2, 2, None), (2, 5, 50.0), (5, 8, 20.0), (8, 8, 60.0)]


@pytest.mark.parametrize("pipeline_events", [(), []])  # no pipeline; a pipeline that logged nothing
def test_without_pipeline_events_the_dlt_columns_are_empty(pipeline_events):
    rows = results(pipeline_events=pipeline_events)
    assert {
        (row["dlt_executors_at_start"], row["dlt_executors_at_end"], row["dlt_reaction_seconds"]) for row in rows
    } == {(None, None, None)}
    assert [row["reaction_seconds"] for row in rows] == [None, 40.0, 50.0, 90.0]


def test_without_metrics_or_events_those_columns_are_empty():
    row = results(metrics=False, events=[])[0]
    assert (
        row["metrics_rows_per_second"],
        row["metrics_gap_percent"],
        row["workers_at_start"],
        row["workers_at_end"],
        row["reaction_seconds"],
    ) == (None, None, None, None, None)
    assert row["achieved_rows_per_second"] == 50_000.0


def test_report_shows_each_window_the_tables_and_the_notes():
    report = format_report(
        RUN_START,
        results(),
        [("baseline", "stream_table_001", 900_000), ("9x", "stream_table_9x_scale", 1_920_000)],
        ["the run is not over"],
    )
    lines = report.splitlines()
    assert lines[0] == "Run started 2026-11-25 02:00:00 UTC, 15 min, 4 window(s)"
    short = next(line for line in lines if line.startswith(" 3  6-10"))
    for expected in ("baseline+3x+9x", "62,000", "51,000", "-17.7 %", "48,450", "-21.9 %", "4 -> 6", "50 s"):
        assert expected in short
    assert " 1  0-3 " in report and "+0.0 %" in report
    assert "stream_table_9x_scale" in report and "1,920,000" in report
    assert "baseline: 900,000, 9x: 1,920,000; total: 2,820,000" in report
    assert lines[-1] == "  - the run is not over"
    assert "dlt" not in report  # no pipeline given: no DLT column


def test_report_shows_the_pipelines_executors_and_reaction_when_it_has_one():
    lines = format_report(RUN_START, results(), pipeline=True).splitlines()
    assert lines[2].endswith("  dlt exec  dlt react")
    short = next(line for line in lines if line.startswith(" 3  6-10"))
    assert short.endswith("50 s  5 -> 8         20 s")
    first = next(line for line in lines if line.startswith(" 1  0-3"))
    assert first.endswith("  2 -> 2            -")
    unknown = format_report(RUN_START, results(pipeline_events=[]), pipeline=True)
    assert next(line for line in unknown.splitlines() if line.startswith(" 1  0-3")).endswith("  ? -> ?            -")


def test_report_marks_what_is_unknown():
    report = format_report(RUN_START, results(metrics=False, events=[]))
    first = next(line for line in report.splitlines() if line.startswith(" 1  0-3"))
    assert "n/a" in first and "? -> ?" in first and first.rstrip().endswith("-")
