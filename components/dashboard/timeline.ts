/**
 * The time axis every time chart of the dashboard shares: the latest run's start, fixed-width buckets from it,
 * and the run's micro-batches in those buckets.
 */
import { PhaseName, ScalingPlan } from "../../plan/types";
import { TIMEOUT_GRACE_MINUTES, TRIGGER_INTERVAL_SECONDS } from "../../plan/settings";
import { Cte, qualifiedTableName, sqlString } from "./sql";

/**
 * Width of a time bucket: the generator's micro-batch trigger, so each stream contributes about one batch to
 * each bucket.
 */
export const BUCKET_SECONDS = TRIGGER_INTERVAL_SECONDS;
/** The phase whose start is the run's start: the first, at minute 0 (the analysis's `latest_run_start` uses the same). */
export function runPhase(plan: Pick<ScalingPlan, "phases">): PhaseName {
    return plan.phases[0].name;
}
const MICROS_PER_SECOND = 1_000_000;
export const SECONDS_PER_MINUTE = 60;

/** What the time-series datasets share: the run, its buckets, and the run's deduplicated micro-batches. */
export interface Timeline {
    metricsTable: string;
    /** The phase that starts every run (`runPhase`). */
    runPhase: PhaseName;
    /** Seconds shown from the run's start: the run plus the grace the phase jobs get to stop (and the cluster to shrink). */
    viewSeconds: number;
}

/** The time axis of a run of `plan`, its micro-batches read from `metricsTable` (a bare name in the plan's schema). */
export function timeline(plan: ScalingPlan, metricsTable: string): Timeline {
    const viewSeconds = (plan.runMinutes + TIMEOUT_GRACE_MINUTES) * SECONDS_PER_MINUTE;
    if (viewSeconds % BUCKET_SECONDS !== 0) {
        throw new Error(`the dashboard's time range (${viewSeconds} s) is not a whole number of ${BUCKET_SECONDS} s buckets`);
    }
    return { metricsTable: qualifiedTableName(plan, metricsTable), runPhase: runPhase(plan), viewSeconds };
}

/**
 * The latest run: the start of the latest first phase (`runPhase`) in stream_metrics, cut to the second as the analysis
 * notebook cuts it. In a scheduled run and in the timeline run alike, the baseline phase starts at the run's
 * minute 0.
 */
export function runCte(line: Timeline): Cte {
    return {
        name: "run",
        body: [
            "SELECT date_trunc('SECOND', max(phase_start)) AS run_start",
            `FROM ${line.metricsTable}`,
            `WHERE phase = ${sqlString(line.runPhase)}`,
        ].join("\n"),
    };
}

/** One row per bucket of the view, with its offset from the run start: the x axis of every time chart. */
export function bucketsCte(line: Timeline): Cte {
    return {
        name: "buckets",
        body: [
            "SELECT offset_seconds,",
            "       timestampadd(SECOND, offset_seconds, run_start) AS bucket_start,",
            `       timestampadd(SECOND, offset_seconds + ${BUCKET_SECONDS}, run_start) AS bucket_end`,
            `FROM (SELECT run_start, explode(sequence(0, ${line.viewSeconds - BUCKET_SECONDS}, ${BUCKET_SECONDS})) AS offset_seconds`,
            "      FROM run WHERE run_start IS NOT NULL) AS offsets",
        ].join("\n"),
    };
}

/**
 * The run's micro-batches, each in the bucket of its trigger time. A batch recorded twice (the recorder's poll
 * fallback, a retried flush) counts once. The streams' end rows (batch_id null, rows_written = the stream's whole
 * window) are not batches and are left out.
 */
export function batchesCte(line: Timeline): Cte {
    return {
        name: "batches",
        body: [
            "SELECT DISTINCT m.stream_type, m.query_run_id, m.batch_id, m.rows_written,",
            `       CAST(floor((unix_micros(m.batch_time) - unix_micros(r.run_start)) / ${BUCKET_SECONDS * MICROS_PER_SECOND}) AS INT) * ${BUCKET_SECONDS} AS offset_seconds`,
            `FROM ${line.metricsTable} AS m`,
            "CROSS JOIN run AS r",
            `WHERE m.batch_id IS NOT NULL AND m.batch_time >= r.run_start AND m.batch_time < timestampadd(SECOND, ${line.viewSeconds}, r.run_start)`,
        ].join("\n"),
    };
}

/*
 * Throughput is measured as the rows the micro-batches triggered in a bucket wrote, divided by the bucket's
 * length: SUM(rows_written) / BUCKET_SECONDS. rows_written counts only the rows inside the stream's window (not
 * those its query read during the start lead or the drain), each exactly once, so the area under the curve is
 * the rows in the stream tables, and a bucket in which a stream delivered no batch (late start,
 * stall, a batch slower than the trigger) shows as a dip instead of being skipped. Summing input_rows_per_second
 * per bucket would not be honest: it is null on a stream's first batch, it counts a stream twice when two of its
 * batches fall in one bucket and not at all when none does, and it is a rate over Spark's own interval, not the
 * bucket's. The price: a batch carries the rows generated since the stream's previous trigger, so the measured
 * curve trails the target by up to one trigger interval at every step. Buckets not yet over are left out.
 */
export function throughputRowsExpression(alias: string): string {
    return `CAST(coalesce(sum(${alias}.rows_written), 0) AS DOUBLE) / ${BUCKET_SECONDS}`;
}
