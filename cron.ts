/**
 * Quartz cron expressions as the Databricks Jobs scheduler reads them:
 * `seconds minutes hours day-of-month month day-of-week [year]`.
 *
 * Pure functions: validate a base expression, and shift it by whole minutes so that each phase job fires
 * at its window start (the 3x job 3 minutes after the baseline job, the 9x job 6 minutes after).
 */

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

/** A parsed expression: its fields, and the exact seconds/minutes/hours it fires at. */
export interface QuartzCron {
    fields: string[];
    seconds: number[];
    minutes: number[];
    hours: number[];
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
        if (!/^\d+$/.test(stepText) || Number(stepText) < 1) {
            return `"${item}" has an invalid step`;
        }
        step = Number(stepText);
    }
    let from: number | undefined;
    let to: number | undefined;
    if (range === "*") {
        [from, to] = [rule.min, rule.max];
    } else if (range.includes("-")) {
        const [low, high] = range.split("-");
        [from, to] = [parseValue(low, rule), parseValue(high, rule)];
    } else {
        from = parseValue(range, rule);
        to = stepText === undefined ? from : rule.max;
    }
    if (from === undefined || to === undefined) {
        return `"${item}" is not a ${rule.name} value (${rule.min}-${rule.max})`;
    }
    if (from > to) {
        return `"${item}" is a range that runs backwards`;
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

/** Day-of-month and day-of-week also take Quartz's `?`, `L`, `W` and `#` forms. */
function checkDayField(field: string, rule: FieldRule): string | undefined {
    if (field === "?") {
        return undefined;
    }
    const special =
        rule === DAY_OF_MONTH ? /^(L|LW|L-\d{1,2}|\d{1,2}W)$/i : /^(L|[1-7]L|[A-Z]{3}L|[1-7]#[1-5]|[A-Z]{3}#[1-5])$/i;
    if (special.test(field)) {
        return undefined;
    }
    const expanded = expandField(field, rule);
    return typeof expanded === "string" ? expanded : undefined;
}

/** Parses a Quartz expression, or returns every reason the Jobs scheduler would reject it. */
export function parseQuartzCron(expression: string): QuartzCron | string[] {
    const fields = expression.trim().split(/\s+/);
    if (fields.length < 6 || fields.length > 7) {
        return [`expected 6 or 7 fields (seconds minutes hours day-of-month month day-of-week [year]), got ${fields.length}`];
    }
    const [secondsField, minutesField, hoursField, domField, monthField, dowField, yearField] = fields;
    const problems: string[] = [];
    const seconds = expandField(secondsField, SECONDS);
    const minutes = expandField(minutesField, MINUTES);
    const hours = expandField(hoursField, HOURS);
    for (const result of [seconds, minutes, hours]) {
        if (typeof result === "string") {
            problems.push(result);
        }
    }
    const month = expandField(monthField, MONTH);
    if (typeof month === "string") {
        problems.push(month);
    }
    if (yearField !== undefined) {
        const year = expandField(yearField, YEAR);
        if (typeof year === "string") {
            problems.push(year);
        }
    }
    for (const [field, rule] of [[domField, DAY_OF_MONTH], [dowField, DAY_OF_WEEK]] as const) {
        const problem = checkDayField(field, rule);
        if (problem) {
            problems.push(problem);
        }
    }
    if ((domField === "?") === (dowField === "?")) {
        problems.push('exactly one of day-of-month and day-of-week must be "?" (Quartz does not take both)');
    }
    if (problems.length > 0 || typeof seconds === "string" || typeof minutes === "string" || typeof hours === "string") {
        return problems;
    }
    return { fields, seconds, minutes, hours };
}

/**
 * Problems with using `expression` as the base schedule of a timeline that lasts `runMinutes` and whose
 * last phase starts `maxOffsetMinutes` after the base trigger.
 */
export function timelineScheduleProblems(expression: string, maxOffsetMinutes: number, runMinutes: number): string[] {
    const cron = parseQuartzCron(expression);
    if (Array.isArray(cron)) {
        return cron;
    }
    const problems: string[] = [];
    if (cron.seconds.length !== 1) {
        problems.push("the seconds field must be one value: each trigger starts a whole timeline");
    }
    const lastMinute = cron.minutes[cron.minutes.length - 1];
    if (lastMinute + maxOffsetMinutes > 59) {
        problems.push(
            `minute ${lastMinute} + ${maxOffsetMinutes} (the last phase's start) passes the hour; ` +
                `use minutes from 0 to ${59 - maxOffsetMinutes}`,
        );
    }
    const shortestGap = shortestGapMinutes(cron);
    if (shortestGap < runMinutes) {
        problems.push(
            `triggers ${shortestGap} minutes apart overlap a ${runMinutes}-minute run; leave at least ${runMinutes} minutes between triggers`,
        );
    }
    return problems;
}

/** The shortest time between two triggers, counting the wrap from one hour's last minute to the next hour. */
function shortestGapMinutes(cron: QuartzCron): number {
    let shortest = Number.POSITIVE_INFINITY;
    for (let index = 1; index < cron.minutes.length; index++) {
        shortest = Math.min(shortest, cron.minutes[index] - cron.minutes[index - 1]);
    }
    const firesInConsecutiveHours = cron.hours.some((hour) => cron.hours.includes((hour + 1) % 24));
    if (firesInConsecutiveHours) {
        shortest = Math.min(shortest, 60 - cron.minutes[cron.minutes.length - 1] + cron.minutes[0]);
    }
    return shortest;
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

/** A human reading of the base schedules this project accepts, for comments and the plan output. */
export function describeQuartzCron(expression: string, timezone: string): string {
    const cron = parseQuartzCron(expression);
    if (Array.isArray(cron)) {
        return `invalid: ${cron.join("; ")}`;
    }
    const minutes = cron.minutes.map((minute) => `:${String(minute).padStart(2, "0")}`).join(", ");
    const hours =
        cron.hours.length === 24 ? "every hour" : `hours ${cron.hours.map((hour) => String(hour).padStart(2, "0")).join(", ")}`;
    const [, , , dom, month, dow] = cron.fields;
    const days = dom === "?" ? (dow === "*" ? "every day" : `day-of-week ${dow}`) : dom === "*" ? "every day" : `day ${dom}`;
    const months = month === "*" ? "" : `, month ${month}`;
    return `${days}${months}, ${hours}, at ${minutes} (${timezone})`;
}
