import javaZoneIds from "./javaZoneIds.json";

/**
 * The time zone ids a Databricks job schedule takes. The Jobs API's `schedule.timezone_id` is "a Java timezone ID"
 * (Jobs API reference, CronSchedule), resolved by the scheduler's JVM: an id Java does not know (`utc`,
 * `america/new_york`) is refused or, through `java.util.TimeZone.getTimeZone`, silently read as GMT. Ids are
 * case-sensitive.
 *
 * The list (javaZoneIds.json, data beside this module) is exactly `java.time.ZoneId.getAvailableZoneIds()` of OpenJDK
 * 17.0.15 (Debian 12), sorted. tests/config/timeZones.test.ts runs Java to check the list is still exactly that
 * JDK's; regenerate it from there (tests/java/JavaZoneIds.java prints it) when the JDK's time zone data changes.
 */
export const JAVA_ZONE_IDS: ReadonlySet<string> = new Set(javaZoneIds);

/** Whether `zone` is a time zone id the job scheduler accepts (exact, case-sensitive). */
export function isJavaZoneId(zone: string): boolean {
    return JAVA_ZONE_IDS.has(zone);
}
