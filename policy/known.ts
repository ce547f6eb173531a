import { UnknownValueError } from "@pulumi/policy";

/**
 * What a guardrail can see at preview. The engine hands a policy its resource's inputs behind a proxy that throws
 * ("string value at .tasks.0.existingClusterId can't be known during preview") on the first value that only the
 * deployment will know, such as another resource's id; the pack then reports the whole check as advisory and
 * checks nothing. `knownInputs` copies the inputs with every such value replaced by UNKNOWN, so each check decides
 * on everything that is known and sees plainly what is not.
 */

/** Stands for a value that is not known until the deployment runs (an id Databricks assigns, say). */
export const UNKNOWN = "<unknown until deployed>";

/** A deep copy of `inputs` in which every value the engine does not know yet is UNKNOWN. */
export function knownInputs(inputs: unknown): any {
    if (inputs === null || typeof inputs !== "object") {
        return inputs;
    }
    const copy: any = Array.isArray(inputs) ? [] : {};
    for (const key of Object.keys(inputs)) {
        let value: unknown;
        try {
            value = (inputs as Record<string, unknown>)[key];
        } catch (error) {
            if (error instanceof UnknownValueError) {
                copy[key] = UNKNOWN;
                continue;
            }
            throw error;
        }
        copy[key] = knownInputs(value);
    }
    return copy;
}
