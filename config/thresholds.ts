/**
 * Thresholds: `<metric> <op> <number>` expressions that turn a run's verdict into a CI exit code. A threshold fails
 * when its expression is true, for the run or for any window of it (k6's convention, inverted as `--fail-if`).
 * Stack config (`streambench:thresholds`), a thresholds file and `--fail-if` all take this one grammar.
 */
import { z } from "zod";

/** What a threshold can test: per window and for the run, or (`node_minutes`, `cost`) for the run only. */
export const THRESHOLD_METRICS = [
    "kept_up",
    "lag_p95_seconds",
    "batch_p95_to_trigger",
    "reaction_seconds",
    "node_minutes",
    "cost",
] as const;
export const THRESHOLD_OPERATORS = ["==", "!=", "<=", ">=", "<", ">"] as const;
/** The exit code of a run that played and was analysed, but failed a threshold (k6 uses 99 too): not 0, 1, 2 or 130. */
export const EXIT_THRESHOLD_FAILED = 99;

export interface Threshold {
    metric: (typeof THRESHOLD_METRICS)[number];
    op: (typeof THRESHOLD_OPERATORS)[number];
    value: number;
    /** As written, normalised to single spaces: the name of its checks in the JUnit report. */
    text: string;
}

const EXPRESSION = new RegExp(
    `^\\s*(${THRESHOLD_METRICS.join("|")})\\s*(${THRESHOLD_OPERATORS.map((op) => op.replace(/[<>=!]/g, "\\$&")).join("|")})\\s*(-?(?:\\d+\\.?\\d*|\\.\\d+))\\s*$`,
);

export const thresholdExpression = z
    .string()
    .regex(
        EXPRESSION,
        `must be "<metric> <op> <number>": metric one of ${THRESHOLD_METRICS.join(", ")}; op one of ${THRESHOLD_OPERATORS.join(" ")}`,
    )
    .transform((text): Threshold => {
        const [, metric, op, value] = EXPRESSION.exec(text)!;
        return { metric: metric as Threshold["metric"], op: op as Threshold["op"], value: Number(value), text: `${metric} ${op} ${value}` };
    });

export const thresholdsSchema = z
    .array(thresholdExpression)
    .default([])
    .describe(
        `Thresholds every run of this stack is held to, each "<metric> <op> <number>" (e.g. "lag_p95_seconds > 30"); one that is true ` +
            `for the run or any window fails the run with exit code ${EXIT_THRESHOLD_FAILED}. Metrics: ${THRESHOLD_METRICS.join(", ")}.`,
    );

/** Thresholds from a command line or a file: every one parsed, every bad one named in one list of problems. */
export function parseThresholds(expressions: string[], source: string): { thresholds: Threshold[]; problems: string[] } {
    const thresholds: Threshold[] = [];
    const problems: string[] = [];
    for (const expression of expressions) {
        const result = thresholdExpression.safeParse(expression);
        if (result.success) {
            thresholds.push(result.data);
        } else {
            problems.push(`${source} ${JSON.stringify(expression)}: ${result.error.issues[0].message}`);
        }
    }
    return { thresholds, problems };
}
