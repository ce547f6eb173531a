"""The verdict per window without Spark: processed rows/s from committed micro-batches, batch durations against
the trigger, lag and its recovery, the criteria, resize completion and peaks from the cluster's and the pipeline's
events, the chart's data and the verdict's text."""

import json
from datetime import datetime, timedelta, timezone

import pytest
from plan_documents import plan_window
from streambench.analysis.chart_data import chart_data, scaled
from streambench.analysis.events import (
    DltEvent,
    dlt_executors_peak,
    dlt_resize_completed_seconds,
    resize_completed_seconds,
    workers_peak,
)
from streambench.analysis.params import parse_analysis_params
from streambench.analysis.report import format_report, result_rows
from streambench.analysis.verdict import (
    Batch,
    Criteria,
    lag_recovered_seconds,
    percentile,
    run_kept_up,
    verdict,
    window_measures,
)
from streambench.analysis.verdict_table import verdict_lines, verdict_table, window_label
from streambench.analysis.windows import expected_windows

RUN_START = datetime(2026, 11, 25, 2, 0, tzinfo=timezone.utc)
TRIGGER_MS = 10_000


def at(seconds):
    return RUN_START + timedelta(seconds=seconds)


def batch(commit_second, rows, duration_ms=2_000, lag_ms=12_000, stream_type="baseline", trigger_ms=TRIGGER_MS):
    return Batch(stream_type, at(commit_second), rows, duration_ms, trigger_ms, lag_ms)


def steady(start, end, rows_per_second, duration_ms=2_000, lag_ms=12_000, stream_type="baseline"):
    """One batch per 10-s trigger committing at start+10, start+20, ... up to end, each with 10 s of rows."""
    return [
        batch(second, rows_per_second * 10, duration_ms, lag_ms, stream_type)
        for second in range(start + 10, end + 1, 10)
        if second < end
    ] + [batch(end - 1, rows_per_second * 10, duration_ms, lag_ms, stream_type)]


def test_percentile_interpolates_between_ranks_as_numpy_does():
    assert percentile([], 0.5) is None
    assert percentile([4.0], 0.95) == 4.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert percentile(range(1, 21), 0.95) == pytest.approx(19.05)


def test_processed_rows_per_second_counts_the_batches_committed_one_trigger_after_the_window():
    # 60 s at 100 rows/s and a 10-s trigger: the window's rows come in the 6 batches committing in [10, 70); the one
    # committing at 70 belongs to the next window, the one at 9.9 (rows stamped before the window) to the one before.
    batches = [batch(second, 1_000) for second in (10, 20, 30, 40, 50, 69.9)] + [batch(70, 5_000), batch(9.9, 5_000)]
    measures = window_measures(batches, at(0), at(60))
    assert measures.batches == 6
    assert measures.processed_rows_per_second == pytest.approx(100.0)
    assert measures.trigger_seconds == 10.0
    assert (measures.batch_p50_seconds, measures.batch_p95_seconds) == (2.0, 2.0)
    assert (measures.lag_p50_seconds, measures.lag_p95_seconds, measures.lag_max_seconds) == (12.0, 12.0, 12.0)
    # Without a recorded trigger, the window itself.
    untimed = [batch(second, 1_000, trigger_ms=None) for second in (5, 65)]
    assert window_measures(untimed, at(0), at(60)).batches == 1


def test_compute_that_keeps_up_through_a_load_step_delivers_the_offered_rows_of_both_windows():
    # 100 rows/s, then 400 from second 60: each 10-s batch holds the trigger before it, committing 2 s later.
    batches = [batch(second + 2, (100 if second <= 60 else 400) * 10) for second in range(10, 121, 10)]
    assert window_measures(batches, at(0), at(60)).processed_rows_per_second == pytest.approx(100.0)
    assert window_measures(batches, at(60), at(120)).processed_rows_per_second == pytest.approx(400.0)


def test_a_window_that_keeps_up_meets_every_criterion():
    measures = window_measures(steady(0, 180, 100), at(0), at(180))
    assert verdict(100, measures) == (True, [])
    # Lag was under 3 triggers (30 s) from the first batch on: recovered at its commit.
    assert measures.lag_recovered_seconds == 10.0


