"""Logic of the generator notebook: plain decision functions (tested without Spark) and the Spark pieces
(tested against a local Spark session).

The job passes every number as a parameter built by the stack's scaling plan (plan.ts); nothing here
repeats a rate, a stream count or a table name.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable, Mapping, Sequence

from streambench.job_parameters import (
    minutes_param,
    parse_time_param,
    phase_window,
    positive_whole_param,
    qualified_name,
)
from streambench.metrics import MetricsRecorder
from streambench.metrics_rows import query_name
from streambench.status import PhaseStatus, measure_phase
from streambench.stream_tables import PHASE_NAME, PhaseTables, all_tables, parse_phases
from streambench.window_edges import (
    Drain,
    drain_line,
    drain_outcome_line,
    drain_streams,
    expected_rows,
    window_end_rows,
    window_rows,
    window_summary,
)

# The parameters every phase job passes, sorted: the one list of them (tests/plan/notebookContract.test.ts holds the
# plan's phase parameters to exactly these). The phase's own tables come from the phases document (`phases_json`),
# its entry for `phase`.
PARAMETER_NAMES = (
    "catalog",
    "checkpoint_root",
    "drain_limit_seconds",
    "metrics_table",
    "num_partitions",
    "phase",
    "phases_json",
    "rows_per_second",
    "schema",
    "start_lead_seconds",
    "start_offset_minutes",
    "status_interval_seconds",
    "trigger_interval_seconds",
    "trigger_time",
    "window_minutes",
)
# Parameters that may be empty: a run started by hand has no trigger time and starts its window now.
OPTIONAL_PARAMETERS = ("trigger_time",)


@dataclass(frozen=True)
class PhaseParams:
    phase: str
    catalog: str
    schema: str
    first_stream_id: int
    stream_count: int
    rows_per_second: int
    num_partitions: int
    table_name_format: str
    checkpoint_root: str
    metrics_table: str
    phases_json: str
    trigger_time: str
    start_offset_minutes: float
    window_minutes: float
    status_interval_seconds: int
    trigger_interval_seconds: int
    start_lead_seconds: int = 0
    drain_limit_seconds: int = 0

    @property
    def target_rows_per_second(self) -> int:
        return self.stream_count * self.rows_per_second


@dataclass(frozen=True)
class StreamSpec:
    stream_id: int
    stream_type: str
    table: str
    full_table_name: str
    checkpoint_path: str


def _whole_seconds(raw: Mapping[str, str], name: str, problems: list[str]) -> int:
    text = raw.get(name, "").strip()
    whole = text.isascii() and text.isdigit()
    if text and not whole:
        problems.append(f"{name} must be a whole number of seconds (0 or more), got {text!r}")
    return int(text) if whole else 0


def parse_params(raw: Mapping[str, str]) -> PhaseParams:
    """Checks the notebook's parameters; raises ValueError naming every missing or bad one."""
    missing = {name for name in PARAMETER_NAMES if name not in OPTIONAL_PARAMETERS and not raw.get(name, "").strip()}
    problems = [f"{name} is required (set it as a job parameter)" for name in sorted(missing)]

    def number(name: str) -> int:
        return 0 if name in missing else positive_whole_param(name, raw.get(name, ""), problems)

    phase = raw.get("phase", "").strip()
    if phase and not PHASE_NAME.fullmatch(phase):
        problems.append(f"phase must be lower-case letters, digits and underscores, got {phase!r}")

    def minutes(name: str, allow_zero: bool) -> float:
        return 0.0 if name in missing else minutes_param(name, raw.get(name, ""), problems, allow_zero)

    # A root of only slashes would lose them all below and put every checkpoint at "/<table>".
    checkpoint_root = raw.get("checkpoint_root", "").strip().rstrip("/")
    if "checkpoint_root" not in missing and not checkpoint_root:
        problems.append(
            "checkpoint_root must be a folder below / (e.g. /Volumes/<catalog>/<schema>/<volume>/<phase>/<run id>), "
            f"got {raw.get('checkpoint_root', '').strip()!r}"
        )

    # The phase's streams and tables: its entry of the phases document, the encoding every notebook reads.
    own = None
    if "phases_json" not in missing:
        phases = parse_phases(raw.get("phases_json", "").strip(), problems)
        own = next((entry for entry in phases if entry.phase == phase), None)
        if phases and own is None and PHASE_NAME.fullmatch(phase):
            problems.append(f"phases_json has no entry for phase {phase!r}")
    params = PhaseParams(
        phase=phase,
        catalog=raw.get("catalog", "").strip(),
        schema=raw.get("schema", "").strip(),
        first_stream_id=own.first_stream_id if own else 0,
        stream_count=own.stream_count if own else 0,
        rows_per_second=number("rows_per_second"),
        num_partitions=number("num_partitions"),
        table_name_format=own.table_name_format if own else "",
        checkpoint_root=checkpoint_root,
        metrics_table=raw.get("metrics_table", "").strip(),
        phases_json=raw.get("phases_json", "").strip(),
        trigger_time=raw.get("trigger_time", "").strip(),
        start_offset_minutes=minutes("start_offset_minutes", allow_zero=True),
        window_minutes=minutes("window_minutes", allow_zero=False),
        status_interval_seconds=number("status_interval_seconds"),
        trigger_interval_seconds=number("trigger_interval_seconds"),
        start_lead_seconds=_whole_seconds(raw, "start_lead_seconds", problems),
        drain_limit_seconds=_whole_seconds(raw, "drain_limit_seconds", problems),
    )
    # A malformed trigger time is an error, as in the analysis: silently starting "now" would move the timeline.
    parse_time_param("trigger_time", params.trigger_time, problems)
    if problems:
        raise ValueError("Generator parameters are invalid:\n  - " + "\n  - ".join(problems))
    return params


