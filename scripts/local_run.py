"""`npm run local`: plays a stack's whole timeline on Spark from this machine and draws the result.

scripts/local.ts builds the stack's scaling plan and hands this runner a run spec (JSON on stdin): every phase
with the job parameters the full-timeline job gives it, and the analysis job's parameters. The runner then does
what that job does, with the notebooks' own code: each phase in its own thread (as each phase job's notebook on
one cluster) calls generator_logic.run_phase, which waits for its window's start and streams until its end,
recording every micro-batch (metrics_logic); then analysis_logic.analyze_run. It adds a progress bar, the chart
(local_chart.py) and the per-window table.

Where Spark runs:
- `local` (default): an embedded PySpark with Delta (the project's .venv), all cores, warehouse and checkpoints
  under .streambench/<stack>/ (replaced by every run);
- `connect`: the stack's cluster through Databricks Connect (`databricks-connect`, installed apart: see the
  README); the session is the only thing that differs.

Ctrl-C stops every stream (each phase's own `finally`), writes the metrics, and analyses and draws what was
played. Exit code 0 when the timeline was played to its end, 130 after Ctrl-C, 1 on a failure.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, TextIO

ROOT = Path(__file__).resolve().parents[1]
for folder in (ROOT / "notebooks", ROOT / "scripts"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from local_timeline import (  # noqa: E402
    Clock, RunSpec, RunSpecError, active_phases_at, analysis_parameters, databricks_connect_line, parse_run_spec,
    phase_parameters, progress_line, run_id_for, run_plan_minutes, text_table, window_results, window_table,
)

# Seconds between the session being ready and the timeline's start: every phase thread is waiting by then.
LEAD_SECONDS = 2.0
EXIT_STOPPED = 130


class PhaseStopped(Exception):
    """Raised inside a phase's loop (through its `sleep`) when the run is stopped: run_phase's `finally` then
    stops that phase's streams and writes its metrics."""


class SetupError(Exception):
    """Something to install or set before a run can start; the message says what."""


class Console:
    """Status lines from every phase thread and one progress bar, without tearing each other apart. On a
    terminal the bar stays on the last line; otherwise it is printed at every tenth of the run."""

    def __init__(self, stream: TextIO = sys.stdout, interactive: bool | None = None):
        self.stream = stream
        self.interactive = stream.isatty() if interactive is None else interactive
        self._lock = threading.Lock()
        self._bar = ""
        self._printed_tenth = -1

    def log(self, message: str) -> None:
        with self._lock:
            if self.interactive and self._bar:
                self.stream.write("\r\x1b[K")
            self.stream.write(message + "\n")
            if self.interactive and self._bar:
                self.stream.write(self._bar)
            self.stream.flush()

    def prefixed(self, prefix: str) -> Callable[[str], None]:
        return lambda message: self.log("\n".join(f"[{prefix}] {line}" for line in str(message).splitlines()))

    def bar(self, text: str, share: float) -> None:
        with self._lock:
            self._bar = text
            if self.interactive:
                self.stream.write("\r\x1b[K" + text)
                self.stream.flush()
                return
        tenth = int(share * 10 + 1e-9)
        if tenth > self._printed_tenth:
            self._printed_tenth = tenth
            self.log(text)

    def end_bar(self) -> None:
        with self._lock:
            if self.interactive and self._bar:
                self.stream.write("\n")
                self.stream.flush()
            self._bar = ""


@dataclass
class TimelineOutcome:
    run_start: datetime
    run_id: str
    stopped_at: datetime | None = None          # set when the run was stopped before its end
    errors: dict[str, str] = field(default_factory=dict)
    summaries: dict[str, dict] = field(default_factory=dict)

    @property
    def stopped(self) -> bool:
        return self.stopped_at is not None


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def first_line(error: BaseException) -> str:
    """The line of an error that says what happened (for a Java error from py4j: the Java exception's)."""
    java = getattr(error, "java_exception", None)
    text = str(java) if java is not None else str(error)
    return text.splitlines()[0] if text else repr(error)


# ---- sessions ------------------------------------------------------------------------------------------

