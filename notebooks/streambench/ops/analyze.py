"""`npm run ops -- analyze`: start the stack's analysis job, follow its run to its end, print the verdict table from
the notebook's exit value (its summary: the benchmark_results rows, the run's cost, the chart's path) and download
the chart from the stack's volume through the Files API into the state folder (`.streambench/<stack>/`)."""

from __future__ import annotations

import json
import time
from pathlib import Path, PurePosixPath
from typing import Callable

from streambench.analysis.verdict_table import verdict_lines
from streambench.ops.workspace import OpsError

ENDED = ("TERMINATED", "SKIPPED", "INTERNAL_ERROR")


def _value(enum) -> str | None:
    return None if enum is None else getattr(enum, "value", str(enum))


def run_succeeded(run) -> bool:
    """The one rule of the ops commands' exit codes: an ended run succeeded only with the result state SUCCESS.
    FAILED, CANCELED, TIMEDOUT, SUCCESS_WITH_FAILURES did not, nor a run that ended without a result state
    (SKIPPED: not run; INTERNAL_ERROR: the service failed it)."""
    return run.state is not None and _value(run.state.result_state) == "SUCCESS"


def wait_for_end(w, run_id: int, poll_seconds: float, sleep: Callable[[float], None]):
    """The run once it has ended (its life cycle state TERMINATED, SKIPPED or INTERNAL_ERROR)."""
    while True:
        run = w.jobs.get_run(run_id=run_id)
        if run.state and _value(run.state.life_cycle_state) in ENDED:
            return run
        sleep(poll_seconds)


def run_summary(w, run) -> dict:
    """The analysis notebook's summary: the exit value of its task run. The Jobs API gives a run's output per task
    run only (runs/get-output refuses the job run's own id)."""
    for task in run.tasks or []:
        output = w.jobs.get_run_output(run_id=task.run_id)
        result = output.notebook_output.result if output.notebook_output else None
        if result:
            try:
                return json.loads(result)
            except ValueError:
                raise OpsError(f"the analysis task {task.task_key} returned no summary (not JSON)") from None
    raise OpsError(f"the analysis run {run.run_id} returned no summary: see its page {run.run_page_url or ''}".rstrip())


def download_chart(w, remote: str, state_dir: Path) -> Path:
    """The chart from the stack's volume (Files API) into the state folder, under its own file name."""
    target = state_dir / PurePosixPath(remote).name
    state_dir.mkdir(parents=True, exist_ok=True)
    download = w.files.download(remote)
    with download.contents as contents:
        target.write_bytes(contents.read())
    return target


def analyze(w, request, out: Callable[[str], None], sleep: Callable[[float], None] = time.sleep) -> int:
    """Starts the analysis; followed (the default), prints its verdict and downloads its chart. Non-zero when the
    run failed or returned nothing; a run that did not keep up is still a successful analysis."""
    from streambench.ops.commands import start

    _, started = start(w, request, "analysis", out)
    if not request.follow:
        return 0
    run = wait_for_end(w, started.run_id, request.poll_seconds, sleep)
    if not run_succeeded(run):
        result = _value(run.state.result_state)
        out(f"Run {run.run_id} ended: {_value(run.state.life_cycle_state)} {result or ''}".rstrip())
        return 1
    summary = run_summary(w, run)
    out(f"Run started {summary.get('run_start')}: did the compute keep up?")
    for line in verdict_lines(summary.get("windows") or [], bool(summary.get("pipeline")), summary.get("cost")):
        out(line)
    for note in summary.get("notes") or []:
        out(f"note: {note}")
    code = gate(summary, request, out)
    chart = summary.get("chart")
    if not chart:
        out("No chart: the analysis saved none (its chart_folder parameter is empty, or see its notes).")
        return code
    try:
        out(f"Chart: {download_chart(w, chart, Path(request.state_dir))} (from {chart})")
    except Exception as error:  # noqa: BLE001 - the verdict is printed; a chart that cannot be fetched is said so
        out(f"The chart {chart} could not be downloaded: {type(error).__name__}: {str(error).splitlines()[0]}")
        return 1
    return code


def gate(summary: dict, request, out: Callable[[str], None]) -> int:
    """The request's thresholds against the analysis's summary: JUnit and JSON in the state folder, each failed check
    said, EXIT_THRESHOLD_FAILED when one failed; 0 without thresholds."""
    from streambench.gates import EXIT_THRESHOLD_FAILED, JUNIT_FILE, failed_lines, write_gate

    if not request.thresholds:
        return 0
    state_dir = Path(request.state_dir)
    state_dir.mkdir(parents=True, exist_ok=True)
    checks = write_gate(state_dir, request.stack, summary, request.thresholds)
    failed = failed_lines(checks)
    for line in failed:
        out(line)
    out(f"Thresholds: {len(checks) - len(failed)} of {len(checks)} checks passed ({state_dir / JUNIT_FILE})")
    return EXIT_THRESHOLD_FAILED if failed else 0
