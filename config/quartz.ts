/**
 * Quartz cron expressions as the Databricks Jobs scheduler reads them (`schedule.quartz_cron_expression`, "Quartz
 * syntax"): `seconds minutes hours day-of-month month day-of-week [year]`, day-of-week 1 = Sunday.
 *
 * Pure functions: parse an expression the way Quartz's `org.quartz.CronExpression` does, compute when it fires,
 * and shift it by whole minutes so that each phase job fires at its window start.
 *
 * Every expression this module accepts is one Quartz accepts, with the fire times Quartz computes:
 * tests/config/quartzJava.test.ts runs the real `org.quartz.CronExpression` (2.5.2, from Maven Central) on a table of
 * expressions and compares both. Where Quartz is laxer than its own documentation this module is stricter and says
 * so: backwards ranges (Quartz wraps them around), `W` or `#` inside a list or range, a step of 0, years outside
 * 1970-2099. `croner` (11.0.1) was tried for the fire times and left out: it rejects Quartz's `0/20` and `L-3`, fires at
 * 03:00 on a spring-forward day where Quartz skips 02:30, and took 0.5 s to list an hourly schedule's year.
 */

import cronstrue from "cronstrue";

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const WEEKDAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

interface FieldRule {
    name: string;
    min: number;
    max: number;
    names?: string[];
}

const SECONDS: FieldRule = { name: "seconds", min: 0, max: 59 };
const MINUTES: FieldRule = { name: "minutes", min: 0, max: 59 };
const HOURS: FieldRule = { name: "hours", min: 0, max: 23 };
const DAY_OF_MONTH: FieldRule = { name: "day-of-month", min: 1, max: 31 };
const MONTH: FieldRule = { name: "month", min: 1, max: 12, names: MONTHS };
const DAY_OF_WEEK: FieldRule = { name: "day-of-week", min: 1, max: 7, names: WEEKDAYS };
const YEAR: FieldRule = { name: "year", min: 1970, max: 2099 };

/** Which days of a month an expression fires on (Quartz's day-of-month or day-of-week field; the other is `?`). */
export type DayRule =
    | { kind: "daysOfMonth"; days: number[] }
    /** `L` (offset 0) or `L-n`: the month's last day, or n days before it. */
    | { kind: "lastDayOfMonth"; offset: number }
    /** `nW`: the weekday (Mon-Fri) nearest to day n, within the month; `LW`: the month's last weekday. */
    | { kind: "nearestWeekday"; day: number | "last" }
    /** 1 = Sunday … 7 = Saturday. */
    | { kind: "daysOfWeek"; weekdays: number[] }
    /** `nL`: the month's last weekday n. */
    | { kind: "lastWeekdayOfMonth"; weekday: number }
    /** `n#k`: the k-th weekday n of the month. */
    | { kind: "nthWeekdayOfMonth"; weekday: number; nth: number };

/** A parsed expression: its fields, and the values each fires at. */
export interface QuartzCron {
    fields: string[];
    seconds: number[];
    minutes: number[];
    hours: number[];
    months: number[];
    /** Undefined: every year. */
    years?: number[];
    day: DayRule;
}

function parseValue(token: string, rule: FieldRule): number | undefined {
    const named = rule.names?.indexOf(token.toUpperCase()) ?? -1;
    if (named >= 0) {
        return named + rule.min;
    }
    if (!/^\d+$/.test(token)) {
        return undefined;
    }
    const value = Number(token);
    return value >= rule.min && value <= rule.max ? value : undefined;
}

