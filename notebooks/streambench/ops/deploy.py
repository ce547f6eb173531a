"""The commands `pulumi up` / `pulumi destroy` run for `runOnDeploy` (components/runOnDeploy/index.ts), on the
official SDK with whatever credentials the Databricks provider was given (the component passes them as
DATABRICKS_* variables, secrets as secrets):

    python -m streambench.ops.deploy start      run the timeline job now (STREAMBENCH_START_JOB_ID), print the run
    python -m streambench.ops.deploy cancel     cancel every active run of the stack's jobs (STREAMBENCH_CANCEL_JOB_IDS,
                                                comma-separated), then stop its DLT pipelines (STREAMBENCH_STOP_PIPELINE_IDS)
    python -m streambench.ops.deploy unchanged  nothing: the workload did not change, the running benchmark stays

cancel tries every job and pipeline: one deleted by hand has nothing left to cancel (said so, no failure), and one
that fails is reported (exit 1) after the others are done, so a stray failure never leaves the rest billing.
"""

from __future__ import annotations

import os
import re
import sys
import time
from typing import Callable, Mapping

from streambench.ops.workspace import OpsError, Target, scrub, workspace_client

# Cancelled runs end asynchronously; the pipeline is stopped once they have (or after this long).
CANCEL_SETTLE_SECONDS = 60.0


def id_list(text: str | None, variable: str, pattern: str, required: bool) -> list[str]:
    ids = [part for part in (text or "").split(",") if part]
    if (required and not ids) or any(not re.fullmatch(pattern, part) for part in ids):
        raise OpsError(f"{variable} must hold ids (set by the stack), got {text!r}")
    return ids


def deploy(
    command: str | None,
    env: Mapping[str, str],
    out: Callable[[str], None],
    w=None,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    if command == "unchanged":
        out("Workload unchanged: the benchmark is not started again.")
        return 0
    if command not in ("start", "cancel"):
        print("usage: python -m streambench.ops.deploy start|cancel|unchanged", file=sys.stderr)
        return 2
    # Both lists are checked before the first request, so a bad one changes nothing.
    if command == "start":
        [job_id] = id_list(env.get("STREAMBENCH_START_JOB_ID"), "STREAMBENCH_START_JOB_ID", r"[1-9]\d*", True)[:1]
    else:
        cancel = id_list(env.get("STREAMBENCH_CANCEL_JOB_IDS"), "STREAMBENCH_CANCEL_JOB_IDS", r"[1-9]\d*", True)
        pipelines = id_list(
            env.get("STREAMBENCH_STOP_PIPELINE_IDS"), "STREAMBENCH_STOP_PIPELINE_IDS", r"[0-9a-fA-F-]+", False
        )
    w = w or workspace_client(Target(host=None, profile=None), env)
    if command == "start":
        try:
            run_id = w.jobs.run_now(job_id=int(job_id)).run_id
        except KeyError:
            raise OpsError(f"the workspace started no run of job {job_id}: its answer held no run id") from None
        out(f"Started the timeline run {run_id} of job {job_id}.")
        return 0
    failures: list[str] = []
    cancelled = [job for job in cancel if _cancel(w, job, env, out, failures)]
    # After the control run has ended, so that it cannot start another update; a cancelled notebook may not reach
    # its own stop. Only the runs cancelled here are waited for: a job whose cancel failed keeps its runs.
    waited = 0.0
    while pipelines and cancelled and waited < CANCEL_SETTLE_SECONDS and _any_active(w, cancelled):
        sleep(2.0)
        waited += 2.0
    for pipeline_id in pipelines:
        _stop(w, pipeline_id, env, out, failures)
    if failures:
        raise OpsError("; ".join(failures))
    return 0


def _gone(error: Exception, job: str | None = None) -> bool:
    """A job or pipeline deleted by hand. Jobs answer a missing id with 400 INVALID_PARAMETER_VALUE "Job <id> does
    not exist." outside the calls the SDK maps to not-found (the Databricks provider matches the same message)."""
    return type(error).__name__ in ("NotFound", "ResourceDoesNotExist") or (
        job is not None and f"Job {job} does not exist" in str(error)
    )


def _cancel(w, job: str, env: Mapping[str, str], out, failures: list[str]) -> bool:
    """Cancels the job's active runs; True when it did. Every job is tried: one failing does not stop the others."""
    try:
        w.jobs.cancel_all_runs(job_id=int(job))
    except Exception as error:  # noqa: BLE001 - reported once every job and pipeline has been tried
        if _gone(error, job):
            out(f"Job {job} no longer exists: nothing to cancel.")
        else:
            failures.append(f"job {job}: cancel failed: {type(error).__name__}: {scrub(str(error), env)}")
        return False
    out(f"Cancelled the active runs of job {job}.")
    return True


def _any_active(w, jobs: list[str]) -> bool:
    try:
        return any(True for job in jobs for _ in w.jobs.list_runs(job_id=int(job), active_only=True))
    except Exception:  # noqa: BLE001 - runs that cannot be listed are not waited for; the pipeline is still stopped
        return False


def _stop(w, pipeline_id: str, env: Mapping[str, str], out, failures: list[str]) -> None:
    try:
        w.pipelines.stop(pipeline_id=pipeline_id)
    except Exception as error:  # noqa: BLE001 - reported with the jobs' failures
        if _gone(error):
            out(f"The DLT pipeline {pipeline_id} no longer exists: nothing to stop.")
        else:
            failures.append(f"pipeline {pipeline_id}: stop failed: {type(error).__name__}: {scrub(str(error), env)}")
        return
    out(f"Stopped the DLT pipeline {pipeline_id} (its active update, if any, is cancelled).")


def main() -> int:
    command = sys.argv[1] if len(sys.argv) > 1 else None
    try:
        return deploy(command, os.environ, lambda line: print(line, flush=True))
    except OpsError as error:
        print(f"streambench {command}: {error}", file=sys.stderr)
        return 1
    except Exception as error:  # noqa: BLE001 - the SDK's errors, scrubbed, without a traceback
        print(f"streambench {command}: {type(error).__name__}: {scrub(str(error), os.environ)}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