def full_table_name(params: PhaseParams, table: str) -> str:
    return qualified_name(params.catalog, params.schema, table)


def stream_specs(params: PhaseParams) -> list[StreamSpec]:
    """One spec per stream of the phase: its id, its own table and its own checkpoint."""
    specs = []
    for stream_id in range(params.first_stream_id, params.first_stream_id + params.stream_count):
        table = PhaseTables(params.phase, params.table_name_format, params.first_stream_id, params.stream_count).table(
            stream_id
        )
        specs.append(
            StreamSpec(
                stream_id=stream_id,
                stream_type=params.phase,
                table=table,
                full_table_name=full_table_name(params, table),
                checkpoint_path=f"{params.checkpoint_root}/{table}",
            )
        )
    return specs


# ---- Spark pieces --------------------------------------------------------------------------------------


def generator_frame(spark, spec: StreamSpec, params: PhaseParams):
    """A streaming DataFrame of exactly `rows_per_second` rows/s in the benchmark's row schema."""
    from pyspark.sql import functions as F

    return (
        spark.readStream.format("rate")
        .option("rowsPerSecond", params.rows_per_second)
        .option("numPartitions", params.num_partitions)
        .load()
        .select(
            F.concat(
                F.lit(f"{spec.stream_type}-{spec.stream_id}-device-"),
                F.lpad((F.col("value") % 100).cast("string"), 2, "0"),
            ).alias("device_id"),
            F.col("timestamp").alias("event_timestamp"),
            F.round(F.lit(15.0) + F.rand(spec.stream_id) * 20.0, 2).alias("temperature"),
            F.round(F.lit(30.0) + F.rand(spec.stream_id + 1) * 60.0, 2).alias("humidity"),
            F.round(F.lit(980.0) + F.rand(spec.stream_id + 2) * 60.0, 2).alias("pressure"),
            F.lit(spec.stream_type).alias("stream_type"),
            F.lit(spec.stream_id).cast("int").alias("stream_id"),
        )
    )


