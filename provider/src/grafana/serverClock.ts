/**
 * Grafana's clock, as the Date header of its answers tells it. Whether an object Grafana says it made at
 * some time was made after a moment on our clock can only be decided on one clock, and the runner's and
 * Grafana's may be minutes apart; so the moment is carried over to Grafana's clock instead of allowing
 * for a skew of unknown size.
 */

interface Reading {
    /** Grafana's time in the Date header: cut to whole seconds, so at most that much behind. */
    serverMs: number;
    /** Our time when the answer arrived. */
    receivedAt: number;
}

const latest = new Map<string, Reading>();

/** Called with every answer from `origin`: the latest Date header it sent, and when it arrived here. */
export function noteServerDate(origin: string, date: string | string[] | undefined, receivedAt = Date.now()): void {
    const serverMs = Date.parse(Array.isArray(date) ? date[0] : (date ?? ""));
    if (!Number.isNaN(serverMs)) latest.set(origin, { serverMs, receivedAt });
}

/**
 * When Grafana at `origin` says something was created at `createdAt`: was that no earlier than `since`
 * (our clock)? Undefined when it cannot be told: Grafana gave no creation time, or has sent no Date header
 * since that moment.
 *
 * Grafana's time at `since` is at least that of the latest answer's Date header less the time that
 * passed here from `since` to that answer's arrival. Grafana keeps creation times in whole seconds, so
 * that bound is cut to its second too: an object made in the second the attempt began (a second or two
 * before, at worst) counts as made since; one made earlier does not, however far the clocks differ.
 */
export function createdSince(origin: string, createdAt: string | null | undefined, since: number): boolean | undefined {
    const created = Date.parse(createdAt ?? "");
    const reading = latest.get(origin);
    if (Number.isNaN(created) || reading === undefined || reading.receivedAt < since) return undefined;
    const sinceOnServer = reading.serverMs - (reading.receivedAt - since);
    return created >= Math.floor(sinceOnServer / 1000) * 1000;
}
