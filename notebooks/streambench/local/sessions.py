"""Where `npm run local` runs Spark: an embedded local session with Delta, that session behind a local Spark Connect
server (--spark-connect), or the stack's cluster through Databricks Connect (--connect, databricks_connect.py); all
through one RunSession, which is all the runner's timeline sees."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

from streambench.local.timeline import RunSpec


class SetupError(Exception):
    """Something to install or set before a run can start; the message says what."""


def first_line(error: BaseException) -> str:
    """The line of an error that says what happened (for a Java error from py4j: the Java exception's)."""
    java = getattr(error, "java_exception", None)
    text = str(java) if java is not None else str(error)
    return text.splitlines()[0] if text else repr(error)


def java_problem(env: Mapping[str, str], which: Callable[..., str | None] = shutil.which) -> str | None:
    """Why local Spark could not start its JVM here, found the way Spark's launcher (bin/spark-class) looks for
    Java: JAVA_HOME's bin/java when JAVA_HOME is set, else `java` on PATH. None when there is one."""
    install = (
        "local Spark needs Java 17 or later: install a JDK (apt-get install openjdk-17-jdk-headless, "
        "brew install openjdk@17) or run on the stack's cluster with --connect"
    )
    java_home = env.get("JAVA_HOME")
    if java_home:
        java = Path(java_home) / "bin" / "java"
        if not (java.is_file() and os.access(java, os.X_OK)):
            return (
                f"JAVA_HOME is {java_home}, but it has no bin/java: point JAVA_HOME at a JDK, or unset it ({install})"
            )
        return None
    if which("java", path=env.get("PATH", os.defpath)) is None:
        return f"no Java: no java on PATH and JAVA_HOME is not set ({install})"
    return None


# What Spark's own scripts print after a launcher that failed (`spark-class: line 97: CMD: bad array subscript`).
SPARK_SCRIPT_NOISE = re.compile(r"/bin/spark-[\w-]+: line \d+: ")


def spark_log_cause(spark_log: Path) -> str:
    """The line of Spark's log that says why it did not start (the launcher's own message, such as `JAVA_HOME is
    not set`, or the JVM's error): its last line that is neither a stack frame nor Spark's scripts' own noise."""
    try:
        lines = spark_log.read_text(errors="replace").splitlines()
    except OSError:
        return ""
    causes = [
        line.strip()
        for line in lines
        if line.strip() and not line[:1].isspace() and not SPARK_SCRIPT_NOISE.search(line)
    ]
    return causes[-1] if causes else ""


@contextmanager
def recording_gateway_processes(started: list) -> Iterator[None]:
    """Records in `started` every process pyspark's launch_gateway starts (spark-submit, which becomes the JVM)
    while the block runs. launch_gateway keeps its process to itself until the JVM has answered, so without this
    an interrupted start (Ctrl-C, SIGTERM) would leave a JVM behind that nothing can find."""
    from pyspark import java_gateway

    original = java_gateway.Popen

    class RecordedPopen(original):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            started.append(self)

    java_gateway.Popen = RecordedPopen
    try:
        yield
    finally:
        java_gateway.Popen = original


def stop_processes(processes: list, grace_seconds: float = 10.0) -> None:
    """Ends each process and waits for it: SIGTERM (the JVM runs its shutdown hooks, which delete Spark's temp
    folders), then SIGKILL after `grace_seconds`, or at once when the wait itself is interrupted."""
    running = [process for process in processes if process.poll() is None]
    for process in running:
        process.terminate()
    try:
        for process in running:
            try:
                process.wait(grace_seconds)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    except BaseException:
        for process in running:
            if process.poll() is None:
                process.kill()
        raise


def local_session(state_dir: Path, processes: list, app_name: str = "streambench-local"):
    """An embedded Spark session with Delta on every core of this machine, its warehouse in `state_dir`. The JVM
    it starts is appended to `processes` (the caller ends it with stop_processes). When no session comes back,
    whatever the reason (the JVM failed, Ctrl-C, SIGTERM), the JVM has been ended already; a failed start raises
    SetupError with the cause from Spark's log."""
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
    spark_log_path = state_dir / "spark.log"
    already = len(processes)
    saved = [os.dup(1), os.dup(2)]
    try:
        with open(spark_log_path, "wb") as spark_log:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(spark_log.fileno(), 1)
            os.dup2(spark_log.fileno(), 2)
            try:
                with recording_gateway_processes(processes):
                    session = configure_spark_with_delta_pip(builder).getOrCreate()
            finally:
                os.dup2(saved[0], 1)
                os.dup2(saved[1], 2)
                for descriptor in saved:
                    os.close(descriptor)
    except BaseException as error:
        stop_processes(processes[already:])
        if isinstance(error, Exception):
            cause = spark_log_cause(spark_log_path) or first_line(error)
            raise SetupError(f"local Spark did not start: {cause} (Spark's log: {spark_log_path})") from None
        raise
    # Stopping a stream interrupts its running batch, which Spark logs as errors; real failures reach the phase.
    session.sparkContext.setLogLevel("FATAL")
    return session


def fresh_state_dir(state_dir: Path) -> None:
    """The local warehouse and checkpoints hold one run: the previous run's go (the session's catalog lives in
    memory, so a new session could not take over the old tables anyway)."""
    for name in ("warehouse", "checkpoints"):
        shutil.rmtree(state_dir / name, ignore_errors=True)
    state_dir.mkdir(parents=True, exist_ok=True)


@dataclass
class RunSession:
    """The session a run plays its timeline on, whichever it is: the timeline and the analysis see only `spark`."""

    spark: Any
    where: str  # for the chart's title: "local Spark (2 cores)", "cluster <id> (Databricks Connect)", ...
    cluster_id: str = ""  # the cluster whose events the analysis reads ("" on this machine)
    stop: Callable[[], None] = lambda: None  # a clean stop, after every stream has stopped


def spark_connect_session(state_dir: Path, processes: list, log: Callable[[str], None]) -> RunSession:
    """Local Spark with Delta behind a Spark Connect server in its JVM, and a Connect session on that server: the
    timeline then runs as on standard access mode, serverless or Databricks Connect (no JVM in this process's
    session, data frames over gRPC). The JVM is in `processes`, so the runner's clean-up ends the server with it."""
    from streambench.local.spark_connect import connect_client, start_connect_server, stop_connect_server

    classic = local_session(state_dir, processes, app_name="streambench-local-connect")
    service, port = start_connect_server(classic)
    url = f"sc://127.0.0.1:{port}"
    log(f"Spark Connect server at {url}: the timeline runs through it")
    session = connect_client(url)

    def stop() -> None:
        try:
            session.stop()
        finally:
            stop_connect_server(service)
            classic.stop()

    cores = classic.sparkContext.defaultParallelism
    return RunSession(session, f"local Spark Connect server ({cores} cores)", "", stop)


def open_session(spec: RunSpec, state_dir: Path, processes: list, log: Callable[[str], None]) -> RunSession:
    """The run's session for its mode (local, spark-connect, connect). Raises SetupError saying what to fix."""
    if spec.mode == "connect":
        from streambench.local.databricks_connect import connect_session

        try:
            session, cluster_id = connect_session(spec, log)
        except ValueError as error:
            raise SetupError(str(error)) from None
        return RunSession(session, f"cluster {cluster_id} (Databricks Connect)", cluster_id)
    fresh_state_dir(state_dir)
    log(
        f"Starting local Spark with Delta (warehouse {state_dir / 'warehouse'}, Spark's log {state_dir / 'spark.log'}) ..."
    )
    if spec.mode == "spark-connect":
        return spark_connect_session(state_dir, processes, log)
    session = local_session(state_dir, processes)
    return RunSession(session, f"local Spark ({session.sparkContext.defaultParallelism} cores)", "", session.stop)


def activate_in_this_thread(spark) -> None:
    """Classic PySpark: a new Python thread runs on a JVM thread without an active session, and Delta then cannot
    resolve a catalog table for a streaming write (DELTA_INVALID_V1_TABLE_CALL). On Databricks each phase is its
    own notebook's main thread; here each phase thread makes the session active first. (Spark Connect sessions
    have no JVM here and need nothing.)"""
    jvm_session = getattr(spark, "_jsparkSession", None)
    if jvm_session is not None:
        spark._jvm.org.apache.spark.sql.SparkSession.setActiveSession(jvm_session)
