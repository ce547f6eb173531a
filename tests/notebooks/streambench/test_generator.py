"""The generator's decisions, without Spark."""

import json
import re
from datetime import datetime, timedelta, timezone

import pytest
from plan_documents import timeline_phases_json
from streambench.generator import (
    PARAMETER_NAMES,
    parse_params,
    phase_window,
    stream_specs,
)
from streambench.status import status_line, total_input_rows_per_second

PHASES_JSON = timeline_phases_json(50)
NOW = datetime(2026, 11, 25, 2, 4, 30, tzinfo=timezone.utc)


def raw_params(**overrides):
    values = {
        "catalog": "main",
        "checkpoint_root": "/Volumes/main/dlt_autoscaling_prod/checkpoints/baseline/123",
        "drain_limit_seconds": "120",
        "metrics_table": "stream_metrics",
        "num_partitions": "8",
        "phase": "baseline",
        "phases_json": PHASES_JSON,
        "rows_per_second": "1000",
        "schema": "dlt_autoscaling_prod",
        "start_lead_seconds": "60",
        "start_offset_minutes": "0",
        "status_interval_seconds": "30",
        "trigger_interval_seconds": "10",
        "trigger_time": "2026-11-25T02:00:00",
        "window_minutes": "15",
    }
    values.update(overrides)
    return values


def test_baseline_streams_get_their_own_tables_and_checkpoints():
    specs = stream_specs(parse_params(raw_params()))
    assert [spec.table for spec in specs][:2] == ["stream_table_001", "stream_table_002"]
    assert specs[-1].table == "stream_table_050"
    assert len({spec.table for spec in specs}) == 50
    assert len({spec.checkpoint_path for spec in specs}) == 50
    assert specs[0].checkpoint_path == "/Volumes/main/dlt_autoscaling_prod/checkpoints/baseline/123/stream_table_001"
    assert specs[0].full_table_name == "`main`.`dlt_autoscaling_prod`.`stream_table_001`"
    assert {spec.stream_type for spec in specs} == {"baseline"}


def test_a_single_stream_phase_uses_its_fixed_table_name():
    specs = stream_specs(parse_params(raw_params(phase="9x")))
    assert [(spec.stream_id, spec.table, spec.stream_type) for spec in specs] == [(52, "stream_table_9x_scale", "9x")]


def test_every_missing_or_bad_parameter_is_named_in_one_error():
    with pytest.raises(ValueError) as error:
        parse_params(
            raw_params(catalog="", rows_per_second="1.5", phase="27 X", window_minutes="0", start_offset_minutes="-3")
        )
    message = str(error.value)
    for expected in (
        "catalog is required",
        "rows_per_second must be a whole number",
        "phase must be lower-case letters, digits and underscores",
        "window_minutes must be a positive number",
        "start_offset_minutes must be a non-negative",
    ):
        assert expected in message


@pytest.mark.parametrize("name, kind", [("window_minutes", "positive"), ("start_offset_minutes", "non-negative")])
@pytest.mark.parametrize("text", ["nan", "NaN", "inf", "-inf", "1e12", "1441", "١٢"])
def test_minutes_must_be_a_finite_minute_of_a_day_long_run(name, kind, text):
    # nan, inf and 1e12 passed and crashed later (timedelta) naming no parameter; "١٢" is 12 to float().
    with pytest.raises(ValueError, match=f"{name} must be a {kind} number of minutes up to 1440"):
        parse_params(raw_params(**{name: text}))


def test_minutes_up_to_a_day_long_run_are_taken():
    params = parse_params(raw_params(start_offset_minutes="1440", window_minutes="0.5"))
    assert (params.start_offset_minutes, params.window_minutes) == (1440.0, 0.5)


@pytest.mark.parametrize("text", ["²", "١٢", "1²", "+8", "8.0", " 8 8 "])
def test_whole_numbers_are_ascii_digits(text):
    # "²".isdigit() is true and int("²") then fails with a message naming no parameter; int("١٢") is 12.
    with pytest.raises(
        ValueError, match=re.escape(f"num_partitions must be a whole number of at least 1, got {text.strip()!r}")
    ):
        parse_params(raw_params(num_partitions=text))


@pytest.mark.parametrize("root", ["/", "///", " / "])
def test_a_checkpoint_root_that_is_only_slashes_is_named(root):
    # "/" had its trailing slash stripped to "", and every checkpoint became "/<table>".
    with pytest.raises(ValueError, match="checkpoint_root must be a folder below /"):
        parse_params(raw_params(checkpoint_root=root))


