"""Shared fixtures: the notebooks folder on sys.path, one local Spark session with Delta for the whole run, and one
Spark Connect server in that session's JVM with one Connect session on it.

`any_spark` runs a test (or a module fixture) once on each: the classic session, then the Connect session. A Connect
session switches this process's pyspark into Connect mode (streambench.metrics.CONNECT_MODE_VARIABLE), so the
switch is on exactly while a test or fixture that got the Connect session runs (two hooks below), and off for every
other test and fixture. Both sessions share
one catalog: a test that runs on both writes its tables in a schema of its own per variant (`variant_schema`).

Beside this file (on sys.path as the conftest's folder), plan_documents.py builds the plan's documents the tests pass
the notebooks (`phases_json`, `windows_json`), and spark_variants.py says which variant a session is."""

import os
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
sys.path.insert(0, str(NOTEBOOKS))

from spark_variants import SPARK_VARIANTS, connect_server_problem, skip_or_fail  # noqa: E402
from streambench.local.spark_connect import (  # noqa: E402
    CONNECT_MODE_VARIABLE,
    connect_client,
    is_spark_connect,
    start_connect_server,
    stop_connect_server,
)


def pytest_configure(config):
    # A skip is never silent: its reason is in the short summary even without -rs (as `npm run test:notebooks` runs).
    if "s" not in config.option.reportchars and "a" not in config.option.reportchars:
        config.option.reportchars += "s"


@pytest.fixture(scope="session")
def spark(tmp_path_factory):
    from delta import configure_spark_with_delta_pip
    from pyspark.sql import SparkSession

    warehouse = tmp_path_factory.mktemp("warehouse")
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    builder = (
        SparkSession.builder.master("local[2]")
        .appName("streambench-notebook-tests")
        .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
        .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
        .config("spark.sql.warehouse.dir", str(warehouse))
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.databricks.delta.snapshotPartitions", "2")
        .config("spark.sql.streaming.minBatchesToRetain", "10")
        .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={warehouse}")
    )
    session = configure_spark_with_delta_pip(builder).getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="session")
def connect_server(request):
    """`sc://127.0.0.1:<port>`: one Spark Connect server for the whole run, in the shared session's JVM. When it
    cannot start (no Java, a missing Connect package, a failed start), every test that needs it skips saying why,
    and fails under any CI."""
    problem = connect_server_problem(os.environ)
    if problem is None:
        spark = request.getfixturevalue("spark")
        try:
            service, port = start_connect_server(spark)
        except Exception as error:  # noqa: BLE001 - the reason goes into the skip or the failure
            problem = f"the Spark Connect server did not start: {str(error).splitlines()[0] if str(error) else error!r}"
    if problem is not None:
        skip_or_fail(problem)
    yield f"sc://127.0.0.1:{port}"
    stop_connect_server(service)


@pytest.fixture(scope="session")
def connect_spark(connect_server):
    """One Spark Connect session on the shared server, for the whole run."""
    session = connect_client(connect_server)
    os.environ.pop(CONNECT_MODE_VARIABLE, None)  # on only while Connect code runs (pyspark_mode)
    yield session
    with pyspark_mode(True):
        session.stop()


@pytest.fixture(scope="module", params=SPARK_VARIANTS)
def any_spark(request):
    """The classic session, then the Connect session: the test (and any fixture that takes this one) runs on each."""
    return request.getfixturevalue("spark" if request.param == "classic" else "connect_spark")


@contextmanager
def pyspark_mode(connect: bool):
    """pyspark in Connect mode (or not) for the block, then as it was."""
    saved = os.environ.get(CONNECT_MODE_VARIABLE)
    if connect:
        os.environ[CONNECT_MODE_VARIABLE] = "1"
    else:
        os.environ.pop(CONNECT_MODE_VARIABLE, None)
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop(CONNECT_MODE_VARIABLE, None)
        else:
            os.environ[CONNECT_MODE_VARIABLE] = saved


@pytest.hookimpl(hookwrapper=True)
def pytest_fixture_setup(fixturedef, request):
    """A fixture that takes `any_spark` is built in the mode of the session it gets; every other one classic."""
    connect = "any_spark" in fixturedef.argnames and is_spark_connect(request.getfixturevalue("any_spark"))
    with pyspark_mode(connect):
        yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    """A test runs in Connect mode exactly when it takes `any_spark` and gets the Connect session."""
    with pyspark_mode(is_spark_connect(getattr(item, "funcargs", {}).get("any_spark"))):
        yield
