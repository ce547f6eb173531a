"""The DLT Spark test never lets CI go green without running: with a `pipelines` extra missing it skips on a
developer's machine and fails under CI=true. Checked by running pytest on it with one package hidden."""

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
    env = {key: value for key, value in os.environ.items() if key != "CI"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [hidden_path, env.get("PYTHONPATH")]))
    if ci:
        env["CI"] = "true"
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            str(TESTS / "streambench" / "test_pipeline_spark.py"),
            "-q",
            "-p",
            "no:cacheprovider",
            "-rs",
        ],
        cwd=TESTS.parents[1],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_missing_package_fails_the_dlt_test_under_ci(without_yaml):
    result = run_pipeline_test(without_yaml, ci=True)
    assert result.returncode != 0, result.stdout
    assert "pyspark[pipelines] extras not installed: ['yaml']" in result.stdout
    assert "CI=true, so the DLT pipeline test fails instead of skipping" in result.stdout


def test_a_missing_package_skips_the_dlt_test_on_a_developer_machine(without_yaml):
    result = run_pipeline_test(without_yaml, ci=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "skipped" in result.stdout and "pyspark[pipelines] extras not installed: ['yaml']" in result.stdout
    assert " passed" not in result.stdout
