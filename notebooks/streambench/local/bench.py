"""Local Spark figures for `npm run bench` (figures, no asserts): what this machine can show of the benchmark.

1. dev's timeline played as `npm run local -- --stack dev --speed <N>` plays it: achieved rows/s per window
   against the plan's target, and how many micro-batches kept up.
2. The largest load (streams x rows/s) local Spark keeps up with: N streams of the generator's own code
   (streambench.generator.start_stream, the plan's partitions) for a few triggers per step, the rate per stream
   raised 4x per step until a step fails. A step keeps up when at least 90 % of the micro-batches after the
   first two processed rows at least as fast as they came in (processedRowsPerSecond >= inputRowsPerSecond) and
   took under 80 % of the trigger, and every stream ran as many batches as its trigger allows (within one).

Reads the dev run spec (cli/local.ts) on stdin and plays it in a scratch folder of its own (a new temporary folder,
removed at the end), never in the spec's state folder: `.streambench/<name>` is a stack's output, whatever the name.
Settings from the environment: BENCH_LOCAL_SPEED (10),
BENCH_LOCAL_TRIGGER_SECONDS (2), BENCH_LOCAL_STEP_SECONDS (14), BENCH_LOCAL_STREAMS ("1,5,20").
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

# Run as a file (`python notebooks/streambench/local/run.py`): the notebooks folder holds the package.
NOTEBOOKS = Path(__file__).resolve().parents[2]
if str(NOTEBOOKS) not in sys.path:
    sys.path.insert(0, str(NOTEBOOKS))

from streambench.analysis.verdict_table import window_label  # noqa: E402
from streambench.local.console import Console  # noqa: E402
from streambench.local.report import analyse_and_draw  # noqa: E402
from streambench.local.run import run_timeline  # noqa: E402
from streambench.local.sessions import (  # noqa: E402
    SetupError,
    activate_in_this_thread,
    java_problem,
    local_session,
    stop_processes,
)
from streambench.local.timeline import parse_run_spec, phase_parameters, run_id_for, text_table  # noqa: E402

KEEP_UP_SHARE = 0.9
BATCH_SHARE_OF_TRIGGER = 0.8
FIRST_RATE = 250
RATE_FACTOR = 4
MAX_TOTAL_ROWS_PER_SECOND = 1_100_000


def seconds_text(seconds: float | None) -> str:
    return "n/a" if seconds is None else f"{seconds:.1f} s"


def keeps_up(progresses: list[list[dict]], trigger_seconds: float, step_seconds: float) -> tuple[bool, str]:
    """Whether the streams of one step kept up (see the module's text), and why not."""
    evaluated = [batch for stream in progresses for batch in stream[2:] if batch.get("numInputRows")]
    if not evaluated:
        return False, "no micro-batch with rows after the first two"
    good = [
        batch
        for batch in evaluated
        if (batch.get("processedRowsPerSecond") or 0) >= (batch.get("inputRowsPerSecond") or 0)
        and batch["durationMs"]["triggerExecution"] < BATCH_SHARE_OF_TRIGGER * trigger_seconds * 1000
    ]
    expected = int(step_seconds // trigger_seconds)
    fewest = min(len(stream) for stream in progresses)
    share = len(good) / len(evaluated)
    durations = sorted(batch["durationMs"]["triggerExecution"] for batch in evaluated)
    median = durations[len(durations) // 2]
    detail = f"{share * 100:.0f} % of batches kept up, median batch {median} ms, fewest batches {fewest}/{expected}"
    return share >= KEEP_UP_SHARE and fewest >= expected - 1, detail


def load_step(
    spark, base: dict, streams: int, rate: int, trigger: int, step_seconds: float, state: Path, step: int
) -> tuple[bool, str]:
    from streambench.generator import parse_params, start_stream, stream_specs
    from streambench.metrics_rows import progress_dict

    table_format = "bench_load_{stream_id:03d}"
    params = parse_params(
        {
            **base,
            "phase": "baseline",
            "rows_per_second": str(rate),
            "trigger_interval_seconds": str(trigger),
            "checkpoint_root": str(state / "checkpoints" / f"load-{step}"),
            "phases_json": json.dumps(
                [
                    {
                        "phase": "baseline",
                        "table_name_format": table_format,
                        "first_stream_id": 1,
                        "stream_count": streams,
                    }
                ]
            ),
        }
    )
    queries = [start_stream(spark, spec, params) for spec in stream_specs(params)]
    try:
        time.sleep(step_seconds + 2 * trigger)
        progresses = [[progress_dict(progress) for progress in query.recentProgress] for query in queries]
    finally:
        for query in queries:
            query.stop()
    return keeps_up(progresses, trigger, step_seconds + 2 * trigger)


def main() -> int:
    raw = json.load(sys.stdin)
    problem = java_problem(os.environ)
    if problem:
        print(f"bench: {problem}", file=sys.stderr)
        return 1
    state = Path(tempfile.mkdtemp(prefix="streambench-bench-"))
    processes: list = []
    try:
        spark = local_session(state, processes)
        return figures(spark, parse_run_spec({**raw, "stateDir": str(state), "speed": bench_speed()}), state)
    except SetupError as error:
        print(f"bench: {error}", file=sys.stderr)
        return 1
    finally:
        stop_processes(processes)
        shutil.rmtree(state, ignore_errors=True)


def bench_speed() -> float:
    """The speed dev's timeline is played at (BENCH_LOCAL_SPEED)."""
    return float(os.environ.get("BENCH_LOCAL_SPEED", "10"))


def figures(spark, spec, state: Path) -> int:
    """Prints the module's two figures, played on `spark` in the scratch folder `state`."""
    speed = spec.speed
    trigger = int(os.environ.get("BENCH_LOCAL_TRIGGER_SECONDS", "2"))
    step_seconds = float(os.environ.get("BENCH_LOCAL_STEP_SECONDS", "14"))
    stream_counts = [int(count) for count in os.environ.get("BENCH_LOCAL_STREAMS", "1,5,20").split(",")]
    cores = spark.sparkContext.defaultParallelism

    print(
        f"\n1. dev's timeline on local Spark (local[*], {cores} cores) at {speed:g}x, as `npm run local -- "
        f"--stack dev --speed {speed:g}` plays it:",
        flush=True,
    )
    quiet = Console(interactive=False)  # the bench prints figures, not the run's lines
    quiet.log = lambda message: None
    quiet.bar = lambda text, share: None
    started = time.monotonic()
    outcome = run_timeline(spark, spec, quiet, threading.Event())
    report = analyse_and_draw(spark, spec, outcome, quiet, state_dir=state)
    print(f"   played in {time.monotonic() - started:.0f} s (with warm-up and analysis)")
    rows = [["minutes", "phases", "target rows/s", "achieved rows/s", "gap", "written / offered"]]
    for window in report.windows:
        rows.append(
            [
                window_label(window.start_minute, window.end_minute),
                window.phases,
                f"{window.target_rows_per_second:,}",
                "n/a" if window.achieved_rows_per_second is None else f"{window.achieved_rows_per_second:,.0f}",
                "n/a" if window.gap_percent is None else f"{window.gap_percent:+.1f} %",
                "n/a" if window.gap_percent is None else f"{100 + window.gap_percent:.1f} %",
            ]
        )
    print("   " + text_table(rows).replace("\n", "\n   "))
    batches = spark.sql(
        f"SELECT count(*) AS batches, sum(CASE WHEN batch_duration_ms < {BATCH_SHARE_OF_TRIGGER} * "
        f"{int(phase_parameters(spec, spec.phases[0], outcome.run_start, 'x')['trigger_interval_seconds'])} * 1000 "
        "AND processed_rows_per_second >= input_rows_per_second THEN 1 ELSE 0 END) AS kept_up, "
        "percentile(batch_duration_ms, 0.5) AS median_ms, percentile(processing_lag_ms, 0.95) AS lag_p95_ms FROM "
        f"spark_catalog.{spec.phases[0].parameters['schema']}.{spec.phases[0].parameters['metrics_table']} "
        f"WHERE batch_time >= timestamp_seconds({outcome.run_start.timestamp()}) AND num_input_rows > 0"
    ).first()
    print(
        f"   micro-batches with rows: {batches['batches']}, of which {batches['kept_up'] or 0} kept up "
        f"(processed >= input, under {BATCH_SHARE_OF_TRIGGER:.0%} of the trigger); median {batches['median_ms']:.0f} ms; "
        f"processing lag p95 {seconds_text(batches['lag_p95_ms'] and batches['lag_p95_ms'] / 1000)}"
    )
    for phase, summary in outcome.summaries.items():  # each phase's drain (streambench.window_edges)
        print(
            f"   {phase}: {summary.get('rows_written', 0):,} of {summary.get('rows_expected', 0):,} rows written, "
            f"the last committed {seconds_text(summary.get('drain_seconds'))} after its window"
        )

    print(
        f"\n2. Largest load local Spark keeps up with: N streams of the generator, {spec.phases[0].parameters['num_partitions']} "
        f"partitions each, {trigger} s trigger, {step_seconds:g} s per step, rate per stream x{RATE_FACTOR} per step:",
        flush=True,
    )
    base = phase_parameters(spec, spec.phases[0], outcome.run_start, run_id_for(outcome.run_start))
    activate_in_this_thread(spark)
    results = [["streams", "largest kept up (streams x rows/s)", "first not kept up", "why"]]
    step = 0
    for streams in stream_counts:
        rate, best, failed, why = FIRST_RATE, "none", "-", ""
        while streams * rate <= MAX_TOTAL_ROWS_PER_SECOND:
            step += 1
            ok, detail = load_step(spark, base, streams, rate, trigger, step_seconds, state, step)
            print(
                f"   {streams} x {rate:,} = {streams * rate:,} rows/s: {'keeps up' if ok else 'falls behind'} ({detail})",
                flush=True,
            )
            if not ok:
                failed, why = f"{streams} x {rate:,} = {streams * rate:,}", detail
                break
            best = f"{streams} x {rate:,} = {streams * rate:,}"
            rate *= RATE_FACTOR
        results.append([str(streams), best, failed, why])
    print("   " + text_table(results).replace("\n", "\n   "))
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
