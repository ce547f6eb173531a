"""The dashboard's queries and `npm run ops -- compare`, executed on Spark SQL against the tables a real local run
wrote (the session's `played` run, conftest.py): what Databricks SQL runs on the workspace."""

import json
import time
from datetime import datetime, timezone
from types import SimpleNamespace

import pytest
from pyspark.errors import AnalysisException
from streambench.analysis.compute import cluster_shape
from streambench.analysis.params import parse_analysis_params
from streambench.analysis.report import result_rows
from streambench.analysis.run_comparison import COMPARISON_COLUMNS, comparison_row
from streambench.analysis.spark import write_results
from streambench.analysis.windows import expected_windows
from streambench.local.timeline import LOCAL_CATALOG, analysis_parameters
from streambench.ops.commands import Request
from streambench.ops.compare import compare

# components/dashboard/timeline.ts BUCKET_SECONDS: the plan's micro-batch trigger (10 s), in real seconds.
DASHBOARD_BUCKET_SECONDS = 10


def table_of(spec, key_or_name: str) -> str:
    """A table of the run in the local catalog: a table parameter of the analysis (e.g. `metrics_table`) or a name."""
    parameters = spec.analysis_parameters
    return f"{LOCAL_CATALOG}.{parameters['schema']}.{parameters.get(key_or_name, key_or_name)}"


@pytest.fixture(scope="module")
def dashboard(spark, played, small_project):
    """The small stack's dashboard datasets by name (their tables in the local catalog) and its plan, once the
    bucket of the run's last micro-batch is over: the time charts leave out buckets still running."""
    from runner_support import dashboard_datasets

    spec = played[0]
    dumped = dashboard_datasets(small_project, "small", LOCAL_CATALOG)
    last = spark.sql(
        f"SELECT max(unix_seconds(batch_time)) AS last FROM {table_of(spec, 'metrics_table')} WHERE batch_id IS NOT NULL"
    ).first()["last"]
    time.sleep(max(0.0, last + 2 * DASHBOARD_BUCKET_SECONDS - time.time()))
    return {dataset["name"]: dataset for dataset in dumped["datasets"]}, dumped["plan"]


def run_dataset(spark, dataset: dict) -> list:
    """The dataset's query on Spark SQL; it returns exactly the columns it declares."""
    frame = spark.sql(dataset["query"])
    assert frame.columns == dataset["columns"], dataset["name"]
    return frame.collect()


def test_the_dashboard_shows_every_row_the_streams_wrote_by_stream_type(spark, played, dashboard):
    spec, outcome = played[0], played[1]
    datasets, _ = dashboard
    written = {}
    for phase in json.loads(spec.analysis_parameters["phases_json"]):
        table = phase["table_name_format"].format(stream_id=phase["first_stream_id"])
        written[phase["phase"]] = spark.sql(f"SELECT count(*) AS n FROM {table_of(spec, table)}").first()["n"]
    shown = {}
    for row in run_dataset(spark, datasets["throughput_by_stream_type"]):
        shown[row["stream_type"]] = shown.get(row["stream_type"], 0) + row["rows_per_second"] * DASHBOARD_BUCKET_SECONDS
    assert shown == pytest.approx(written) and all(written.values()), (shown, written)
    measured = [
        row for row in run_dataset(spark, datasets["throughput_vs_target"]) if row["series"].startswith("measured")
    ]
    assert sum(row["rows_per_second"] for row in measured) * DASHBOARD_BUCKET_SECONDS == pytest.approx(
        sum(written.values())
    )
    assert (
        min(row["bucket_start"] for row in measured).timestamp() == outcome.run_start.replace(microsecond=0).timestamp()
    )


def test_the_dashboards_target_steps_through_the_plans_windows_in_plan_seconds(spark, dashboard):
    datasets, _ = dashboard
    target = [row for row in run_dataset(spark, datasets["throughput_vs_target"]) if row["series"].startswith("target")]
    steps = [row["rows_per_second"] for row in sorted(target, key=lambda row: row["bucket_start"])]
    # The small stack: 200 rows/s in minute 0-1, 800 in 1-2, 2,000 in 2-3, 200 in 3-4, then nothing to minute 9
    # (the run plus the phases' 5-minute grace), one value per 10 s bucket.
    assert steps == [200.0] * 6 + [800.0] * 6 + [2000.0] * 6 + [200.0] * 6 + [0.0] * 30


