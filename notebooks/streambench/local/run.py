"""`npm run local`: plays a stack's whole timeline on Spark from this machine and draws the result.

cli/local.ts builds the stack's scaling plan and hands this runner a run spec (JSON on stdin): every phase
with the job parameters the timeline job gives it, and the analysis job's parameters. The runner then does
what that job does, with the notebooks' own code: each phase in its own thread (as each phase job's notebook on
one cluster) calls streambench.generator.run_phase, which waits for its window's start and streams until its end,
recording every micro-batch (streambench.metrics); then streambench.analysis.spark.analyze_run. It adds a progress bar, the chart
(streambench/chart.py) and the per-window table.

Where Spark runs:
- `local` (default): an embedded PySpark with Delta (the project's .venv), all cores, warehouse and checkpoints
  under .streambench/<stack>/ (replaced by every run);
- `spark-connect`: the same local Spark behind a Spark Connect server in its JVM, the timeline played through a
  Connect session (as standard access mode, serverless and Databricks Connect run it);
- `connect`: the stack's cluster through Databricks Connect (`databricks-connect`, installed apart: see the
  docs/operations.md), with the Databricks SDK's unified authentication.
The session (sessions.py RunSession) is the only thing that differs.

One run per stack at a time (state_folder.py): a second run of the same stack is refused, naming the first.
Before Spark starts, the state folder must be writable and (locally) Java must be there.

Ctrl-C stops every stream (each phase's own `finally`), writes the metrics, and analyses and draws what was
played. Nothing the runner starts outlives it: the local JVM is ended on every way out, Ctrl-C or SIGTERM while
it is still starting included. Exit code 0 when the timeline was played to its end and measured rows, 130 after
Ctrl-C, 128 + the signal after SIGTERM or SIGHUP, 1 on a failure or a run that measured nothing.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, TextIO

# Run as a file (`python notebooks/streambench/local/run.py`): the notebooks folder holds the package.
NOTEBOOKS = Path(__file__).resolve().parents[2]
if str(NOTEBOOKS) not in sys.path:
    sys.path.insert(0, str(NOTEBOOKS))

from streambench.local.console import Console  # noqa: E402
from streambench.local.report import RunReport, analyse_and_draw  # noqa: E402
from streambench.local.sessions import (  # noqa: E402
    RunSession,
    SetupError,
    activate_in_this_thread,
    first_line,
    java_problem,
    open_session,
    stop_processes,
)
from streambench.local.state_folder import StackBusyError, StateFolderError, acquire_run_lock, check_writable  # noqa: E402
from streambench.local.timeline import (  # noqa: E402
    RunSpec,
    RunSpecError,
    TimelineOutcome,
    active_phases_at,
    parse_run_spec,
    phase_parameters,
    progress_line,
    run_id_for,
    run_plan_minutes,
)

# Seconds between the session being ready and the timeline's start: every phase thread is waiting by then.
LEAD_SECONDS = 2.0
EXIT_STOPPED = 130


class PhaseStopped(Exception):
    """Raised inside a phase's loop (through its `sleep`) when the run is stopped: run_phase's `finally` then
    stops that phase's streams and writes its metrics."""


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


# ---- the timeline --------------------------------------------------------------------------------------


