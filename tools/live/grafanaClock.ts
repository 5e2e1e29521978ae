import { setTimeout as sleep } from "node:timers/promises";

/**
 * Grafana's clock as the live suite reads it. Grafana ends a key and opens its rotation window by its own clock, which
 * may be days away from the runner's (an emulator moved ahead, a badly set server), so the suite measures its waits on
 * Grafana's clock, as the provider does (provider/src/grafana/clock.ts): every answer's `Date` header carries it.
 */

/** How far the provider's reading of the offset (before rounding) may lie from the suite's: header cut-off and latency. */
const READING_SPREAD_MS = 5_000;

/** Longer than any wait of the suite: a wait past it means the clocks were misread, and is refused rather than slept. */
const LONGEST_WAIT_MS = 10 * 60_000;

/**
 * How far Grafana's clock runs ahead of ours, in ms (negative: behind), from one `GET /api/health`. The header is cut
 * to the second and stamped before the answer travels, so this is at most about a second behind the truth.
 */
export async function grafanaClockOffsetMs(endpoint: string): Promise<number> {
    const response = await fetch(new URL("/api/health", endpoint));
    await response.arrayBuffer();
    const grafanaMs = Date.parse(response.headers.get("date") ?? "");
    if (Number.isNaN(grafanaMs)) throw new Error(`GET /api/health on ${endpoint} sent no Date header: Grafana's clock cannot be read`);
    return grafanaMs - Date.now();
}

/** What Grafana's clock reads now, in ms since the epoch. */
export async function grafanaNow(endpoint: string): Promise<number> {
    return Date.now() + (await grafanaClockOffsetMs(endpoint));
}

/**
 * Sleeps until Grafana's clock has passed `grafanaMs` both as Grafana reads it and as the provider does: the provider
 * keeps the offset to the nearest minute (provider/src/grafana/clock.ts), from its own readings, which may differ
 * from this one by a few seconds and so round the other way near a half minute. The wait lasts until the slowest of
 * those readings has passed it (plus a second for the header's cut-off fraction): seconds when the clocks differ by
 * about whole minutes, as they do when synchronised or moved by whole days, at most a minute otherwise.
 */
export async function waitUntilOnGrafanasClock(endpoint: string, grafanaMs: number): Promise<void> {
    const offsetMs = await grafanaClockOffsetMs(endpoint);
    const providersReading = (ms: number) => Math.round(ms / 60_000) * 60_000;
    const slowestOffsetMs = Math.min(
        offsetMs,
        providersReading(offsetMs - READING_SPREAD_MS),
        providersReading(offsetMs + READING_SPREAD_MS),
    );
    const waitMs = grafanaMs - (Date.now() + slowestOffsetMs) + 1_000;
    if (waitMs > LONGEST_WAIT_MS) {
        throw new Error(`waiting for ${new Date(grafanaMs).toISOString()} on Grafana's clock would take ${Math.round(waitMs / 1000)} s`);
    }
    if (waitMs > 0) await sleep(waitMs);
}
