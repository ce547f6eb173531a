import * as assert from "assert";
import { parseStackConfig } from "../../config/parse";
import { DashboardTables, runComparison } from "../../components/dashboard/datasets";
import { dashboardDefinition } from "../../components/dashboard/definition";
import { ScalingPlan } from "../../plan/types";
import { allTables, buildScalingPlan } from "../../plan/build";

const TABLES: DashboardTables = { metrics: "stream_metrics", clusterEvents: "cluster_events", results: "benchmark_results" };

function plan(stack: string, raw: Record<string, unknown> = {}): ScalingPlan {
    return buildScalingPlan(stack, parseStackConfig(stack, raw));
}

interface Field {
    name: string;
    expression: string;
}
interface Widget {
    name: string;
    queries?: { name: string; query: { datasetName: string; fields: Field[]; disaggregated: boolean } }[];
    spec?: { version: number; widgetType: string; encodings: Record<string, unknown>; frame?: { title?: string } };
    multilineTextboxSpec?: { lines: string[] };
}
interface Serialized {
    datasets: { name: string; displayName: string; queryLines: string[] }[];
    pages: {
        name: string;
        displayName: string;
        pageType: string;
        layout: { widget: Widget; position: { x: number; y: number; width: number; height: number } }[];
    }[];
}

function parse(serialized: string): Serialized {
    return JSON.parse(serialized) as Serialized;
}

function queries(serialized: Serialized): Map<string, string> {
    return new Map(serialized.datasets.map((dataset) => [dataset.name, dataset.queryLines.join("")]));
}

function widgets(serialized: Serialized): Widget[] {
    return serialized.pages.flatMap((page) => page.layout.map((item) => item.widget));
}

/** The columns of the query's final SELECT (the one after the last CTE): `expr AS name` or a bare name. */
function selectedColumns(query: string): string[] {
    const start = query.lastIndexOf("\nSELECT ");
    assert.ok(start >= 0, `no final SELECT in:\n${query}`);
    const end = query.indexOf("\nFROM ", start);
    const list = query.slice(start + "\nSELECT ".length, end);
    return list.split(",").map((item) => {
        const text = item.trim();
        const alias = /\bAS\s+([A-Za-z_]\w*)$/i.exec(text);
        if (alias) {
            return alias[1];
        }
        assert.match(text, /^[A-Za-z_]\w*$/, `final SELECT item ${JSON.stringify(text)} is neither a column nor aliased`);
        return text;
    });
}

/** Every back-quoted three-part name in the query, unquoted: catalog.schema.table. */
function namedTables(query: string): string[] {
    const part = "`((?:[^`]|``)+)`";
    const pattern = new RegExp(`${part}\\.${part}\\.${part}`, "g");
    return [...query.matchAll(pattern)].map((match) =>
        match
            .slice(1, 4)
            .map((name) => name.replace(/``/g, "`"))
            .join("."),
    );
}

/** What every FROM / JOIN reads: a back-quoted name, a CTE of the query, or VALUES. */
function fromTargets(query: string): string[] {
    return [...query.matchAll(/\b(?:FROM|JOIN)\s+([^\s()]+)/gi)].map((match) => match[1]);
}