/** Expands one comma-separated item (`*`, `N`, `N-M`, `*\/S`, `N/S`, `N-M/S`) to the values it fires at. */
function expandItem(item: string, rule: FieldRule): number[] | string {
    const [range, stepText, extra] = item.split("/");
    if (extra !== undefined) {
        return `"${item}" has more than one "/"`;
    }
    let step = 1;
    if (stepText !== undefined) {
        // Quartz refuses a step at or past the field's span ("Increment >= 60"); a step of 0 it takes but never means.
        if (!/^\d+$/.test(stepText) || Number(stepText) < 1 || Number(stepText) > rule.max - rule.min) {
            return `"${item}" has an invalid step (1 to ${rule.max - rule.min})`;
        }
        step = Number(stepText);
    }
    let from: number | undefined;
    let to: number | undefined;
    if (range === "*") {
        [from, to] = [rule.min, rule.max];
    } else if (range.includes("-")) {
        const [low, high, more] = range.split("-");
        [from, to] = more === undefined ? [parseValue(low, rule), parseValue(high, rule)] : [undefined, undefined];
    } else {
        from = parseValue(range, rule);
        to = stepText === undefined ? from : rule.max;
    }
    if (from === undefined || to === undefined) {
        return `"${item}" is not a ${rule.name} value (${rule.min}-${rule.max}${rule.names ? ` or ${rule.names[0]}-${rule.names[rule.names.length - 1]}` : ""})`;
    }
    if (from > to) {
        return `"${item}" is a range that runs backwards (Quartz would wrap it around; write it as two ranges)`;
    }
    const values: number[] = [];
    for (let value = from; value <= to; value += step) {
        values.push(value);
    }
    return values;
}

function expandField(field: string, rule: FieldRule): number[] | string {
    const values = new Set<number>();
    for (const item of field.split(",")) {
        const expanded = expandItem(item, rule);
        if (typeof expanded === "string") {
            return `${rule.name} field: ${expanded}`;
        }
        expanded.forEach((value) => values.add(value));
    }
    return [...values].sort((a, b) => a - b);
}

/**
 * Day-of-month: a list, or one of Quartz's `L`, `L-n` (n at most 30), `nW` (n 1-31), `LW`, each on its own
 * (Quartz: "The 'W' option does not make sense with values larger than 31", "Offset from last day must be <= 30").
 */
