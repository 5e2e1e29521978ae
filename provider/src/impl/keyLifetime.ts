import { parseTimeToLive } from "../duration";
import { logInfo } from "../log";
import { CheckFailure, UNKNOWN } from "../schema/inputs";

/**
 * When a key or token stops working, and when it should be replaced: once expired, or once inside its
 * `rotateBefore` window. Decided from stored state and the clock alone, so `pulumi preview` shows the
 * replacement without asking Grafana.
 */

export interface Lifetime {
    name: string;
    timeToLive: string | null;
    secondsToLive: number | null;
    expiresAt: string | null;
    expired: boolean;
    rotateBefore: string | null;
}

export function secondsOf(duration: string): number {
    const parsed = parseTimeToLive(duration);
    if (!parsed.ok) throw new Error(`duration "${duration}" is not valid: ${parsed.problem}`);
    return parsed.seconds;
}

export function expiresAtFor(secondsToLive: number | null, now = Date.now()): string | null {
    return secondsToLive === null ? null : new Date(now + secondsToLive * 1000).toISOString();
}

/**
 * A token's expiry as Grafana sees it. Grafana's own countdown (`secondsUntilExpiration`) is preferred
 * to its absolute `expiration`, so a skewed clock here does not move a rotation.
 */
export function tokenExpiresAt(
    token: { expiration?: string | null; secondsUntilExpiration?: number | null },
    now = Date.now(),
): string | null {
    if (!token.expiration) return null;
    if (typeof token.secondsUntilExpiration === "number") return new Date(now + token.secondsUntilExpiration * 1000).toISOString();
    return new Date(token.expiration).toISOString();
}

export function hasExpired(state: Pick<Lifetime, "expired" | "expiresAt">, now = Date.now()): boolean {
    return state.expired || (state.expiresAt !== null && Date.parse(state.expiresAt) <= now);
}

/** `timeToLive` written differently but as long (`24h` for `1d`) needs no new key. */
export function timeToLiveChange(
    old: Pick<Lifetime, "timeToLive" | "secondsToLive">,
    timeToLive: unknown,
): "none" | "respelled" | "changed" {
    if (timeToLive === old.timeToLive) return "none";
    if (timeToLive === UNKNOWN) return "changed"; // not known until the upstream resource is updated
    return typeof timeToLive === "string" && old.secondsToLive === secondsOf(timeToLive) ? "respelled" : "changed";
}

/**
 * The replacement the key's age calls for, if any: `expiresAt` once expired, `rotateBefore` once inside
 * the rotation window (`rotateBefore` taken from the new inputs, so adding it takes effect at once).
 * Says why at info level, since nothing in the program changed.
 */
export function replacementForAge(
    kind: string,
    old: Lifetime,
    rotateBefore: unknown,
    now = Date.now(),
): "expiresAt" | "rotateBefore" | undefined {
    if (hasExpired(old, now)) {
        logInfo(`${kind} "${old.name}" expired${old.expiresAt ? ` at ${old.expiresAt}` : ""}: it will be replaced.`);
        return "expiresAt";
    }
    if (typeof rotateBefore !== "string" || rotateBefore === UNKNOWN || old.expiresAt === null) return undefined;
    const rotateAt = Date.parse(old.expiresAt) - secondsOf(rotateBefore) * 1000;
    if (now < rotateAt) return undefined;
    logInfo(`${kind} "${old.name}" expires at ${old.expiresAt}, within rotateBefore ${rotateBefore}: it will be replaced.`);
    return "rotateBefore";
}

type Duration = { text: string; seconds: number } | typeof UNKNOWN | undefined;

/** A window as long as the key's life would replace it on every run; without a life it never applies. */
export function checkRotateBefore(timeToLive: Duration, rotateBefore: Duration, failures: CheckFailure[]): void {
    if (rotateBefore === undefined || rotateBefore === UNKNOWN || timeToLive === UNKNOWN) return;
    if (timeToLive === undefined) {
        failures.push({
            property: "rotateBefore",
            reason: `rotateBefore "${rotateBefore.text}" needs a timeToLive: a key that never expires is never rotated`,
        });
    } else if (rotateBefore.seconds >= timeToLive.seconds) {
        failures.push({
            property: "rotateBefore",
            reason: `rotateBefore "${rotateBefore.text}" is not allowed (it is not shorter than timeToLive "${timeToLive.text}"): use a window shorter than the time to live, or every run would replace the key`,
        });
    }
}

/** What an update of a key or token may change: how long it is said to live and when it rotates. */
export function lifetimeAfterUpdate(news: Record<string, unknown>): Pick<Lifetime, "timeToLive" | "rotateBefore"> & { verify: boolean } {
    return {
        timeToLive: typeof news.timeToLive === "string" ? news.timeToLive : null,
        rotateBefore: typeof news.rotateBefore === "string" ? news.rotateBefore : null,
        verify: news.verify !== false,
    };
}
