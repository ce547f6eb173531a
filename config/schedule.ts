/**
 * When a Quartz schedule fires in a time zone, and the rules a timeline's base schedule must follow. The fire
 * times are Quartz's own (tests/config/quartzJava.test.ts compares them with the real `org.quartz.CronExpression`).
 */
import { DayRule, QuartzCron, parseQuartzCron } from "./quartz";

interface LocalDate {
    year: number;
    month: number;
    day: number;
}

function daysInMonth(year: number, month: number): number {
    return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** 1 = Sunday … 7 = Saturday, as Quartz numbers them. */
function weekdayOf(year: number, month: number, day: number): number {
    return new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 1;
}

/** Quartz's `nW`: the nearest Monday-Friday to day n, never leaving the month; no fire when n is past its end. */
function nearestWeekdayDay(year: number, month: number, target: number | "last"): number | undefined {
    const lastDay = daysInMonth(year, month);
    const day = target === "last" ? lastDay : target;
    if (day > lastDay) {
        return undefined;
    }
    const weekday = weekdayOf(year, month, day);
    if (weekday === 7) {
        return day === 1 ? day + 2 : day - 1; // Saturday: Friday before, or Monday after on the 1st
    }
    if (weekday === 1) {
        return day === lastDay ? day - 2 : day + 1; // Sunday: Monday after, or Friday before on the last day
    }
    return day;
}

function dayMatches(rule: DayRule, { year, month, day }: LocalDate): boolean {
    switch (rule.kind) {
        case "daysOfMonth":
            return rule.days.includes(day);
        case "lastDayOfMonth":
            return day === daysInMonth(year, month) - rule.offset;
        case "nearestWeekday":
            return day === nearestWeekdayDay(year, month, rule.day);
        case "daysOfWeek":
            return rule.weekdays.includes(weekdayOf(year, month, day));
        case "lastWeekdayOfMonth":
            return weekdayOf(year, month, day) === rule.weekday && day + 7 > daysInMonth(year, month);
        case "nthWeekdayOfMonth":
            return weekdayOf(year, month, day) === rule.weekday && Math.ceil(day / 7) === rule.nth;
    }
}

const offsetFormats = new Map<string, Intl.DateTimeFormat>();

/** Minutes `zone` is ahead of UTC at `instant`. */
function zoneOffsetMinutes(zone: string, instant: number): number {
    let format = offsetFormats.get(zone);
    if (!format) {
        format = new Intl.DateTimeFormat("en-US", {
            timeZone: zone,
            hourCycle: "h23",
            year: "numeric",
            month: "numeric",
            day: "numeric",
            hour: "numeric",
            minute: "numeric",
            second: "numeric",
        });
        offsetFormats.set(zone, format);
    }
    const parts = Object.fromEntries(format.formatToParts(new Date(instant)).map((part) => [part.type, Number(part.value)]));
    const wall = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
    return Math.round((wall - Math.floor(instant / 1000) * 1000) / 60_000);
}

/**
 * The instant a wall-clock time of `zone` stands for. A time that the clock skips (spring forward) does not exist:
 * Quartz does not fire then (checked against Quartz in tests/config/quartzJava.test.ts), so neither does this. A time the
 * clock passes twice (fall back) is, as in Quartz, its second pass.
 */
function wallClockInstant(zone: string, date: LocalDate, secondOfDay: number): number | undefined {
    const wall = Date.UTC(date.year, date.month - 1, date.day) + secondOfDay * 1000;
    const candidates = [...new Set([zoneOffsetMinutes(zone, wall - 86_400_000), zoneOffsetMinutes(zone, wall + 86_400_000)])]
        .map((offset) => wall - offset * 60_000)
        .filter((instant) => instant + zoneOffsetMinutes(zone, instant) * 60_000 === wall)
        .sort((a, b) => a - b);
    return candidates[candidates.length - 1];
}

/** The local date of `instant` in `zone`. */
function localDate(zone: string, instant: number): LocalDate {
    const shifted = new Date(instant + zoneOffsetMinutes(zone, instant) * 60_000);
    return { year: shifted.getUTCFullYear(), month: shifted.getUTCMonth() + 1, day: shifted.getUTCDate() };
}

/** Every instant (ms since the epoch) `cron` fires at in `zone` after `from` and up to `until`, in order; at most `limit`. */
export function quartzFireTimes(cron: QuartzCron, zone: string, from: Date, until: Date, limit = Number.POSITIVE_INFINITY): number[] {
    const times: number[] = [];
    const start = localDate(zone, from.getTime());
    const secondsOfDay = cron.hours.flatMap((hour) =>
        cron.minutes.flatMap((minute) => cron.seconds.map((second) => hour * 3600 + minute * 60 + second)),
    );
    for (let date = Date.UTC(start.year, start.month - 1, start.day - 1); ; date += 86_400_000) {
        const day = new Date(date);
        const local = { year: day.getUTCFullYear(), month: day.getUTCMonth() + 1, day: day.getUTCDate() };
        if (date - 2 * 86_400_000 > until.getTime()) {
            break;
        }
        if (!cron.months.includes(local.month) || (cron.years && !cron.years.includes(local.year)) || !dayMatches(cron.day, local)) {
            continue;
        }
        // Most days the offset is the same from the day before to the day after: no clock change to resolve.
        const offset = zoneOffsetMinutes(zone, date - 86_400_000);
        const steady = offset === zoneOffsetMinutes(zone, date + 2 * 86_400_000);
        for (const secondOfDay of secondsOfDay) {
            const instant = steady ? date + secondOfDay * 1000 - offset * 60_000 : wallClockInstant(zone, local, secondOfDay);
            if (instant !== undefined && instant > from.getTime() && instant <= until.getTime()) {
                times.push(instant);
                if (times.length >= limit) {
                    return times;
                }
            }
        }
    }
    return times;
}

const YEAR_MS = 366 * 86_400_000;

function clock(zone: string, instant: number): string {
    const date = new Date(instant + zoneOffsetMinutes(zone, instant) * 60_000);
    return `${date.toISOString().slice(0, 16).replace("T", " ")}`;
}

/**
 * Problems with using `expression` as the base schedule of a timeline whose last phase starts `maxOffsetMinutes`
 * after the base trigger and whose phase jobs each run up to `runLengthMinutes` from their own trigger:
 * - the seconds field is one value, and every phase's shifted minute stays within the hour;
 * - it fires at least once in the year after `now` (Quartz accepts `0 0 2 30 2 ?`, which never fires);
 * - no two consecutive triggers in that year, within a day or across days and daylight-saving changes, are closer
 *   than a run: a phase job whose run is still going at its own next trigger has that trigger skipped.
 */
export function timelineScheduleProblems(
    expression: string,
    timezone: string,
    maxOffsetMinutes: number,
    runLengthMinutes: number,
    now: Date = new Date(),
): string[] {
    const cron = parseQuartzCron(expression);
    if (Array.isArray(cron)) {
        return cron;
    }
    const problems: string[] = [];
    if (cron.seconds.length !== 1) {
        problems.push("the seconds field must be one value: each trigger starts a whole timeline");
    }
    const lastMinute = cron.minutes[cron.minutes.length - 1];
    if (maxOffsetMinutes <= 59 && lastMinute + maxOffsetMinutes > 59) {
        problems.push(
            `minute ${lastMinute} + ${maxOffsetMinutes} (the last phase's start) passes the hour; ` +
                `use minutes from 0 to ${59 - maxOffsetMinutes}`,
        );
    }
    // Within one day, on the wall clock: cheap, and refuses every-minute schedules before listing a year of them.
    const minutesOfDay = cron.hours.flatMap((hour) => cron.minutes.map((minute) => hour * 60 + minute));
    for (let index = 1; index < minutesOfDay.length; index++) {
        const gap = minutesOfDay[index] - minutesOfDay[index - 1];
        if (gap < runLengthMinutes) {
            const at = (minute: number) => `${String(Math.floor(minute / 60)).padStart(2, "0")}:${String(minute % 60).padStart(2, "0")}`;
            problems.push(overlapProblem(`${at(minutesOfDay[index - 1])} and ${at(minutesOfDay[index])}`, gap, runLengthMinutes));
            return problems;
        }
    }
    const fires = quartzFireTimes(cron, timezone, now, new Date(now.getTime() + YEAR_MS));
    if (fires.length === 0) {
        problems.push(`it never fires in the year after ${now.toISOString().slice(0, 10)} (Quartz takes it, but no such date comes)`);
        return problems;
    }
    let closest: [number, number] | undefined;
    for (let index = 1; index < fires.length; index++) {
        if (!closest || fires[index] - fires[index - 1] < closest[1] - closest[0]) {
            closest = [fires[index - 1], fires[index]];
        }
    }
    if (closest && closest[1] - closest[0] < runLengthMinutes * 60_000) {
        const gap = Math.round((closest[1] - closest[0]) / 60_000);
        problems.push(
            overlapProblem(`${clock(timezone, closest[0])} and ${clock(timezone, closest[1])} (${timezone})`, gap, runLengthMinutes),
        );
    }
    return problems;
}

function overlapProblem(triggers: string, gapMinutes: number, runLengthMinutes: number): string {
    return (
        `triggers at ${triggers} are ${gapMinutes} minutes apart, but a phase job runs up to ${runLengthMinutes} minutes ` +
        `(its window's end + grace): its next trigger would be skipped. Leave at least ${runLengthMinutes} minutes between triggers`
    );
}