def test_every_failed_criterion_is_a_reason():
    # 90 % of the offered rows, batches of 9 s for a 10-s trigger, and lag growing to the end.
    batches = [batch(10 * k, 900, duration_ms=9_000, lag_ms=10_000 * k) for k in range(1, 18)]
    kept_up, reasons = verdict(100, window_measures(batches, at(0), at(180)))
    assert kept_up is False
    assert reasons == [
        "processed 85.0 % of the offered rows/s (< 98 %)",
        "batch p95 9.0 s > 0.8 x the 10 s trigger",
        "lag never back under 3 triggers in the window",
    ]


def test_lag_that_recovers_too_late_fails_and_one_that_recovers_in_time_passes():
    # Lag over 30 s until the batch committing at second 130, then under it.
    batches = [batch(10 * k, 1_000, lag_ms=60_000 if 10 * k < 130 else 15_000) for k in range(1, 18)] + [
        batch(179, 1_000, lag_ms=15_000)
    ]
    measures = window_measures(batches, at(0), at(180))
    assert measures.lag_recovered_seconds == 130.0
    assert verdict(100, measures) == (
        False,
        ["lag back under 3 triggers after 130 s (> 12 triggers, 120 s)"],
    )
    assert verdict(100, measures, Criteria(lag_recovery_triggers=13))[0] is True


def test_lag_recovery_is_for_good_a_late_spike_resets_it():
    batches = [batch(10, 1, lag_ms=1_000), batch(20, 1, lag_ms=50_000), batch(30, 1, lag_ms=1_000)]
    assert lag_recovered_seconds(batches, at(0), 30.0) == 30.0
    assert lag_recovered_seconds(batches[:2], at(0), 30.0) is None
    assert lag_recovered_seconds([], at(0), 30.0) is None
    assert lag_recovered_seconds(batches, at(0), None) is None


def test_the_tolerance_and_the_batch_share_are_configurable():
    measures = window_measures(steady(0, 180, 95, duration_ms=8_500), at(0), at(180))
    assert verdict(100, measures)[0] is False
    assert verdict(100, measures, Criteria(processed_tolerance_percent=6, max_batch_to_trigger=0.9)) == (True, [])


def test_batches_without_rows_written_are_not_judged_and_the_run_verdict_follows_the_windows():
    unobserved = window_measures([batch(10, None), batch(20, None)], at(0), at(60))
    assert (unobserved.batches, unobserved.processed_rows_per_second) == (2, None)
    assert verdict(100, unobserved)[0] is None
    assert run_kept_up([{"kept_up": True}, {"kept_up": True}]) is True
    assert run_kept_up([{"kept_up": True}, {"kept_up": None}, {"kept_up": False}]) is False
    assert run_kept_up([{"kept_up": True}, {"kept_up": None}]) is None
    assert run_kept_up([]) is None


def event(second, event_type, current=None, target=None):
    return {"event_time": at(second), "event_type": event_type, "current_workers": current, "target_workers": target}


# Two workers; a resize to 4 requested at second 70 completes at 150; a downsize to 3 at 250 shows at 300.
EVENTS = [
    event(-600, "RUNNING", 2),
    event(70, "RESIZING", 2, 4),
    event(150, "UPSIZE_COMPLETED", 4, 4),
    event(250, "RESIZING", 4, 3),
    event(300, "AUTOSCALING_STATS_REPORT", 3),
]


def test_resize_completed_and_peak_workers_from_the_cluster_events():
    assert resize_completed_seconds(EVENTS, at(60), at(240), 2) == 90.0
    assert resize_completed_seconds(EVENTS, at(60), at(120), 2) is None  # not done within the window
    assert resize_completed_seconds(EVENTS, at(240), at(360), 4) == 60.0  # a downsize: the new count shows
    assert resize_completed_seconds(EVENTS, at(0), at(60), 2) is None  # no resize
    assert workers_peak(EVENTS, at(0), at(120)) == 2
    assert workers_peak(EVENTS, at(120), at(400)) == 4
    assert workers_peak([], at(0), at(60)) is None


