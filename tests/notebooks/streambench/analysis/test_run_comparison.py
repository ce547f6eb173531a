"""One run's line of the comparison from its result rows, and the table of lines."""

from streambench.analysis.run_comparison import COMPARISON_COLUMNS, comparison_row, comparison_table


def window(index, target, kept_up, run_kept_up, **extra):
    return {
        "run_start": "2026-12-02T09:00:00+00:00",
        "window_index": index,
        "target_rows_per_second": target,
        "processed_rows_per_second": None if kept_up is None else target * (1.0 if kept_up else 0.7),
        "kept_up": kept_up,
        "run_kept_up": run_kept_up,
        "workers_peak": index + 1,
        **extra,
    }


def test_a_runs_line_takes_the_peaks_the_run_columns_and_counts_the_windows_that_kept_up():
    shape = {"node_type": "i3.xlarge", "min_workers": 2, "max_workers": 8, "compute": "job cluster"}
    rows = [
        window(1, 50_000, True, False, run_lag_p95_seconds=40.5, run_worker_minutes=61.5, **shape),
        window(2, 62_000, False, False, run_lag_p95_seconds=40.5, run_worker_minutes=61.5, **shape),
        window(3, 50_000, None, False, run_lag_p95_seconds=40.5, run_worker_minutes=61.5, **shape),
    ]
    line = comparison_row(rows)
    assert tuple(line) == COMPARISON_COLUMNS
    assert line == {
        "run_start": "2026-12-02T09:00:00+00:00",
        "compute": "job cluster",
        "dlt_compute": None,
        "node_type": "i3.xlarge",
        "min_workers": 2,
        "max_workers": 8,
        "workers_peak": 4,
        "peak_offered_rows_per_second": 62_000.0,
        "peak_processed_rows_per_second": 50_000.0,
        "kept_up": False,
        "windows_kept_up": 1,
        "windows": 3,
        "lag_p95_seconds": 40.5,
        "worker_minutes": 61.5,
        "estimated_dbus": None,
    }
    assert comparison_row([window(1, 500, None, None)])["kept_up"] is None  # nothing judged


def test_the_table_reads_values_as_well_as_the_apis_strings():
    line = comparison_row([window(1, 1_700, True, True, min_workers=4, max_workers=4)])
    as_values = comparison_table(COMPARISON_COLUMNS, [[line[column] for column in COMPARISON_COLUMNS]])
    as_strings = comparison_table(
        COMPARISON_COLUMNS,
        [[None if line[column] is None else str(line[column]).lower() for column in COMPARISON_COLUMNS]],
    )
    assert as_values == as_strings
    assert as_values[1] == [
        "2026-12-02 09:00:00",
        "-",
        "-",
        "4 (peak 2)",
        "no",
        "1,700",
        "1,700",
        "yes",
        "1/1",
        "-",
        "-",
        "-",
    ]
