/**
 * The run spec: one versioned JSON document of everything a run does and how it is judged, built from the plan.
 * Tools read it (the stack output `benchmark`, or offline the same plan code); its JSON Schema
 * (notebooks/streambench/run_spec.schema.json) is generated from `runSpecSchema` by `npm run docs:config`.
 */
import { z } from "zod";
import { costSchema, verdictSchema } from "../config/schema";
import { THRESHOLD_METRICS, THRESHOLD_OPERATORS } from "../config/thresholds";
import { RESULT_TABLES } from "./notebookContract";
import {
    COMPUTE_LABELS,
    DRAIN_LIMIT_SECONDS,
    LIMITS,
    START_LEAD_SECONDS,
    STATUS_INTERVAL_SECONDS,
    TRIGGER_INTERVAL_SECONDS,
} from "./settings";
import type { ScalingPlan } from "./types";

/** Raised when the document changes shape: a reader refuses a version it does not know. */
export const RUN_SPEC_VERSION = 1;

const minute = z.number().min(0).max(LIMITS.maxRunMinutes);
const positiveInt = z.int().min(1);
const tableName = z.string().regex(/^[A-Za-z0-9_]+$/);
const computeLabel = z.enum(Object.values(COMPUTE_LABELS) as [string, ...string[]]);

export const runSpecSchema = z
    .strictObject({
        version: z.literal(RUN_SPEC_VERSION),
        stack: z.string().min(1),
        catalog: z.string().min(1),
        schema: z.string().min(1),
        volumePath: z.string().startsWith("/Volumes/"),
        compute: z.strictObject({ phases: computeLabel, pipeline: computeLabel.optional() }),
        load: z.strictObject({
            runMinutes: minute,
            partitions: z.int().min(1).max(LIMITS.maxPartitions),
            triggerIntervalSeconds: positiveInt,
            startLeadSeconds: z.int().min(0),
            drainLimitSeconds: z.int().min(0),
            statusIntervalSeconds: positiveInt,
            phases: z
                .array(
                    z.strictObject({
                        name: z.string().regex(/^[a-z0-9][a-z0-9_]*$/),
                        streams: z.int().min(1).max(LIMITS.maxBaselineStreams),
                        rowsPerSecond: z.number().gt(0).max(LIMITS.maxRowsPerSecondPerStream),
                        startMinute: minute,
                        endMinute: minute,
                        firstStreamId: positiveInt,
                        tableNameFormat: z.string().min(1),
                    }),
                )
                .min(1)
                .describe("In timeline order: the first starts at minute 0 and anchors the run."),
            windows: z
                .array(
                    z.strictObject({
                        startMinute: minute,
                        endMinute: minute,
                        rowsPerSecondByPhase: z.record(z.string(), z.number().min(0)),
                        totalRowsPerSecond: z.number().min(0),
                    }),
                )
                .min(1)
                .describe("One per stretch of constant total load: the analysis's windows."),
        }),
        verdict: verdictSchema,
        cost: costSchema,
        thresholds: z.array(
            z.strictObject({
                metric: z.enum(THRESHOLD_METRICS),
                op: z.enum(THRESHOLD_OPERATORS),
                value: z.number(),
                text: z.string(),
            }),
        ),
        tables: z.strictObject({
            metrics: tableName,
            clusterEvents: tableName,
            results: tableName,
            pipelineEventLog: tableName.optional(),
        }),
        chartFolder: z.string().startsWith("/Volumes/"),
        tags: z.record(z.string(), z.string()),
    })
    .describe("streambench run spec: what a run of one stack plays and how it is judged.");

export type RunSpec = z.infer<typeof runSpecSchema>;

/** The run spec of a plan; checked against its own schema, so a plan never hands out a document its readers refuse. */
export function buildRunSpec(plan: ScalingPlan): RunSpec {
    return runSpecSchema.parse({
        version: RUN_SPEC_VERSION,
        stack: plan.stack,
        catalog: plan.catalog,
        schema: plan.schemaName,
        volumePath: plan.volumePath,
        compute: plan.compute,
        load: {
            runMinutes: plan.runMinutes,
            partitions: plan.partitions,
            triggerIntervalSeconds: TRIGGER_INTERVAL_SECONDS,
            startLeadSeconds: START_LEAD_SECONDS,
            drainLimitSeconds: DRAIN_LIMIT_SECONDS,
            statusIntervalSeconds: STATUS_INTERVAL_SECONDS,
            phases: plan.phases.map((phase) => ({
                name: phase.name,
                streams: phase.streamCount,
                rowsPerSecond: phase.ratePerStream,
                startMinute: phase.windowStartMinute,
                endMinute: phase.windowEndMinute,
                firstStreamId: phase.firstStreamId,
                tableNameFormat: phase.tableNameFormat,
            })),
            windows: plan.throughput,
        },
        verdict: plan.verdict,
        cost: plan.cost,
        thresholds: plan.thresholds,
        tables: {
            metrics: RESULT_TABLES.metrics,
            clusterEvents: RESULT_TABLES.clusterEvents,
            results: RESULT_TABLES.results,
            ...(plan.pipeline ? { pipelineEventLog: plan.pipeline.eventLogTable } : {}),
        },
        chartFolder: plan.analysis.parameters.chart_folder,
        tags: plan.cluster.tags,
    });
}

/** The run spec's JSON Schema, as committed beside the Python package that reads it. */
export function runSpecJsonSchema(): string {
    return `${JSON.stringify(z.toJSONSchema(runSpecSchema, { io: "output" }), null, 2)}\n`;
}
