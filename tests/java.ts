/**
 * Runs the real Java implementations this project must agree with (Quartz's CronExpression, Java's ZoneId), from
 * the single-file sources in tests/java/. Quartz comes from Maven Central through `mvn` the first time.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export const QUARTZ_VERSION = "2.5.2";

/** Whether every command runs here (e.g. `java`, `mvn`); under CI a missing one is a failure, not a skip. */
export function toolsAvailable(...commands: string[]): boolean {
    const missing = commands.filter((command) => {
        try {
            execFileSync(command, ["-version"], { stdio: "ignore" });
            return false;
        } catch {
            return true;
        }
    });
    if (missing.length > 0 && process.env.CI === "true") {
        throw new Error(`${missing.join(" and ")} not installed, and CI=true: the Quartz / ZoneId cross-checks must run in CI`);
    }
    return missing.length === 0;
}

/** Whether `java` runs here; under CI a missing Java is a failure, not a skip. */
export function javaAvailable(): boolean {
    return toolsAvailable("java");
}

/** The Quartz jar in the local Maven repository, fetched from Maven Central when it is not there yet. */
export function quartzJar(): string {
    const jar = path.join(
        os.homedir(),
        ".m2",
        "repository",
        "org",
        "quartz-scheduler",
        "quartz",
        QUARTZ_VERSION,
        `quartz-${QUARTZ_VERSION}.jar`,
    );
    if (!fs.existsSync(jar)) {
        execFileSync("mvn", ["-q", "dependency:get", `-Dartifact=org.quartz-scheduler:quartz:${QUARTZ_VERSION}`, "-Dtransitive=false"], {
            stdio: "ignore",
            timeout: 300_000,
        });
    }
    return jar;
}

/** Runs `tests/java/<name>.java` (Java's source-file mode) with `input` on stdin; returns its stdout lines. */
export function runJavaSource(name: string, input = "", classpath: string[] = []): string[] {
    const source = path.join(__dirname, "java", `${name}.java`);
    const args = [...(classpath.length ? ["-cp", classpath.join(path.delimiter)] : []), source];
    return execFileSync("java", args, { input, encoding: "utf8", timeout: 120_000 }).trimEnd().split("\n");
}
