# Databricks notebook source
# MAGIC %md
# MAGIC # Streaming load generator
# MAGIC
# MAGIC Runs one phase of the streaming autoscaling benchmark: every stream of the phase reads the Spark `rate`
# MAGIC source at exactly its rows/s and appends to its own Delta table with its own checkpoint. Its window runs from
# MAGIC its timeline's trigger time + offset for `window_minutes` (a late start shortens it). The streams start
# MAGIC `start_lead_seconds` ahead of the window where the run began early enough, and write only the rows stamped
# MAGIC inside it; after the window each stream runs on until it has committed every row of the window (at most
# MAGIC `drain_limit_seconds`). The phase then counts the window's rows in every table against rows/s x window seconds
# MAGIC and reports any row never written. A status line with the measured input rows/s is printed every
# MAGIC `status_interval_seconds`.
# MAGIC
# MAGIC The stack's phase jobs set every parameter from its scaling plan; none has a meaningful default here.
# MAGIC
# MAGIC | parameter | required | meaning |
# MAGIC |---|---|---|
# MAGIC | `phase` | yes | `baseline`, `3x` or `9x` (also the rows' `stream_type`) |
# MAGIC | `catalog`, `schema` | yes | where the stream tables live |
# MAGIC | `rows_per_second` | yes | rate of each stream |
# MAGIC | `num_partitions` | yes | `numPartitions` of each rate source |
# MAGIC | `phases_json` | yes | the phases document, every phase's streams and table naming (`[{"phase", "table_name_format", "first_stream_id", "stream_count"}, ...]`): this phase streams into the tables of its own entry, ids `first_stream_id` … `+stream_count-1`; the run first creates, empty, any table of the timeline that does not exist yet |
# MAGIC | `metrics_table` | yes | table in the same schema that receives every micro-batch's progress (`stream_metrics`) |
# MAGIC | `checkpoint_root` | yes | checkpoint folder of this run (a volume path under `{{job.run_id}}`) |
# MAGIC | `trigger_time` | no | start of the timeline: `{{job.trigger.time.iso_datetime}}` of this job, or of the timeline job; empty = now; anything else but an ISO date-time is an error |
# MAGIC | `start_offset_minutes` | yes | minutes after `trigger_time` at which the phase starts (0 for a scheduled phase job); 0 to 1440 |
# MAGIC | `window_minutes` | yes | length of the phase, in minutes: above 0, at most 1440 |
# MAGIC | `status_interval_seconds` | yes | how often the status line is printed |
# MAGIC | `trigger_interval_seconds` | yes | micro-batch interval of every stream |
# MAGIC | `start_lead_seconds` | yes | how long before the window the streams start, where the run began early enough (0: at the window's start) |
# MAGIC | `drain_limit_seconds` | yes | how long after the window the streams may take to commit its last rows before they are stopped anyway (0: stop at the end) |

# COMMAND ----------

# The logic sits in the streambench package beside this notebook (workspace files; its folder is on sys.path).
from streambench.generator import PARAMETER_NAMES, parse_params, run_phase, stream_specs

for name in PARAMETER_NAMES:
    dbutils.widgets.text(name, "")

params = parse_params({name: dbutils.widgets.get(name) for name in PARAMETER_NAMES})
for spec in stream_specs(params):
    print(f"stream {spec.stream_id}: {spec.full_table_name} <- checkpoint {spec.checkpoint_path}")

# COMMAND ----------

summary = run_phase(spark, params)

# COMMAND ----------

import json

dbutils.notebook.exit(json.dumps(summary))
