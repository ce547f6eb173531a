"""Logic of the analysis notebook: for one finished benchmark run, the achieved load of every window of the
timeline against its target, and how the cluster scaled. It sits in modules by responsibility, beside this one:

- `analysis_params`: the notebook's parameters and the plan's windows (`windows_json`);
- `stream_tables` and `job_parameters`: the phases document and the parameter helpers every notebook shares;
- `analysis_windows`: the windows on the run's wall clock, achieved rates and gaps;
- `analysis_events`: the cluster's events and the DLT pipeline's event log (worker counts, reaction times);
- `analysis_report`: the result rows and the text report;
- `analysis_spark`: the Spark reads and writes, and `analyze_run`.

This module re-exports their names, so code that imports `analysis_logic` keeps working.
"""

from __future__ import annotations

from job_parameters import (
    parse_run_start,
    parse_time_param,
    quote_identifier,
)
from stream_tables import (
    PHASES,
    PhaseTables,
    parse_phases,
)
from analysis_params import (
    ANALYSIS_PARAMETER_NAMES,
    PARAMETER_DEFAULTS,
    REQUIRED_PARAMETERS,
    AnalysisParams,
    WindowPlan,
    parse_analysis_params,
    parse_windows,
)
from analysis_windows import (
    Window,
    achieved_rate,
    epoch_second,
    expected_windows,
    gap_percent,
)
from analysis_events import (
    CLUSTER_EVENTS_SCHEMA_DDL,
    CLUSTER_EVENT_COLUMNS,
    CLUSTER_EVENT_TYPES,
    DLT_RESOURCES_EVENT_TYPE,
    EVENTS_GRACE,
    EVENTS_LOOKBACK,
    RESIZE_EVENT_TYPES,
    DltEvent,
    cluster_event_rows,
    current_cluster_id,
    dlt_events,
    dlt_reaction_seconds,
    executors_at,
    fetch_cluster_events,
    reaction_seconds,
    workers_at,
)
from analysis_report import (
    RESULTS_SCHEMA_DDL,
    RESULT_COLUMNS,
    format_report,
    result_rows,
)
from analysis_spark import (
    analyze_run,
    existing_tables,
    latest_run_start,
    metrics_per_second,
    read_dlt_events,
    stream_counts,
    utc_now,
    write_cluster_events,
    write_results,
)