def run_timeline(
    spark,
    spec: RunSpec,
    console: Console,
    stop: threading.Event,
    now: Callable[[], datetime] = utc_now,
    lead_seconds: float | None = None,
    tick_seconds: float = 0.5,
) -> TimelineOutcome:
    """Plays every phase of the spec on the compressed clock, each phase in its own thread, through
    streambench.generator.run_phase. Returns when every phase has ended, or when `stop` is set (every stream is then
    stopped by its phase)."""
    from streambench.generator import create_missing_tables, parse_params, run_phase
    from streambench.job_parameters import phase_window

    clock = spec.clock
    # The tables and the session are made ready first, with the parameters' names (the same for every run start).
    ready = parse_params(phase_parameters(spec, spec.phases[0], now(), run_id_for(now())))
    if spec.on_this_machine:
        spark.sql(f"CREATE SCHEMA IF NOT EXISTS {schema_name(ready)}")
    # Every table of the timeline exists before the clock starts, as after a first run on Databricks; so does the
    # metrics table, which the phases would otherwise race to create on their first flush.
    create_missing_tables(spark, ready)
    create_metrics_table(spark, ready)
    if spec.on_this_machine:
        warm_up(spark, ready, Path(spec.state_dir), console.log)

    # The timeline starts on a whole second, shortly after: by then every phase thread is waiting for its window, and
    # the phases at minute 0 have their start lead too (on Databricks they cannot: their job fires at minute 0), so
    # every stream's first second is already flowing when its window opens.
    if lead_seconds is None:
        phase_lead = max(float(job.parameters["start_lead_seconds"]) for job in spec.phases)
        lead_seconds = max(LEAD_SECONDS, clock.interval_seconds(phase_lead))
    run_start = (now() + timedelta(seconds=lead_seconds)).replace(microsecond=0) + timedelta(seconds=1)
    outcome = TimelineOutcome(run_start=run_start, run_id=run_id_for(run_start))
    params = [parse_params(phase_parameters(spec, job, run_start, outcome.run_id)) for job in spec.phases]

    def interruptible_sleep(seconds: float) -> None:
        if stop.wait(max(seconds, 0.0)):
            raise PhaseStopped()

    def play(phase_params) -> None:
        try:
            activate_in_this_thread(spark)
            # The phase's status goes to the progress line, with every other phase's, not one line each per interval.
            outcome.summaries[phase_params.phase] = run_phase(
                spark,
                phase_params,
                now=now,
                sleep=interruptible_sleep,
                log=console.prefixed(phase_params.phase),
                status=console.phase_status,
            )
        except PhaseStopped:
            window_start, _ = phase_window(
                phase_params.trigger_time, phase_params.start_offset_minutes, phase_params.window_minutes, now()
            )
            console.log(
                f"[{phase_params.phase}] stopped"
                + (
                    " before its window started"
                    if (outcome.stopped_at or now()) < window_start
                    else "; its streams are stopped and its metrics written"
                )
            )
        except Exception as error:  # one failed phase ends the run: the timeline is broken
            outcome.errors[phase_params.phase] = first_line(error)
            console.log(f"[{phase_params.phase}] FAILED: {first_line(error)}")
            stop.set()
        finally:
            console.phase_ended(phase_params.phase)

    total = run_plan_minutes(spec)
    windows_json = spec.analysis_parameters["windows_json"]
    console.log(
        f"Timeline of {total:g} plan minutes at {spec.speed:g}x: {total * 60 / spec.speed:.0f} s from "
        f"{run_start:%H:%M:%S} UTC (run id {outcome.run_id})"
    )
    threads = [
        threading.Thread(target=play, args=(phase_params,), name=f"phase-{phase_params.phase}", daemon=True)
        for phase_params in params
    ]
    for thread in threads:
        thread.start()
    while any(thread.is_alive() for thread in threads):
        if stop.is_set() and outcome.stopped_at is None:
            outcome.stopped_at = now()
        minute = clock.plan_minutes((now() - run_start).total_seconds())
        what = "waiting for the start" if minute < 0 else active_phases_at(windows_json, minute)
        what = ", ".join(part for part in (what, console.measured()) if part)
        console.bar(progress_line(minute, total, what), min(max(minute / total, 0.0), 1.0))
        for thread in threads:
            thread.join(timeout=tick_seconds / len(threads))
    if stop.is_set() and outcome.stopped_at is None:
        outcome.stopped_at = now()
    console.end_bar()
    return outcome


WARM_UP_TABLE = "streambench_warm_up"


def warm_up(
    spark, params, state_dir: Path, log: Callable[[str], None], batches: int = 2, timeout_seconds: float = 180.0
) -> None:
    """One throwaway stream through the generator's own code before the clock starts (its table stays in the
    local warehouse, which the next run replaces; dropping it races the stopped query's last task), so that
    the first phase does not pay a fresh JVM's first streaming query (class loading, code generation) inside
    its window. Local mode only: a cluster that runs the benchmark is not a fresh JVM per run."""
    from streambench.generator import StreamSpec, full_table_name, start_stream

    spec = StreamSpec(
        stream_id=0,
        stream_type="warm-up",
        table=WARM_UP_TABLE,
        full_table_name=full_table_name(params, WARM_UP_TABLE),
        checkpoint_path=str(state_dir / "checkpoints" / "warm-up"),
    )
    log("Warming up local Spark with one throwaway stream before the clock starts ...")
    query = start_stream(spark, spec, params)
    deadline = time.monotonic() + timeout_seconds
    try:
        while time.monotonic() < deadline and query.isActive:
            progress = query.lastProgress
            if progress and progress["batchId"] >= batches:
                break
            time.sleep(0.2)
    finally:
        query.stop()


def create_metrics_table(spark, params) -> None:
    from streambench.generator import full_table_name
    from streambench.metrics_rows import METRICS_SCHEMA_DDL

    name = full_table_name(params, params.metrics_table)
    if not spark.catalog.tableExists(name.replace("`", "")):
        spark.createDataFrame([], METRICS_SCHEMA_DDL).write.format("delta").mode("ignore").saveAsTable(name)


def schema_name(params) -> str:
    """The phase's schema, quoted, as `catalog`.`schema`."""
    from streambench.job_parameters import quote_identifier

    return f"{quote_identifier(params.catalog)}.{quote_identifier(params.schema)}"


# ---- command line --------------------------------------------------------------------------------------


