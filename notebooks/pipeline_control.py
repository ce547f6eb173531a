# Databricks notebook source
# MAGIC %md
# MAGIC # DLT pipeline control
# MAGIC
# MAGIC Runs the stack's DLT pipeline through one timeline of the streaming autoscaling benchmark. The pipeline is
# MAGIC triggered, so `pulumi up` never starts it. This notebook waits for the timeline's start and for every source
# MAGIC table, then keeps a pipeline update going (a triggered update ends once it has processed what was there when
# MAGIC it started; the next one starts right away) until the timeline's end. Then it stops the pipeline, also when an
# MAGIC update failed, the notebook failed or the run was cancelled. `npm run ops -- stop` and `pulumi destroy` stop
# MAGIC the pipeline too, through the Pipelines API, in case a cancelled run could not.
# MAGIC
# MAGIC The stack's control job sets every parameter from its scaling plan.
# MAGIC
# MAGIC | parameter | required | meaning |
# MAGIC |---|---|---|
# MAGIC | `pipeline_id` | yes | the stack's DLT pipeline |
# MAGIC | `catalog`, `schema` | yes | where the stream tables (the pipeline's sources) live |
# MAGIC | `phases_json` | yes | every phase's table naming, as the generator's `phases_json`: the sources to wait for |
# MAGIC | `trigger_time` | no | start of the timeline: `{{job.trigger.time.iso_datetime}}` of this job, or of the timeline job; empty = now |
# MAGIC | `start_offset_minutes` | yes | minutes after `trigger_time` at which the pipeline starts (0); 0 to 1440 |
# MAGIC | `window_minutes` | yes | how long the pipeline runs: the whole timeline, in minutes (above 0, at most 1440) |
# MAGIC | `poll_interval_seconds` | yes | how often the update's state is read |
# MAGIC | `min_update_seconds` | yes | no update is started with less of the timeline left than this |
# MAGIC | `max_failed_updates` | yes | updates that may fail in a row before the run fails |
# MAGIC | `stop_timeout_seconds` | yes | how long to wait for the pipeline to be IDLE after the stop |

# COMMAND ----------

# The logic sits in the streambench package beside this notebook (workspace files; its folder is on sys.path).
from databricks.sdk import WorkspaceClient
from streambench.pipeline_control import PARAMETER_NAMES, missing_tables, parse_params, run_pipeline

for name in PARAMETER_NAMES:
    dbutils.widgets.text(name, "")

params = parse_params({name: dbutils.widgets.get(name) for name in PARAMETER_NAMES})
sources = params.source_tables()
print(f"pipeline {params.pipeline_id}: {len(sources)} source tables, e.g. {sources[0]}")

# COMMAND ----------

# The SDK preinstalled on Databricks clusters authenticates as the run's user inside a notebook.
summary = run_pipeline(WorkspaceClient().pipelines, params, lambda: missing_tables(spark, sources))

# COMMAND ----------

import json

dbutils.notebook.exit(json.dumps(summary))
