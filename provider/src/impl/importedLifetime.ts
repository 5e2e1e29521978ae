import { formatTimeToLive, parseTimeToLive } from "../duration";

/**
 * The `timeToLive` an imported key was made with, so the program `pulumi import` prints keeps its successors expiring.
 * Grafana stores a token's `created` and `expiration` from one clock reading at mint time (seconds resolution), so
 * their difference is the lifetime asked for. Without `created` (legacy keys list none), the time still left on
 * Grafana's clock is the best guess, rounded to whole minutes. A key that never expires, or one with nothing left and
 * no `created`, has none.
 */
export function importedTimeToLive(
    listed: { created?: string | null; expiresAt: string | null },
    clockOffsetSeconds: number,
    now = Date.now(),
): { timeToLive: string; secondsToLive: number } | null {
    if (listed.expiresAt === null) return null;
    const expiresMs = Date.parse(listed.expiresAt);
    const createdMs = listed.created && !listed.created.startsWith("0001-01-01") ? Date.parse(listed.created) : NaN;
    const seconds =
        Number.isFinite(createdMs) && expiresMs > createdMs
            ? Math.round((expiresMs - createdMs) / 1000)
            : Math.round((expiresMs - (now + clockOffsetSeconds * 1000)) / 60_000) * 60;
    if (seconds <= 0) return null;
    const timeToLive = formatTimeToLive(seconds);
    const parsed = parseTimeToLive(timeToLive);
    return parsed.ok ? { timeToLive, secondsToLive: parsed.seconds } : null;
}