def start_stream(spark, spec: StreamSpec, params: PhaseParams, window: tuple[datetime, datetime] | None = None):
    """Appends one stream to its own Delta table with its own checkpoint; with a window (start, end), only the rows
    stamped inside it, each micro-batch observed (streambench.window_edges.window_rows)."""
    frame = generator_frame(spark, spec, params)
    if window is not None:
        frame = window_rows(frame, *window)
    return (
        frame.writeStream.format("delta")
        .queryName(query_name(spec.stream_type, spec.table))
        .outputMode("append")
        .option("checkpointLocation", spec.checkpoint_path)
        .trigger(processingTime=f"{params.trigger_interval_seconds} seconds")
        .toTable(spec.full_table_name)
    )


def timeline_tables(params: PhaseParams) -> list[str]:
    """Every stream table of the whole timeline (all phases), from `phases_json`."""
    return all_tables(params.phases_json, [])


def create_missing_tables(spark, params: PhaseParams) -> list[str]:
    """Creates every stream table of the timeline that does not exist yet, empty, with the generator's schema:
    a reader of all tables (the DLT pipeline) can then start before the 3x and 9x phases have. Returns the
    tables it created."""
    specs = stream_specs(params)
    schema = generator_frame(spark, specs[0], params).schema
    created = []
    for table in timeline_tables(params):
        name = full_table_name(params, table)
        if not spark.catalog.tableExists(name.replace("`", "")):
            spark.createDataFrame([], schema).write.format("delta").mode("ignore").saveAsTable(name)
            created.append(table)
    return created


