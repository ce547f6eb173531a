"""A run's cost without Spark: node-minutes from the cluster's events, the estimate from the configured rates, the
billing query, and the cost parameters of the analysis notebook."""

from datetime import datetime, timedelta, timezone

import pytest
from streambench.analysis.cost import (
    CostSettings,
    billing_usage_sql,
    estimated_dbus,
    node_minutes,
    parse_tags,
    run_cost,
)
from streambench.analysis.params import parse_analysis_params
from streambench.analysis.verdict import Criteria

RUN_START = datetime(2026, 11, 25, 2, 0, tzinfo=timezone.utc)
TAGS = {"project": "streambench", "stack": "prod"}


def at(minutes):
    return RUN_START + timedelta(minutes=minutes)


def event(minutes, current):
    return {"event_time": at(minutes), "event_type": "X", "current_workers": current, "target_workers": None}


def test_node_minutes_integrate_the_driver_and_the_workers_over_the_events():
    # 2 workers until minute 4, then 5 until minute 10, then 3: (1+2)*4 + (1+5)*6 + (1+3)*5 over 15 minutes.
    events = [event(-30, 2), event(4, 5), event(10, 3), event(20, 8)]
    assert node_minutes(events, at(0), at(15)) == pytest.approx(3 * 4 + 6 * 6 + 4 * 5)
    assert node_minutes(events, at(5), at(6)) == pytest.approx(6)
    assert node_minutes([], at(0), at(15)) is None
    assert node_minutes(events, at(15), at(15)) is None


def test_the_estimate_needs_a_rate_and_the_price_a_price():
    settings = CostSettings(dbu_per_node_hour=0.75, price_per_dbu=0.55)
    cost = run_cost([event(-1, 3)], at(0), at(15), settings, TAGS, "1125-020000-abcdefgh")
    # 4 nodes x 15 min = 60 node-minutes = 1 node-hour.
    assert (cost["worker_minutes"], cost["estimated_dbus"], cost["estimated_price"]) == (60.0, 0.75, 0.41)
    assert "hours after" in cost["billing_note"]
    unpriced = run_cost([event(-1, 3)], at(0), at(15), CostSettings(), TAGS)
    assert (unpriced["worker_minutes"], unpriced["estimated_dbus"], unpriced["estimated_price"]) == (60.0, None, None)
    assert estimated_dbus(None, settings) is None
    assert run_cost([], at(0), at(15), settings, {})["billing_query"] is None


def test_the_billing_query_filters_by_every_tag_and_the_hours_of_the_run():
    sql = billing_usage_sql(TAGS, at(0), at(15), "1125-020000-abcdefgh")
    assert "FROM system.billing.usage" in sql
    assert "custom_tags['project'] = 'streambench'" in sql and "custom_tags['stack'] = 'prod'" in sql
    assert "usage_end_time > TIMESTAMP '2026-11-25 02:00:00'" in sql
    assert "usage_start_time < TIMESTAMP '2026-11-25 02:15:00'" in sql
    assert (
        "SUM(usage_quantity)" in sql and "usage_metadata.cluster_id" in sql and "usage_metadata.dlt_pipeline_id" in sql
    )
    assert "1125-020000-abcdefgh" in sql
    with pytest.raises(ValueError, match="not a tag"):
        billing_usage_sql({"stack": "x' OR '1'='1"}, at(0), at(15))


def test_tags_parameter_is_a_json_object_of_strings():
    problems = []
    assert parse_tags('{"project": "streambench", "stack": "dev"}', problems) == {
        "project": "streambench",
        "stack": "dev",
    }
    assert parse_tags("", problems) == {} and problems == []
    for bad in ("[1]", '{"a": 1}', "{", '{"a": "\'"}'):
        problems = []
        assert parse_tags(bad, problems) == {}
        assert problems and "cluster_tags_json" in problems[0]


BASE = {
    "catalog": "main",
    "schema": "s",
    "phases_json": '[{"phase": "baseline", "table_name_format": "t", "first_stream_id": 1, "stream_count": 1}]',
    "windows_json": '[{"startMinute": 0, "endMinute": 1, "totalRowsPerSecond": 1}]',
}


def test_the_analysis_parameters_carry_the_criteria_rates_tags_and_chart_folder():
    params = parse_analysis_params(
        {
            **BASE,
            "processed_tolerance_percent": "5",
            "max_batch_to_trigger": "0.9",
            "lag_threshold_triggers": "2",
            "lag_recovery_triggers": "30",
            "dbu_per_node_hour": "0.75",
            "price_per_dbu": "0",
            "cluster_tags_json": '{"project": "streambench", "stack": "prod"}',
            "chart_folder": "/Volumes/main/s/checkpoints/charts/",
        }
    )
    assert params.criteria == Criteria(5.0, 0.9, 2.0, 30.0)
    assert params.cost == CostSettings(0.75, 0.0)
    assert params.cluster_tags == TAGS
    assert params.chart_folder == "/Volumes/main/s/checkpoints/charts"
    defaults = parse_analysis_params(BASE)
    assert (defaults.criteria, defaults.cost, defaults.chart_folder) == (Criteria(), CostSettings(), "")


def test_bad_criteria_rates_and_chart_folders_are_named():
    with pytest.raises(ValueError) as error:
        parse_analysis_params(
            {
                **BASE,
                "processed_tolerance_percent": "101",
                "max_batch_to_trigger": "0",
                "lag_threshold_triggers": "nan",
                "dbu_per_node_hour": "-1",
                "chart_folder": "charts/../x",
            }
        )
    message = str(error.value)
    for name in ("processed_tolerance_percent", "max_batch_to_trigger", "lag_threshold_triggers", "dbu_per_node_hour"):
        assert name in message
    assert "chart_folder must be an absolute path" in message
