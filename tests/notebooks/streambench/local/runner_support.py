"""What the local runner's tests share: a small stack, cli/local.ts run on it, the runner run as a command, and
the processes it leaves (found by a marker in their command line: the run's state folder)."""

import json
import os
import re
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]
RUNNER = ROOT / "notebooks" / "streambench" / "local" / "run.py"

# A small stack: 1 baseline stream at 200 rows/s, the 3x stream (600) in minute 1-2, the 9x (1,800) in minute
# 2-3, four minutes in all; one partition per stream.
SMALL_STACK = """config:
  streambench:baselineStreams: 1
  streambench:baselineRate: 200
  streambench:scale3xRate: 600
  streambench:scale9xRate: 1800
  streambench:partitions: 1
  streambench:timeline:
    scale3xStartMinute: 1
    scale3xEndMinute: 2
    scale9xStartMinute: 2
    scale9xEndMinute: 3
    runMinutes: 4
"""
# A plan minute of the small stack's runs lasts 12 s: each window is 12 s long, the trigger 2 s and the status
# line every 6 s.
SPEED = 5

NODE_MAIN = (
    "require('./cli/local').main(process.argv.slice(1), process.env, "
    "{stdout: (line) => console.log(line), stderr: (line) => console.error(line)}, process.env.PROJECT_DIR)"
    ".then((code) => process.exit(code))"
)
NODE_LOCAL = ["node", "-r", "ts-node/register/transpile-only", "-e", NODE_MAIN, "--"]


def project_with(tmp_path: Path, stack: str, stack_file: str) -> Path:
    project = tmp_path / "project"
    project.mkdir(exist_ok=True)
    (project / f"Pulumi.{stack}.yaml").write_text(stack_file)
    return project