def local_session(state_dir: Path, app_name: str = "streambench-local"):
    """An embedded Spark session with Delta on every core of this machine, its warehouse in `state_dir`."""
    from delta import configure_spark_with_delta_pip
    from pyspark.sql import SparkSession

    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    warehouse = state_dir / "warehouse"
    builder = (
        SparkSession.builder.master("local[*]")
        .appName(app_name)
        .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
        .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
        .config("spark.sql.warehouse.dir", str(warehouse))
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.databricks.delta.snapshotPartitions", "2")
        .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={state_dir}")
    )
    # The JVM's own output (the Delta jars' resolution, Spark's log) goes to a file, not over the progress bar.
    state_dir.mkdir(parents=True, exist_ok=True)
    saved = [os.dup(1), os.dup(2)]
    with open(state_dir / "spark.log", "wb") as spark_log:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(spark_log.fileno(), 1)
        os.dup2(spark_log.fileno(), 2)
        try:
            session = configure_spark_with_delta_pip(builder).getOrCreate()
        finally:
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            for descriptor in saved:
                os.close(descriptor)
    # Stopping a stream interrupts its running batch, which Spark logs as errors; real failures reach the phase.
    session.sparkContext.setLogLevel("FATAL")
    return session


def fresh_state_dir(state_dir: Path) -> None:
    """The local warehouse and checkpoints hold one run: the previous run's go (the session's catalog lives in
    memory, so a new session could not take over the old tables anyway)."""
    for name in ("warehouse", "checkpoints"):
        shutil.rmtree(state_dir / name, ignore_errors=True)
    state_dir.mkdir(parents=True, exist_ok=True)


def connect_problems(spec: RunSpec, env: dict, connect_installed: bool) -> list[str]:
    """What is missing before Databricks Connect can open a session on the stack's cluster."""
    problems = []
    if not connect_installed:
        line = databricks_connect_line(spec.spark_version)
        pin = f"databricks-connect=={line}" if line else "databricks-connect==<your cluster's runtime, e.g. 16.4.*>"
        problems.append(
            "databricks-connect is not installed in this Python. It conflicts with pyspark, so it gets its own venv: "
            f"python3 -m venv .venv-connect && .venv-connect/bin/pip install '{pin}' matplotlib==3.11.2, "
            "then run again (or pass --python <that venv's python>)")
    if not env.get("DATABRICKS_HOST"):
        problems.append("no workspace host: export DATABRICKS_HOST=https://<workspace> or "
                        f"`pulumi config set databricks:host https://<workspace> --stack {spec.stack}`")
    if not spec.cluster_id and not spec.cluster_name:
        problems.append("no cluster: pass --cluster-id <id> (pulumi stack output clusterId)")
    return problems


def connect_installed() -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec("databricks.connect") is not None
    except ModuleNotFoundError:
        return False


def connect_session(spec: RunSpec, log: Callable[[str], None]):
    """A Databricks Connect session on the stack's cluster (host and token from DATABRICKS_* in the environment,
    which npm run local sets from the stack's credentials), and the cluster's id. The only code of the runner
    that needs a workspace."""
    problems = connect_problems(spec, dict(os.environ), connect_installed())
    if problems:
        raise SetupError("--connect cannot start:\n  - " + "\n  - ".join(problems))
    from databricks.connect import DatabricksSession

    cluster_id = spec.cluster_id
    if not cluster_id:
        from databricks.sdk import WorkspaceClient

        matches = [cluster.cluster_id for cluster in WorkspaceClient().clusters.list()
                   if cluster.cluster_name == spec.cluster_name]
        if len(matches) != 1:
            raise SetupError(f"{len(matches)} clusters named {spec.cluster_name} in {os.environ['DATABRICKS_HOST']}: "
                             "pass --cluster-id <id> (pulumi stack output clusterId)")
        cluster_id = matches[0]
    log(f"Databricks Connect to cluster {cluster_id} on {os.environ['DATABRICKS_HOST']}")
    return DatabricksSession.builder.clusterId(cluster_id).getOrCreate(), cluster_id


# ---- the timeline --------------------------------------------------------------------------------------

