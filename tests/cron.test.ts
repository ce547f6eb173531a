import * as assert from "assert";
import { describeQuartzCron, parseQuartzCron, shiftQuartzCron, timelineScheduleProblems } from "../cron";

describe("Quartz cron", () => {
    const accepted = [
        "0 0 2 * * ?",
        "0 0 * * * ?",
        "0 0/20 * * * ?",
        "0 15 9 ? * MON-FRI",
        "30 5 1 1 JAN,JUL ? 2027",
        "0 0 12 L * ?",
        "0 0 12 ? * 6#3",
        "0 0 12 15W * ?",
    ];
    for (const expression of accepted) {
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
        assert.deepStrictEqual([cron.minutes, cron.hours], [[0, 20, 40], [8, 9, 10]]);
    });

    const shifts: [string, number, string][] = [
        ["0 0 2 * * ?", 3, "0 3 2 * * ?"],
        ["0 0 2 * * ?", 6, "0 6 2 * * ?"],
        ["0 0 * * * ?", 6, "0 6 * * * ?"],
        ["0 0,30 * ? * MON", 3, "0 3,33 * ? * MON"],
        ["15 10 4 * * ? 2027", 6, "15 16 4 * * ? 2027"],
    ];
    for (const [expression, offset, expected] of shifts) {
        it(`shifts "${expression}" by ${offset} minutes to "${expected}"`, () => assert.strictEqual(shiftQuartzCron(expression, offset), expected));
    }

    it("refuses to shift past the hour", () => assert.throws(() => shiftQuartzCron("0 58 * * * ?", 3), /passes the hour/));

    it("accepts a schedule whose triggers leave room for a whole run", () => {
        assert.deepStrictEqual(timelineScheduleProblems("0 0,30 * * * ?", 6, 15), []);
        assert.deepStrictEqual(timelineScheduleProblems("0 50 2 * * ?", 6, 15), []);
    });

    it("rejects triggers that would overlap a run, across the hour too", () => {
        assert.match(timelineScheduleProblems("0 0,10 * * * ?", 6, 15).join(), /10 minutes apart/);
        assert.match(timelineScheduleProblems("0 5,55 * * * ?", 6, 15).join(), /minute 55 \+ 6 .* passes the hour/);
        assert.match(timelineScheduleProblems("0 0,48 * * * ?", 6, 15).join(), /12 minutes apart/); // 48 -> next hour's 0
        assert.deepStrictEqual(timelineScheduleProblems("0 0,48 2 * * ?", 6, 15), []); // daily: no wrap into hour 3
        assert.match(timelineScheduleProblems("0 0/5 * * * ?", 6, 15).join(), /5 minutes apart/);
        assert.match(timelineScheduleProblems("0/30 0 2 * * ?", 6, 15).join(), /seconds field must be one value/);
    });

    it("describes a schedule for humans", () => {
        assert.strictEqual(describeQuartzCron("0 0 2 * * ?", "UTC"), "every day, hours 02, at :00 (UTC)");
        assert.strictEqual(describeQuartzCron("0 0 * * * ?", "UTC"), "every day, every hour, at :00 (UTC)");
    });
});
