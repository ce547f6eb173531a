"""A Spark Connect server inside a local Spark's own JVM (the one `npm run local -- --spark-connect` and the tests
talk to), and a Connect session on it. (Telling a Connect session from a classic one: streambench.metrics
`is_spark_connect`, which the notebooks need too.)

Standard access mode and serverless run notebooks' Python through Spark Connect, and Databricks Connect is Spark
Connect too. There the session has no `sparkContext` and no JVM in this process, data frames travel over gRPC, and a
StreamingQueryListener may run on the server, apart from this process's objects (Databricks: "does not have access
to variables defined outside of it"). Open-source PySpark 4.2 delivers listener events to the client instead; code
that must work on both cannot rely on either.
"""

from __future__ import annotations

import os
from typing import Any

from streambench.metrics import CONNECT_MODE_VARIABLE, is_spark_connect  # noqa: F401 - one home for both


def start_connect_server(classic_spark: Any, host: str = "127.0.0.1") -> tuple[Any, int]:
    """Starts a Spark Connect server in a classic local session's JVM, on a free port of `host`: the server's
    sessions share that JVM's catalog, warehouse and Delta extensions, and no second JVM is started. Returns the
    service (for stop_connect_server) and its port."""
    context = classic_spark._jsc.sc()
    context.conf().set("spark.connect.grpc.binding.address", host)
    context.conf().set("spark.connect.grpc.binding.port", "0")
    service = getattr(classic_spark._jvm.org.apache.spark.sql.connect.service, "SparkConnectService$").__getattr__(
        "MODULE$"
    )
    service.start(context)
    return service, int(service.localPort())


def stop_connect_server(service: Any) -> None:
    """Stops a server of start_connect_server (its sessions end with it; the classic session carries on)."""
    service.stop(getattr(service, "stop$default$1")(), getattr(service, "stop$default$2")())


def connect_client(url: str) -> Any:
    """A new Spark Connect session on `url` (`sc://host:port`). From then on this process's pyspark builds Connect
    columns (CONNECT_MODE_VARIABLE), as a process that runs only Connect code does."""
    from pyspark.sql.connect.session import SparkSession as ConnectSession

    os.environ[CONNECT_MODE_VARIABLE] = "1"
    return ConnectSession.builder.remote(url).create()