def run_timeline(spark, spec: RunSpec, console: Console, stop: threading.Event,
                 now: Callable[[], datetime] = utc_now, lead_seconds: float = LEAD_SECONDS,
                 tick_seconds: float = 0.5) -> TimelineOutcome:
    """Plays every phase of the spec on the compressed clock, each phase in its own thread, through
    generator_logic.run_phase. Returns when every phase has ended, or when `stop` is set (every stream is then
    stopped by its phase)."""
    from generator_logic import create_missing_tables, parse_params, phase_window, run_phase

    clock = spec.clock
    # The tables and the session are made ready first, with the parameters' names (the same for every run start).
    ready = parse_params(phase_parameters(spec, spec.phases[0], now(), run_id_for(now())))
    if spec.mode == "local":
        spark.sql(f"CREATE SCHEMA IF NOT EXISTS {schema_name(ready)}")
    # Every table of the timeline exists before the clock starts, as after a first run on Databricks; so does the
    # metrics table, which the phases would otherwise race to create on their first flush.
    create_missing_tables(spark, ready)
    create_metrics_table(spark, ready)
    if spec.mode == "local":
        warm_up(spark, ready, Path(spec.state_dir), console.log)

    # The timeline starts on a whole second, shortly after: by then every phase thread is waiting for its window.
    run_start = (now() + timedelta(seconds=lead_seconds)).replace(microsecond=0) + timedelta(seconds=1)
    outcome = TimelineOutcome(run_start=run_start, run_id=run_id_for(run_start))
    params = [parse_params(phase_parameters(spec, job, run_start, outcome.run_id)) for job in spec.phases]

    def interruptible_sleep(seconds: float) -> None:
        if stop.wait(max(seconds, 0.0)):
            raise PhaseStopped()

    def play(phase_params) -> None:
        try:
            activate_in_this_thread(spark)
            outcome.summaries[phase_params.phase] = run_phase(
                spark, phase_params, now=now, sleep=interruptible_sleep, log=console.prefixed(phase_params.phase))
        except PhaseStopped:
            window_start, _ = phase_window(phase_params.trigger_time, phase_params.start_offset_minutes,
                                           phase_params.window_minutes, now())
            console.log(f"[{phase_params.phase}] stopped"
                        + (" before its window started" if (outcome.stopped_at or now()) < window_start
                           else "; its streams are stopped and its metrics written"))
        except Exception as error:  # one failed phase ends the run: the timeline is broken
            outcome.errors[phase_params.phase] = first_line(error)
            console.log(f"[{phase_params.phase}] FAILED: {first_line(error)}")
            stop.set()

    total = run_plan_minutes(spec)
    windows_json = spec.analysis_parameters["windows_json"]
    console.log(f"Timeline of {total:g} plan minutes at {spec.speed:g}x: {total * 60 / spec.speed:.0f} s from "
                f"{run_start:%H:%M:%S} UTC (run id {outcome.run_id})")
    threads = [threading.Thread(target=play, args=(phase_params,), name=f"phase-{phase_params.phase}", daemon=True)
               for phase_params in params]
    for thread in threads:
        thread.start()
    while any(thread.is_alive() for thread in threads):
        if stop.is_set() and outcome.stopped_at is None:
            outcome.stopped_at = now()
        minute = clock.plan_minutes((now() - run_start).total_seconds())
        what = "waiting for the start" if minute < 0 else active_phases_at(windows_json, minute)
        console.bar(progress_line(minute, total, what), min(max(minute / total, 0.0), 1.0))
        for thread in threads:
            thread.join(timeout=tick_seconds / len(threads))
    if stop.is_set() and outcome.stopped_at is None:
        outcome.stopped_at = now()
    console.end_bar()
    return outcome


def activate_in_this_thread(spark) -> None:
    """Classic PySpark: a new Python thread runs on a JVM thread without an active session, and Delta then cannot
    resolve a catalog table for a streaming write (DELTA_INVALID_V1_TABLE_CALL). On Databricks each phase is its
    own notebook's main thread; here each phase thread makes the session active first. (Spark Connect sessions
    have no JVM here and need nothing.)"""
    jvm_session = getattr(spark, "_jsparkSession", None)
    if jvm_session is not None:
        spark._jvm.org.apache.spark.sql.SparkSession.setActiveSession(jvm_session)


WARM_UP_TABLE = "streambench_warm_up"