def local_ts(project: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """cli/local.ts main() on a project folder that holds the test's stack file."""
    return subprocess.run(
        [*NODE_LOCAL, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PROJECT_DIR": str(project), **(env or {})},
        timeout=120,
    )


def run_runner(spec: dict, env: dict | None = None, script: Path = RUNNER) -> subprocess.CompletedProcess:
    """The runner as `npm run local` starts it: the spec on stdin."""
    return subprocess.run(
        [sys.executable, str(script)],
        input=json.dumps(spec),
        capture_output=True,
        text=True,
        timeout=120,
        env=env if env is not None else dict(os.environ),
    )


def start_in_own_group(command: list, spec: dict | None = None, **kwargs) -> subprocess.Popen:
    """A command in its own process group (as a terminal's foreground job), the spec on stdin, output merged;
    end_group ends whatever of it is left."""
    process = subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        **kwargs,
    )
    if spec is not None:
        process.stdin.write(json.dumps(spec))
    process.stdin.close()
    process.stdin = None  # so that communicate() reads the output without flushing a closed input
    return process


def end_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


def read_until(process: subprocess.Popen, text: str, lines: list, deadline_seconds: float = 300) -> None:
    """Reads the process's output into `lines` until a line holds `text` (or the output ends)."""
    deadline = time.monotonic() + deadline_seconds
    for line in process.stdout:
        lines.append(line.rstrip("\n"))
        if text in line or time.monotonic() > deadline:
            return


# run_phase's line as its streams start: "[3x] Starting 1 3x stream(s) ... for the window <start> to <end>."
STARTING_LINE = re.compile(r"^\[(?P<phase>[^\]]+)\] Starting .* for the window (?P<start>\S+) to (?P<end>\S+)\.$")


def phase_windows(lines: list[str]) -> dict[str, tuple[datetime, datetime]]:
    """Each phase that has started its streams, with its window (start, end) on the wall clock, from its lines."""
    found = (STARTING_LINE.match(line) for line in list(lines))
    return {
        match["phase"]: (datetime.fromisoformat(match["start"]), datetime.fromisoformat(match["end"]))
        for match in found
        if match
    }


def committed_batches(spark, phase: str) -> list[dict]:
    """The progress of every micro-batch the phase's running queries have committed (a query reports a batch's
    progress once its commit is done), each as a dict (metrics_rows.progress_dict)."""
    from streambench.metrics_rows import progress_dict

    return [
        progress_dict(progress)
        for query in spark.streams.active
        if query.name and query.name.startswith(f"{phase}:")
        for progress in query.recentProgress
    ]


def processes_with(marker: str) -> list[tuple[int, str]]:
    """Live processes (zombies apart) whose command line holds `marker`: (pid, command line)."""
    listing = subprocess.run(
        ["ps", "-ww", "-eo", "pid=,stat=,args="], capture_output=True, text=True, check=True
    ).stdout
    found = []
    for line in listing.splitlines():
        pid, stat, args = (line.strip().split(None, 2) + ["", ""])[:3]
        if marker in args and not stat.startswith("Z") and int(pid) != os.getpid():
            found.append((int(pid), args))
    return found


def wait_for(condition, deadline_seconds: float = 300, every: float = 0.1):
    """Polls `condition` until it returns something true, or the deadline passes; returns its last value."""
    deadline = time.monotonic() + deadline_seconds
    value = condition()
    while not value and time.monotonic() < deadline:
        time.sleep(every)
        value = condition()
    return value


def kill_all(found: list[tuple[int, str]]) -> None:
    for pid, _ in found:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def gateway_jvms(marker: str) -> list[tuple[int, str]]:
    """The gateway JVM of a run (Spark's launcher apart, which only prints the JVM's command line)."""
    return [
        (pid, args)
        for pid, args in processes_with(marker)
        if "org.apache.spark.deploy.SparkSubmit" in args and "launcher.Main" not in args and "java" in args
    ]


def bin_with(tmp_path: Path, name: str, script: str) -> Path:
    """A folder with one executable script (a stand-in for `java`), to put first on PATH."""
    folder = tmp_path / f"bin-{name}"
    folder.mkdir(exist_ok=True)
    executable = folder / name
    executable.write_text(script)
    executable.chmod(0o755)
    return folder


def path_without(program: str, tmp_path: Path) -> str:
    """A PATH with every program of this one but `program` (and the JDK's tools): links in one folder."""
    folder = tmp_path / f"path-without-{program}"
    folder.mkdir(exist_ok=True)
    for directory in os.environ.get("PATH", os.defpath).split(os.pathsep):
        if not os.path.isdir(directory):
            continue
        for entry in os.listdir(directory):
            target = os.path.join(directory, entry)
            link = folder / entry
            if entry in (program, "javac", "jshell") or link.exists() or "jvm" in os.path.realpath(target):
                continue
            if os.access(target, os.X_OK) and not os.path.isdir(target):
                link.symlink_to(target)
    return str(folder)


# The dashboard's datasets of a stack, as `pulumi up` declares them (components/dashboard), with the plan's catalog
# replaced by the local one, so that their queries can run on local Spark against the tables a local run wrote.
NODE_DATASETS = (
    "const { loadStack } = require('./cli/local');"
    "const { dashboardDefinition } = require('./components/dashboard/definition');"
    "const { plan } = loadStack(process.env.PROJECT_DIR, process.argv[1], process.env);"
    "const local = { ...plan, catalog: process.argv[2] };"
    "console.log(JSON.stringify({ datasets: dashboardDefinition(local).datasets, plan }));"
)


def dashboard_datasets(project: Path, stack: str, catalog: str) -> dict:
    """{"datasets": [{name, displayName, query, columns}], "plan": the scaling plan} of the stack's dashboard, its
    tables in `catalog`."""
    result = subprocess.run(
        ["node", "-r", "ts-node/register/transpile-only", "-e", NODE_DATASETS, "--", stack, catalog],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PROJECT_DIR": str(project)},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)
