/**
 * The load profile: the run's phases from whichever of the config's profile keys is set (`phases`, `staircase`,
 * `spike`), or the seed's three phases from its own keys. Pure; the config schema checks a profile through
 * `profileProblems`, and the plan builds its phases from `loadProfile`.
 */
import type { StackConfig } from "../config/schema";
import { PROFILE_KEYS, SEED_KEYS, SEED_TIMELINE_KEYS } from "../config/loadProfile";
import { SEED_LOAD, TEST_MODE_BASELINE_STREAMS, TEST_MODE_RATE_DIVISOR } from "./settings";

type Path = (string | number)[];

/** One phase of the load: streams at a rate over a window of the run, and where in the config each value was set. */
export interface PhaseLoad {
    name: string;
    streams: number;
    rowsPerSecond: number;
    startMinute: number;
    endMinute: number;
    paths: { streams: Path; rowsPerSecond: Path; startMinute: Path; endMinute: Path };
}

export interface LoadProfile {
    /** `seed` keeps the seed's table names (`<prefix>_001`, `<prefix>_3x_scale`); the others name every table `<prefix>_<phase>_<nnn>`. */
    kind: "seed" | (typeof PROFILE_KEYS)[number];
    phases: PhaseLoad[];
    runMinutes: number;
}

export type ProfileConfig = Pick<StackConfig, "testMode" | "timeline" | "phases" | "staircase" | "spike" | (typeof SEED_KEYS)[number]>;

type Load = { streams: number; rowsPerSecond: number };

function phase(name: string, load: Load, startMinute: number, endMinute: number, at: Path, window: Path = at): PhaseLoad {
    return {
        name,
        ...load,
        startMinute,
        endMinute,
        paths: {
            streams: [...at, "streams"],
            rowsPerSecond: [...at, "rowsPerSecond"],
            startMinute: [...window, "startMinute"],
            endMinute: [...window, "endMinute"],
        },
    };
}

/** The profile as the config declares it (before test mode). */
export function declaredProfile(config: ProfileConfig): LoadProfile {
    const setRun = config.timeline.runMinutes;
    // In timeline order (stable): the first phase starts the run, and stream ids follow the timeline.
    const lastingUntil = (phases: PhaseLoad[], kind: LoadProfile["kind"]): LoadProfile => ({
        kind,
        phases: [...phases].sort((a, b) => a.startMinute - b.startMinute),
        runMinutes: Math.max(setRun ?? 0, ...phases.map((entry) => entry.endMinute)),
    });
    if (config.phases) {
        return lastingUntil(
            config.phases.map((entry, index) => phase(entry.name, entry, entry.startMinute, entry.endMinute, ["phases", index])),
            "phases",
        );
    }
    if (config.staircase) {
        const { base, steps, firstStepMinute, stepMinutes, holdMinutes, cooldownMinutes } = config.staircase;
        const stepsEnd = firstStepMinute + (steps.length - 1) * stepMinutes + holdMinutes;
        const runMinutes = stepsEnd + cooldownMinutes;
        const window = ["staircase"];
        return lastingUntil(
            [
                phase("base", base, 0, runMinutes, ["staircase", "base"], window),
                ...steps.map((step, index) =>
                    phase(
                        `step_${index + 1}`,
                        step,
                        firstStepMinute + index * stepMinutes,
                        stepsEnd,
                        ["staircase", "steps", index],
                        window,
                    ),
                ),
            ],
            "staircase",
        );
    }
    if (config.spike) {
        const { base, spike, startMinute, minutes, cooldownMinutes } = config.spike;
        const window = ["spike"];
        return lastingUntil(
            [
                phase("base", base, 0, startMinute + minutes + cooldownMinutes, ["spike", "base"], window),
                phase("spike", spike, startMinute, startMinute + minutes, ["spike", "spike"], window),
            ],
            "spike",
        );
    }
    const seed = { ...SEED_LOAD, ...definedOnly(pick(config, SEED_KEYS)), ...definedOnly(config.timeline) };
    const scalePhase = (name: "3x" | "9x", rateKey: string, windowKey: string, start: number, end: number): PhaseLoad => ({
        name,
        streams: 1,
        rowsPerSecond: name === "3x" ? seed.scale3xRate : seed.scale9xRate,
        startMinute: start,
        endMinute: end,
        paths: {
            streams: [rateKey],
            rowsPerSecond: [rateKey],
            startMinute: ["timeline", `${windowKey}StartMinute`],
            endMinute: ["timeline", `${windowKey}EndMinute`],
        },
    });
    return {
        kind: "seed",
        runMinutes: seed.runMinutes,
        phases: [
            {
                name: "baseline",
                streams: seed.baselineStreams,
                rowsPerSecond: seed.baselineRate,
                startMinute: 0,
                endMinute: seed.runMinutes,
                paths: {
                    streams: ["baselineStreams"],
                    rowsPerSecond: ["baselineRate"],
                    startMinute: ["timeline"],
                    endMinute: ["timeline", "runMinutes"],
                },
            },
            scalePhase("3x", "scale3xRate", "scale3x", seed.scale3xStartMinute, seed.scale3xEndMinute),
            scalePhase("9x", "scale9xRate", "scale9x", seed.scale9xStartMinute, seed.scale9xEndMinute),
        ],
    };
}

