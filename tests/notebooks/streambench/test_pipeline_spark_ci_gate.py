"""The DLT Spark test never lets CI go green without running: with a `pipelines` extra missing it skips on a
developer's machine, saying why, and fails under any CI (CI=true, CI=1, ...). Checked by running pytest on it with one
package hidden."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]


@pytest.fixture
def without_yaml(tmp_path):
    """A PYTHONPATH entry whose `yaml` module fails to import, as if pyyaml were not installed."""
    (tmp_path / "yaml.py").write_text("raise ImportError('pyyaml hidden by test_ci_gate.py')\n")
    return str(tmp_path)


def run_pipeline_test(hidden_path, ci):
    """pytest on the DLT test with `CI` set to `ci` (None: unset), as `npm run test:notebooks` runs it (no -rs)."""
    env = {key: value for key, value in os.environ.items() if key != "CI"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [hidden_path, env.get("PYTHONPATH")]))
    if ci is not None:
        env["CI"] = ci
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            str(TESTS / "streambench" / "test_pipeline_spark.py"),
            "-q",
            "-p",
            "no:cacheprovider",
        ],
        cwd=TESTS.parents[1],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize("ci", ["true", "1", "yes"])
def test_a_missing_package_fails_the_dlt_test_under_any_ci(without_yaml, ci):
    result = run_pipeline_test(without_yaml, ci=ci)
    assert result.returncode != 0, result.stdout
    assert "pyspark[pipelines] extras not installed: ['yaml']" in result.stdout
    assert f"CI={ci}, so the DLT pipeline test fails instead of skipping" in result.stdout


@pytest.mark.parametrize("ci", [None, "false"])
def test_a_missing_package_skips_the_dlt_test_on_a_developer_machine_and_says_why(without_yaml, ci):
    result = run_pipeline_test(without_yaml, ci=ci)
    assert result.returncode == 0, result.stdout + result.stderr
    # The reason is in the short summary without -rs: a skip is never silent.
    assert "SKIPPED" in result.stdout and "pyspark[pipelines] extras not installed: ['yaml']" in result.stdout
    assert " passed" not in result.stdout


@pytest.mark.parametrize(
    "value, expected",
    [("true", True), ("1", True), ("TRUE", True), ("woodpecker", True), (None, False), ("", False), (" ", False)]
    + [("false", False), ("False", False), ("0", False)],
)
def test_ci_is_any_value_but_empty_false_or_0(value, expected):
    from ci_gate import under_ci

    assert under_ci({} if value is None else {"CI": value}) is expected
