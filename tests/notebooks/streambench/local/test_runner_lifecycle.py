"""The local runner as a command, around the run itself: one run per stack, nothing left running after it
(a real JVM signalled while it starts), clear errors before Spark starts, a run that measured nothing, and
`npm run bench`'s scratch folder. Most of these need no Spark: a stand-in `java` on PATH takes the JVM's place."""

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from runner_support import (
    NODE_LOCAL,
    ROOT,
    SMALL_STACK,
    bin_with,
    end_group,
    gateway_jvms,
    kill_all,
    path_without,
    processes_with,
    project_with,
    read_until,
    run_runner,
    start_in_own_group,
    wait_for,
)

BENCH = ROOT / "notebooks" / "streambench" / "local" / "bench.py"
# A `java` that never answers: the runner sits in "Starting local Spark" as long as the test wants.
JAVA_THAT_HANGS = "#!/bin/sh\nexec sleep 600\n"


def spec_in(small_spec: dict, project: Path) -> dict:
    """The small stack's spec with its state folder in `project/.streambench/small`."""
    return {**small_spec, "stateDir": str(project / ".streambench" / "small")}


def env_with(**changes) -> dict:
    env = {key: value for key, value in os.environ.items() if key != "JAVA_HOME"}
    env.update(changes)
    return env


def assert_one_line_error(result: subprocess.CompletedProcess, *expected: str) -> None:
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    error_lines = [line for line in result.stderr.splitlines() if line.startswith("local: ")]
    assert len(error_lines) == 1, result.stderr
    for text in expected:
        assert text in error_lines[0], error_lines[0]


# ---- one run per stack ---------------------------------------------------------------------------------


def test_a_second_run_of_a_running_stack_is_refused_naming_the_first_and_leaves_its_folder_alone(small_spec, tmp_path):
    spec = spec_in(small_spec, tmp_path)
    state = Path(spec["stateDir"])
    env = env_with(PATH=f"{bin_with(tmp_path, 'java', JAVA_THAT_HANGS)}{os.pathsep}{os.environ['PATH']}")
    first = start_in_own_group([sys.executable, str(ROOT / "notebooks/streambench/local/run.py")], spec, env=env)
    second = None
    try:
        lines: list[str] = []
        read_until(first, "Starting local Spark", lines)
        assert any("Starting local Spark" in line for line in lines), lines
        # What the first run has made by now: its tables and the last chart.
        (state / "warehouse" / "first-runs-table").mkdir(parents=True)
        (state / "results.png").write_bytes(b"first")
        second = start_in_own_group([sys.executable, str(ROOT / "notebooks/streambench/local/run.py")], spec, env=env)
        output, _ = second.communicate(timeout=120)
        assert second.returncode == 1, output
        assert "Traceback" not in output, output
        assert f"local: stack small is already running on this machine (pid {first.pid}, started " in output
        assert f"kill -INT {first.pid}" in output
        assert (state / "warehouse" / "first-runs-table").is_dir(), "the second run replaced the first's tables"
        assert (state / "results.png").read_bytes() == b"first"
    finally:
        end_group(first)
        if second is not None:
            end_group(second)


def test_the_lock_goes_with_its_process_however_it_ends(tmp_path):
    """A run killed with SIGKILL (no `finally`, no clean-up) does not block the next: the lock is the kernel's."""
    from streambench.local.state_folder import StackBusyError, acquire_run_lock

    state = tmp_path / ".streambench" / "small"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; sys.path.insert(0, sys.argv[1]); from pathlib import Path; "
            "from streambench.local.state_folder import acquire_run_lock; "
            "lock = acquire_run_lock('small', Path(sys.argv[2])); print('locked', flush=True); time.sleep(600)",
            str(ROOT / "notebooks"),
            str(state),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(StackBusyError, match=f"pid {holder.pid}, started "):
            acquire_run_lock("small", state)
    finally:
        holder.kill()
        holder.wait()
    acquire_run_lock("small", state).release()
    assert not state.exists(), "taking the lock touches nothing of the stack's folder"


def test_the_lock_names_a_holder_that_has_not_written_itself_yet():
    from streambench.local.state_folder import busy_message, lock_holder

    assert lock_holder('{"pid": 42, "started": "2026-11-25 18:00:05 UTC"}') == (42, "2026-11-25 18:00:05 UTC")
    assert lock_holder("") is None and lock_holder('{"pid": "x"}') is None
    assert "(its pid not written yet)" in busy_message("dev", Path("/p/.streambench/dev"), None)


# ---- nothing the runner starts outlives it ---------------------------------------------------------------


