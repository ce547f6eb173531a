/** How fast `npm run local` may play a stack's timeline: the --speed bounds and what they say. */
import { LIMITS } from "../plan/settings";
import { ScalingPlan } from "../plan/types";
import { UsageError } from "./commandLine";

/** A plan minute lasts at least a second: the rate source counts whole seconds. */
export const MAX_SPEED = 60;
/** The longest a local run may last in real time: the longest timeline a stack may have, at speed 1. */
export const MAX_LOCAL_RUN_MINUTES = LIMITS.maxRunMinutes;

/** The smallest speed a timeline of `runMinutes` plays at (it then lasts at most MAX_LOCAL_RUN_MINUTES), rounded up to
 * three significant digits so that the bound the error shows is itself accepted; and the largest (MAX_SPEED). */
export function speedRange(runMinutes: number): { min: number; max: number } {
    const exact = runMinutes / MAX_LOCAL_RUN_MINUTES;
    const scale = 10 ** (2 - Math.floor(Math.log10(exact)));
    return { min: Math.ceil(exact * scale - 1e-9) / scale, max: MAX_SPEED };
}

/** `104 days`, `2.5 h`, `90 s`: how long a run of `realMinutes` lasts. */
export function runLength(realMinutes: number): string {
    if (realMinutes >= 2 * 24 * 60) {
        return `${Math.round(realMinutes / (24 * 60)).toLocaleString("en-US")} days`;
    }
    if (realMinutes >= 120) {
        return `${Number((realMinutes / 60).toFixed(2))} h`;
    }
    return realMinutes >= 2 ? `${Number(realMinutes.toFixed(1))} min` : `${Number((realMinutes * 60).toFixed(1))} s`;
}

/** Throws UsageError when the plan cannot be played at `speed`, before anything runs. */
export function checkSpeed(speed: number, plan: Pick<ScalingPlan, "stack" | "runMinutes">): void {
    const { min, max } = speedRange(plan.runMinutes);
    if (speed < min || speed > max) {
        throw new UsageError(
            `--speed ${speed} would play stack ${plan.stack}'s ${plan.runMinutes}-minute timeline in ${runLength(plan.runMinutes / speed)}: ` +
                `--speed must be between ${min} and ${max} for this stack (a plan minute lasts at least 1 s, the whole run at most ${MAX_LOCAL_RUN_MINUTES / 60} h)`,
        );
    }
}
