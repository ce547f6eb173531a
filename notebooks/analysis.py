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
# MAGIC Then the rows of every stream table.
# MAGIC
# MAGIC Writes, in the benchmark schema: the cluster's events of the run (`cluster_events`, from the Clusters API)
# MAGIC and one row per window (`benchmark_results`). Re-running it for the same run replaces that run's rows.
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

import json

dbutils.notebook.exit(json.dumps(summary))