function parseDayOfMonth(field: string): DayRule | string {
    const upper = field.toUpperCase();
    if (upper === "L") {
        return { kind: "lastDayOfMonth", offset: 0 };
    }
    if (upper === "LW") {
        return { kind: "nearestWeekday", day: "last" };
    }
    const lastOffset = /^L-(\d{1,2})$/.exec(upper);
    if (lastOffset) {
        const offset = Number(lastOffset[1]);
        return offset <= 30
            ? { kind: "lastDayOfMonth", offset }
            : `day-of-month field: "${field}": the offset from the last day must be at most 30`;
    }
    const nearest = /^(\d{1,2})W$/.exec(upper);
    if (nearest) {
        const day = Number(nearest[1]);
        return day >= 1 && day <= 31 ? { kind: "nearestWeekday", day } : `day-of-month field: "${field}": W needs a day from 1 to 31`;
    }
    if (/[LW#]/.test(upper)) {
        return `day-of-month field: "${field}": L and W stand alone (L, L-3, LW, 15W)`;
    }
    const days = expandField(field, DAY_OF_MONTH);
    return typeof days === "string" ? days : { kind: "daysOfMonth", days };
}

/** Day-of-week: a list, or one of Quartz's `L` (= 7, Saturday), `nL`, `n#k` (k 1-5), each on its own. */
function parseDayOfWeek(field: string): DayRule | string {
    const upper = field.toUpperCase();
    if (upper === "L") {
        return { kind: "daysOfWeek", weekdays: [7] };
    }
    const last = /^([A-Z]{3}|\d)L$/.exec(upper);
    if (last) {
        const weekday = parseValue(last[1], DAY_OF_WEEK);
        return weekday === undefined
            ? `day-of-week field: "${field}": ${last[1]} is not a day of the week (1-7 or SUN-SAT)`
            : { kind: "lastWeekdayOfMonth", weekday };
    }
    const nth = /^([A-Z]{3}|\d)#(\d+)$/.exec(upper);
    if (nth) {
        const weekday = parseValue(nth[1], DAY_OF_WEEK);
        const count = Number(nth[2]);
        if (weekday === undefined) {
            return `day-of-week field: "${field}": ${nth[1]} is not a day of the week (1-7 or SUN-SAT)`;
        }
        return count >= 1 && count <= 5
            ? { kind: "nthWeekdayOfMonth", weekday, nth: count }
            : `day-of-week field: "${field}": # takes 1 to 5`;
    }
    if (/[L#W]/.test(upper.replace(/[A-Z]{3}/g, (name) => (WEEKDAYS.includes(name) ? "" : name)))) {
        return `day-of-week field: "${field}": L and # stand alone (L, 6L, 6#3)`;
    }
    const weekdays = expandField(field, DAY_OF_WEEK);
    return typeof weekdays === "string" ? weekdays : { kind: "daysOfWeek", weekdays };
}

/** Parses a Quartz expression, or returns every reason the Jobs scheduler would reject it. */
export function parseQuartzCron(expression: string): QuartzCron | string[] {
    const fields = expression.trim().split(/\s+/);
    if (fields.length < 6 || fields.length > 7) {
        return [`expected 6 or 7 fields (seconds minutes hours day-of-month month day-of-week [year]), got ${fields.length}`];
    }
    const [secondsField, minutesField, hoursField, domField, monthField, dowField, yearField] = fields;
    const problems: string[] = [];
    const keep = <T>(result: T | string): T | undefined => {
        if (typeof result === "string") {
            problems.push(result);
            return undefined;
        }
        return result;
    };
    const seconds = keep(expandField(secondsField, SECONDS));
    const minutes = keep(expandField(minutesField, MINUTES));
    const hours = keep(expandField(hoursField, HOURS));
    const months = keep(expandField(monthField, MONTH));
    const years = yearField === undefined ? undefined : keep(expandField(yearField, YEAR));
    let day: DayRule | undefined;
    // Quartz: "'?' can only be specified for Day-of-Month -OR- Day-of-Week", and "Support for specifying both a
    // day-of-week AND a day-of-month parameter is not implemented".
    if ((domField === "?") === (dowField === "?")) {
        problems.push('exactly one of day-of-month and day-of-week must be "?" (Quartz does not take both)');
    } else {
        day = keep(domField === "?" ? parseDayOfWeek(dowField) : parseDayOfMonth(domField));
    }
    if (problems.length > 0 || !seconds || !minutes || !hours || !months || !day || (yearField !== undefined && !years)) {
        return problems;
    }
    return { fields, seconds, minutes, hours, months, years, day };
}

/**
 * The same schedule, firing `offsetMinutes` later within the same hour. Call only on an expression that
 * `timelineScheduleProblems` accepted for an offset at least this large.
 */
export function shiftQuartzCron(expression: string, offsetMinutes: number): string {
    const cron = parseQuartzCron(expression);
    if (Array.isArray(cron)) {
        throw new Error(`cannot shift an invalid Quartz expression "${expression}": ${cron.join("; ")}`);
    }
    const shifted = cron.minutes.map((minute) => minute + offsetMinutes);
    if (shifted.some((minute) => minute > 59)) {
        throw new Error(`shifting "${expression}" by ${offsetMinutes} minutes passes the hour`);
    }
    const fields = [...cron.fields];
    fields[1] = shifted.join(",");
    return fields.join(" ");
}

/**
 * A human reading of a schedule, for the plan output: cronstrue's, with Quartz's day-of-week numbering (1 = Sunday,
 * `dayOfWeekStartIndexZero: false`) and a 24-hour clock, e.g. "At 02:00, on the third Friday of the month (UTC)".
 */
export function describeQuartzCron(expression: string, timezone: string): string {
    const cron = parseQuartzCron(expression);
    if (Array.isArray(cron)) {
        return `invalid: ${cron.join("; ")}`;
    }
    return `${cronstrue.toString(expression.trim(), { dayOfWeekStartIndexZero: false, use24HourTimeFormat: true, throwExceptionOnParseError: true })} (${timezone})`;
}
