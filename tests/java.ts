/**
 * Runs the real Java implementations this project must agree with (Quartz's CronExpression, Java's ZoneId), from
 * the single-file sources in tests/java/. Quartz comes from Maven Central through `mvn` the first time.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export const QUARTZ_VERSION = "2.5.2";

/**
 * Whether this process runs under a CI: CI set to anything but empty, "false" or "0". CI systems set CI=true, CI=1 or
 * their own name; a check that skips only when CI is exactly "true" lets every other CI go green without it.
 */
export function underCi(env: NodeJS.ProcessEnv = process.env): boolean {
    const value = (env.CI ?? "").trim().toLowerCase();
    return value !== "" && value !== "false" && value !== "0";
}

/** The commands of `commands` that do not run here (`java -version`, `mvn -version`). */
export function missingTools(commands: string[]): string[] {
    return commands.filter((command) => {
        try {
            execFileSync(command, ["-version"], { stdio: "ignore" });
            return false;
        } catch {
            return true;
        }
    });
}

/**
 * Goes on only when every command runs here (e.g. `java`, `mvn`). When one does not, the test that asks (from `it`), or every
 * test of its suite (from `before`), is skipped, and says so: its title gets "[SKIPPED: java not installed]" and a
 * line goes to stderr. Under any CI a missing command fails instead: CI must never go green without these checks.
 */
export function skipUnlessTools(context: Mocha.Context, ...commands: string[]): void {
    const missing = missingTools(commands);
    if (missing.length === 0) {
        return;
    }
    const reason = `${missing.join(" and ")} not installed`;
    if (underCi()) {
        throw new Error(
            `${reason}, and CI=${process.env.CI}: the Quartz / ZoneId cross-checks must run in CI (install ${missing.join(", ")})`,
        );
    }
    // From `it`, the test itself; from `before`, every test of the hook's suite.
    const runnable = context.test as Mocha.Test | Mocha.Hook | undefined;
    const skipped = runnable?.type === "test" ? [runnable] : (runnable?.parent?.tests ?? []);
    for (const test of skipped) {
        test.title = `${test.title} [SKIPPED: ${reason}]`;
    }
    console.warn(`SKIPPED ${runnable?.parent?.fullTitle() ?? ""}: ${reason}; under CI this fails`);
    context.skip();
}

/** Where the Quartz jar is in the local Maven repository. */
const QUARTZ_JAR = path.join(
    os.homedir(),
    ".m2",
    "repository",
    "org",
    "quartz-scheduler",
    "quartz",
    QUARTZ_VERSION,
    `quartz-${QUARTZ_VERSION}.jar`,
);

/** What the Quartz cross-check needs on PATH: Java, and Maven only while the jar is not fetched yet. */
export function quartzTools(): string[] {
    return fs.existsSync(QUARTZ_JAR) ? ["java"] : ["java", "mvn"];
}

/** The Quartz jar in the local Maven repository, fetched from Maven Central when it is not there yet. */
export function quartzJar(): string {
    if (!fs.existsSync(QUARTZ_JAR)) {
        execFileSync("mvn", ["-q", "dependency:get", `-Dartifact=org.quartz-scheduler:quartz:${QUARTZ_VERSION}`, "-Dtransitive=false"], {
            stdio: "ignore",
            timeout: 300_000,
        });
    }
    return QUARTZ_JAR;
}

/** Runs `tests/java/<name>.java` (Java's source-file mode) with `input` on stdin; returns its stdout lines. */
export function runJavaSource(name: string, input = "", classpath: string[] = []): string[] {
    const source = path.join(__dirname, "java", `${name}.java`);
    const args = [...(classpath.length ? ["-cp", classpath.join(path.delimiter)] : []), source];
    return execFileSync("java", args, { input, encoding: "utf8", timeout: 120_000 }).trimEnd().split("\n");
}
