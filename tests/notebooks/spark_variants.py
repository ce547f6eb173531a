"""Which Spark a test runs on (the `any_spark` fixture of conftest.py), and when the Connect variant may skip.

The Spark Connect server needs Java (it runs in the shared session's JVM) and pyspark's `connect` extra (grpcio,
grpcio-status, googleapis-common-protos, pandas, pyarrow, zstandard). Without one, the Connect variants skip on a
developer's machine, saying why, and fail under any CI (ci_gate.under_ci), as the DLT test and the Java-backed
mocha checks (tests/java.ts) do: no CI goes green without them.
"""

from __future__ import annotations

import os
import sys
from typing import Mapping

import pytest
from ci_gate import under_ci
from streambench.local.sessions import java_problem
from streambench.local.spark_connect import is_spark_connect

SPARK_VARIANTS = ("classic", "connect")
CONNECT_EXTRAS = ("grpc", "grpc_status", "google.rpc", "pandas", "pyarrow", "zstandard")


def variant_schema(base: str, spark) -> str:
    """The test's schema on this session: both variants share one catalog, so the Connect variant writes apart."""
    return f"{base}_connect" if is_spark_connect(spark) else base


def missing_extras() -> list[str]:
    missing = []
    for module in CONNECT_EXTRAS:
        try:
            __import__(module)
        except ImportError:
            missing.append(module)
    return missing


def connect_server_problem(env: Mapping[str, str]) -> str | None:
    """Why no Spark Connect server can start here, or None."""
    problem = java_problem(env)
    if problem is None and (missing := missing_extras()):
        problem = f"pyspark[connect] packages not installed: {missing} (install requirements-test.txt)"
    return problem


def skip_or_fail(problem: str, environ: Mapping[str, str] = os.environ) -> None:
    """Fails the test under any CI; else skips it, with the reason in pytest's summary and on stderr."""
    if under_ci(environ):
        pytest.fail(
            f"Spark Connect variant cannot run: {problem}; CI={environ.get('CI')}, so it fails instead of skipping",
            pytrace=False,
        )
    print(f"SKIPPED Spark Connect variant: {problem}; under CI this fails", file=sys.stderr)
    pytest.skip(f"Spark Connect variant: {problem}; under CI this fails")
