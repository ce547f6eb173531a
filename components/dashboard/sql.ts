/** The SQL text of the dashboard's datasets: identifiers, literals, and `WITH ... SELECT` queries. */
import { ScalingPlan } from "../../plan/types";

/** A Unity Catalog identifier in back quotes (a back quote inside is doubled). */
export function quoteIdentifier(name: string): string {
    return "`" + name.replace(/`/g, "``") + "`";
}

/** `catalog`.`schema`.`table` of a table in the plan's schema. */
export function qualifiedTableName(plan: Pick<ScalingPlan, "catalog" | "schemaName">, table: string): string {
    return [plan.catalog, plan.schemaName, table].map(quoteIdentifier).join(".");
}

/** A Spark SQL string literal. */
export function sqlString(text: string): string {
    return "'" + text.replace(/\\/g, "\\\\").replace(/'/g, "\\'") + "'";
}

export interface Cte {
    name: string;
    body: string;
}

function indent(text: string, spaces: number): string {
    const pad = " ".repeat(spaces);
    return text
        .split("\n")
        .map((line) => (line.length > 0 ? pad + line : line))
        .join("\n");
}

/**
 * `WITH <ctes> SELECT <columns> FROM <last cte> ORDER BY ... [LIMIT n]`: the columns are exactly what the dataset
 * declares.
 */
export function withQuery(ctes: Cte[], columns: string[], orderBy: string[], limit?: number): string {
    const from = ctes[ctes.length - 1].name;
    return [
        "WITH",
        ctes.map((cte) => `${cte.name} AS (\n${indent(cte.body, 2)}\n)`).join(",\n"),
        `SELECT ${columns.join(", ")}`,
        `FROM ${from}`,
        `ORDER BY ${orderBy.join(", ")}`,
        ...(limit === undefined ? [] : [`LIMIT ${limit}`]),
    ].join("\n");
}
