"""The analysis's Spark IO (tested against a local Spark session): per-second row counts over the stream tables,
per-second input rows from the stream_metrics table, the pipeline's event log, the writes, and `analyze_run`,
which puts the pieces together for the notebook."""

from __future__ import annotations

from datetime import datetime, timezone
from functools import reduce
from typing import Any, Callable, Mapping, Sequence

from streambench.analysis.batches import read_batches
from streambench.analysis.chart_data import chart_data
from streambench.analysis.compute import NO_SHAPE, cluster_shape, fetch_cluster_spec
from streambench.analysis.cost import run_cost
from streambench.analysis.events import (
    CLUSTER_EVENT_COLUMNS,
    CLUSTER_EVENTS_SCHEMA_DDL,
    DLT_RESOURCES_EVENT_TYPE,
    EVENTS_GRACE,
    EVENTS_LOOKBACK,
    DltEvent,
    cluster_event_rows,
    current_cluster_id,
    dlt_events,
    fetch_cluster_events,
)
from streambench.analysis.params import CLUSTER_ID_PATTERN, AnalysisParams
from streambench.analysis.report import RESULT_COLUMNS, RESULTS_SCHEMA_DDL, format_report, result_rows
from streambench.analysis.windows import expected_windows
from streambench.job_parameters import quote_identifier


def _timestamp(moment: datetime):
    """A timestamp literal for an exact instant, whatever the session time zone."""
    from pyspark.sql import functions as F

    return F.timestamp_seconds(F.lit(moment.timestamp()))


def existing_tables(spark, catalog: str, schema: str) -> set[str]:
    """Names of the tables in the schema (one catalog call instead of one per stream table)."""
    rows = spark.sql(f"SHOW TABLES IN {quote_identifier(catalog)}.{quote_identifier(schema)}").collect()
    return {row["tableName"] for row in rows}


def stream_counts(
    spark, tables: Sequence[str], start: datetime, end: datetime, chunk_size: int = 100
) -> tuple[dict[int, int], dict[str, int]]:
    """Rows with event_timestamp in [start, end) across the stream tables (full names): per epoch second
    (all tables together) and per table. Tables are read `chunk_size` at a time, so 2,000 tables never
    make one 2,000-way union."""
    from pyspark.sql import DataFrame
    from pyspark.sql import functions as F

    per_second: dict[int, int] = {}
    per_table: dict[str, int] = {name: 0 for name in tables}
    for offset in range(0, len(tables), chunk_size):
        chunk = tables[offset : offset + chunk_size]
        rows = reduce(
            DataFrame.unionByName,
            [spark.table(name).select(F.lit(name).alias("table_name"), F.col("event_timestamp")) for name in chunk],
        ).where((F.col("event_timestamp") >= _timestamp(start)) & (F.col("event_timestamp") < _timestamp(end)))
        rows = rows.select("table_name", F.expr("unix_seconds(event_timestamp)").alias("second"))
        by_second = (
            rows.groupBy("second")
            .agg(F.count(F.lit(1)).alias("rows"))
            .select(F.lit(None).cast("string").alias("table_name"), "second", "rows")
        )
        by_table = (
            rows.groupBy("table_name")
            .agg(F.count(F.lit(1)).alias("rows"))
            .select("table_name", F.lit(None).cast("long").alias("second"), "rows")
        )
        for row in by_second.unionByName(by_table).collect():
            if row["table_name"] is None:
                per_second[int(row["second"])] = per_second.get(int(row["second"]), 0) + int(row["rows"])
            else:
                per_table[row["table_name"]] = int(row["rows"])
    return per_second, per_table


def metrics_per_second(spark, metrics_table: str, start: datetime, end: datetime) -> dict[int, int]:
    """Input rows of the micro-batches triggered in [start, end), per epoch second of their trigger, from
    the stream_metrics table (a batch recorded twice counts once)."""
    from pyspark.sql import functions as F

    rows = (
        spark.table(metrics_table)
        .where((F.col("batch_time") >= _timestamp(start)) & (F.col("batch_time") < _timestamp(end)))
        .dropDuplicates(["query_run_id", "batch_id"])
        .groupBy(F.expr("unix_seconds(batch_time)").alias("second"))
        .agg(F.sum("num_input_rows").alias("rows"))
        .collect()
    )
    return {int(row["second"]): int(row["rows"] or 0) for row in rows}


def latest_run_start(spark, metrics_table: str, phase: str) -> datetime | None:
    """The start of the latest run of `phase` (the run's first phase, at its minute 0) in the stream_metrics table."""
    from pyspark.sql import functions as F

    row = (
        spark.table(metrics_table)
        .where(F.col("phase") == phase)
        .agg(F.max(F.expr("unix_micros(phase_start)")).alias("micros"))
        .first()
    )
    if row is None or row["micros"] is None:
        return None
    return datetime.fromtimestamp(row["micros"] / 1_000_000, tz=timezone.utc)