@contextlib.contextmanager
def leftovers_killed(marker: str):
    """Kills whatever a failing test leaves behind (a JVM, a stand-in java) so that it does not run on."""
    try:
        yield
    finally:
        kill_all(processes_with(marker))


def test_ctrl_c_on_npm_run_local_while_local_spark_starts_leaves_no_jvm(small_spec, tmp_path):
    """The real command (cli/local.ts and its runner) and a real JVM: Ctrl-C, sent as a terminal sends it (to the
    whole foreground process group), once the gateway JVM runs and before the session is ready. When the command
    has exited, no process of the run is left (the marker is the run's state folder, on the JVM's command line)."""
    project = project_with(tmp_path, "small", SMALL_STACK)
    marker = str(project / ".streambench" / "small")
    with leftovers_killed(marker):
        command = start_in_own_group(
            [*NODE_LOCAL, "--stack", "small", "--speed", "5"], cwd=ROOT, env={**os.environ, "PROJECT_DIR": str(project)}
        )
        output: list[str] = []
        reader = threading.Thread(target=read_until, args=(command, "never printed", output), daemon=True)
        reader.start()
        try:
            assert wait_for(lambda: gateway_jvms(marker) or command.poll() is not None), output
            assert gateway_jvms(marker), ("the JVM never started", output)
            os.killpg(command.pid, signal.SIGINT)
            code = command.wait(timeout=120)
            left = processes_with(marker)
        finally:
            end_group(command)
        reader.join(timeout=10)
        assert left == [], (left, output)
        assert code == 130, output
        assert "local: stopped before the run started" in "\n".join(output), output


def test_sigterm_while_local_spark_starts_ends_the_jvm_before_the_runner_exits(small_spec, tmp_path):
    """The runner alone (as `python run.py`), a real JVM, SIGTERM to the runner only: by the time it has exited
    its JVM has ended too (it waits for it), and it says so in one line."""
    spec = spec_in(small_spec, tmp_path)
    marker = spec["stateDir"]
    with leftovers_killed(marker):
        runner = start_in_own_group([sys.executable, str(ROOT / "notebooks/streambench/local/run.py")], spec)
        output: list[str] = []
        reader = threading.Thread(target=read_until, args=(runner, "never printed", output), daemon=True)
        reader.start()
        try:
            assert wait_for(lambda: gateway_jvms(marker) or runner.poll() is not None), output
            assert gateway_jvms(marker), ("the JVM never started", output)
            runner.send_signal(signal.SIGTERM)
            code = runner.wait(timeout=120)
            left = processes_with(marker)
        finally:
            end_group(runner)
        reader.join(timeout=10)
        assert left == [], (left, output)
        assert code == 128 + signal.SIGTERM, output
        assert "Traceback" not in "\n".join(output), output


# ---- what to fix before Spark starts ---------------------------------------------------------------------


def test_without_java_the_run_stops_before_spark_with_one_line_saying_what_to_install(small_spec, tmp_path):
    spec = spec_in(small_spec, tmp_path)
    result = run_runner(spec, env=env_with(PATH=path_without("java", tmp_path)))
    assert_one_line_error(result, "local: no Java", "JAVA_HOME is not set", "install a JDK")
    assert not (Path(spec["stateDir"]) / "spark.log").exists(), "Spark was started"


def test_a_java_home_without_java_is_named(small_spec, tmp_path):
    result = run_runner(spec_in(small_spec, tmp_path), env=env_with(JAVA_HOME=str(tmp_path / "no-jdk")))
    assert_one_line_error(result, f"JAVA_HOME is {tmp_path / 'no-jdk'}, but it has no bin/java")


def test_a_jvm_that_fails_to_start_is_one_line_with_the_cause_from_sparks_log(small_spec, tmp_path):
    spec = spec_in(small_spec, tmp_path)
    failing = bin_with(
        tmp_path, "java", "#!/bin/sh\necho 'Error: Could not create the Java Virtual Machine.' >&2\nexit 1\n"
    )
    result = run_runner(spec, env=env_with(PATH=f"{failing}{os.pathsep}{os.environ['PATH']}"))
    assert_one_line_error(
        result,
        "local: local Spark did not start: Error: Could not create the Java Virtual Machine.",
        f"Spark's log: {spec['stateDir']}/spark.log",
    )


