"""Where `npm run local` runs Spark: an embedded local session with Delta, or the stack's cluster through
Databricks Connect; both through the same runner code."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Callable

from streambench.local.timeline import RunSpec, databricks_connect_line


class SetupError(Exception):
    """Something to install or set before a run can start; the message says what."""


def first_line(error: BaseException) -> str:
    """The line of an error that says what happened (for a Java error from py4j: the Java exception's)."""
    java = getattr(error, "java_exception", None)
    text = str(java) if java is not None else str(error)
    return text.splitlines()[0] if text else repr(error)


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
            "then run again (or pass --python <that venv's python>)"
        )
    if not env.get("DATABRICKS_HOST"):
        problems.append(
            "no workspace host: export DATABRICKS_HOST=https://<workspace> or "
            f"`pulumi config set databricks:host https://<workspace> --stack {spec.stack}`"
        )
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

        matches = [
            cluster.cluster_id
            for cluster in WorkspaceClient().clusters.list()
            if cluster.cluster_name == spec.cluster_name
        ]
        if len(matches) != 1:
            raise SetupError(
                f"{len(matches)} clusters named {spec.cluster_name} in {os.environ['DATABRICKS_HOST']}: "
                "pass --cluster-id <id> (pulumi stack output clusterId)"
            )
        cluster_id = matches[0]
    log(f"Databricks Connect to cluster {cluster_id} on {os.environ['DATABRICKS_HOST']}")
    return DatabricksSession.builder.clusterId(cluster_id).getOrCreate(), cluster_id


def activate_in_this_thread(spark) -> None:
    """Classic PySpark: a new Python thread runs on a JVM thread without an active session, and Delta then cannot
    resolve a catalog table for a streaming write (DELTA_INVALID_V1_TABLE_CALL). On Databricks each phase is its
    own notebook's main thread; here each phase thread makes the session active first. (Spark Connect sessions
    have no JVM here and need nothing.)"""
    jvm_session = getattr(spark, "_jsparkSession", None)
    if jvm_session is not None:
        spark._jvm.org.apache.spark.sql.SparkSession.setActiveSession(jvm_session)
