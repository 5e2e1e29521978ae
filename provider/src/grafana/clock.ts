/**
 * Grafana's clock, as this process has seen it. Grafana ends a key by its own clock and stamps what it creates
 * with it, and every answer of Go's net/http carries that clock in its `Date` header (docs/grafana-http-api.md,
 * "Grafana's clock"). The runner's clock and Grafana's may be minutes apart, so questions about time are
 * answered on Grafana's clock: when does a key expire, and was an object made after a moment of ours.
 */

interface Reading {
    /** What Grafana's clock read when it answered (the Date header is cut to whole seconds). */
    grafanaMs: number;
    /** Our clock when the answer arrived. */
    receivedAt: number;
}

const latest = new Map<string, Reading>();

/** `grafanaMs`: what Grafana's clock read when it answered `endpoint`, in ms since the epoch. */
export function observeGrafanaTime(endpoint: string, grafanaMs: number, receivedAt = Date.now()): void {
    if (Number.isFinite(grafanaMs)) latest.set(endpoint, { grafanaMs, receivedAt });
}

/** Called with every answer from `endpoint`. */
export function observeDateHeader(endpoint: string, header: string | string[] | undefined, receivedAt = Date.now()): void {
    observeGrafanaTime(endpoint, Date.parse((Array.isArray(header) ? header[0] : header) ?? ""), receivedAt);
}

/**
 * Seconds Grafana's clock runs ahead of ours (negative: behind), in whole minutes so that ordinary jitter and
 * the header's one-second resolution never move a plan; undefined until an answer was seen.
 */
export function grafanaClockOffsetSeconds(endpoint: string): number | undefined {
    const reading = latest.get(endpoint);
    return reading === undefined ? undefined : Math.round((reading.grafanaMs - reading.receivedAt) / 60_000) * 60;
}

/**
 * How far ahead of Grafana's clock our reading of it (`grafanaNow` with the offset above) can run: the offset is a
 * lower bound before rounding (the Date header is cut to the second, and the answer arrives after it was stamped),
 * and rounding to the nearest minute adds at most half a minute. A judgement that a key has expired waits this
 * out, so it may come up to a minute after Grafana's, never before.
 */
export const OFFSET_MAX_AHEAD_MS = 30_000;

/**
 * When Grafana at `endpoint` says something was created at `createdAt`: was that no earlier than `since` (our
 * clock)? Undefined when it cannot be told: Grafana gave no creation time, or has sent no Date header since
 * that moment.
 *
 * Grafana's time at `since` is at least that of the latest answer's Date header less the time that passed here
 * from `since` to that answer's arrival. Grafana keeps creation times in whole seconds, so that bound is cut to
 * its second too: an object made in the second the attempt began (a second or two before, at worst) counts as
 * made since; one made earlier does not, however far the clocks differ.
 */
export function createdSince(endpoint: string, createdAt: string | null | undefined, since: number): boolean | undefined {
    const created = Date.parse(createdAt ?? "");
    const reading = latest.get(endpoint);
    if (Number.isNaN(created) || reading === undefined || reading.receivedAt < since) return undefined;
    const sinceOnGrafana = reading.grafanaMs - (reading.receivedAt - since);
    return created >= Math.floor(sinceOnGrafana / 1000) * 1000;
}