def read_dlt_events(spark, event_log_table: str, start: datetime, end: datetime) -> list[DltEvent]:
    """The pipeline's cluster_resources events of [start, end) from its event log table (full name)."""
    from pyspark.sql import functions as F

    rows = (
        spark.table(event_log_table)
        .where(
            (F.col("event_type") == DLT_RESOURCES_EVENT_TYPE)
            & (F.col("timestamp") >= _timestamp(start))
            & (F.col("timestamp") < _timestamp(end))
        )
        .select(
            F.expr("unix_micros(timestamp)").alias("micros"),
            "event_type",
            F.col("details").cast("string").alias("details"),
        )
        .collect()
    )
    return dlt_events(
        {
            "timestamp": datetime.fromtimestamp(row["micros"] / 1_000_000, tz=timezone.utc),
            "event_type": row["event_type"],
            "details": row["details"],
        }
        for row in rows
    )


def _replace_rows(
    spark, full_name: str, rows: Sequence[Mapping[str, Any]], columns: Sequence[str], ddl: str, predicate: str
) -> None:
    """Replaces the table's rows matching `predicate` with `rows` in one Delta commit (creates the table).
    Columns added to `ddl` since an existing table was created are appended to it (mergeSchema)."""
    frame = spark.createDataFrame([tuple(row[column] for column in columns) for row in rows], ddl)
    frame.write.format("delta").mode("overwrite").option("replaceWhere", predicate).option(
        "mergeSchema", "true"
    ).saveAsTable(full_name)


def _epoch_literal(moment: datetime) -> str:
    return f"timestamp_seconds({moment.timestamp()!r})"


def write_cluster_events(
    spark, full_name: str, rows: Sequence[Mapping[str, Any]], cluster_id: str, start: datetime, end: datetime
) -> None:
    """Stores the cluster's events of [start, end): re-running the analysis replaces them, never duplicates."""
    if not CLUSTER_ID_PATTERN.match(cluster_id):
        raise ValueError(f"not a cluster id: {cluster_id!r}")
    kept = [row for row in rows if start <= row["event_time"] < end and row["cluster_id"] == cluster_id]
    predicate = (
        f"cluster_id = '{cluster_id}' AND event_time >= {_epoch_literal(start)} AND event_time < {_epoch_literal(end)}"
    )
    _replace_rows(spark, full_name, kept, CLUSTER_EVENT_COLUMNS, CLUSTER_EVENTS_SCHEMA_DDL, predicate)


