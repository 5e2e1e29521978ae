import { parseTimeToLive } from "../duration";
import { OFFSET_MAX_AHEAD_MS } from "../grafana/clock";
import { CheckFailure, UNKNOWN } from "../schema/inputs";

/**
 * When a key stops working, judged as Grafana judges it: by Grafana's clock (this machine's, corrected by the
 * offset learned from Grafana's answers, `clockOffsetSeconds`). Decided from stored state and the clock alone,
 * so `pulumi preview` shows a rotation without asking Grafana.
 */

export function secondsOf(duration: string): number {
    const parsed = parseTimeToLive(duration);
    if (!parsed.ok) throw new Error(`duration "${duration}" is not valid: ${parsed.problem}`);
    return parsed.seconds;
}

export function secondsToLiveOf(timeToLive: string | null): number | null {
    return timeToLive === null ? null : secondsOf(timeToLive);
}

/** What Grafana's clock reads now, in ms since the epoch. */
export function grafanaNow(clockOffsetSeconds: number, now = Date.now()): number {
    return now + clockOffsetSeconds * 1000;
}

/** The expiry Grafana stores for a key minted now: whole seconds from its own clock, like its `expires` column. */
export function expiresAtFor(secondsToLive: number | null, clockOffsetSeconds: number, now = Date.now()): string | null {
    if (secondsToLive === null) return null;
    return new Date((Math.floor(grafanaNow(clockOffsetSeconds, now) / 1000) + secondsToLive) * 1000).toISOString();
}

/**
 * Grafana refuses a key from the second its expiry is reached. Our reading of Grafana's clock may run ahead of it
 * by the offset's rounding, so a key is called expired only once that is waited out: never before Grafana would.
 */
export function hasExpired(key: { expired: boolean; expiresAt: string | null }, clockOffsetSeconds: number, now = Date.now()): boolean {
    if (key.expired) return true;
    return key.expiresAt !== null && Date.parse(key.expiresAt) <= grafanaNow(clockOffsetSeconds, now) - OFFSET_MAX_AHEAD_MS;
}

/** What Grafana lists of a key: a token row carries `hasExpired` and `isRevoked`; a legacy key only its expiry. */
export interface ListedKey {
    expiresAt: string | null;
    hasExpired?: boolean;
    isRevoked?: boolean | null;
}

/**
 * The one rule for a dead key, used by the resources (keyStores.ts, upgrades.ts, imports.ts) and the listing
 * (getGrafanaApiKeys): a key that no longer signs in by itself. Grafana refuses a revoked token (its secret scanning
 * found it leaked; 401 `api-key.revoked`) and an expired one (its `hasExpired`, or the expiry passed on its clock).
 * A disabled service account stops its tokens too, but that is the account's state, not the key's, and is undone by
 * enabling the account.
 */
export function isDead(key: ListedKey, clockOffsetSeconds: number, now = Date.now()): boolean {
    return key.isRevoked === true || hasExpired({ expired: key.hasExpired === true, expiresAt: key.expiresAt }, clockOffsetSeconds, now);
}

/** Grafana writes "never" as null, or as the zero time in some versions. */
export function isoOrNull(text: string | null | undefined): string | null {
    if (!text || text.startsWith("0001-01-01")) return null;
    return new Date(text).toISOString();
}

/** Inside the window `rotateBefore` opens before the key's expiry. */
export function isInRotationWindow(expiresAt: string | null, rotateBefore: string, clockOffsetSeconds: number, now = Date.now()): boolean {
    if (expiresAt === null) return false;
    return grafanaNow(clockOffsetSeconds, now) >= Date.parse(expiresAt) - secondsOf(rotateBefore) * 1000;
}

/** `timeToLive` written differently but as long (`24h` for `1d`) needs no new key. */
export function timeToLiveChange(
    old: { timeToLive: string | null; secondsToLive: number | null },
    timeToLive: unknown,
): "none" | "respelled" | "changed" {
    if (timeToLive === old.timeToLive) return "none";
    if (timeToLive === UNKNOWN) return "changed"; // not known until the upstream resource is updated
    return typeof timeToLive === "string" && old.secondsToLive === secondsOf(timeToLive) ? "respelled" : "changed";
}

type Duration = { text: string; seconds: number } | typeof UNKNOWN | undefined;

/**
 * A window as long as the key's life would rotate it on every run; without a life it never applies. Judged only
 * against a valid timeToLive: a timeToLive that failed its own check has already said what is wrong.
 */
export function checkRotateBefore(timeToLive: Duration, rotateBefore: Duration, failures: CheckFailure[]): void {
    if (rotateBefore === undefined || rotateBefore === UNKNOWN || timeToLive === UNKNOWN) return;
    if (failures.some((failure) => failure.property === "timeToLive" || failure.property === "rotateBefore")) return;
    if (timeToLive === undefined) {
        failures.push({
            property: "rotateBefore",
            reason: `rotateBefore "${rotateBefore.text}" needs a timeToLive: a key that never expires is never rotated; set timeToLive, or leave rotateBefore out`,
        });
    } else if (rotateBefore.seconds >= timeToLive.seconds) {
        failures.push({
            property: "rotateBefore",
            reason: `rotateBefore "${rotateBefore.text}" is not shorter than timeToLive "${timeToLive.text}", so every run would rotate the key: set rotateBefore to less than "${timeToLive.text}", or a longer timeToLive`,
        });
    }
}
