/**
 * The load profile keys: `phases` (any list of phases), and the shorthands `staircase` and `spike`. Unset, the seed's
 * three phases come from the seed keys (baselineStreams, scale3xRate, timeline.scale3xStartMinute, …).
 * plan/profile.ts turns whichever is set into the run's phases.
 */
import { z } from "zod";
import { LIMITS, MAX_PHASE_NAME_LENGTH, MAX_PHASE_START_MINUTE, PHASE_NAME_PATTERN, RESERVED_PHASE_NAMES } from "../plan/settings";

export const wholeNumber = (min: number, max: number) =>
    z.int(`must be a whole number`).min(min, `must be at least ${min}`).max(max, `must be at most ${max}`);

export const rowsPerSecond = wholeNumber(1, LIMITS.maxRowsPerSecondPerStream);

/** Streams at a rate: what a phase, a staircase's base or step, or a spike adds to the load. */
const streamLoad = z.strictObject({
    streams: wholeNumber(1, LIMITS.maxBaselineStreams).describe("Streams, each into its own Delta table (test mode: at most 5)."),
    rowsPerSecond: rowsPerSecond.describe("Rows/s of each stream (test mode: divided by 10)."),
});

const phaseSchema = streamLoad.extend({
    name: z
        .string()
        .max(MAX_PHASE_NAME_LENGTH, `must be at most ${MAX_PHASE_NAME_LENGTH} characters`)
        .regex(PHASE_NAME_PATTERN, "must start with a lower-case letter and hold only lower-case letters, digits and underscores")
        .refine((name) => !(RESERVED_PHASE_NAMES as readonly string[]).includes(name), {
            message: `is reserved (one of ${RESERVED_PHASE_NAMES.join(", ")}): choose another name`,
        })
        .describe("The phase's name: its job, its tables `<tablePrefix>_<name>_<nnn>` and its rows' `stream_type`."),
    startMinute: wholeNumber(0, MAX_PHASE_START_MINUTE).describe("Minute of the run at which the phase's streams start."),
    endMinute: wholeNumber(1, LIMITS.maxRunMinutes).describe("Minute of the run at which the phase's streams stop."),
});

export const phasesSchema = z
    .array(phaseSchema)
    .min(1, "must hold at least one phase")
    .optional()
    .describe(
        "The load as any list of phases `{name, streams, rowsPerSecond, startMinute, endMinute}`; windows may overlap. " +
            "The run lasts until the last phase ends (or timeline.runMinutes, if longer). Unset = the seed's three phases.",
    );

export const staircaseSchema = z
    .strictObject({
        base: streamLoad.describe("The load of the whole run (phase `base`)."),
        steps: z
            .array(streamLoad)
            .min(1, "must hold at least one step")
            .describe("Each step is a phase `step_<n>` on top of the base and every earlier step; all steps stop together."),
        firstStepMinute: wholeNumber(0, MAX_PHASE_START_MINUTE).default(3).describe("Minute of the run at which the first step starts."),
        stepMinutes: wholeNumber(1, LIMITS.maxRunMinutes).default(3).describe("Minutes from one step's start to the next's."),
        holdMinutes: wholeNumber(1, LIMITS.maxRunMinutes).default(3).describe("Minutes the last step runs before every step stops."),
        cooldownMinutes: wholeNumber(0, LIMITS.maxRunMinutes).default(5).describe("Minutes the base runs alone after the steps stop."),
    })
    .optional()
    .describe("Shorthand for a staircase of cumulative steps over a base load (the seed is one: two steps, 3x then 9x).");

export const spikeSchema = z
    .strictObject({
        base: streamLoad.describe("The load of the whole run (phase `base`)."),
        spike: streamLoad.describe("The load the spike adds (phase `spike`)."),
        startMinute: wholeNumber(0, MAX_PHASE_START_MINUTE).default(5).describe("Minute of the run at which the spike starts."),
        minutes: wholeNumber(1, LIMITS.maxRunMinutes).default(2).describe("How long the spike lasts."),
        cooldownMinutes: wholeNumber(0, LIMITS.maxRunMinutes).default(5).describe("Minutes the base runs alone after the spike."),
    })
    .optional()
    .describe("Shorthand for a short spike over a base load.");

/** The keys of the seed's profile: refused beside a custom profile, which would leave them unused. */
export const SEED_KEYS = ["baselineStreams", "baselineRate", "scale3xRate", "scale9xRate"] as const;
export const SEED_TIMELINE_KEYS = ["scale3xStartMinute", "scale3xEndMinute", "scale9xStartMinute", "scale9xEndMinute"] as const;
export const PROFILE_KEYS = ["phases", "staircase", "spike"] as const;