/**
 * The profile the run plays: in test mode every rate divided by TEST_MODE_RATE_DIVISOR and every phase at most
 * TEST_MODE_BASELINE_STREAMS streams (the seed's 50 baseline streams become 5); the windows stay.
 */
export function loadProfile(config: ProfileConfig): LoadProfile {
    const declared = declaredProfile(config);
    if (!config.testMode) {
        return declared;
    }
    return {
        ...declared,
        phases: declared.phases.map((entry) => ({
            ...entry,
            streams: Math.min(entry.streams, TEST_MODE_BASELINE_STREAMS),
            rowsPerSecond: entry.rowsPerSecond / TEST_MODE_RATE_DIVISOR,
        })),
    };
}

/** What is wrong with the profile, each with the config path to fix; the schema's superRefine reports them. */
export function profileProblems(config: ProfileConfig): { path: Path; message: string }[] {
    const problems: { path: Path; message: string }[] = [];
    const setProfiles = PROFILE_KEYS.filter((key) => config[key] !== undefined);
    for (const key of setProfiles.slice(1)) {
        problems.push({ path: [key], message: `is set beside ${setProfiles[0]}: set one load profile (phases, staircase or spike)` });
    }
    if (setProfiles.length > 0) {
        const seedKeys: Path[] = [
            ...SEED_KEYS.filter((key) => config[key] !== undefined).map((key) => [key]),
            ...SEED_TIMELINE_KEYS.filter((key) => config.timeline[key] !== undefined).map((key) => ["timeline", key]),
        ];
        for (const path of seedKeys) {
            problems.push({
                path,
                message: `belongs to the seed's load, which ${setProfiles[0]} replaces: remove it with \`pulumi config rm --path streambench:${path.join(".")}\``,
            });
        }
    }
    const profile = declaredProfile(config);
    if (profile.phases.length === 0) {
        return problems; // the schema refuses an empty list itself
    }
    if (profile.phases[0].startMinute > 0) {
        problems.push({
            path: profile.phases[0].paths.startMinute,
            message: `no phase starts at minute 0: the run's timeline starts with its first phase (${profile.phases[0].name} starts at minute ${profile.phases[0].startMinute})`,
        });
    }
    const seen = new Set<string>();
    profile.phases.forEach((entry) => {
        if (seen.has(entry.name)) {
            problems.push({
                path: entry.paths.startMinute.slice(0, -1).concat("name"),
                message: `"${entry.name}" names two phases: names must be unique`,
            });
        }
        seen.add(entry.name);
        if (entry.endMinute <= entry.startMinute) {
            const what = entry.endMinute === entry.startMinute ? "a zero-length window" : "a window that ends before it starts";
            problems.push({
                path: entry.paths.endMinute,
                message: `must be after the start (minute ${entry.startMinute}): ${what} runs no stream`,
            });
        }
        const setRun = config.timeline.runMinutes;
        if (profile.kind === "seed" ? entry.endMinute > profile.runMinutes : setRun !== undefined && entry.endMinute > setRun) {
            problems.push({
                path: profile.kind === "phases" || profile.kind === "seed" ? entry.paths.endMinute : ["timeline", "runMinutes"],
                message: `minute ${entry.endMinute} (the ${entry.name} phase's end) is past the end of the run (timeline.runMinutes = ${setRun ?? profile.runMinutes})`,
            });
        }
        if (config.testMode && entry.rowsPerSecond % TEST_MODE_RATE_DIVISOR !== 0) {
            problems.push({
                path: entry.paths.rowsPerSecond,
                message: `testMode divides every rate by ${TEST_MODE_RATE_DIVISOR}: use a multiple of ${TEST_MODE_RATE_DIVISOR}`,
            });
        }
    });
    // One problem per key: the seed's 3x and 9x both point at their own keys, a staircase's steps share theirs.
    return problems.filter(
        (problem, index) =>
            problems.findIndex((other) => other.path.join(".") === problem.path.join(".") && other.message === problem.message) === index,
    );
}

function pick<T extends object, K extends keyof T>(object: T, keys: readonly K[]): Partial<Pick<T, K>> {
    return Object.fromEntries(keys.map((key) => [key, object[key]])) as Partial<Pick<T, K>>;
}

function definedOnly<T extends object>(object: T): Partial<T> {
    return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as Partial<T>;
}
