import { formatTimeToLive, parseTimeToLive } from "../../provider/src/duration";
import { importedTimeToLive } from "../../provider/src/impl/importedLifetime";

describe("an imported key's timeToLive", () => {
    test.each([
        [30, "30s"],
        [3600, "1h"],
        [90_061, "1d1h1m1s"],
        [14 * 86_400, "2w"],
        [30 * 86_400, "30d"],
        [365 * 86_400, "1y"],
    ])("%i seconds are written %s, which the provider reads back as the same length", (seconds, text) => {
        expect(formatTimeToLive(seconds)).toBe(text);
        expect(parseTimeToLive(text)).toEqual({ ok: true, seconds });
    });

    test("a token's lifetime is created to expiration, whatever the clocks say", () => {
        const listed = { created: "2031-01-02T03:04:05Z", expiresAt: "2031-01-09T03:04:05.000Z" };
        expect(importedTimeToLive(listed, -10_800, Date.parse("2040-01-01T00:00:00Z"))).toEqual({
            timeToLive: "1w",
            secondsToLive: 7 * 86_400,
        });
    });

    test("without created (a legacy key), the time left on Grafana's clock, in whole minutes", () => {
        const runnerNow = Date.parse("2031-01-02T06:04:05Z"); // Grafana's clock is 3 h behind: 03:04:05 there
        const listed = { created: null, expiresAt: "2031-01-02T05:04:35.000Z" };
        expect(importedTimeToLive(listed, -10_800, runnerNow)).toEqual({ timeToLive: "2h1m", secondsToLive: 7260 });
    });

    test("a key that never expires, or one with no time left and no created, has none", () => {
        expect(importedTimeToLive({ created: "2031-01-02T03:04:05Z", expiresAt: null }, 0)).toBeNull();
        expect(importedTimeToLive({ expiresAt: "2031-01-02T03:04:05.000Z" }, 0, Date.parse("2031-01-03T00:00:00Z"))).toBeNull();
    });
});
