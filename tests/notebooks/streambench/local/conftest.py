"""The small stack's run spec, built by cli/local.ts itself, for the local runner's tests."""

import json

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
