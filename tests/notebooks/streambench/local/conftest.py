"""The small stack's run spec, built by cli/local.ts itself, and its whole timeline played once on local Spark, for
the local runner's tests."""

import json
import threading

import pytest
from runner_support import SMALL_STACK, SPEED, local_ts, project_with


@pytest.fixture(scope="session")
def small_project(tmp_path_factory):
    """A project folder holding the small stack's file (Pulumi.small.yaml)."""
    return project_with(tmp_path_factory.mktemp("small"), "small", SMALL_STACK)


@pytest.fixture(scope="session")
def small_spec(small_project):
    project = small_project
    result = local_ts(project, "--stack", "small", "--speed", str(SPEED), "--dry-run")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="session")
def played(spark, small_spec, tmp_path_factory):
    """The small stack's whole timeline at SPEED x on the shared session, through run_phase and analyze_run: once
    for test_run.py (the run) and test_run_queries.py (the dashboard's and compare's queries on what it wrote)."""
    from streambench.local.console import Console
    from streambench.local.report import analyse_and_draw
    from streambench.local.run import run_timeline
    from streambench.local.timeline import parse_run_spec

    state = tmp_path_factory.mktemp("state")
    spec = parse_run_spec({**small_spec, "stateDir": str(state)})
    console = Console(interactive=False)
    lines = []
    console.log = lines.append
    outcome = run_timeline(spark, spec, console, threading.Event())
    report = analyse_and_draw(spark, spec, outcome, console, state_dir=state)
    return spec, outcome, report, lines, state
