"""The micro-batches of a run from the stream_metrics table (Spark IO, tested against a local Spark session): one
verdict.Batch per batch row that committed in the run's time range."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from streambench.analysis.verdict import Batch, commit_time


def read_batches(spark, metrics_table: str, start: datetime, end: datetime) -> list[Batch]:
    """The batches of `metrics_table` (full name) that committed in [start, end), oldest first. End rows (batch_id
    null) are not batches; a batch recorded twice (same query run and batch id) counts once. Batches triggered up
    to a day before `start` are read, so a long batch that commits inside the range is not missed."""
    from pyspark.sql import functions as F

    def micros(moment: datetime):
        return F.lit((moment - datetime(1970, 1, 1, tzinfo=timezone.utc)) // timedelta(microseconds=1))

    batch_micros = F.expr("unix_micros(batch_time)")
    table = spark.table(metrics_table)
    # A table no generator with the window's observation has appended to yet lacks the newer columns.
    for column in ("rows_written", "trigger_interval_ms", "processing_lag_ms"):
        if column not in table.columns:
            table = table.withColumn(column, F.lit(None).cast("bigint"))
    rows = (
        table.where(F.col("batch_id").isNotNull())
        .where((batch_micros >= micros(start - timedelta(days=1))) & (batch_micros < micros(end)))
        .dropDuplicates(["query_run_id", "batch_id"])
        .select(
            "stream_type",
            batch_micros.alias("batch_us"),
            "rows_written",
            "batch_duration_ms",
            "trigger_interval_ms",
            "processing_lag_ms",
        )
        .collect()
    )
    batches = []
    for row in rows:
        triggered = datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(microseconds=int(row["batch_us"]))
        committed = commit_time(triggered, row["batch_duration_ms"])
        if start <= committed < end:
            batches.append(
                Batch(
                    stream_type=row["stream_type"],
                    commit_time=committed,
                    rows_written=row["rows_written"],
                    duration_ms=row["batch_duration_ms"],
                    trigger_interval_ms=row["trigger_interval_ms"],
                    lag_ms=row["processing_lag_ms"],
                )
            )
    return sorted(batches, key=lambda batch: batch.commit_time)