def test_the_dashboards_windows_are_the_latest_analysed_runs_results(spark, played, dashboard):
    report = played[2]
    datasets, _ = dashboard
    rows = run_dataset(spark, datasets["achieved_vs_target"])
    # A local run's windows are on its compressed clock: at 5x, plan minute 1 is minute 0.2 of the run.
    assert [row["window_label"] for row in rows] == [
        "01 | min 0-0.2 | baseline",
        "02 | min 0.2-0.4 | baseline+3x",
        "03 | min 0.4-0.6 | baseline+9x",
        "04 | min 0.6-0.8 | baseline",
    ]
    assert [row["target_rows_per_second"] for row in rows] == [200.0, 800.0, 2000.0, 200.0]
    assert [row["achieved_rows_per_second"] for row in rows] == [
        window.achieved_rows_per_second for window in report.windows
    ]


def test_the_dashboards_workers_step_with_the_clusters_events(spark, played, dashboard):
    """Cluster events as the analysis stores them (a local run has no cluster: they are written here): 2 workers,
    a resize to 4 requested 25 s into the run and completed at 47 s."""
    from datetime import timedelta

    from streambench.analysis.events import CLUSTER_EVENTS_SCHEMA_DDL

    spec, outcome = played[0], played[1]
    datasets, plan = dashboard
    start = outcome.run_start.replace(microsecond=0)
    events = [
        ("c-1", start - timedelta(seconds=60), "RUNNING", 2, None, None, None, "{}"),
        ("c-1", start + timedelta(seconds=25), "RESIZING", 2, 4, "AUTOSCALE", None, "{}"),
        ("c-1", start + timedelta(seconds=47), "UPSIZE_COMPLETED", 4, 4, "AUTOSCALE", None, "{}"),
    ]
    spark.createDataFrame(events, CLUSTER_EVENTS_SCHEMA_DDL).write.format("delta").mode("overwrite").saveAsTable(
        table_of(spec, "cluster_events_table")
    )
    series = {}
    for row in sorted(run_dataset(spark, datasets["workers_over_time"]), key=lambda row: row["bucket_start"]):
        series.setdefault(row["series"], []).append(row["workers"])
    assert series["workers"][:6] == [2, 2, 2, 2, 2, 4]
    assert series["autoscaler target"][:6] == [2, 2, 2, 4, 4, 4]
    assert set(series["autoscale min (plan)"]) == {plan["cluster"]["minWorkers"]} == {2}
    assert set(series["autoscale max (plan)"]) == {plan["cluster"]["maxWorkers"]} == {8}


def test_the_dashboards_dlt_executors_step_with_the_pipelines_event_log(spark, played, dashboard, tmp_path):
    """The small stack with its DLT pipeline (same schema, so the run CTE finds the played run), and an event log
    as Databricks publishes it (`details` a JSON string): 1 executor, 3 requested at 15 s, 3 running at 35 s."""
    from datetime import timedelta

    from runner_support import SMALL_STACK, dashboard_datasets, project_with

    spec, outcome = played[0], played[1]
    project = project_with(tmp_path, "small", SMALL_STACK + "  streambench:dlt:\n    enabled: true\n")
    dumped = dashboard_datasets(project, "small", LOCAL_CATALOG)
    dataset = next(dataset for dataset in dumped["datasets"] if dataset["name"] == "dlt_executors_over_time")
    start = outcome.run_start.replace(microsecond=0)

    def resources(at: int, executors: int, requested: int):
        details = {"cluster_resources": {"num_executors": executors, "latest_requested_num_executors": requested}}
        return (start + timedelta(seconds=at), "cluster_resources", json.dumps(details))

    events = [resources(-30, 1, 1), resources(15, 1, 3), resources(35, 3, 3)]
    events.append(
        (start + timedelta(seconds=20), "flow_progress", json.dumps({"flow_progress": {"status": "RUNNING"}}))
    )
    spark.createDataFrame(events, "timestamp TIMESTAMP, event_type STRING, details STRING").write.format("delta").mode(
        "overwrite"
    ).saveAsTable(table_of(spec, dumped["plan"]["pipeline"]["eventLogTable"]))
    series = {}
    for row in sorted(run_dataset(spark, dataset), key=lambda row: row["bucket_start"]):
        series.setdefault(row["series"], []).append(row["executors"])
    assert series["DLT executors"][:5] == [1, 1, 1, 1, 3]
    assert series["DLT requested executors (enhanced autoscaling)"][:5] == [1, 1, 3, 3, 3]