def stop_streams(queries: Sequence, log: Callable[[str], None] = print) -> list[str]:
    """Stops every query, each on its own: a stop that raises is logged and reported, and the others still stop."""
    problems = []
    for query in queries:
        try:
            query.stop()
        except Exception as error:  # noqa: BLE001 - every failure is reported to the caller
            problems.append(f"stopping stream {query.name} failed: {error!r}")
            log(problems[-1])
    return problems


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def run_phase(
    spark,
    params: PhaseParams,
    now: Callable[[], datetime] = utc_now,
    sleep: Callable[[float], None] = time.sleep,
    log: Callable[[str], None] = print,
    status: Callable[[PhaseStatus], None] | None = None,
) -> dict:
    """Runs every stream of the phase for its window on the wall clock, each writing exactly rows/s x window
    seconds stamped inside it: the queries start `start_lead_seconds` early and keep only the window's rows; a status
    line every status interval (given `status`, a PhaseStatus to it instead: the local runner shows every phase's on
    one line); after the end, a drain (streambench.window_edges) within `drain_limit_seconds`;
    then the window's rows in each table against the offered load, any shortfall reported (log, summary, the
    streams' end rows in stream_metrics). Returns a summary."""
    start, end = phase_window(params.trigger_time, params.start_offset_minutes, params.window_minutes, now())
    specs = stream_specs(params)
    if (end - now()).total_seconds() <= 0:
        log(f"The {params.phase} window ended at {end.isoformat()}; this run started too late and writes nothing.")
        return {"phase": params.phase, "streams": 0, "end": end.isoformat(), "skipped": True}
    # The rate source stamps rows only from its query's first batch on (20 s after the start on a loaded machine),
    # so the queries start `start_lead_seconds` early and the window's filter keeps the lead's rows out. The lead is
    # taken here: a run that began before `start - lead` waits for it. The timeline job starts every phase at its
    # trigger time, so the 3x and 9x phases have minutes for it. A phase at offset 0 cannot lead: the baseline, and
    # every scheduled phase job (each fires at its own window's start). Its first seconds depend on how fast its
    # queries start, and the rows it could not stamp count as not written. Firing those schedules (and the timeline
    # job) `start_lead_seconds` earlier, with every offset that much larger, would give them the same sharp edge.
    launch = start - timedelta(seconds=params.start_lead_seconds)
    if (wait := (launch - now()).total_seconds()) > 0:
        log(
            f"Waiting {wait:.0f} s to start the {params.phase} streams {params.start_lead_seconds} s ahead of "
            f"their window at {start.isoformat()}."
        )
        while (wait := (launch - now()).total_seconds()) > 0:
            sleep(min(wait, 10.0))

    log(
        f"Starting {len(specs)} {params.phase} stream(s) at {params.rows_per_second:,} rows/s each "
        f"for the window {start.isoformat()} to {end.isoformat()}."
    )
    if (late := (now() - start).total_seconds()) > 0:
        log(
            f"The {params.phase} window opened {late:.1f} s before its streams start: rows of its first seconds "
            "may never be stamped, and count as not written."
        )
    created = create_missing_tables(spark, params)
    if created:
        log(
            f"Created {len(created)} empty stream table(s) of the timeline: {', '.join(created[:5])}{' ...' if len(created) > 5 else ''}"
        )
    metrics_table = full_table_name(params, params.metrics_table)
    recorder = MetricsRecorder(
        specs, phase=params.phase, phase_start=start, trigger_interval_seconds=params.trigger_interval_seconds
    )
    recorder.attach(spark, log)
    queries: list = []
    running: list = []  # started and not stopped yet
    problems: list[str] = []
    drain: Drain | None = None
    failure: BaseException | None = None
    next_status = now()

    def stop(query) -> None:
        running.remove(query)
        problems.extend(stop_streams([query], log))

    def tick(line: Callable[[], str], current: Callable[[], PhaseStatus]) -> None:
        nonlocal next_status
        failed = [query for query in running if not query.isActive and query.exception() is not None]
        if failed:
            raise RuntimeError("; ".join(f"stream {query.name} failed: {query.exception()}" for query in failed))
        if now() >= next_status:
            if status is None:
                log(line())
            else:
                status(current())
            # One small append per status interval, off the streams' path (the listener only buffers).
            recorder.flush(spark, metrics_table, fallback_queries=queries, log=log)
            next_status += timedelta(seconds=params.status_interval_seconds)

    def measured() -> PhaseStatus:
        return measure_phase(params.phase, running, params.target_rows_per_second, (end - now()).total_seconds())

    try:
        for spec in specs:
            queries.append(start_stream(spark, spec, params, window=(start, end)))
            running.append(queries[-1])
        while (seconds_left := (end - now()).total_seconds()) > 0:
            tick(lambda: measured().line(now()), measured)
            sleep(min(1.0, max(seconds_left, 0.0)))
        drain = drain_streams(
            queries,
            end,
            params.drain_limit_seconds,
            now,
            sleep,
            stop,
            lambda pending: tick(
                lambda: drain_line(now(), pending, len(queries), end, params.drain_limit_seconds),
                lambda: PhaseStatus(params.phase, pending, None, params.target_rows_per_second, 0.0, draining=True),
            ),
        )
        log(drain_outcome_line(params.phase, drain, params.drain_limit_seconds))
    except BaseException as error:
        failure = error
        raise
    finally:
        # Every stream is stopped on its own and the metrics are closed whatever failed before: one failure must
        # not leave the other streams writing, nor lose the buffered metrics.
        problems.extend(stop_streams(list(running), log))
        written: dict[str, int] = {}
        if failure is None and not problems:
            try:
                written = window_end_rows(spark, params, specs, queries, (start, end), drain, recorder, now(), log)
            except Exception as error:  # noqa: BLE001 - reported below with every other failure
                problems.append(f"counting the window's rows failed: {error!r}")
                log(problems[-1])
        try:
            recorder.close(spark, metrics_table, queries, log=log)
        except Exception as error:  # noqa: BLE001 - reported below with every other failure
            problems.append(f"closing the metrics failed: {error!r}")
            log(problems[-1])
        if problems:
            before = f" (after: {failure})" if failure is not None else ""
            raise RuntimeError(
                f"The {params.phase} phase did not end cleanly{before}:\n  - " + "\n  - ".join(problems)
            ) from failure
    log(f"Stopped {len(queries)} {params.phase} stream(s) at {now().isoformat()}.")
    return {
        "phase": params.phase,
        "streams": len(queries),
        "start": start.isoformat(),
        "end": end.isoformat(),
        "skipped": False,
        "metrics_rows": recorder.written_rows,
        **window_summary(expected_rows(params.rows_per_second, start, end), written, drain, len(queries)),
    }