def test_the_pipeline_resize_completes_when_the_requested_executors_run():
    events = [DltEvent(at(0), 2, 2), DltEvent(at(30), 2, 5), DltEvent(at(60), 3, 5), DltEvent(at(100), 5, 5)]
    assert dlt_resize_completed_seconds(events, at(10), at(200), 2) == 90.0
    assert dlt_resize_completed_seconds(events, at(10), at(90), 2) is None
    assert dlt_executors_peak(events, at(10), at(200)) == 5


def test_result_rows_carry_the_verdict_and_the_run_verdict():
    params = parse_analysis_params(
        {
            "catalog": "main",
            "schema": "s",
            "phases_json": '[{"phase": "baseline", "table_name_format": "t_{stream_id:03d}", "first_stream_id": 1, '
            '"stream_count": 1}]',
            "windows_json": json.dumps([plan_window(0, 3, 100), plan_window(3, 6, 100, 300)]),
        }
    )
    windows = expected_windows(params.windows, RUN_START)
    batches = steady(0, 180, 100) + steady(180, 360, 100) + steady(180, 360, 150, stream_type="3x")
    rows = result_rows(RUN_START, windows, {}, None, EVENTS, RUN_START, batches=batches)
    assert [(row["kept_up"], row["processed_percent"]) for row in rows] == [(True, 100.0), (False, 62.5)]
    assert rows[1]["kept_up_reasons"] == "processed 62.5 % of the offered rows/s (< 98 %)"
    assert {row["run_kept_up"] for row in rows} == {False}
    assert (rows[0]["workers_peak"], rows[0]["reaction_seconds"], rows[0]["resize_completed_seconds"]) == (
        4,
        70.0,
        150.0,
    )
    # Node-minutes of the first window: 3 nodes for 150 s, then 5 for 30 s.
    assert rows[0]["worker_minutes"] == pytest.approx((3 * 150 + 5 * 30) / 60, abs=0.01)
    text = "\n".join(verdict_lines(rows))
    assert "Kept up over the whole run: NO" in text
    assert "window 2: processed 62.5 %" in text
    table = verdict_table(rows)
    assert table[0][-1] == "kept up" and [line[-1] for line in table[1:]] == ["yes", "NO"]
    assert table[1][8] == "2->4 (4)" and table[1][9] == "70/150"


def test_the_runs_lag_p95_is_over_every_batch_of_the_run_not_a_windows():
    params = parse_analysis_params(
        {
            "catalog": "main",
            "schema": "s",
            "phases_json": '[{"phase": "baseline", "table_name_format": "t_{stream_id:03d}", "first_stream_id": 1, '
            '"stream_count": 1}]',
            "windows_json": json.dumps([plan_window(0, 3, 100), plan_window(3, 6, 100)]),
        }
    )
    windows = expected_windows(params.windows, RUN_START)
    # 18 batches lagging 2 s in the first window, 18 lagging 30 s in the second: the run's p95 is the second's.
    batches = steady(0, 180, 100, lag_ms=2_000) + steady(180, 360, 100, lag_ms=30_000)
    rows = result_rows(RUN_START, windows, {}, None, EVENTS, RUN_START, batches=batches)
    assert [row["lag_p95_seconds"] for row in rows] == [2.0, 30.0]
    assert {row["run_lag_p95_seconds"] for row in rows} == {30.0}
    only_first = result_rows(RUN_START, windows, {}, None, EVENTS, RUN_START, batches=steady(0, 180, 100, lag_ms=2_000))
    assert {row["run_lag_p95_seconds"] for row in only_first} == {2.0}


