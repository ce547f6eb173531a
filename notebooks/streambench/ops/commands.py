"""The ops commands (status, stop, run; analyze in ops/analyze.py, compare in ops/compare.py) on the SDK's WorkspaceClient, for the stack's own objects only:
found by the ids of the stack's outputs when there are any, otherwise by name, and acted on only when they carry
every one of the stack's tags."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Mapping, Sequence

from streambench.ops.analyze import ENDED, analyze, run_succeeded
from streambench.ops.compare import compare
from streambench.ops.workspace import OpsError, has_stack_tags


class AmbiguousJob(OpsError):
    """Several jobs of one stack name carry the stack's tags: none of them is touched, each id is named."""


@dataclass(frozen=True)
class JobSpec:
    """A job of the stack as its plan names it, with its id from the stack's outputs when known."""

    name: str
    role: str  # "timeline", "phase", "pipeline-control" or "analysis"
    job_id: int | None = None
    streams: int | None = None
    rate_per_stream: int | None = None


@dataclass
class Request:
    command: str
    stack: str
    jobs: list[JobSpec]
    tags: dict[str, str]
    pipeline_name: str | None = None
    pipeline_id: str | None = None
    follow: bool = True
    poll_seconds: float = 10.0
    run_minutes: float = 15.0
    settle_seconds: float = 60.0
    state_dir: str = ".streambench"  # where analyze puts the chart: .streambench/<stack>
    # compare: {"warehouseId", "query" (the run_comparison dataset's), "table", "last"}; None for the others
    compare: dict | None = None
    # analyze: {metric, op, value, text} the run is held to (streambench.gates); a failed one exits 99
    thresholds: list[dict] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    @staticmethod
    def parse(raw: Mapping[str, Any]) -> "Request":
        jobs = [
            JobSpec(
                name=str(job["name"]),
                role=str(job["role"]),
                job_id=int(job["id"]) if job.get("id") else None,
                streams=job.get("streams"),
                rate_per_stream=job.get("ratePerStream"),
            )
            for job in raw["jobs"]
        ]
        pipeline = raw.get("pipeline") or {}
        return Request(
            command=str(raw["command"]),
            stack=str(raw["stack"]),
            jobs=jobs,
            tags={str(key): str(value) for key, value in raw["tags"].items()},
            pipeline_name=pipeline.get("name"),
            pipeline_id=pipeline.get("id") or None,
            follow=bool(raw.get("follow", True)),
            poll_seconds=float(raw.get("pollSeconds", 10)),
            run_minutes=float(raw.get("runMinutes", 15)),
            settle_seconds=float(raw.get("settleSeconds", 60)),
            state_dir=str(raw.get("stateDir") or f".streambench/{raw['stack']}"),
            compare=raw.get("compare"),
            thresholds=list(raw.get("thresholds") or []),
        )


def text_table(rows: Sequence[Sequence[str]]) -> str:
    """Left-aligned columns two spaces apart, the header ruled with dashes."""
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def _is_not_found(error: Exception) -> bool:
    return type(error).__name__ in ("NotFound", "ResourceDoesNotExist") or getattr(error, "error_code", "") in (
        "RESOURCE_DOES_NOT_EXIST",
        "INVALID_PARAMETER_VALUE",
    )


def find_job(w, job: JobSpec, request: Request):
    """The stack's job of that name (one, carrying the stack's tags), or None when it is not deployed."""
    if job.job_id is not None:
        try:
            candidates = [w.jobs.get(job_id=job.job_id)]
        except Exception as error:  # noqa: BLE001 - a job deleted by hand is "not deployed"; anything else is raised
            if not _is_not_found(error):
                raise
            candidates = []
    else:
        candidates = list(w.jobs.list(name=job.name))
    named = [candidate for candidate in candidates if candidate.settings and candidate.settings.name == job.name]
    own = [candidate for candidate in named if has_stack_tags(candidate.settings.tags, request.tags)]
    for other in named:
        if other not in own:
            request.ignored.append(
                f"job {other.job_id} ({job.name}) lacks the stack's tags: not the stack's, left alone"
            )
    if len(own) > 1:
        raise AmbiguousJob(
            f"{len(own)} jobs named {job.name} carry the stack's tags ({', '.join(str(c.job_id) for c in own)}): "
            "none touched; run ops where `pulumi stack output` works, so the stack's own ids decide, or delete the "
            "job that is not the stack's"
        )
    return own[0] if own else None