class Terminated(BaseException):
    """SIGTERM or SIGHUP reached the runner: it quits at once, after ending every process it started."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def install_quit_on_terminate() -> None:
    """SIGTERM and SIGHUP raise Terminated in the main thread, so that the runner's `finally` ends the JVM (by
    default either signal ends Python on the spot, leaving a JVM that is still starting behind)."""

    def on_terminate(signum, frame):
        raise Terminated(signum)

    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, on_terminate)


def install_stop_on_ctrl_c(stop: threading.Event, console: Console) -> None:
    """First Ctrl-C: stop every stream cleanly and still analyse; a second one: quit at once."""

    def on_interrupt(signum, frame):
        if stop.is_set():
            signal.signal(signal.SIGINT, signal.default_int_handler)
            raise KeyboardInterrupt()
        stop.set()
        console.log("\nCtrl-C: stopping every stream, then writing what was measured (Ctrl-C again to quit at once)")

    signal.signal(signal.SIGINT, on_interrupt)


def exit_status(spec: RunSpec, outcome: TimelineOutcome, report: RunReport | None) -> tuple[int, str | None]:
    """The exit code of a played run and what to say about it: 1 when a phase failed or when the run measured
    nothing (no stream wrote a row in the timeline: 0 rows/s measured), 130 when it was stopped,
    0 when it was played to its end and measured rows."""
    if outcome.errors:
        return 1, "; ".join(f"{phase} failed: {error}" for phase, error in outcome.errors.items())
    if report is not None and report.rows == 0:
        where = f"; Spark's log: {Path(spec.state_dir) / 'spark.log'}" if spec.on_this_machine else ""
        return EXIT_STOPPED if outcome.stopped else 1, (
            f"the run measured nothing: no stream wrote a row during the timeline (0 rows in "
            f"{report.results_path}), so the chart and the table show no throughput{where}"
        )
    if outcome.stopped:
        return EXIT_STOPPED, None
    return (0, None) if report else (1, None)


def gate(spec: RunSpec, results_path: Path, console: Console) -> int:
    """The run's thresholds against its results.json: the JUnit report and summary beside it, each failed threshold
    said, and EXIT_THRESHOLD_FAILED when one failed."""
    from streambench.gates import EXIT_THRESHOLD_FAILED, JUNIT_FILE, failed_lines, write_gate

    checks = write_gate(results_path.parent, spec.stack, json.loads(results_path.read_text()), spec.thresholds)
    failed = failed_lines(checks)
    for line in failed:
        print(f"local: {line}", file=sys.stderr)
    console.log(
        f"Thresholds: {len(checks) - len(failed)} of {len(checks)} checks passed ({results_path.parent / JUNIT_FILE})"
    )
    return EXIT_THRESHOLD_FAILED if failed else 0


def start_session(spec: RunSpec, state_dir: Path, console: Console, processes: list) -> RunSession:
    """The session of the run's mode, after every check that can be made before Spark starts. Raises SetupError
    (or StackBusyError / StateFolderError) saying what to fix."""
    if spec.on_this_machine:
        problem = java_problem(os.environ)
        if problem:
            raise SetupError(problem)
    # Never leave the last run's chart, gate or report beside a run that fails.
    for name in ("results.png", "results.json", "thresholds.json", "thresholds.junit.xml", "report.html"):
        (state_dir / name).unlink(missing_ok=True)
    return open_session(spec, state_dir, processes, console.log)


def main(stdin: TextIO = sys.stdin) -> int:
    """The run; every process it starts (the local JVM) has ended when it returns, whatever ended the run."""
    console = Console()
    stop = threading.Event()
    install_quit_on_terminate()
    try:
        spec = parse_run_spec(json.load(stdin))
    except (ValueError, RunSpecError) as error:
        print(f"local: {error}", file=sys.stderr)
        return 2
    state_dir = Path(spec.state_dir)
    processes: list = []
    lock = None
    try:
        try:
            lock = acquire_run_lock(spec.stack, state_dir)
            check_writable(state_dir)
            session = start_session(spec, state_dir, console, processes)
        except (SetupError, StackBusyError, StateFolderError) as error:
            print(f"local: {error}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print("local: stopped before the run started", file=sys.stderr)
            return EXIT_STOPPED
        install_stop_on_ctrl_c(stop, console)
        try:
            outcome = run_timeline(session.spark, spec, console, stop)
            report = analyse_and_draw(
                session.spark, spec, outcome, console, session.cluster_id, state_dir, where=session.where
            )
        except KeyboardInterrupt:
            print(
                "\nlocal: quit at once (second Ctrl-C): the streams were not stopped cleanly and nothing was analysed",
                file=sys.stderr,
            )
            return EXIT_STOPPED
        code, message = exit_status(spec, outcome, report)
        if code == 0 and report is not None and spec.thresholds:
            code = gate(spec, Path(report.results_path), console)
        if report is not None and Path(report.results_path).exists():
            from streambench.html_report import write_report

            console.log(f"Report: {write_report(Path(report.results_path).parent)}")
        if message:
            print(f"local: {message}", file=sys.stderr)
        if processes:  # local Spark, every stream stopped: a clean stop before its JVM is ended
            session.stop()
        return code
    except Terminated as terminated:
        print(f"\nlocal: {terminated} received: quit at once, every stream ended with local Spark", file=sys.stderr)
        return 128 + terminated.signum
    finally:
        stop_processes(processes)
        if lock is not None:
            lock.release()


if __name__ == "__main__":
    sys.exit(main())