# ---- the runs side by side: the dashboard's run_comparison dataset, and ops compare on its rows ------------------

EARLIER_SHAPE = {"node_type_id": "i3.xlarge", "autoscale": {"min_workers": 2, "max_workers": 8}}


@pytest.fixture(scope="module")
def two_runs(spark, played, dashboard):
    """The played run's results and, a day earlier, a run on a job cluster with 2 then 5 workers and no micro-batch
    committed (offered load, nothing processed: it did not keep up), written by the analysis's own writer into the
    same benchmark_results table."""
    from datetime import timedelta

    spec, outcome = played[0], played[1]
    earlier = outcome.run_start.replace(microsecond=0) - timedelta(days=1)
    params = parse_analysis_params(analysis_parameters(spec, earlier))
    windows = expected_windows(params.windows, earlier)
    events = [
        {"event_time": earlier - timedelta(seconds=60), "event_type": "RUNNING", "current_workers": 2},
        {"event_time": earlier + timedelta(seconds=20), "event_type": "UPSIZE_COMPLETED", "current_workers": 5},
    ]
    rows = result_rows(
        earlier,
        windows,
        {},
        None,
        events,
        earlier + timedelta(hours=1),
        compute="job cluster",
        pipeline_compute="classic pipeline",
        shape=cluster_shape(EARLIER_SHAPE),
        run_cost={"worker_minutes": 12.5, "estimated_dbus": 0.16},
    )
    write_results(spark, table_of(spec, "results_table"), rows, earlier)
    datasets, _ = dashboard
    return datasets["run_comparison"], earlier


def test_the_run_comparison_shows_each_analysed_run_side_by_side_newest_first(spark, played, two_runs):
    spec, outcome, report = played[0], played[1], played[2]
    dataset, earlier = two_runs
    latest, before = run_dataset(spark, dataset)
    assert latest["run_start"].timestamp() == outcome.run_start.replace(microsecond=0).timestamp()
    assert before["run_start"].timestamp() == earlier.timestamp()
    # The played run: local Spark, no cluster to describe; its verdict and lag as the analysis judged them.
    stored = spark.sql(
        f"SELECT kept_up, processed_rows_per_second, run_lag_p95_seconds FROM {table_of(spec, 'results_table')} "
        f"WHERE run_start = timestamp_seconds({latest['run_start'].timestamp()})"
    ).collect()
    assert (latest["node_type"], latest["min_workers"], latest["max_workers"]) == (None, None, None)
    assert latest["peak_offered_rows_per_second"] == 2000.0  # the small stack's 9x window
    assert latest["peak_processed_rows_per_second"] == max(row["processed_rows_per_second"] for row in stored)
    assert (latest["kept_up"], latest["windows"]) == (report.kept_up, 4)
    assert latest["windows_kept_up"] == sum(1 for row in stored if row["kept_up"])
    assert latest["lag_p95_seconds"] == stored[0]["run_lag_p95_seconds"] is not None
    # The earlier run: what its cluster was, peak workers from its events, not kept up (nothing processed), its cost.
    assert {key: before[key] for key in ("compute", "dlt_compute", "node_type", "min_workers", "max_workers")} == {
        "compute": "job cluster",
        "dlt_compute": "classic pipeline",
        "node_type": "i3.xlarge",
        "min_workers": 2,
        "max_workers": 8,
    }
    assert (before["workers_peak"], before["kept_up"], before["windows_kept_up"], before["lag_p95_seconds"]) == (
        5,
        False,
        0,
        None,
    )
    assert (before["worker_minutes"], before["estimated_dbus"]) == (12.5, 0.16)


def test_the_local_runners_line_of_a_run_is_the_comparison_querys(spark, played, two_runs):
    """analysis.run_comparison.comparison_row (the local runner's history) against the SQL, on the played run."""
    spec, outcome = played[0], played[1]
    dataset, _ = two_runs
    assert tuple(dataset["columns"]) == COMPARISON_COLUMNS
    start = outcome.run_start.replace(microsecond=0).timestamp()
    rows = spark.sql(
        f"SELECT * FROM {table_of(spec, 'results_table')} WHERE run_start = timestamp_seconds({start})"
    ).collect()
    by_sql = next(row.asDict() for row in run_dataset(spark, dataset) if row["run_start"].timestamp() == start)
    assert comparison_row([row.asDict() for row in rows]) == by_sql


