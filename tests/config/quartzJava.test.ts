import * as assert from "assert";
import { parseQuartzCron } from "../../config/quartz";
import { quartzFireTimes, timelineScheduleProblems } from "../../config/schedule";
import { quartzJar, quartzTools, runJavaSource, skipUnlessTools } from "../java";
import { ACCEPTED_EXPRESSIONS } from "./quartzExpressions";

/** Expressions the real Quartz is asked about: valid, invalid, never firing, and every special form. */
const EXPRESSIONS = [
    ...ACCEPTED_EXPRESSIONS,
    "0 0 2 30 2 ?",
    "0 0 2 31 4 ?",
    "0 0 2 31 4,5 ?",
    "0 0 2 29 2 ?",
    "0 0 2 L-3 * ?",
    "0 0 2 L-30 * ?",
    "0 0 2 L-31 * ?",
    "0 0 2 L-45 * ?",
    "0 0 2 LW * ?",
    "0 0 2 1W * ?",
    "0 0 2 31W * ?",
    "0 0 2 32W * ?",
    "0 0 2 XYZL * ?",
    "0 0 2 ? * L",
    "0 0 2 ? * 6L",
    "0 0 2 ? * FRIL",
    "0 0 2 ? * 1L",
    "0 0 2 ? * 6#5",
    "0 0 2 ? * 6#6",
    "0 0 2 ? * 2#1",
    "0 0 2 ? * MON#1",
    "0 0 2 ? * 8",
    "0 0 2 ? * 0",
    "0 0 2 ? * 7",
    "0 0 2 ? * 1",
    "0 0 2 ? * mon",
    "0 0 2 * jan ?",
    "0 0 2 ? * 2/2",
    "0 0 2 ? * SUN-SAT",
    "0 0 2 ? * SAT-SUN",
    "0 50-10 2 * * ?",
    "0 0 2 * * *",
    "0 0 2 ? * ?",
    "0 60 2 * * ?",
    "0 0 24 * * ?",
    "60 0 2 * * ?",
    "0 0 2 0 * ?",
    "0 0 2 32 * ?",
    "0 0 2 * 13 ?",
    "0 0 2 * 0 ?",
    "0 0 2 * * ? 2020",
    "0 0 2 * * ? 2027/2",
    "0 0 2 * * ? 1969",
    "0 0 2 * * ? 2100",
    "0 5/70 2 * * ?",
    "0 0/59 2 * * ?",
    "0 0 2 1/40 * ?",
    "0 0 2 1/30 * ?",
    "0 0 2 * */13 ?",
    "0 0 2 * */11 ?",
    "0 0 2 * 1/0 ?",
    "0 0/0 * * * ?",
    "0 */5 2 * * ?",
    "0 0 2,14 * * ?",
    "0 30 1 * * ?",
    "0 30 2 * * ?",
    "0 0 2 1-5W * ?",
    "0 0 2 5,10W * ?",
    "0 0 2 ? * 1L,2",
    "0 0 2 ? * 1#2,3",
    "0 0 2 L,5 * ?",
    "0 0 2 ?  * MON#1",
    "0 0 2 * * ? *",
    "0 0 2 * * ? 2027-2029",
    "15 10 4 * * ? 2027",
    "0 0 2 * * ?  ",
    "0 0 2",
    "0 0 2 * * ? 2027 1",
    "0 0 2 l * ?",
    "0 0 2 ? * 5l",
    "0 0 2 15w * ?",
    "0 0 2 lw * ?",
    "0 0 2 ? * 2-6/2",
    "0 0 2 ? * TUE,THU",
];
const ZONES = ["UTC", "America/New_York", "Europe/Amsterdam", "Australia/Lord_Howe", "Asia/Kolkata"];
/** After these instants: an ordinary day, and around clock changes in New York and Amsterdam. */
const AFTER = ["2026-11-25T00:00:00Z", "2027-03-13T00:00:00Z", "2027-11-06T00:00:00Z", "2027-03-27T12:00:00Z", "2027-10-02T00:00:00Z"].map(
    Date.parse,
);

