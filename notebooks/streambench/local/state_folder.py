"""The stack's state folder, `.streambench/<stack>/`, before a run touches it: it must be writable (checked
before Spark starts, so the error is not only in Spark's log), and it holds one run at a time. Two runs of one
stack would share it, and the second would replace the first's warehouse and checkpoints under its running
streams.

The lock is an OS lock (`flock`) on `.streambench/<stack>.lock`, beside the stack's folder, so taking it touches
nothing of the folder. The kernel drops it when its process ends, however it ends: a crashed or killed run
never blocks the next one, and there is no pid file to go stale. The file says who holds it (pid, start time),
so that the run refused can name the one running. The lock file is never inherited by a child process (Python
opens files non-inheritable), so a JVM left behind could not hold it either.
"""

from __future__ import annotations

import fcntl
import json
import os
from datetime import datetime, timezone
from pathlib import Path


class StackBusyError(Exception):
    """Another run of the same stack is running on this machine; the message names it."""


class StateFolderError(Exception):
    """The state folder (`.streambench/` or the stack's folder in it) cannot be written; the message says which."""


def lock_path(state_dir: Path) -> Path:
    """`.streambench/<stack>.lock` for the state folder `.streambench/<stack>`."""
    return state_dir.with_name(f"{state_dir.name}.lock")


def not_writable(folder: Path, error: OSError) -> StateFolderError:
    return StateFolderError(
        f"cannot write {folder} ({error.strerror or error}): make it writable (or remove it and run again)"
    )


class RunLock:
    """The lock of one run; held until `release()` or the end of the process."""

    def __init__(self, path: Path, descriptor: int):
        self.path = path
        self._descriptor: int | None = descriptor

    def release(self) -> None:
        if self._descriptor is not None:
            os.close(self._descriptor)  # closing the only descriptor drops the flock
            self._descriptor = None


def lock_holder(content: str) -> tuple[int, str] | None:
    """(pid, start time) from the lock file's content; None while its holder is still writing it (it writes right
    after taking the lock) or when it is not ours."""
    try:
        holder = json.loads(content)
        return int(holder["pid"]), str(holder["started"])
    except (ValueError, KeyError, TypeError):
        return None


def busy_message(stack: str, state_dir: Path, holder: tuple[int, str] | None) -> str:
    who = "its pid not written yet" if holder is None else f"pid {holder[0]}, started {holder[1]}"
    stop = "" if holder is None else f", or kill -INT {holder[0]}"
    return (
        f"stack {stack} is already running on this machine ({who}): a second run would replace its tables in "
        f"{state_dir}. Wait for it to end, or stop it (Ctrl-C in its terminal{stop})."
    )


def acquire_run_lock(stack: str, state_dir: Path, now: datetime | None = None) -> RunLock:
    """Takes the stack's lock, or raises StackBusyError naming the run that holds it (StateFolderError when
    `.streambench/` cannot be written). Never waits."""
    path = lock_path(state_dir)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as error:
        raise not_writable(path.parent, error) from None
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        content = os.pread(descriptor, 4096, 0).decode("utf-8", "replace")
        os.close(descriptor)
        raise StackBusyError(busy_message(stack, state_dir, lock_holder(content))) from None
    started = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    os.ftruncate(descriptor, 0)
    os.pwrite(descriptor, json.dumps({"pid": os.getpid(), "started": started}).encode(), 0)
    return RunLock(path, descriptor)


def check_writable(folder: Path) -> None:
    """Creates `folder` and writes a file in it, or raises StateFolderError: before Spark starts, not in its log."""
    import tempfile

    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        raise not_writable(folder, error) from None