@contextlib.contextmanager
def read_only(folder: Path):
    """`folder` read-only even for root (a read-only bind mount; chmod stops everyone else)."""
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(0o755)
        return
    mounted = subprocess.run(["mount", "--bind", "-o", "ro", str(folder), str(folder)], capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"SKIPPED LOUDLY: root here cannot make a read-only folder (mount: {mounted.stderr.strip()})")
    try:
        yield
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def test_a_read_only_streambench_folder_is_one_line_naming_it(small_spec, tmp_path):
    spec = spec_in(small_spec, tmp_path)
    (tmp_path / ".streambench" / "small").mkdir(parents=True)
    with read_only(tmp_path / ".streambench"):
        result = run_runner(spec)
    assert_one_line_error(result, f"local: cannot write {tmp_path / '.streambench'}", "make it writable")


def test_a_read_only_stack_folder_is_one_line_naming_it(small_spec, tmp_path):
    spec = spec_in(small_spec, tmp_path)
    with read_only(tmp_path / ".streambench" / "small"):
        result = run_runner(spec)
    assert_one_line_error(result, f"local: cannot write {spec['stateDir']}", "make it writable")


@pytest.mark.parametrize(
    "env, has_java_on_path, expected",
    [
        ({"PATH": "/usr/bin"}, True, None),
        ({"PATH": "/usr/bin"}, False, "no Java: no java on PATH and JAVA_HOME is not set"),
        ({}, False, "no Java"),
        ({"JAVA_HOME": "/nonexistent/jdk"}, True, "JAVA_HOME is /nonexistent/jdk, but it has no bin/java"),
    ],
)
def test_java_is_looked_for_as_sparks_launcher_looks_for_it(env, has_java_on_path, expected):
    from streambench.local.sessions import java_problem

    problem = java_problem(env, which=lambda name, path: "/usr/bin/java" if has_java_on_path else None)
    assert (problem is None) if expected is None else (expected in problem), problem


# ---- a run that measured nothing -------------------------------------------------------------------------


def test_a_run_that_measured_nothing_says_so_and_fails(small_spec, tmp_path, monkeypatch, capsys):
    """main() with the session, the timeline and the analysis replaced (no Spark): every phase played to its end,
    and the analysis counted 0 rows."""
    import io
    from datetime import datetime, timezone
    from types import SimpleNamespace

    from streambench.local import run, sessions
    from streambench.local.timeline import TimelineOutcome

    spec = spec_in(small_spec, tmp_path)
    results = str(Path(spec["stateDir"]) / "results.json")
    monkeypatch.setattr(
        sessions,
        "local_session",
        lambda *args: SimpleNamespace(stop=lambda: None, sparkContext=SimpleNamespace(defaultParallelism=2)),
    )
    monkeypatch.setattr(
        sessions,
        "RunSession",
        lambda spark, *rest: SimpleNamespace(spark=spark, cluster_id="", where="", stop=spark.stop),
    )
    monkeypatch.setattr(
        run, "run_timeline", lambda *args: TimelineOutcome(datetime(2026, 11, 25, tzinfo=timezone.utc), "local-1")
    )
    report = SimpleNamespace(windows=[], chart_path=None, results_path=results, analysis_notes=[], rows=0)
    monkeypatch.setattr(run, "analyse_and_draw", lambda *args, **kwargs: report)
    previous = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    try:
        code = run.main(io.StringIO(json.dumps(spec)))
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    error = capsys.readouterr().err
    assert code == 1
    assert f"local: the run measured nothing: no stream wrote a row during the timeline (0 rows in {results})" in error


# ---- npm run bench ---------------------------------------------------------------------------------------


def test_the_bench_never_deletes_a_stacks_output(small_spec, tmp_path):
    """bench.py gets a run spec whose state folder is a stack's (`.streambench/bench` was one): it plays in its
    own scratch folder and leaves that one alone, even when local Spark cannot start."""
    stack_output = tmp_path / ".streambench" / "bench"
    (stack_output / "warehouse").mkdir(parents=True)
    (stack_output / "results.png").write_bytes(b"a stack named bench")
    failing = bin_with(tmp_path, "java", "#!/bin/sh\necho 'Error: no JVM for the bench test.' >&2\nexit 1\n")
    result = run_runner(
        {**small_spec, "stateDir": str(stack_output)},
        env=env_with(PATH=f"{failing}{os.pathsep}{os.environ['PATH']}", TMPDIR=str(tmp_path)),
        script=BENCH,
    )
    assert (
        result.returncode == 1
        and "bench: local Spark did not start: Error: no JVM for the bench test." in result.stderr
    )
    assert (stack_output / "results.png").read_bytes() == b"a stack named bench", result.stderr
    assert (stack_output / "warehouse").is_dir()
    assert not list(tmp_path.glob("streambench-bench-*")), "the bench left its scratch folder behind"
