import { EnforcementLevel, ReportViolation, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { KeyFacts, kindOfType, readKeyFacts } from "./keyResources";
import * as rules from "./rules";

/** The pack's policies: which resources each judges, its config (with the defaults of rules.ts) and enforcement level. */

const DURATION = { type: "string", description: 'a duration such as "30d", "12h", "1y"' } as const;

/** The facts of a resource this pack judges; undefined for anyone else's. */
function factsOf(type: string, name: string, props: Record<string, unknown>): KeyFacts | undefined {
    const kind = kindOfType(type);
    return kind && readKeyFacts(kind, name, props);
}

function keyPolicy(
    name: string,
    description: string,
    enforcementLevel: EnforcementLevel,
    rule: (facts: KeyFacts, config: rules.RuleConfig) => string[],
    configProperties: Record<string, object> = {},
): ResourceValidationPolicy {
    return {
        name,
        description,
        enforcementLevel,
        configSchema: { properties: configProperties },
        validateResource: (args, reportViolation: ReportViolation) => {
            const facts = factsOf(args.type, args.name, args.props as Record<string, unknown>);
            if (!facts) return;
            const config = { ...rules.DEFAULTS, ...args.getConfig<Partial<rules.RuleConfig>>() };
            for (const message of rule(facts, config)) reportViolation(message);
        },
    };
}

const rotationReachesConsumers: StackValidationPolicy = {
    name: "grafana-key-rotation-reaches-consumers",
    description: "A key's rotation window (rotateBefore) covers the producer's schedule plus the consumers' redeploy interval.",
    enforcementLevel: "advisory",
    configSchema: {
        properties: {
            producerInterval: { ...DURATION, default: rules.DEFAULTS.producerInterval },
            redeployInterval: { ...DURATION, default: rules.DEFAULTS.redeployInterval },
        },
    },
    validateStack: (args, reportViolation) => {
        const config = { ...rules.DEFAULTS, ...args.getConfig<Partial<rules.RuleConfig>>() };
        for (const resource of args.resources) {
            const facts = factsOf(resource.type, resource.name, resource.props as Record<string, unknown>);
            if (!facts) continue;
            for (const message of rules.rotationReachesConsumers(facts, config)) reportViolation(message, resource.urn);
        }
    },
};

export const policies = [
    keyPolicy(
        "grafana-key-allowed-roles",
        "Keys, service accounts and tokens get only the allowed Grafana roles (default: no Admin); a token is judged by its account's role as Grafana reports it.",
        "mandatory",
        rules.allowedRoles,
        {
            allowedRoles: {
                type: "array",
                items: { type: "string", enum: [...rules.ROLES] },
                default: rules.DEFAULTS.allowedRoles,
            },
        },
    ),
    keyPolicy("grafana-key-time-to-live-required", "Every key expires: timeToLive is set.", "mandatory", (facts) =>
        rules.timeToLiveRequired(facts),
    ),
    keyPolicy("grafana-key-max-time-to-live", "A key lives at most maxTimeToLive.", "mandatory", rules.maxTimeToLive, {
        maxTimeToLive: { ...DURATION, default: rules.DEFAULTS.maxTimeToLive },
    }),
    keyPolicy(
        "grafana-key-rotate-before-required",
        "A key that lives longLivedFrom or longer has a rotation window (rotateBefore).",
        "mandatory",
        rules.rotateBeforeRequired,
        { longLivedFrom: { ...DURATION, default: rules.DEFAULTS.longLivedFrom } },
    ),
    keyPolicy("grafana-key-no-legacy-api-keys", 'No legacy Grafana API keys (mode "apiKey").', "mandatory", (facts) =>
        rules.noLegacyApiKeys(facts),
    ),
    keyPolicy("grafana-key-verify-on", "A new key is proven to work before it is handed out (no verify: false).", "mandatory", (facts) =>
        rules.verifyOn(facts),
    ),
    rotationReachesConsumers,
];