def write_results(spark, full_name: str, rows: Sequence[Mapping[str, Any]], run_start: datetime) -> None:
    """Stores one run's result rows: re-running the analysis of a run replaces its rows."""
    _replace_rows(
        spark, full_name, rows, RESULT_COLUMNS, RESULTS_SCHEMA_DDL, f"run_start = {_epoch_literal(run_start)}"
    )


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def analyze_run(
    spark,
    params: AnalysisParams,
    fetch_events: Callable[[str, int, int], list[dict]] = fetch_cluster_events,
    fetch_cluster: Callable[[str], dict] = fetch_cluster_spec,
    now: Callable[[], datetime] = utc_now,
    log: Callable[[str], None] = print,
    chunk_size: int = 100,
) -> dict:
    """The whole analysis of one run: counts, metrics, cluster events, results written, report printed.
    Returns a JSON-able summary."""
    notes: list[str] = []
    existing = existing_tables(spark, params.catalog, params.schema)
    has_metrics = params.metrics_table in existing
    run_start = params.run_start
    if run_start is None:
        run_start = (
            latest_run_start(spark, params.full_name(params.metrics_table), params.phases[0].phase)
            if has_metrics
            else None
        )
        if run_start is None:
            raise ValueError(
                f"run_start is empty and no {params.phases[0].phase} run (the first phase) is recorded in "
                f"{params.full_name(params.metrics_table)}; set run_start"
            )
        notes.append(
            f"run_start not given: the latest {params.phases[0].phase} start in {params.metrics_table} was used"
        )
    run_start = run_start.astimezone(timezone.utc).replace(microsecond=0)
    windows = expected_windows(params.windows, run_start)
    run_end = windows[-1].end
    analyzed_at = now()
    if run_end > analyzed_at:
        notes.append(f"the run is not over (it ends {run_end:%H:%M:%S} UTC): later windows are incomplete")

    tables = params.phase_tables()
    present = [(phase, table) for phase, table in tables if table in existing]
    missing = [table for _, table in tables if table not in existing]
    if missing:
        notes.append(
            f"{len(missing)} stream table(s) do not exist (counted as 0 rows): {', '.join(missing[:5])}"
            + (" ..." if len(missing) > 5 else "")
        )
    per_second, per_table = stream_counts(
        spark, [params.full_name(table) for _, table in present], run_start, run_end, chunk_size
    )
    table_counts = [(phase, table, per_table.get(params.full_name(table), 0)) for phase, table in tables]

    metrics, batches = None, []
    if has_metrics:
        metrics = metrics_per_second(spark, params.full_name(params.metrics_table), run_start, run_end)
        # To the run's end and its drain: the chart shows the batches committed after the last window too.
        batches = read_batches(spark, params.full_name(params.metrics_table), run_start, run_end + EVENTS_GRACE)
    else:
        notes.append(f"no {params.metrics_table} table: the metrics columns are empty")

    events: list[dict] = []
    shape = NO_SHAPE
    cluster_id = params.cluster_id or current_cluster_id(spark)
    if not cluster_id:
        notes.append("no cluster_id: worker counts and reaction times are unknown")
    else:
        try:
            shape = cluster_shape(fetch_cluster(cluster_id))
        except Exception as error:
            notes.append(
                f"cluster {cluster_id} not described (node type, autoscale range unknown): "
                f"{str(error).splitlines()[0] if str(error) else repr(error)}"
            )
        events_start, events_end = run_start - EVENTS_LOOKBACK, run_end + EVENTS_GRACE
        try:
            events = cluster_event_rows(
                fetch_events(cluster_id, int(events_start.timestamp() * 1000), int(events_end.timestamp() * 1000))
            )
            write_cluster_events(
                spark, params.full_name(params.cluster_events_table), events, cluster_id, events_start, events_end
            )
        except Exception as error:
            notes.append(
                f"cluster events of {cluster_id} unavailable: {str(error).splitlines()[0] if str(error) else repr(error)}"
            )

    pipeline_events: list[DltEvent] = []
    if params.pipeline_event_log_table:
        try:
            pipeline_events = read_dlt_events(
                spark,
                params.full_name(params.pipeline_event_log_table),
                run_start - EVENTS_LOOKBACK,
                run_end + EVENTS_GRACE,
            )
            if not pipeline_events:
                notes.append(
                    f"no cluster_resources events in {params.pipeline_event_log_table} for the run: "
                    "the DLT columns are empty"
                )
        except Exception as error:
            notes.append(
                f"pipeline event log {params.pipeline_event_log_table} unavailable: "
                f"{str(error).splitlines()[0] if str(error) else repr(error)}"
            )

    cost = run_cost(events, run_start, run_end, params.cost, params.cluster_tags, cluster_id)
    rows = result_rows(
        run_start,
        windows,
        per_second,
        metrics,
        events,
        analyzed_at,
        pipeline_events,
        compute=params.compute,
        pipeline_compute=params.pipeline_compute,
        batches=batches,
        criteria=params.criteria,
        run_cost=cost,
        shape=shape,
    )
    write_results(spark, params.full_name(params.results_table), rows, run_start)
    timeline = chart_data(windows, batches, events, pipeline_events, run_start, params.criteria.lag_threshold_triggers)
    pipeline = bool(params.pipeline_event_log_table)
    chart = save_chart(params, run_start, rows, timeline, pipeline, notes) if params.chart_folder else None
    log(format_report(run_start, rows, table_counts, notes, pipeline=pipeline, cost=cost))
    return {
        "run_start": run_start.isoformat(),
        "windows": [
            {column: (value.isoformat() if isinstance(value, datetime) else value) for column, value in row.items()}
            for row in rows
        ],
        "tables": len(table_counts),
        "rows": sum(count for _, _, count in table_counts),
        "cluster_events": len(events),
        "pipeline_events": len(pipeline_events),
        "batches": len(batches),
        "kept_up": rows[0]["run_kept_up"] if rows else None,
        "cost": cost,
        "pipeline": pipeline,
        "timeline": timeline,
        "chart": chart,
        "notes": notes,
    }


def chart_file(folder: str, run_start: datetime) -> str:
    """Where the chart of the run starting at `run_start` goes: one file per run, replaced by a re-analysis."""
    return f"{folder}/{run_start.astimezone(timezone.utc):%Y%m%dT%H%M%SZ}.png"


def save_chart(params: AnalysisParams, run_start: datetime, rows, timeline, pipeline: bool, notes: list[str]):
    """Draws the run's chart into the chart folder (on Databricks, the stack's volume, through its FUSE path);
    returns its path, or None with a note when it cannot be written."""
    import os

    from streambench.analysis.verdict_table import verdict_table
    from streambench.chart import draw_results

    path = chart_file(params.chart_folder, run_start)
    title = (
        f"streambench {params.schema}: run {run_start:%Y-%m-%d %H:%M:%S} UTC"
        + (f" on {params.compute}" if params.compute else "")
        + f", kept up: {'n/a' if not rows or rows[0]['run_kept_up'] is None else ('yes' if rows[0]['run_kept_up'] else 'no')}"
        + "\noffered rows/s (plan) against processed rows/s (rows_written of the micro-batches, one trigger before their commit)"
    )
    try:
        os.makedirs(params.chart_folder, exist_ok=True)
        return draw_results(
            path, title, timeline, verdict_table(rows, pipeline), [phase.phase for phase in params.phases]
        )
    except OSError as error:
        notes.append(f"the chart could not be saved to {path}: {error}")
        return None
