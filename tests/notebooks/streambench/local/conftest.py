"""The small stack's run spec, built by cli/local.ts itself, for the local runner's tests."""

import json

import pytest
from runner_support import SMALL_STACK, SPEED, local_ts, project_with


@pytest.fixture(scope="session")
def small_spec(tmp_path_factory):
    project = project_with(tmp_path_factory.mktemp("small"), "small", SMALL_STACK)
    result = local_ts(project, "--stack", "small", "--speed", str(SPEED), "--dry-run")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)
