/**
 * Grafana's clock, as this process has seen it. Grafana ends a key by its own clock, and every answer of Go's
 * net/http carries that clock in its `Date` header (docs/grafana-http-api.md, "Grafana's clock"). It is kept per
 * endpoint as an offset from this machine's clock in whole minutes, so that ordinary jitter (and the header's
 * one-second resolution) never moves a plan, while a machine whose clock is off still rotates in time.
 */

const offsets = new Map<string, number>();

/** `grafanaTime`: what Grafana's clock read when it answered, in ms since the epoch. */
export function observeGrafanaTime(endpoint: string, grafanaTime: number, now = Date.now()): void {
    if (!Number.isFinite(grafanaTime)) return;
    offsets.set(endpoint, Math.round((grafanaTime - now) / 60_000) * 60);
}

export function observeDateHeader(endpoint: string, header: string | string[] | undefined, now = Date.now()): void {
    const text = Array.isArray(header) ? header[0] : header;
    if (text !== undefined) observeGrafanaTime(endpoint, Date.parse(text), now);
}

/** Seconds Grafana's clock runs ahead of ours (negative: behind); undefined until an answer was seen. */
export function grafanaClockOffsetSeconds(endpoint: string): number | undefined {
    return offsets.get(endpoint);
}