@pytest.mark.parametrize("count, accepted", [(2000, True), (2001, False), ("²", False), (1e300, False)])
def test_a_phase_holds_at_most_the_plan_s_largest_stream_count(count, accepted):
    phases_json = PHASES_JSON.replace('"stream_count": 50', f'"stream_count": {json.dumps(count)}').replace(
        "{stream_id:03d}", "{stream_id:04d}"
    )
    if accepted:
        assert parse_params(raw_params(phases_json=phases_json)).stream_count == count
    else:
        with pytest.raises(ValueError, match=r"phases_json\[1\]: stream_count must be a whole number from 1 to 2000"):
            parse_params(raw_params(phases_json=phases_json))


def test_the_start_lead_and_the_drain_limit_are_whole_seconds_and_zero_is_allowed():
    params = parse_params(raw_params())
    assert (params.start_lead_seconds, params.drain_limit_seconds) == (60, 120)
    zero = parse_params(raw_params(start_lead_seconds="0", drain_limit_seconds="0"))
    assert (zero.start_lead_seconds, zero.drain_limit_seconds) == (0, 0)
    with pytest.raises(ValueError) as error:
        parse_params(raw_params(start_lead_seconds="-5", drain_limit_seconds="1.5"))
    assert "start_lead_seconds must be a whole number of seconds (0 or more), got '-5'" in str(error.value)
    assert "drain_limit_seconds must be a whole number of seconds (0 or more), got '1.5'" in str(error.value)


def test_trigger_time_is_the_only_optional_parameter():
    for name in PARAMETER_NAMES:
        if name == "trigger_time":
            assert parse_params(raw_params(trigger_time="")).trigger_time == ""
        else:
            with pytest.raises(ValueError, match=f"{name} is required"):
                parse_params(raw_params(**{name: ""}))


def test_the_timeline_tables_are_every_phase_s_tables():
    from streambench.generator import timeline_tables

    tables = timeline_tables(parse_params(raw_params()))
    assert (len(tables), tables[0], tables[-2:]) == (
        52,
        "stream_table_001",
        ["stream_table_3x_scale", "stream_table_9x_scale"],
    )


def test_a_malformed_phases_json_is_named():
    with pytest.raises(ValueError, match="phases_json"):
        parse_params(raw_params(phases_json="[{}]"))


def test_multi_stream_phase_needs_a_numbered_table_format():
    with pytest.raises(ValueError, match="must contain"):
        parse_params(raw_params(phases_json=PHASES_JSON.replace("stream_table_{stream_id:03d}", "stream_table")))


def test_the_phase_needs_its_entry_in_the_phases_document():
    with pytest.raises(ValueError, match="phases_json has no entry for phase '9x'"):
        parse_params(raw_params(phase="9x", phases_json=PHASES_JSON.replace('"9x"', '"3x"')))


@pytest.mark.parametrize(
    "trigger_time, offset, window, expected_start, expected_end",
    [
        # naive = UTC; a scheduled phase job is its own anchor (offset 0)
        (
            "2026-11-25T02:00:00",
            0,
            15,
            datetime(2026, 11, 25, 2, 0, tzinfo=timezone.utc),
            datetime(2026, 11, 25, 2, 15, tzinfo=timezone.utc),
        ),
        (
            "2026-11-25T03:00:00+01:00",
            0,
            15,
            datetime(2026, 11, 25, 2, 0, tzinfo=timezone.utc),
            datetime(2026, 11, 25, 2, 15, tzinfo=timezone.utc),
        ),
        # the timeline run passes its own trigger time and the phase's offset: 9x runs minutes 6-10
        (
            "2026-11-25T02:00:00",
            6,
            4,
            datetime(2026, 11, 25, 2, 6, tzinfo=timezone.utc),
            datetime(2026, 11, 25, 2, 10, tzinfo=timezone.utc),
        ),
        ("", 0, 15, NOW, NOW + timedelta(minutes=15)),  # started by hand: the timeline starts now
        ("{{job.trigger.time.iso_datetime}}", 3, 3, NOW + timedelta(minutes=3), NOW + timedelta(minutes=6)),
    ],
)
def test_phase_window_is_anchored_on_the_trigger_not_on_the_late_start(
    trigger_time, offset, window, expected_start, expected_end
):
    assert phase_window(trigger_time, offset, window, NOW) == (expected_start, expected_end)


def test_total_input_rate_sums_measured_rates_and_counts_streams_without_progress_as_zero():
    progresses = [{"inputRowsPerSecond": 990.5}, None, {"inputRowsPerSecond": 1010.0}, {}]
    assert total_input_rows_per_second(progresses) == pytest.approx(2000.5)


def test_status_line_reports_measured_rate_against_target():
    line = status_line(NOW, 50, 49_500.0, 50_000, 630.4)
    assert line == ("02:04:30 UTC | active streams: 50 | input rows/s: 49,500 of 50,000 target (99%) | 630 s left")
