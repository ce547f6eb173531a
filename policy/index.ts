import { PolicyPack, ResourceValidationPolicy } from "@pulumi/policy";
import { DEFAULT_SETTINGS, GUARDRAILS, GuardrailSettings } from "./guardrails";
import { knownInputs } from "./known";

/**
 * `pulumi preview --policy-pack policy`: the stack's guardrails enforced at preview time. `maxWorkersCap` can be
 * changed per organisation with a policy config file (`--policy-pack-config`).
 */
const policies: ResourceValidationPolicy[] = GUARDRAILS.map((guardrail) => ({
    name: guardrail.name,
    description: guardrail.description,
    enforcementLevel: "mandatory",
    configSchema: {
        properties: { maxWorkersCap: { type: "integer", minimum: 2, default: DEFAULT_SETTINGS.maxWorkersCap } },
    },
    validateResource: (args, reportViolation) => {
        if (args.type !== guardrail.type) {
            return;
        }
        const settings = { ...DEFAULT_SETTINGS, ...args.getConfig<GuardrailSettings>() };
        // Values only the deployment will know become UNKNOWN, so the check decides at preview instead of the
        // engine downgrading it to an advisory "can't be known during preview".
        guardrail.check(knownInputs(args.props), settings).forEach((problem) => reportViolation(problem));
    },
}));

new PolicyPack("streambench-guardrails", { policies });