def json_array_text(value) -> str | None:
    """A value as the Statement Execution API's JSON_ARRAY format writes it: a string, or None for NULL."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):  # PySpark gives naive local times: astimezone reads them as such
        return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    return str(value)


class SparkStatements:
    """`w.statement_execution` answering from local Spark SQL: a warehouse for compare's own query."""

    def __init__(self, spark):
        self.spark, self.executed = spark, []

    def execute_statement(self, statement, warehouse_id, **options):
        self.executed.append((warehouse_id, statement, options))
        try:
            frame = self.spark.sql(statement)
            data = [[json_array_text(value) for value in row] for row in frame.collect()]
        except AnalysisException as error:
            status = SimpleNamespace(
                state="FAILED", error=SimpleNamespace(message=str(error)), sql_state=error.getSqlState()
            )
            return SimpleNamespace(statement_id="s-1", status=status, manifest=None, result=None)
        return SimpleNamespace(
            statement_id="s-1",
            status=SimpleNamespace(state="SUCCEEDED", error=None, sql_state=None),
            manifest=SimpleNamespace(schema=SimpleNamespace(columns=[SimpleNamespace(name=c) for c in frame.columns])),
            result=SimpleNamespace(data_array=data, next_chunk_index=None),
        )


def compare_on_spark(spark, query: str, table: str) -> tuple[int, list[str]]:
    statements = SparkStatements(spark)
    request = Request.parse(
        {
            "command": "compare",
            "stack": "small",
            "jobs": [],
            "tags": {},
            "compare": {"warehouseId": "0123456789abcdef", "query": query, "table": table, "last": None},
        }
    )
    lines: list[str] = []
    code = compare(SimpleNamespace(statement_execution=statements), request, lines.append, sleep=lambda _: None)
    assert [executed[:2] for executed in statements.executed] == [("0123456789abcdef", query)]
    return code, lines


def test_ops_compare_prints_both_runs_from_the_query_on_spark_sql(spark, played, two_runs):
    report = played[2]
    dataset, earlier = two_runs
    code, lines = compare_on_spark(spark, dataset["query"], "the results")
    assert code == 0, lines
    table = lines[0].splitlines()
    assert table[0].split()[:3] == ["RUN", "START", "(UTC)"] and len(table) == 4
    verdict = {None: "n/a", True: "yes", False: "NO"}[report.kept_up]
    assert table[2].startswith(f"{played[1].run_start:%Y-%m-%d %H:%M:%S}") and f" {verdict} " in table[2]
    assert table[3].split() == [
        f"{earlier:%Y-%m-%d}",
        f"{earlier:%H:%M:%S}",
        "job",
        "cluster",
        "i3.xlarge",
        "2-8",
        "(peak",
        "5)",
        "classic",
        "pipeline",
        "2,000",
        "-",
        "NO",
        "0/4",
        "-",
        "12.5",
        "0.16",
    ]
    assert lines[1].startswith("all 2 analysed runs of the results, newest first")


def test_ops_compare_on_no_results_yet_and_on_results_from_before_the_compute_columns(spark, played, two_runs):
    from streambench.ops.workspace import OpsError

    spec = played[0]
    dataset, _ = two_runs
    results = table_of(spec, "results_table")
    quoted = "`" + "`.`".join(results.split(".")) + "`"
    assert quoted in dataset["query"]
    code, lines = compare_on_spark(spark, dataset["query"].replace(quoted, quoted[:-1] + "_none`"), "none")
    assert code == 0 and lines[0].startswith("No analysed run yet: none does not exist"), lines
    # A results table an analysis wrote before the shape columns existed (Spark's own error for the missing column).
    old = results + "_old"
    spark.sql(f"CREATE OR REPLACE TABLE {old} USING delta AS SELECT * EXCEPT (node_type) FROM {results}")
    with pytest.raises(OpsError, match=r"old was written before it described the compute: analyse a run once"):
        compare_on_spark(spark, dataset["query"].replace(quoted, quoted[:-1] + "_old`"), "old")
