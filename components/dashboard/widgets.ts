/**
 * The dashboard's widgets: chart and table specs that read a dataset's columns as they are, and the text the
 * widgets show.
 */
import { PhaseName, ScalingPlan } from "../../plan/types";
import { DashboardDataset } from "./datasets";
import { quoteIdentifier } from "./sql";
import { BUCKET_SECONDS } from "./timeline";

export type ScaleType = "temporal" | "quantitative" | "categorical";

export interface AxisEncoding {
    fieldName: string;
    scale: { type: ScaleType };
    displayName: string;
}

export interface MultiFieldEncoding {
    scale: { type: ScaleType };
    fields: { fieldName: string; displayName: string }[];
}

export interface ChartEncodings {
    x: AxisEncoding;
    y: AxisEncoding | MultiFieldEncoding;
    color?: AxisEncoding;
}

export interface TableEncodings {
    columns: { fieldName: string; displayName: string }[];
}

export interface Frame {
    showTitle: true;
    title: string;
    showDescription: true;
    description: string;
}

interface WidgetQuery {
    name: string;
    query: {
        datasetName: string;
        fields: { name: string; expression: string }[];
        disaggregated: boolean;
    };
}

export interface Widget {
    name: string;
    queries?: WidgetQuery[];
    spec?: {
        version: number;
        widgetType: string;
        encodings: ChartEncodings | TableEncodings;
        mark?: { layout: "group" };
        frame: Frame;
    };
    multilineTextboxSpec?: { lines: string[] };
}

function encodedFields(encodings: ChartEncodings | TableEncodings): string[] {
    if ("columns" in encodings) {
        return encodings.columns.map((column) => column.fieldName);
    }
    const y = "fields" in encodings.y ? encodings.y.fields.map((field) => field.fieldName) : [encodings.y.fieldName];
    return [encodings.x.fieldName, ...y, ...(encodings.color ? [encodings.color.fieldName] : [])];
}

/** A widget reading the dataset's columns as they are; throws if it encodes a column the dataset lacks. */
export function dataWidget(
    name: string,
    dataset: DashboardDataset,
    spec: { version: number; widgetType: string; encodings: ChartEncodings | TableEncodings; mark?: { layout: "group" }; frame: Frame },
): Widget {
    const fields = [...new Set(encodedFields(spec.encodings))];
    const missing = fields.filter((field) => !dataset.columns.includes(field));
    if (missing.length > 0) {
        throw new Error(`widget ${name} encodes ${missing.join(", ")}, which dataset ${dataset.name} does not select`);
    }
    return {
        name,
        queries: [
            {
                name: "main_query",
                query: {
                    datasetName: dataset.name,
                    fields: fields.map((field) => ({ name: field, expression: quoteIdentifier(field) })),
                    disaggregated: true,
                },
            },
        ],
        spec: {
            version: spec.version,
            widgetType: spec.widgetType,
            encodings: spec.encodings,
            ...(spec.mark ? { mark: spec.mark } : {}),
            frame: spec.frame,
        },
    };
}

export function frame(title: string, description: string): Frame {
    return { showTitle: true, title, showDescription: true, description };
}

export const axis = (fieldName: string, type: ScaleType, displayName: string): AxisEncoding => ({
    fieldName,
    scale: { type },
    displayName,
});

/** The x axis of every time chart: the run's buckets. */
const BUCKET_AXIS = axis("bucket_start", "temporal", `Time (${BUCKET_SECONDS} s buckets)`);

/** A chart over the run's time buckets: `y` per bucket, one series (or one stacked bar) per value of `color`. */
export function timeChart(
    name: string,
    dataset: DashboardDataset,
    widgetType: "bar" | "line",
    y: AxisEncoding,
    color: AxisEncoding,
    chartFrame: Frame,
): Widget {
    return dataWidget(name, dataset, { version: 3, widgetType, encodings: { x: BUCKET_AXIS, y, color }, frame: chartFrame });
}

function rate(value: number): string {
    return value.toLocaleString("en-US");
}

/** The plan's throughput table in one line: `0-3 min 50,000 rows/s (baseline); ...`. */
export function targetSummary(plan: ScalingPlan): string {
    return plan.throughput
        .map((window) => {
            const phases = (Object.keys(window.rowsPerSecondByPhase) as PhaseName[]).filter(
                (phase) => window.rowsPerSecondByPhase[phase] > 0,
            );
            return `${window.startMinute}-${window.endMinute} min ${rate(window.totalRowsPerSecond)} rows/s (${phases.join("+") || "idle"})`;
        })
        .join("; ");
}
