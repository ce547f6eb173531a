import * as assert from "assert";
import { parseStackConfig } from "../../config/parse";
import { JAVA_ZONE_IDS, isJavaZoneId } from "../../config/timeZones";
import { runJavaSource, skipUnlessTools } from "../java";

describe("schedule time zones: exactly Java's ZoneId ids", function () {
    this.timeout(120_000);

    it("the committed list is exactly java.time.ZoneId.getAvailableZoneIds() of the installed Java", function () {
        skipUnlessTools(this, "java");
        const fromJava = runJavaSource("JavaZoneIds");
        const committed = [...JAVA_ZONE_IDS];
        assert.deepStrictEqual(
            { missing: fromJava.filter((id) => !JAVA_ZONE_IDS.has(id)), extra: committed.filter((id) => !fromJava.includes(id)) },
            { missing: [], extra: [] },
            "config/javaZoneIds.json differs from this JDK's ZoneId list: regenerate it with tests/java/JavaZoneIds.java",
        );
    });

    it("every id is one Node's Intl can compute fire times in", () => {
        const unknown = [...JAVA_ZONE_IDS].filter((id) => {
            try {
                new Intl.DateTimeFormat("en-US", { timeZone: id });
                return false;
            } catch {
                return true;
            }
        });
        assert.deepStrictEqual(unknown, []);
    });

    it("is case-exact: Java reads `utc` and `america/new_york` as unknown (GMT), so they are refused", () => {
        for (const id of ["UTC", "America/New_York", "Europe/Amsterdam", "Etc/GMT+5", "Asia/Kolkata"]) {
            assert.ok(isJavaZoneId(id), id);
            assert.strictEqual(parseStackConfig("test", { schedule: { timezone: id } }).schedule.timezone, id);
        }
        for (const id of ["utc", "america/new_york", "Europe/amsterdam", "UTC ", "Mars/Olympus", "CET+1", "+02:00", ""]) {
            assert.ok(!isJavaZoneId(id), id);
            assert.throws(
                () => parseStackConfig("test", { schedule: { timezone: id } }),
                /streambench:schedule\.timezone: .* is not a Java time zone id/,
                id,
            );
        }
        assert.throws(
            () => parseStackConfig("test", { schedule: { timezone: "america/new_york" } }),
            /case-sensitive\): use "America\/New_York"/,
        );
    });
});
