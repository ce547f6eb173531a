import * as assert from "assert";
import { describeQuartzCron, parseQuartzCron, shiftQuartzCron } from "../../config/quartz";
import { timelineScheduleProblems } from "../../config/schedule";
import { ACCEPTED_EXPRESSIONS } from "./quartzExpressions";

describe("Quartz cron", () => {
    for (const expression of ACCEPTED_EXPRESSIONS) {
        it(`accepts "${expression}"`, () => assert.ok(!Array.isArray(parseQuartzCron(expression))));
    }

    const rejected: [string, RegExp][] = [
        ["0 2 * * *", /6 or 7 fields/],
        ["0 0 2 * * *", /exactly one of day-of-month and day-of-week/],
        ["0 0 2 ? * ?", /exactly one/],
        ["0 60 2 * * ?", /minutes field/],
        ["0 0 24 * * ?", /hours field/],
        ["0 0 2 32 * ?", /day-of-month field/],
        ["0 0 2 * 13 ?", /month field/],
        ["0 0 2 ? * 8", /day-of-week field/],
        ["0 0 2 * * ? 1800", /year field/],
        ["0 10-5 * * * ?", /runs backwards/],
        ["0 0/0 * * * ?", /invalid step/],
    ];
    for (const [expression, message] of rejected) {
        it(`rejects "${expression}"`, () => {
            const result = parseQuartzCron(expression);
            assert.ok(Array.isArray(result), "accepted");
            assert.match(result.join("\n"), message);
        });
    }

    it("expands the minutes and hours an expression fires at", () => {
        const cron = parseQuartzCron("0 0/20 8-10 * * ?");
        assert.ok(!Array.isArray(cron));
        assert.deepStrictEqual(
            [cron.minutes, cron.hours],
            [
                [0, 20, 40],
                [8, 9, 10],
            ],
        );
    });

    const shifts: [string, number, string][] = [
        ["0 0 2 * * ?", 3, "0 3 2 * * ?"],
        ["0 0 2 * * ?", 6, "0 6 2 * * ?"],
        ["0 0 * * * ?", 6, "0 6 * * * ?"],
        ["0 0,30 * ? * MON", 3, "0 3,33 * ? * MON"],
        ["15 10 4 * * ? 2027", 6, "15 16 4 * * ? 2027"],
    ];
    for (const [expression, offset, expected] of shifts) {
        it(`shifts "${expression}" by ${offset} minutes to "${expected}"`, () =>
            assert.strictEqual(shiftQuartzCron(expression, offset), expected));
    }

    it("refuses to shift past the hour", () => assert.throws(() => shiftQuartzCron("0 58 * * * ?", 3), /passes the hour/));

    const NOW = new Date("2026-11-25T12:00:00Z");
    /** The schedule problems for a 15-minute timeline (run length 20 with the grace) whose last phase starts at 6. */
    const problems = (expression: string, timezone = "UTC", runLength = 20) =>
        timelineScheduleProblems(expression, timezone, 6, runLength, NOW).join("\n");

    it("accepts a schedule whose triggers leave room for a whole run", () => {
        assert.strictEqual(problems("0 0,30 * * * ?"), "");
        assert.strictEqual(problems("0 50 2 * * ?"), "");
        assert.strictEqual(problems("0 0 2,14 * * ?", "UTC", 12 * 60), "");
        assert.strictEqual(problems("0 0 2 ? * MON", "UTC", 1445), "");
        assert.strictEqual(problems("0 0 2 * * ?", "America/New_York", 1380), "");
    });

    it("rejects triggers that would overlap a run: within the hour, across the hour, across days", () => {
        assert.match(problems("0 0,10 * * * ?"), /triggers at 00:00 and 00:10 are 10 minutes apart, but a phase job runs up to 20 minutes/);
        assert.match(problems("0 5,55 * * * ?"), /minute 55 \+ 6 .* passes the hour/);
        assert.match(problems("0 0,48 * * * ?"), /12 minutes apart/); // 48 -> next hour's 0
        assert.strictEqual(problems("0 0,48 2 * * ?"), ""); // daily: no wrap into hour 3
        assert.match(problems("0 0/5 * * * ?"), /5 minutes apart/);
        assert.match(problems("0/30 0 2 * * ?"), /seconds field must be one value/);
        // Non-adjacent hours: 02:00 and 14:00 are 720 minutes apart, and 14:00 to 02:00 the next day too.
        assert.match(problems("0 0 2,14 * * ?", "UTC", 1445), /720 minutes apart, but a phase job runs up to 1445 minutes/);
        // Across days only: a daily trigger and a run longer than a day.
        assert.match(
            problems("0 0 2 * * ?", "UTC", 1445),
            /triggers at 2026-11-26 02:00 and 2026-11-27 02:00 \(UTC\) are 1440 minutes apart/,
        );
        // Across midnight: 23:05 and 00:05 the next day.
        assert.match(
            problems("0 5 0,23 * * ?", "UTC", 90),
            /triggers at 2026-11-25 23:05 and 2026-11-26 00:05 \(UTC\) are 60 minutes apart/,
        );
        assert.strictEqual(problems("0 5 0,23 ? * MON", "UTC", 90), ""); // Monday 23:05 -> next Monday 00:05
        // Across a clock change: 00:00 and 03:00 in New York are 120 minutes apart on the day clocks go forward.
        assert.strictEqual(problems("0 0 0,3 * * ?", "UTC", 150), "");
        assert.match(
            problems("0 0 0,3 * * ?", "America/New_York", 150),
            /triggers at 2027-03-14 00:00 and 2027-03-14 03:00 \(America\/New_York\) are 120 minutes apart/,
        );
        assert.match(
            problems("0 0 1,3 * * ?", "America/New_York", 100),
            /triggers at 2027-03-14 01:00 and 2027-03-14 03:00 \(America\/New_York\) are 60 minutes apart/,
        );
    });

    const neverOrRefused: [string, RegExp][] = [
        ["0 0 2 30 2 ?", /never fires in the year after 2026-11-25/],
        ["0 0 2 31 4 ?", /never fires/],
        ["0 0 2 * * ? 2025", /never fires/],
        ["0 0 2 * * ? 2028", /never fires/],
        ["0 0 2 29 2 ?", /never fires/], // next on 2028-02-29, more than a year away
        ["0 0 2 32W * ?", /W needs a day from 1 to 31/],
        ["0 0 2 XYZL * ?", /L and W stand alone/],
        ["0 0 2 L-45 * ?", /offset from the last day must be at most 30/],
        ["0 0 2 ? * 6#6", /# takes 1 to 5/],
        ["0 0 2 ? * 1L,2", /L and # stand alone/],
        ["0 5/70 2 * * ?", /invalid step/],
        ["0 0 2 ? * SAT-SUN", /runs backwards/],
    ];
    for (const [expression, message] of neverOrRefused) {
        it(`refuses "${expression}" as a timeline schedule`, () => assert.match(problems(expression), message));
    }

    it("accepts Quartz's day forms that fire within the year", () => {
        for (const expression of ["0 0 2 L-3 * ?", "0 0 2 LW * ?", "0 0 2 15W * ?", "0 0 2 ? * 6L", "0 0 2 ? * 6#5", "0 0 2 * * ? 2027"]) {
            assert.strictEqual(problems(expression, "UTC", 20), "", expression);
        }
    });

    it("describes a schedule for humans", () => {
        assert.strictEqual(describeQuartzCron("0 0 2 * * ?", "UTC"), "At 02:00 (UTC)");
        assert.strictEqual(describeQuartzCron("0 0 * * * ?", "UTC"), "Every hour (UTC)");
        // Quartz's day-of-week numbering: 1 = Sunday, 6 = Friday, L = Saturday.
        assert.strictEqual(
            describeQuartzCron("0 0 12 ? * 6#3", "Europe/Amsterdam"),
            "At 12:00, on the third Friday of the month (Europe/Amsterdam)",
        );
        assert.strictEqual(describeQuartzCron("0 0 2 ? * 1", "UTC"), "At 02:00, only on Sunday (UTC)");
        assert.strictEqual(describeQuartzCron("0 0 2 L-3 * ?", "UTC"), "At 02:00, 3 days before the last day of the month (UTC)");
    });
});