def active_runs(w, job_id: int) -> list:
    return list(w.jobs.list_runs(job_id=job_id, active_only=True))


def _state(run) -> str:
    state = run.state.life_cycle_state if run.state else None
    return getattr(state, "value", str(state)) if state is not None else "UNKNOWN"


def _started(run) -> str:
    if not run.start_time:
        return "-"
    return datetime.fromtimestamp(run.start_time / 1000, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def _load(job: JobSpec) -> str:
    if job.streams is None or job.rate_per_stream is None:
        return "-"
    return f"{job.streams} × {job.rate_per_stream:,} = {job.streams * job.rate_per_stream:,}"


def status(w, request: Request, out: Callable[[str], None]) -> int:
    """The active runs of every job; a job that cannot be told apart from another is FAILED (exit 1), the rest
    are still listed."""
    rows, active, failures = [], 0, []
    for job in request.jobs:
        if job.role == "analysis":
            continue
        try:
            found = find_job(w, job, request)
        except AmbiguousJob as error:
            rows.append([job.name, "-", "-", "FAILED (see below)", "-", "-", "-"])
            failures.append(str(error))
            continue
        if not found:
            rows.append([job.name, "-", "-", "not deployed", "-", "-", "-"])
            continue
        runs = active_runs(w, found.job_id)
        active += len(runs)
        for run in runs:
            rows.append(
                [
                    job.name,
                    str(found.job_id),
                    str(run.run_id),
                    _state(run),
                    _started(run),
                    _load(job),
                    run.run_page_url or "-",
                ]
            )
        if not runs:
            rows.append([job.name, str(found.job_id), "-", "no active run", "-", "-", "-"])
    header = ["JOB", "JOB ID", "RUN ID", "STATE", "STARTED (UTC)", "STREAMS × ROWS/S (PLAN)", "RUN PAGE"]
    out(text_table([header, *rows]))
    for line in request.ignored:
        out(f"note: {line}")
    for failure in failures:
        out(f"FAILED: {failure}")
    out(f"{active} active run{'s' if active != 1 else ''}." if active else "No benchmark run is active.")
    return 1 if failures else 0


def stop(w, request: Request, out: Callable[[str], None], sleep: Callable[[float], None] = time.sleep) -> int:
    """Cancels every active run of every job and stops the pipeline, trying each even when one fails (the SDK
    retries 429 and 503 itself); then lists what is still running. Non-zero when anything failed or still runs."""
    failures: list[str] = []
    found: list[tuple[JobSpec, Any]] = []
    for job in request.jobs:
        try:
            if (own := find_job(w, job, request)) is not None:
                found.append((job, own))
        except AmbiguousJob as error:
            failures.append(str(error))
        except Exception as error:  # noqa: BLE001 - every job is tried; each failure is reported
            failures.append(f"{job.name}: cannot look it up: {error}")
    for job, own in found:
        try:
            w.jobs.cancel_all_runs(job_id=own.job_id)
            out(f"{job.name} (job {own.job_id}): every active run cancelled")
        except Exception as error:  # noqa: BLE001
            failures.append(f"{job.name} (job {own.job_id}): cancel failed: {error}")
    pipeline = _stop_pipeline(w, request, out, failures)
    still = _still_running(w, found, request.settle_seconds, sleep)
    for line in request.ignored:
        out(f"note: {line}")
    for name, run in still:
        out(f"still running: {name} run {run.run_id} ({_state(run)}) {run.run_page_url or ''}".rstrip())
    if pipeline and pipeline not in ("IDLE", "FAILED", "stopped"):
        out(f"still running: the pipeline {request.pipeline_name} ({pipeline})")
    for failure in failures:
        out(f"FAILED: {failure}")
    return 1 if failures or still else 0


def _stop_pipeline(w, request: Request, out, failures: list[str]) -> str | None:
    if not request.pipeline_name:
        return None
    try:
        own = _own_pipelines(w, request)
        if len(own) > 1:
            failures.append(
                f"{len(own)} pipelines named {request.pipeline_name} carry the stack's tags ({', '.join(own)}): "
                "none stopped; run ops where `pulumi stack output` works, so the stack's own id decides, or delete "
                "the pipeline that is not the stack's"
            )
            return None
        if not own:
            out(f"{request.pipeline_name}: not deployed")
            return None
        w.pipelines.stop(pipeline_id=own[0])
        out(f"{request.pipeline_name} (pipeline {own[0]}): stopped")
        return "stopped"
    except Exception as error:  # noqa: BLE001
        failures.append(f"{request.pipeline_name}: stop failed: {error}")
        return None


def _own_pipelines(w, request: Request) -> list[str]:
    """The ids of the stack's pipelines: the output's id, else every pipeline of the name, kept only when it
    carries the stack's tags (the pipeline's `tags`, which the list does not return: read per pipeline)."""
    if request.pipeline_id:
        candidates = [request.pipeline_id]
    else:
        listed = w.pipelines.list_pipelines(filter=f"name LIKE '{request.pipeline_name}'")
        candidates = [p.pipeline_id for p in listed if p.name == request.pipeline_name]
    own = []
    for pipeline_id in candidates:
        try:
            spec = w.pipelines.get(pipeline_id=pipeline_id).spec
        except Exception as error:  # noqa: BLE001 - a pipeline deleted by hand is "not deployed"; anything else is raised
            if not _is_not_found(error):
                raise
            continue
        if has_stack_tags(getattr(spec, "tags", None), request.tags):
            own.append(pipeline_id)
        else:
            request.ignored.append(
                f"pipeline {pipeline_id} ({request.pipeline_name}) lacks the stack's tags: left alone"
            )
    return own


def _still_running(w, found: Sequence[tuple[JobSpec, Any]], settle_seconds: float, sleep) -> list:
    """Active runs left after the cancels, waiting up to `settle_seconds` for cancelled runs to end."""
    waited = 0.0
    while True:
        still = [(job.name, run) for job, own in found for run in active_runs(w, own.job_id)]
        if not still or waited >= settle_seconds:
            return still
        sleep(2.0)
        waited += 2.0


def start(w, request: Request, role: str, out: Callable[[str], None]):
    job = next((job for job in request.jobs if job.role == role), None)
    own = find_job(w, job, request) if job else None
    if not own:
        raise OpsError(f"the {role} job {job.name if job else ''} is not deployed: run `pulumi up` first")
    try:
        waiter = w.jobs.run_now(job_id=own.job_id)
    except KeyError:
        raise OpsError(f"the workspace started no run of {job.name}: its answer held no run id") from None
    run = w.jobs.get_run(run_id=waiter.run_id)
    out(f"Started {job.name} run {run.run_id}: {run.run_page_url or '-'}")
    return own, run


def run(w, request: Request, out: Callable[[str], None], sleep: Callable[[float], None] = time.sleep) -> int:
    """Starts the timeline job; follows it (a progress bar and the phase states) until it ends, unless told not to.
    Ctrl-C detaches: the run goes on."""
    _, started = start(w, request, "timeline", out)
    if not request.follow:
        return 0
    began = time.monotonic()
    try:
        while True:
            current = w.jobs.get_run(run_id=started.run_id)
            # Followed until it has ended (a state the SDK does not know is still followed); a run that ended
            # without a result state (SKIPPED, INTERNAL_ERROR) failed, as analyze says.
            if _state(current) in ENDED:
                result = current.state.result_state
                out(
                    f"\nRun {current.run_id} ended: {_state(current)} {getattr(result, 'value', result) or ''}".rstrip()
                )
                out("The results: the analysis task's output on the run page, and the stack's benchmark_results table.")
                return 0 if run_succeeded(current) else 1
            out(progress(time.monotonic() - began, request.run_minutes, current))
            sleep(request.poll_seconds)
    except KeyboardInterrupt:
        out(f"\nDetached: run {started.run_id} goes on (npm run ops -- status / stop --stack {request.stack}).")
        return 0


def progress(elapsed_seconds: float, run_minutes: float, current) -> str:
    """`[#####.....] 6.0/15 min  baseline RUNNING, scale_3x RUNNING, ...`"""
    share = min(1.0, elapsed_seconds / max(run_minutes * 60.0, 1.0))
    bar = "#" * int(share * 20) + "." * (20 - int(share * 20))
    tasks = ", ".join(f"{task.task_key} {_state(task)}" for task in (current.tasks or []))
    return f"[{bar}] {elapsed_seconds / 60:.1f}/{run_minutes:g} min  {tasks}".rstrip()


COMMANDS = {
    "status": status,
    "stop": stop,
    "run": run,
    "analyze": lambda w, request, out: analyze(w, request, out),
    "compare": lambda w, request, out: compare(w, request, out),
}
