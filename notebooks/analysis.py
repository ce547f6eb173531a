# Databricks notebook source
# MAGIC %md
# MAGIC # Benchmark analysis
# MAGIC
# MAGIC For one finished run of the streaming autoscaling benchmark: for every window of the plan's timeline, the
# MAGIC target rows/s, the rows/s achieved (from the stream tables' `event_timestamp` and from `stream_metrics`),
# MAGIC the gap in %, the workers at the window's start and end, and how long the cluster took to react (first
# MAGIC resize in the window to a size other than the one at its start). When the stack declares a DLT pipeline
# MAGIC (`pipeline_event_log_table`), also the pipeline's executors at the window's start and end and its reaction
# MAGIC time (first `cluster_resources` event in the window requesting another executor count), from its event log.
# MAGIC Then the verdict per window: offered against processed rows/s (the `rows_written` of the micro-batches
# MAGIC committed in the window shifted by one trigger interval, over its seconds), batch duration p50/p95 against the trigger, processing lag
# MAGIC p50/p95/max, workers (and executors) at start, end and peak, the seconds from the window's start to the first
# MAGIC resize requested, to it completed and to the lag back under its threshold, and **kept up: yes/no** from the
# MAGIC stack's `streambench:verdict.*` criteria; the run's verdict; the run's cost (node-minutes, a DBU estimate, and
# MAGIC the `system.billing.usage` query for the actual DBUs, whose rows arrive hours later). Then the rows of every
# MAGIC stream table, and the run's chart, saved as `<chart_folder>/<run start>.png` and displayed.
# MAGIC
# MAGIC Writes, in the benchmark schema: the cluster's events of the run (`cluster_events`, from the Clusters API)
# MAGIC and one row per window (`benchmark_results`), each with what the run ran on: the `compute` labels and the
# MAGIC cluster's node types and autoscale range (Clusters API `clusters/get`), so runs compare side by side
# MAGIC (`npm run ops -- compare`, the dashboard's "Runs compared" page). Re-running it for the same run replaces
# MAGIC that run's rows; every other run's stay.
# MAGIC
# MAGIC | parameter | required | meaning |
# MAGIC |---|---|---|
# MAGIC | `catalog`, `schema` | yes | the benchmark schema (stream tables, metrics, results) |
# MAGIC | `phases_json` | yes | the phases' tables: `[{"phase": "baseline", "table_name_format": "stream_table_{stream_id:03d}", "first_stream_id": 1, "stream_count": 50}, ...]` (the generator's parameters of those names) |
# MAGIC | `windows_json` | yes | the plan's throughput windows: `[{"startMinute": 0, "endMinute": 3, "rowsPerSecondByPhase": {"baseline": 50000, "3x": 0, "9x": 0}, "totalRowsPerSecond": 50000}, ...]` |
# MAGIC | `run_start` | no | start of the run's timeline (ISO, naive = UTC); empty = the latest baseline start in `metrics_table` |
# MAGIC | `cluster_id` | no | the benchmark cluster; empty = the cluster this notebook runs on |
# MAGIC | `metrics_table` | no | default `stream_metrics` (written by the generator) |
# MAGIC | `cluster_events_table` | no | default `cluster_events` |
# MAGIC | `pipeline_event_log_table` | no | the DLT pipeline's event log table in the benchmark schema; empty (default) = no pipeline, the `dlt_` result columns stay empty |
# MAGIC | `results_table` | no | default `benchmark_results` |
# MAGIC | `compute` | no | what the phases ran on (`all-purpose cluster`, `job cluster`), written to every result row's `compute`; empty = unlabelled |
# MAGIC | `pipeline_compute` | no | what the DLT pipeline ran on (`classic pipeline`, `serverless pipeline`), written to `dlt_compute`; empty = no pipeline |
# MAGIC | `processed_tolerance_percent`, `max_batch_to_trigger`, `lag_threshold_triggers`, `lag_recovery_triggers` | no | the verdict's criteria (defaults 2, 0.8, 3, 12: streambench/analysis/verdict.py) |
# MAGIC | `dbu_per_node_hour`, `price_per_dbu` | no | the cost estimate's rates; empty = node-minutes only |
# MAGIC | `cluster_tags_json` | no | the cluster's custom tags as JSON, the billing query's filter; empty = no query |
# MAGIC | `chart_folder` | no | where the run's chart is saved, e.g. `/Volumes/<catalog>/<schema>/<volume>/charts`; empty = no chart |

# COMMAND ----------

# The logic sits in the streambench package beside this notebook (workspace files; its folder is on sys.path): the
# parameters in streambench/analysis/params.py, the reads, writes and the whole analysis in streambench/analysis/spark.py.
from streambench.analysis.params import ANALYSIS_PARAMETER_NAMES, PARAMETER_DEFAULTS, parse_analysis_params
from streambench.analysis.spark import analyze_run

for name in ANALYSIS_PARAMETER_NAMES:
    dbutils.widgets.text(name, PARAMETER_DEFAULTS.get(name, ""))

params = parse_analysis_params({name: dbutils.widgets.get(name) for name in ANALYSIS_PARAMETER_NAMES})

# COMMAND ----------

summary = analyze_run(spark, params)

# COMMAND ----------

# The run's chart (the same drawing as `npm run local`), from the PNG saved in the stack's volume.
if summary["chart"]:
    from IPython.display import Image, display

    display(Image(filename=summary["chart"]))

# COMMAND ----------

import json

dbutils.notebook.exit(json.dumps(summary))