def warm_up(spark, params, state_dir: Path, log: Callable[[str], None], batches: int = 2,
            timeout_seconds: float = 180.0) -> None:
    """One throwaway stream through the generator's own code before the clock starts (its table stays in the
    local warehouse, which the next run replaces; dropping it races the stopped query's last task), so that
    the first phase does not pay a fresh JVM's first streaming query (class loading, code generation) inside
    its window. Local mode only: a cluster that runs the benchmark is not a fresh JVM per run."""
    from generator_logic import StreamSpec, full_table_name, start_stream

    spec = StreamSpec(stream_id=0, stream_type="warm-up", table=WARM_UP_TABLE,
                      full_table_name=full_table_name(params, WARM_UP_TABLE),
                      checkpoint_path=str(state_dir / "checkpoints" / "warm-up"))
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
    from generator_logic import full_table_name
    from metrics_logic import METRICS_SCHEMA_DDL

    name = full_table_name(params, params.metrics_table)
    if not spark.catalog.tableExists(name.replace("`", "")):
        spark.createDataFrame([], METRICS_SCHEMA_DDL).write.format("delta").mode("ignore").saveAsTable(name)


def schema_name(params) -> str:
    """The phase's schema, quoted, as `catalog`.`schema`."""
    from analysis_logic import quote_identifier

    return f"{quote_identifier(params.catalog)}.{quote_identifier(params.schema)}"


def stop_plan_minute(outcome: TimelineOutcome, clock: Clock, total_minutes: float) -> float | None:
    """Where on the timeline a stopped run ended (plan minutes); None when it was played to its end."""
    if not outcome.stopped:
        return None
    return min(clock.plan_minutes((outcome.stopped_at - outcome.run_start).total_seconds()), total_minutes)


# ---- measuring -----------------------------------------------------------------------------------------

def throughput_intervals(spark, analysis, run_start: datetime, plan_minutes: float, clock: Clock,
                         interval_seconds: int):
    """Rows per second by stream type per interval of `interval_seconds` (wall clock), from the stream tables'
    event_timestamp, over the first `plan_minutes` of the run; intervals in plan minutes."""
    from functools import reduce

    from pyspark.sql import DataFrame
    from pyspark.sql import functions as F

    from analysis_logic import existing_tables
    from local_chart import Interval

    real_seconds = plan_minutes * 60.0 / clock.speed
    count = max(1, int(math.ceil(real_seconds / interval_seconds - 1e-9)))
    present = existing_tables(spark, analysis.catalog, analysis.schema)
    tables = [analysis.full_name(table) for _, table in analysis.phase_tables() if table in present]
    by_index: dict[int, dict[str, float]] = {}
    start_us = int(run_start.timestamp()) * 1_000_000
    end_us = start_us + int(real_seconds * 1_000_000)
    for offset in range(0, len(tables), 100):
        rows = reduce(DataFrame.unionByName, [spark.table(name).select("stream_type", "event_timestamp")
                                              for name in tables[offset:offset + 100]])
        micros = F.expr("unix_micros(event_timestamp)")
        counted = (rows.where((micros >= F.lit(start_us)) & (micros < F.lit(end_us)))
                   .groupBy(F.floor((micros - F.lit(start_us)) / F.lit(interval_seconds * 1_000_000)).alias("slot"),
                            "stream_type")
                   .agg(F.count(F.lit(1)).alias("rows")).collect())
        for row in counted:
            slot = by_index.setdefault(int(row["slot"]), {})
            slot[row["stream_type"]] = slot.get(row["stream_type"], 0.0) + row["rows"] / interval_seconds
    interval_minutes = clock.plan_minutes(interval_seconds)
    return [Interval(index * interval_minutes, by_index.get(index, {})) for index in range(count)], interval_minutes


@dataclass
class RunReport:
    windows: list
    chart_path: str | None
    results_path: str
    analysis_notes: list