function cteNames(query: string): Set<string> {
    return new Set([...query.matchAll(/\b([A-Za-z_]\w*)\s+AS\s+\(/g)].map((match) => match[1]));
}

/** The fields a widget's spec encodes (x / y / color, several y fields, table columns). */
function encodedFields(widget: Widget): string[] {
    const encodings = widget.spec?.encodings ?? {};
    const names: string[] = [];
    for (const value of Object.values(encodings)) {
        const items = Array.isArray(value) ? value : [value];
        for (const item of items as Record<string, unknown>[]) {
            if (typeof item.fieldName === "string") {
                names.push(item.fieldName);
            }
            if (Array.isArray(item.fields)) {
                names.push(...(item.fields as { fieldName: string }[]).map((field) => field.fieldName));
            }
        }
    }
    return names;
}

/** The (start second, end second, target rows/s) rows of the plan_windows VALUES in the throughput-vs-target query. */
function targetWindows(query: string): number[][] {
    const values = /FROM VALUES (.*?) AS plan_windows\(start_second, end_second, target_rows_per_second\)/.exec(query);
    assert.ok(values, "the target query has no plan_windows VALUES");
    return [...values[1].matchAll(/\((\d+), (\d+), (\d+)\)/g)].map((match) => match.slice(1, 4).map(Number));
}

const prod = plan("prod", { dlt: { enabled: true } }); // as Pulumi.prod.yaml: with the DLT pipeline
const dev = plan("dev", { testMode: true });
const custom = plan("qa", {
    catalog: "analytics",
    database: "bench",
    testMode: true,
    timeline: { scale9xStartMinute: 8, scale9xEndMinute: 12, runMinutes: 20 },
    cluster: { minWorkers: 3, maxWorkers: 11 },
});

describe("dashboard definition", () => {
    for (const [stack, stackPlan] of [
        ["prod", prod],
        ["dev (test mode)", dev],
        ["qa (other catalog, schema and timeline)", custom],
    ] as const) {
        describe(stack, () => {
            const definition = dashboardDefinition(stackPlan, TABLES);
            const serialized = parse(definition.serialized);
            const byName = queries(serialized);

            it("serializes to JSON whose datasets are the returned queries, one line per queryLines entry", () => {
                assert.deepStrictEqual(
                    [...byName.keys()],
                    definition.datasets.map((dataset) => dataset.name),
                );
                assert.strictEqual(new Set(byName.keys()).size, byName.size);
                for (const dataset of definition.datasets) {
                    assert.strictEqual(byName.get(dataset.name), dataset.query);
                }
                for (const dataset of serialized.datasets) {
                    dataset.queryLines.slice(0, -1).forEach((line) => assert.ok(line.endsWith("\n") && !line.slice(0, -1).includes("\n")));
                }
                assert.ok(serialized.pages.length > 0);
                assert.ok(serialized.pages.every((page) => page.pageType === "PAGE_TYPE_CANVAS" && page.layout.length > 0));
            });

            it("declares, for every dataset, exactly the columns its final SELECT returns", () => {
                for (const dataset of definition.datasets) {
                    assert.deepStrictEqual(selectedColumns(dataset.query), dataset.columns, dataset.name);
                }
            });

            it("points every widget at an existing dataset, and encodes only columns that dataset selects", () => {
                const dataWidgets = widgets(serialized).filter((widget) => widget.queries);
                assert.ok(dataWidgets.length >= 4);
                for (const widget of dataWidgets) {
                    for (const { query } of widget.queries ?? []) {
                        const sql = byName.get(query.datasetName);
                        assert.ok(sql, `widget ${widget.name} reads unknown dataset ${query.datasetName}`);
                        const columns = selectedColumns(sql);
                        const fieldNames = query.fields.map((field) => field.name);
                        for (const field of query.fields) {
                            assert.ok(
                                columns.includes(field.name),
                                `widget ${widget.name}: field ${field.name} is not a column of ${query.datasetName}`,
                            );
                            assert.strictEqual(field.expression, "`" + field.name + "`");
                        }
                        for (const encoded of encodedFields(widget)) {
                            assert.ok(fieldNames.includes(encoded), `widget ${widget.name} encodes ${encoded}, which its query lacks`);
                            assert.ok(
                                columns.includes(encoded),
                                `widget ${widget.name} encodes ${encoded}, not a column of ${query.datasetName}`,
                            );
                        }
                    }
                    assert.ok(encodedFields(widget).length > 0, `widget ${widget.name} encodes nothing`);
                }
            });

            it("names no table but the stream tables and the three given tables, all in the plan's schema", () => {
                const pipelineTables = stackPlan.pipeline ? [stackPlan.pipeline.eventLogTable] : [];
                const allowed = new Set([
                    ...allTables(stackPlan).map((table) => `${stackPlan.catalog}.${stackPlan.schemaName}.${table}`),
                    ...[...Object.values(TABLES), ...pipelineTables].map(
                        (table) => `${stackPlan.catalog}.${stackPlan.schemaName}.${table}`,
                    ),
                ]);
                const named = new Set<string>();
                for (const dataset of definition.datasets) {
                    const tables = namedTables(dataset.query);
                    assert.ok(tables.length > 0, `${dataset.name} names no table`);
                    tables.forEach((table) => {
                        assert.ok(allowed.has(table), `${dataset.name} names ${table}`);
                        named.add(table);
                    });
                    const ctes = cteNames(dataset.query);
                    for (const target of fromTargets(dataset.query)) {
                        const ok = target === "VALUES" || ctes.has(target) || namedTables(target).length === 1;
                        assert.ok(ok, `${dataset.name} reads ${target}, which is neither a qualified table, a CTE nor VALUES`);
                    }
                }
                const inSchema = (table: string) => `${stackPlan.catalog}.${stackPlan.schemaName}.${table}`;
                assert.deepStrictEqual(
                    [...named].sort(),
                    [
                        inSchema(TABLES.results),
                        inSchema(TABLES.clusterEvents),
                        inSchema(TABLES.metrics),
                        ...pipelineTables.map(inSchema),
                    ].sort(),
                );
            });

            it("writes every qualified name back-quoted, in the plan's catalog and schema", () => {
                const prefix = "`" + stackPlan.catalog + "`.`" + stackPlan.schemaName + "`.";
                for (const dataset of definition.datasets) {
                    assert.ok(dataset.query.includes(prefix), dataset.name);
                    // No unquoted catalog.schema reference anywhere.
                    assert.ok(!dataset.query.includes(`${stackPlan.catalog}.${stackPlan.schemaName}`), dataset.name);
                }
            });

            it("takes the target line from the plan's throughput windows, in seconds from the run start", () => {
                const windows = targetWindows(byName.get("throughput_vs_target") ?? "");
                assert.deepStrictEqual(
                    windows,
                    stackPlan.throughput.map((window) => [window.startMinute * 60, window.endMinute * 60, window.totalRowsPerSecond]),
                );
            });

            it("stacks throughput by the plan's stream types and draws the plan's autoscale bounds", () => {
                const byType = byName.get("throughput_by_stream_type") ?? "";
                const types = /FROM VALUES (.*?) AS plan_stream_types\(stream_type\)/.exec(byType);
                assert.ok(types);
                assert.deepStrictEqual(
                    [...types[1].matchAll(/\('([^']*)'\)/g)].map((match) => match[1]),
                    stackPlan.phases.map((phase) => phase.name),
                );
                const workers = byName.get("workers_over_time") ?? "";
                assert.match(workers, new RegExp(`'autoscale min \\(plan\\)' AS series, ${stackPlan.cluster.minWorkers} AS workers`));
                assert.match(workers, new RegExp(`'autoscale max \\(plan\\)' AS series, ${stackPlan.cluster.maxWorkers} AS workers`));
            });

            it("uses the chart and table widget versions of current dashboards, on the 6-column grid without overlaps", () => {
                const versions: Record<string, number> = { line: 3, bar: 3, area: 3, table: 2 };
                for (const widget of widgets(serialized).filter((item) => item.spec)) {
                    assert.strictEqual(widget.spec?.version, versions[widget.spec?.widgetType ?? ""], widget.name);
                }
                for (const page of serialized.pages) {
                    const cells = new Set<string>();
                    for (const { widget, position } of page.layout) {
                        assert.ok(position.x >= 0 && position.width > 0 && position.x + position.width <= 6, widget.name);
                        for (let x = position.x; x < position.x + position.width; x++) {
                            for (let y = position.y; y < position.y + position.height; y++) {
                                assert.ok(!cells.has(`${x},${y}`), `${widget.name} overlaps another widget at ${x},${y}`);
                                cells.add(`${x},${y}`);
                            }
                        }
                    }
                }
                assert.strictEqual(new Set(widgets(serialized).map((widget) => widget.name)).size, widgets(serialized).length);
            });
        });
    }

    it("has the required widgets: throughput stacked by stream type, against the target, workers, achieved vs target", () => {
        const serialized = parse(dashboardDefinition(prod, TABLES).serialized);
        const find = (name: string) => {
            const widget = widgets(serialized).find((item) => item.name === name);
            assert.ok(widget, `no widget ${name}`);
            return widget;
        };
        const stacked = find("throughput_by_stream_type");
        assert.strictEqual(stacked.spec?.widgetType, "bar");
        assert.ok(!("mark" in (stacked.spec ?? {})), "bars stack unless a mark layout says otherwise");
        assert.deepStrictEqual(stacked.spec?.encodings.color, {
            fieldName: "stream_type",
            scale: { type: "categorical" },
            displayName: "Stream type",
        });
        assert.strictEqual(find("throughput_vs_target").queries?.[0].query.datasetName, "throughput_vs_target");
        assert.strictEqual(find("workers_over_time").spec?.widgetType, "line");
        const achieved = find("achieved_vs_target");
        assert.deepStrictEqual(
            (achieved.spec?.encodings.y as { fields: { fieldName: string }[] }).fields.map((field) => field.fieldName),
            ["target_rows_per_second", "achieved_rows_per_second", "metrics_rows_per_second"],
        );
    });

    it("shows every analysed run side by side on its own page, newest first; ops compare takes the same query with a limit", () => {
        const serialized = parse(dashboardDefinition(prod, TABLES).serialized);
        const page = serialized.pages.find((candidate) => candidate.name === "runs_compared");
        assert.ok(page, "no runs_compared page");
        const table = page.layout.map((item) => item.widget).find((widget) => widget.name === "run_comparison_table");
        assert.strictEqual(table?.spec?.widgetType, "table");
        assert.strictEqual(table?.queries?.[0].query.datasetName, "run_comparison");
        const everyRun = runComparison(prod, TABLES);
        assert.match(everyRun.query, /GROUP BY r\.run_start\n\)\n.*\nFROM runs\nORDER BY run_start DESC$/);
        assert.strictEqual(runComparison(prod, TABLES, 5).query, `${everyRun.query}\nLIMIT 5`);
    });

    it("puts the prod and test-mode targets in the SQL: 50,000 / 53,000 / 62,000 / 50,000 and 500 / 800 / 1,700 / 500", () => {
        const targets = (stackPlan: ScalingPlan) =>
            targetWindows(
                dashboardDefinition(stackPlan, TABLES).datasets.find((dataset) => dataset.name === "throughput_vs_target")?.query ?? "",
            ).map((window) => window[2]);
        assert.deepStrictEqual(targets(prod), [50_000, 53_000, 62_000, 50_000]);
        assert.deepStrictEqual(targets(dev), [500, 800, 1_700, 500]);
        // 3x from 3 to 10 (the default), 9x from 8 to 12: both run from 8 to 10.
        assert.deepStrictEqual(targets(custom), [500, 800, 1_700, 1_400, 500]);
    });

    it("puts a different catalog and schema into every query, and nothing of the default one", () => {
        const definition = dashboardDefinition(custom, TABLES);
        assert.strictEqual(custom.schemaName, "bench_qa");
        for (const dataset of definition.datasets) {
            assert.ok(dataset.query.includes("`analytics`.`bench_qa`."), dataset.name);
            assert.ok(!/`main`|dlt_autoscaling/.test(dataset.query), dataset.name);
            assert.ok(
                namedTables(dataset.query).every((table) => table.startsWith("analytics.bench_qa.")),
                dataset.name,
            );
        }
        assert.ok(!definition.serialized.includes("`main`"));
    });

    it("reads tables under other names when given them", () => {
        const definition = dashboardDefinition(prod, { metrics: "m2", clusterEvents: "ev2", results: "res2" });
        const named = new Set(definition.datasets.flatMap((dataset) => namedTables(dataset.query)));
        assert.deepStrictEqual([...named].sort(), [
            "main.dlt_autoscaling_prod.dlt_event_log",
            "main.dlt_autoscaling_prod.ev2",
            "main.dlt_autoscaling_prod.m2",
            "main.dlt_autoscaling_prod.res2",
        ]);
    });

    it("shows the DLT pipeline's executors from its event log only when the stack has the pipeline", () => {
        const names = (definition: { datasets: { name: string }[] }) => definition.datasets.map((dataset) => dataset.name);
        assert.ok(names(dashboardDefinition(prod, TABLES)).includes("dlt_executors_over_time"));
        assert.ok(!names(dashboardDefinition(dev, TABLES)).includes("dlt_executors_over_time"));
        const query = dashboardDefinition(prod, TABLES).datasets.find((dataset) => dataset.name === "dlt_executors_over_time")!.query;
        assert.match(query, /`main`\.`dlt_autoscaling_prod`\.`dlt_event_log`/);
        assert.match(query, /event_type = 'cluster_resources'/);
    });

    it("refuses table names that are not bare names in the plan's schema", () => {
        for (const bad of ["other.stream_metrics", "`x`", "a b", ""]) {
            assert.throws(() => dashboardDefinition(prod, { ...TABLES, metrics: bad }), /bare table name/);
        }
    });

    it("is pure: the same plan gives the same string", () => {
        assert.strictEqual(
            dashboardDefinition(prod, TABLES).serialized,
            dashboardDefinition(plan("prod", { dlt: { enabled: true } }), TABLES).serialized,
        );
        assert.notStrictEqual(dashboardDefinition(prod, TABLES).serialized, dashboardDefinition(dev, TABLES).serialized);
    });
});
