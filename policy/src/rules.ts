import { parseTimeToLive } from "pulumi-azure-grafana-keys/duration";
import { KeyFacts, KeyResourceKind, UNKNOWN } from "./keyResources";

/**
 * The pack's rules as plain functions of a resource's facts and the policy's config: each returns what to tell the
 * user (nothing when the resource complies, or when a value it needs is unknown during preview; `pulumi up` judges
 * it once known). Durations are read with the provider's own parser, so the pack accepts exactly what it does.
 */

export const ROLES = ["None", "Viewer", "Editor", "Admin"] as const;
/** Grafana's role when none is given (the provider's default too). */
const DEFAULT_ROLE = "Viewer";

export interface RuleConfig {
    allowedRoles: string[];
    maxTimeToLive: string;
    longLivedFrom: string;
    redeployInterval: string;
    producerInterval: string;
}

export const DEFAULTS: RuleConfig = {
    allowedRoles: ["None", "Viewer", "Editor"],
    maxTimeToLive: "90d",
    longLivedFrom: "7d",
    redeployInterval: "1d",
    producerInterval: "1d",
};

const MINTS_KEYS: readonly KeyResourceKind[] = ["GrafanaApiKey", "GrafanaServiceAccountToken"];
const HAS_ROLE: readonly KeyResourceKind[] = ["GrafanaApiKey", "GrafanaServiceAccount"];

/** Seconds of a duration given in the policy's config; a bad config value is the pack admin's mistake, said plainly. */
function configSeconds(field: keyof RuleConfig, text: string): number {
    const parsed = parseTimeToLive(text);
    if (!parsed.ok) throw new Error(`policy config ${field} "${text}" is not a duration (${parsed.problem}), e.g. "90d"`);
    return parsed.seconds;
}

/** Seconds of a resource's duration input; undefined when absent, unknown or malformed (the provider's check says why). */
function inputSeconds(value: unknown): number | undefined {
    if (typeof value !== "string" && typeof value !== "number") return undefined;
    const parsed = parseTimeToLive(String(value));
    return parsed.ok ? parsed.seconds : undefined;
}

const isGiven = (value: unknown) => value !== undefined && value !== null;
const label = (facts: KeyFacts) => `${facts.kind} "${facts.name}"`;

export function allowedRoles(facts: KeyFacts, config: Pick<RuleConfig, "allowedRoles">): string[] {
    if (facts.kind === "GrafanaServiceAccountToken") return accountRoleAllowed(facts, config);
    if (!HAS_ROLE.includes(facts.kind) || facts.role === UNKNOWN) return [];
    const role = facts.role ?? DEFAULT_ROLE;
    if (config.allowedRoles.includes(role)) return [];
    return [`${label(facts)} has role ${role}; set role to one of ${config.allowedRoles.join(", ")}.`];
}

/**
 * A token acts with its service account's role, whoever made the account (this stack, another, a person, Grafana's
 * migration of a legacy key): so it is judged by the role Grafana says the account holds, which check records. While
 * the account is not known (a preview of one still to be created) `pulumi up` judges it, before the token is minted;
 * when check could not learn the role, the token is refused unless every role is allowed.
 */
function accountRoleAllowed(facts: KeyFacts, config: Pick<RuleConfig, "allowedRoles">): string[] {
    const { accountRole, serviceAccountId } = facts;
    if (accountRole === UNKNOWN || ROLES.every((role) => config.allowedRoles.includes(role))) return [];
    const account = `service account ${serviceAccountId === UNKNOWN ? "" : String(serviceAccountId)}`.trim();
    if (typeof accountRole !== "string") {
        return [
            `${label(facts)}: the role of ${account} could not be read from Grafana, so the token's role is not known; ` +
                "make sure the account exists and the provider's credential may read service accounts (the provider's warning says why).",
        ];
    }
    if (config.allowedRoles.includes(accountRole)) return [];
    return [
        `${label(facts)} would be a token of ${account}, whose role is ${accountRole}; ` +
            `use an account whose role is one of ${config.allowedRoles.join(", ")}, or lower this account's role.`,
    ];
}

export function timeToLiveRequired(facts: KeyFacts): string[] {
    if (!MINTS_KEYS.includes(facts.kind) || facts.timeToLive === UNKNOWN) return [];
    if (isGiven(facts.timeToLive)) return [];
    return [`${label(facts)} never expires; set timeToLive, e.g. "30d", and rotateBefore, e.g. "7d".`];
}

export function maxTimeToLive(facts: KeyFacts, config: Pick<RuleConfig, "maxTimeToLive">): string[] {
    const seconds = MINTS_KEYS.includes(facts.kind) ? inputSeconds(facts.timeToLive) : undefined;
    if (seconds === undefined || seconds <= configSeconds("maxTimeToLive", config.maxTimeToLive)) return [];
    return [`${label(facts)} lives ${String(facts.timeToLive)}; set timeToLive to at most ${config.maxTimeToLive}.`];
}

export function rotateBeforeRequired(facts: KeyFacts, config: Pick<RuleConfig, "longLivedFrom">): string[] {
    if (!MINTS_KEYS.includes(facts.kind) || facts.rotateBefore === UNKNOWN || isGiven(facts.rotateBefore)) return [];
    const seconds = inputSeconds(facts.timeToLive);
    if (seconds === undefined || seconds < configSeconds("longLivedFrom", config.longLivedFrom)) return [];
    return [
        `${label(facts)} lives ${String(facts.timeToLive)} with no rotation window; set rotateBefore (e.g. "7d") ` +
            `so that a scheduled pulumi up rotates it before it expires.`,
    ];
}

export function noLegacyApiKeys(facts: KeyFacts): string[] {
    if (facts.kind !== "GrafanaApiKey" || facts.mode !== "apiKey") return [];
    return [`${label(facts)} asks for a legacy API key (mode "apiKey"); remove mode or set it to "serviceAccount".`];
}

export function verifyOn(facts: KeyFacts): string[] {
    if (!MINTS_KEYS.includes(facts.kind) || facts.verify !== false) return [];
    return [`${label(facts)} skips proving the new key works; remove verify: false.`];
}

/**
 * A rotation reaches consumers only if the previous key outlives the time they need to pick up the new one: the
 * producer's scheduled `up` rotates at most `producerInterval` after the window opens, and consumer stacks
 * redeploy every `redeployInterval`; the previous key works until the old expiry, `rotateBefore` after the window
 * opens. So `rotateBefore` must cover both.
 */
export function rotationReachesConsumers(facts: KeyFacts, config: Pick<RuleConfig, "redeployInterval" | "producerInterval">): string[] {
    const window = MINTS_KEYS.includes(facts.kind) ? inputSeconds(facts.rotateBefore) : undefined;
    if (window === undefined) return [];
    const needed = configSeconds("producerInterval", config.producerInterval) + configSeconds("redeployInterval", config.redeployInterval);
    if (window >= needed) return [];
    return [
        `${label(facts)} rotates ${String(facts.rotateBefore)} before expiry, but the producer runs every ` +
            `${config.producerInterval} and consumers redeploy every ${config.redeployInterval}: a consumer may still ` +
            `hold the previous key when it expires. Set rotateBefore to at least ${formatSeconds(needed)}, or run ` +
            `the schedules more often.`,
    ];
}

/** The shortest duration text for whole days, hours, minutes or seconds (for messages). */
export function formatSeconds(seconds: number): string {
    for (const [unit, size] of [
        ["d", 86_400],
        ["h", 3_600],
        ["m", 60],
    ] as const) {
        if (seconds % size === 0) return `${seconds / size}${unit}`;
    }
    return `${seconds}s`;
}
