"""Thresholds against a run's results: the checks per window and for the run, the JUnit report, the exit code."""

import json
from xml.etree import ElementTree

from streambench.gates import EXIT_THRESHOLD_FAILED, JUNIT_FILE, SUMMARY_FILE, check_thresholds, write_gate


def threshold(text):
    metric, op, value = text.split()
    return {"metric": metric, "op": op, "value": float(value), "text": text}


def window(start, end, kept_up, lag_p95, batch_p95=0.5, trigger=1.0):
    verdict = {
        "kept_up": kept_up,
        "lag_p95_seconds": lag_p95,
        "batch_p95_seconds": batch_p95,
        "trigger_seconds": trigger,
    }
    return {"start_minute": start, "end_minute": end, "verdict": verdict}


RESULTS = {
    "kept_up": False,
    "windows": [window(0, 3, True, 2.0), window(3, 6, False, 41.5, batch_p95=1.5), window(6, 10, None, None)],
    "cost": {"worker_minutes": 12.5, "estimated_price": None},
}


def failed(checks):
    return [check.name for check in checks if check.failed]


def test_a_threshold_fails_for_each_window_and_the_run_where_its_expression_is_true():
    checks = check_thresholds(RESULTS, [threshold("lag_p95_seconds > 30"), threshold("kept_up == 0")])
    assert failed(checks) == [
        "lag_p95_seconds > 30 [window 3-6 min]",
        "lag_p95_seconds > 30 [run]",
        "kept_up == 0 [window 3-6 min]",
        "kept_up == 0 [run]",
    ]
    # A window that measured nothing (no load) is neither failed nor passed.
    assert [check.value for check in checks if check.scope == "window 6-10 min"] == [None, None]


def test_batch_share_of_the_trigger_and_the_run_only_metrics():
    checks = check_thresholds(
        RESULTS, [threshold("batch_p95_to_trigger >= 1"), threshold("node_minutes > 10"), threshold("cost > 0")]
    )
    assert failed(checks) == [
        "batch_p95_to_trigger >= 1 [window 3-6 min]",
        "batch_p95_to_trigger >= 1 [run]",
        "node_minutes > 10 [run]",
    ]
    assert [check.scope for check in checks if check.threshold.startswith("node_minutes")] == ["run"]
    assert [check.value for check in checks if check.threshold.startswith("cost")] == [None]


def test_a_passing_gate_exits_0_and_a_failing_one_99_with_the_window_and_criterion_in_its_junit(tmp_path):
    passing = write_gate(tmp_path, "dev", RESULTS, [threshold("lag_p95_seconds > 60")])
    assert not any(check.failed for check in passing)
    assert json.loads((tmp_path / SUMMARY_FILE).read_text())["exit_code"] == 0

    write_gate(tmp_path, "dev", RESULTS, [threshold("lag_p95_seconds > 30")])
    assert json.loads((tmp_path / SUMMARY_FILE).read_text())["exit_code"] == EXIT_THRESHOLD_FAILED
    suite = ElementTree.parse(tmp_path / JUNIT_FILE).getroot()
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("4", "2", "1")
    failures = [case.get("name") for case in suite if case.find("failure") is not None]
    assert failures == ["lag_p95_seconds > 30 [window 3-6 min]", "lag_p95_seconds > 30 [run]"]
    assert "measured 41.5" in suite.find("testcase/failure").get("message")
