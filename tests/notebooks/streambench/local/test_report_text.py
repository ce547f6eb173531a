"""What a local run prints, without Spark: every phase's status on the progress line, the per-window table's labels
and the verdict as the runner prints it."""

import io
import json
from datetime import datetime, timezone

import pytest
from plan_documents import plan_window
from streambench.analysis.cost import CostSettings, run_cost
from streambench.analysis.params import parse_analysis_params
from streambench.analysis.report import result_rows
from streambench.analysis.windows import expected_windows
from streambench.local.console import Console
from streambench.local.report import verdict_text
from streambench.local.timeline import WindowResult, parse_run_spec, window_table
from streambench.status import PhaseStatus

RUN_START = datetime(2026, 12, 2, 9, 0, tzinfo=timezone.utc)


def test_a_window_cut_by_ctrl_c_is_labelled_with_at_most_two_decimals():
    cut = WindowResult(3.0, 4.66837, "baseline+3x", 800, 790.0, -1.25, 780.0, {"kept_up": True})
    assert window_table([cut])[1][0] == "3-4.67"


def spec(mode):
    return parse_run_spec(
        {
            "stack": "dev",
            "mode": mode,
            "speed": 10,
            "stateDir": "/tmp/state",
            "volumePath": "/Volumes/main/s/checkpoints",
            "runIdReference": "{{job.run_id}}",
            "triggerTimeReference": "{{job.trigger.time.iso_datetime}}",
            "phases": [{"phase": "baseline", "parameters": {}}],
            "analysisParameters": {},
        }
    )


def analysed_rows():
    params = parse_analysis_params(
        {
            "catalog": "main",
            "schema": "s",
            "phases_json": '[{"phase": "baseline", "table_name_format": "t_{stream_id:03d}", "first_stream_id": 1, '
            '"stream_count": 1}]',
            "windows_json": json.dumps([plan_window(0, 3, 100), plan_window(3, 6, 100)]),
        }
    )
    return result_rows(RUN_START, expected_windows(params.windows, RUN_START), {}, None, [], RUN_START)


# What the analysis gives a run without cluster events: a billing query over the stack's tags, no node-minutes.
COST = run_cost([], RUN_START, RUN_START, CostSettings(), {"project": "streambench"})


@pytest.mark.parametrize("mode", ["local", "spark-connect"])
def test_a_run_on_this_machine_prints_no_workers_and_no_billing_query(mode):
    text = verdict_text(spec(mode), analysed_rows(), False, COST)
    assert "system.billing.usage" not in text and "Cost" not in text
    assert "workers" not in text and "?->?" not in text and "asked/done" not in text
    assert "Kept up over the whole run: NO" in text  # the verdict itself stays


def test_a_run_on_the_stacks_cluster_keeps_its_workers_and_cost():
    text = verdict_text(spec("connect"), analysed_rows(), False, COST)
    assert "system.billing.usage" in text and "workers (peak)" in text and "?->? (?)" in text


def test_every_phases_status_is_folded_into_the_progress_line_not_printed_per_phase():
    """A 90-s run printed about 80 status lines, one per phase per interval, interleaved: the phases' statuses now
    ride on the progress line (on a terminal, one line redrawn; otherwise printed at every tenth of the run)."""
    screen = io.StringIO()
    console = Console(screen, interactive=False)
    console.phase_status(PhaseStatus("baseline", 5, 498.4, 500, 60.0))
    console.phase_status(PhaseStatus("3x", 1, 297.0, 300, 30.0))
    console.phase_status(PhaseStatus("baseline", 5, 501.0, 500, 57.0))  # a phase's newer status replaces its older one
    assert screen.getvalue() == ""
    assert console.measured() == "measured 798 rows/s"
    console.phase_status(PhaseStatus("3x", 1, None, 300, 0.0, draining=True))
    assert console.measured() == "measured 501 rows/s, 3x draining"
    console.phase_ended("3x")
    console.phase_ended("baseline")
    assert console.measured() == ""


def test_on_a_terminal_the_progress_line_is_cut_to_its_width_so_that_it_redraws_in_place():
    screen = io.StringIO()
    console = Console(screen, interactive=True, columns=20)
    console.bar("[####......] 40%  minute 6.0 of 15  baseline+3x+9x at 1,700 rows/s, measured 1,690 rows/s", 0.4)
    assert screen.getvalue() == "\r\x1b[K[####......] 40%  m"
