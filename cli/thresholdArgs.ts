/** The thresholds a command line adds to the stack's: `--fail-if` (repeatable) and `--thresholds <file>`. */
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import { Threshold, parseThresholds } from "../config/thresholds";
import { ScalingPlan } from "../plan/types";
import { UsageError } from "./commandLine";

export interface ThresholdOptions {
    /** `--fail-if` expressions, as written. */
    failIf?: string[];
    /** `--thresholds <file>`: a YAML (or JSON) list of expressions. */
    thresholdsFile?: string;
}

/**
 * The thresholds a run is held to: the stack config's, the thresholds file's (a YAML or JSON list of expressions),
 * then `--fail-if`'s. Throws UsageError naming every bad one.
 */
export function thresholdsOf(plan: Pick<ScalingPlan, "thresholds">, options: ThresholdOptions, projectDir: string): Threshold[] {
    const problems: string[] = [];
    let fromFile: string[] = [];
    if (options.thresholdsFile) {
        const file = path.resolve(projectDir, options.thresholdsFile);
        try {
            const listed = yaml.load(fs.readFileSync(file, "utf8"));
            if (Array.isArray(listed) && listed.every((item) => typeof item === "string")) {
                fromFile = listed;
            } else {
                problems.push(`--thresholds ${options.thresholdsFile}: must hold a list of "<metric> <op> <number>" strings`);
            }
        } catch (error) {
            problems.push(`--thresholds ${options.thresholdsFile}: ${(error as Error).message.split("\n")[0]}`);
        }
    }
    const file = parseThresholds(fromFile, `--thresholds ${options.thresholdsFile}:`);
    const flags = parseThresholds(options.failIf ?? [], "--fail-if");
    problems.push(...file.problems, ...flags.problems);
    if (problems.length > 0) {
        throw new UsageError(problems.join("\n"));
    }
    return [...plan.thresholds, ...file.thresholds, ...flags.thresholds];
}