/**
 * Expressions Quartz takes and this project refuses on purpose, each for a reason cron.ts states. Listed so that
 * any other disagreement fails.
 */
const STRICTER_THAN_QUARTZ = new Set([
    "0 0 2 ? * SAT-SUN", // a backwards range: Quartz wraps it around
    "0 50-10 2 * * ?", // idem
    "0 0 2 * * ? 1969", // a year outside 1970-2099
    "0 0 2 * * ? 2100",
    "0 0 2 * 1/0 ?", // a step of 0
    "0 0 2 1-5W * ?", // W inside a range or list
    "0 0 2 5,10W * ?",
    "0 0 2 ? * 1#2,3", // # inside a list
    "0 0 2 L,5 * ?", // L inside a list
    "0 0/0 * * * ?", // a step of 0
]);

describe("Quartz cron: the same decisions and fire times as the real org.quartz.CronExpression", function () {
    this.timeout(180_000);
    let quartz: Map<string, string[]>;
    const key = (expression: string, zone: string, after: number) => `${expression}\t${zone}\t${after}`;

    before(function () {
        // Java runs the probe; Maven fetches Quartz the first time.
        skipUnlessTools(this, ...quartzTools());
        const lines = EXPRESSIONS.flatMap((expression) =>
            ZONES.flatMap((zone) => AFTER.map((after) => `${key(expression, zone, after)}\t3`)),
        );
        const answers = runJavaSource("QuartzProbe", lines.join("\n") + "\n", [quartzJar()]);
        assert.strictEqual(answers.length, lines.length);
        quartz = new Map(lines.map((line, index) => [line.split("\t").slice(0, 3).join("\t"), answers[index].split("\t")]));
    });

    for (const expression of EXPRESSIONS) {
        it(`"${expression}"`, () => {
            const ours = parseQuartzCron(expression);
            const quartzAnswer = quartz.get(key(expression, "UTC", AFTER[0]))!;
            if (Array.isArray(ours)) {
                assert.ok(
                    quartzAnswer[0] === "ERR" || STRICTER_THAN_QUARTZ.has(expression),
                    `refused (${ours.join("; ")}) but Quartz takes it`,
                );
                return;
            }
            assert.strictEqual(quartzAnswer[0], "OK", `accepted but Quartz says: ${quartzAnswer[1]}`);
            assert.ok(!STRICTER_THAN_QUARTZ.has(expression), "listed as refused, but accepted");
            for (const zone of ZONES) {
                for (const after of AFTER) {
                    const expected = quartz
                        .get(key(expression, zone, after))!
                        .slice(1)
                        .map(Number);
                    const fires = quartzFireTimes(ours, zone, new Date(after), new Date(after + 12 * 366 * 86_400_000), 3);
                    const iso = (times: number[]) => times.map((time) => new Date(time).toISOString());
                    assert.deepStrictEqual(iso(fires), iso(expected), `${zone}, after ${new Date(after).toISOString()}`);
                }
            }
        });
    }

    it("every schedule the timeline accepts is one Quartz takes and fires within the year", () => {
        const now = new Date(AFTER[0]);
        let accepted = 0;
        for (const expression of EXPRESSIONS) {
            for (const zone of ZONES) {
                if (timelineScheduleProblems(expression, zone, 6, 20, now).length > 0) {
                    continue;
                }
                accepted++;
                const [status, first] = quartz.get(key(expression, zone, AFTER[0]))!;
                assert.strictEqual(status, "OK", expression);
                assert.ok(Number(first) - now.getTime() <= 366 * 86_400_000, `${expression} (${zone}) first fires ${first}`);
            }
        }
        assert.ok(accepted > 50, `only ${accepted} accepted`);
    });
});