def analyse_and_draw(spark, spec: RunSpec, outcome: TimelineOutcome, console: Console, cluster_id: str = "",
                     state_dir: Path | None = None) -> RunReport | None:
    """The analysis job's code on what was played, then the chart and results.json in the state folder.
    None when nothing was played (stopped before the first window)."""
    from analysis_logic import analyze_run, parse_analysis_params
    from local_chart import draw_results

    clock, total = spec.clock, run_plan_minutes(spec)
    played = stop_plan_minute(outcome, clock, total)
    if played is not None and played <= 0:
        console.log("Stopped before the timeline started: nothing was measured.")
        return None
    analysis = parse_analysis_params(analysis_parameters(spec, outcome.run_start, played, cluster_id))
    report_lines: list[str] = []
    summary = analyze_run(spark, analysis, log=report_lines.append)
    results = window_results(summary["windows"], clock)
    table = window_table(results)
    console.log("\nPer window (plan minutes; rows/s are real):\n" + text_table(table))
    for note in summary["notes"]:
        console.log(f"  note: {note}")
    state_dir = Path(state_dir or spec.state_dir)
    state_dir.mkdir(parents=True, exist_ok=True)
    interval_seconds = int(phase_parameters(spec, spec.phases[0], outcome.run_start, outcome.run_id)["trigger_interval_seconds"])
    minutes = total if played is None else played
    intervals, interval_minutes = throughput_intervals(spark, analysis, outcome.run_start, minutes, clock, interval_seconds)
    where = (f"local Spark ({spark.sparkContext.defaultParallelism} cores)" if spec.mode == "local"
             else f"cluster {cluster_id} (Databricks Connect)")
    stopped = "" if played is None else f", stopped at minute {played:.1f}"
    title = (f"streambench {spec.stack}: {where}, {spec.speed:g}x speed{stopped}, run {outcome.run_start:%Y-%m-%d %H:%M:%S} UTC"
             f"\nmeasured rows/s per {interval_minutes * 60:g} s of plan time (event time) against the plan's target")
    chart_path = draw_results(str(state_dir / "results.png"), title, spec.analysis_parameters["windows_json"],
                              intervals, interval_minutes, table, [job.phase for job in spec.phases])
    results_path = state_dir / "results.json"
    results_path.write_text(json.dumps({
        "stack": spec.stack, "mode": spec.mode, "speed": spec.speed, "run_start": outcome.run_start.isoformat(),
        "run_id": outcome.run_id, "stopped_at_minute": played, "errors": outcome.errors,
        "windows": [result.__dict__ for result in results], "notes": summary["notes"],
        "rows": summary["rows"], "chart": chart_path,
    }, indent=2))
    console.log(f"\nChart: {chart_path}\nResults: {results_path}")
    return RunReport(results, chart_path, str(results_path), summary["notes"])


# ---- command line --------------------------------------------------------------------------------------

def install_stop_on_ctrl_c(stop: threading.Event, console: Console) -> None:
    """First Ctrl-C: stop every stream cleanly and still analyse; a second one: quit at once."""

    def on_interrupt(signum, frame):
        if stop.is_set():
            signal.signal(signal.SIGINT, signal.default_int_handler)
            raise KeyboardInterrupt()
        stop.set()
        console.log("\nCtrl-C: stopping every stream, then writing what was measured (Ctrl-C again to quit at once)")

    signal.signal(signal.SIGINT, on_interrupt)


def main(stdin: TextIO = sys.stdin) -> int:
    console = Console()
    stop = threading.Event()
    try:
        spec = parse_run_spec(json.load(stdin))
    except (ValueError, RunSpecError) as error:
        print(f"local: {error}", file=sys.stderr)
        return 2
    state_dir = Path(spec.state_dir)
    for name in ("results.png", "results.json"):  # never leave the last run's chart beside a run that fails
        (state_dir / name).unlink(missing_ok=True)
    try:
        if spec.mode == "connect":
            spark, cluster_id = connect_session(spec, console.log)
        else:
            fresh_state_dir(state_dir)
            console.log(f"Starting local Spark with Delta (warehouse {state_dir / 'warehouse'}, "
                        f"Spark's log {state_dir / 'spark.log'}) ...")
            spark, cluster_id = local_session(state_dir), ""
    except SetupError as error:
        print(f"local: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("local: stopped before the run started", file=sys.stderr)
        return EXIT_STOPPED
    install_stop_on_ctrl_c(stop, console)
    try:
        outcome = run_timeline(spark, spec, console, stop)
        report = analyse_and_draw(spark, spec, outcome, console, cluster_id, state_dir)
    except KeyboardInterrupt:
        print("\nlocal: quit at once (second Ctrl-C): the streams were not stopped cleanly and nothing was analysed",
              file=sys.stderr)
        return EXIT_STOPPED
    if outcome.errors:
        print("local: " + "; ".join(f"{phase} failed: {error}" for phase, error in outcome.errors.items()),
              file=sys.stderr)
        return 1
    if outcome.stopped:
        return EXIT_STOPPED
    return 0 if report else 1


if __name__ == "__main__":
    sys.exit(main())