def test_chart_data_bins_processed_rows_and_lag_per_trigger_and_steps_the_workers():
    windows = expected_windows(
        parse_analysis_params(
            {
                "catalog": "c",
                "schema": "s",
                "phases_json": '[{"phase": "baseline", "table_name_format": "t", "first_stream_id": 1, "stream_count": 1}]',
                "windows_json": '[{"startMinute": 0, "endMinute": 1, "totalRowsPerSecond": 100}, '
                '{"startMinute": 1, "endMinute": 2, "totalRowsPerSecond": 400}]',
            }
        ).windows,
        RUN_START,
    )
    # Drawn one trigger before their commits: at 5 s, 7 s and 155 s.
    batches = [batch(15, 1_000, lag_ms=4_000), batch(17, 500, lag_ms=8_000, stream_type="3x"), batch(165, 2_000)]
    data = chart_data(windows, batches, EVENTS, [DltEvent(at(30), 1, 2), DltEvent(at(90), 2, 2)], RUN_START, 3.0)
    assert data["interval_minutes"] == pytest.approx(10 / 60)
    assert data["offered"] == [[0.0, 100], [1.0, 400]] and data["offered_end_minute"] == 2.0
    assert len(data["intervals"]) == 16  # to the last batch (155 s), in the drain after the run
    assert data["intervals"][0]["processed_by_type"] == {"baseline": 100.0, "3x": 50.0}
    assert data["intervals"][0]["lag_max_seconds"] == 8.0
    assert data["intervals"][1]["lag_max_seconds"] is None
    assert data["workers"] == [[0.0, 2], [2.5, 4]]  # the resize request at 70 s changes no count
    assert data["executors"] == [[0.0, 1], [1.5, 2]]
    assert data["lag_threshold_seconds"] == 30.0
    assert scaled(data, 10)["workers"] == [[0.0, 2], [25.0, 4]]
    assert scaled(data, 10)["intervals"][1]["start_minute"] == pytest.approx(10 / 6, abs=1e-4)


def test_offered_load_with_no_micro_batch_did_not_keep_up_and_only_a_window_without_load_is_not_judged():
    stalled = window_measures([], at(0), at(60))
    assert verdict(100, stalled) == (
        False,
        ["processed 0 % of the offered rows/s (< 98 %): no micro-batch committed in the window"],
    )
    assert verdict(0, stalled) == (None, ["no offered load and no micro-batch: nothing to judge"])
    # A run whose windows all stalled did not keep up, and says which criterion failed.
    params = parse_analysis_params(
        {
            "catalog": "main",
            "schema": "s",
            "phases_json": '[{"phase": "baseline", "table_name_format": "t_{stream_id:03d}", "first_stream_id": 1, '
            '"stream_count": 1}]',
            "windows_json": json.dumps([plan_window(0, 3, 100), plan_window(3, 6, 100, 300)]),
        }
    )
    rows = result_rows(RUN_START, expected_windows(params.windows, RUN_START), {}, None, [], RUN_START, batches=[])
    assert [row["kept_up"] for row in rows] == [False, False] and rows[0]["run_kept_up"] is False
    text = "\n".join(verdict_lines(rows))
    assert "window 1: processed 0 % of the offered rows/s" in text and "Kept up over the whole run: NO" in text


def test_window_labels_show_at_most_two_decimals_without_trailing_zeros():
    """A run stopped by Ctrl-C ends its last window mid-minute: `3-4.66837` was printed."""
    assert [window_label(*edges) for edges in [(3, 4.66837), (0, 1.5), (2.0, 3.0), (0.004, 1440), (6, 1e6)]] == [
        "3-4.67",
        "0-1.5",
        "2-3",
        "0-1440",
        "6-1000000",
    ]
    params = parse_analysis_params(
        {
            "catalog": "main",
            "schema": "s",
            "phases_json": '[{"phase": "baseline", "table_name_format": "t_{stream_id:03d}", "first_stream_id": 1, '
            '"stream_count": 1}]',
            "windows_json": json.dumps([plan_window(0, 3, 100), plan_window(3, 4.66837, 100)]),
        }
    )
    rows = result_rows(RUN_START, expected_windows(params.windows, RUN_START), {}, None, [], RUN_START)
    assert [line[1] for line in verdict_table(rows)[1:]] == ["0-3", "3-4.67"]
    assert " 2  3-4.67 " in format_report(RUN_START, rows)
