// A pure rule of the provider's, read from its source: not part of any entry point the package publishes.
import { grafanaTimeOf, readTokenRow } from "../../provider/src/impl/keyStores";

/**
 * How a row of Grafana's token list is read. Grafana fills `secondsUntilExpiration` only for a live token that
 * expires within the next 7 days (ListTokens in pkg/services/serviceaccounts/api/token.go, `sevenDaysAhead`); a 0
 * never means "expires now". The date comes from `expiration`; a row is dead by the rule of keyLifetime.ts (`isDead`):
 * `hasExpired`, `isRevoked`, or its expiry passed on Grafana's clock.
 */

const NOW = Date.parse("2026-11-30T12:00:00Z");
const DAY = 86_400;
const at = (seconds: number) => new Date(NOW + seconds * 1000).toISOString().replace(".000Z", "Z");

describe("a token-list row", () => {
    test.each<[string, Record<string, unknown>, { expiresAt: string | null; expired: boolean; grafanaTime?: number }]>([
        [
            "30 days left: no countdown (0), the date from expiration, not expired",
            { expiration: at(30 * DAY), secondsUntilExpiration: 0, hasExpired: false },
            { expiresAt: new Date(NOW + 30 * DAY * 1000).toISOString(), expired: false },
        ],
        [
            "10 days left: still no countdown",
            { expiration: at(10 * DAY), secondsUntilExpiration: 0, hasExpired: false },
            { expiresAt: new Date(NOW + 10 * DAY * 1000).toISOString(), expired: false },
        ],
        [
            "6 days left: the countdown shows Grafana's clock",
            { expiration: at(6 * DAY), secondsUntilExpiration: 6 * DAY, hasExpired: false },
            { expiresAt: new Date(NOW + 6 * DAY * 1000).toISOString(), expired: false, grafanaTime: NOW },
        ],
        [
            "6 days left by a Grafana clock 2 hours ahead of the date's reading here",
            { expiration: at(6 * DAY), secondsUntilExpiration: 6 * DAY - 7200, hasExpired: false },
            { expiresAt: new Date(NOW + 6 * DAY * 1000).toISOString(), expired: false, grafanaTime: NOW + 7_200_000 },
        ],
        [
            "revoked (Grafana's secret scanning): dead although its date lies ahead",
            { expiration: at(30 * DAY), secondsUntilExpiration: 0, hasExpired: false, isRevoked: true },
            { expiresAt: new Date(NOW + 30 * DAY * 1000).toISOString(), expired: true },
        ],
        [
            "expired: hasExpired decides, the countdown is 0",
            { expiration: at(-60), secondsUntilExpiration: 0, hasExpired: true },
            { expiresAt: new Date(NOW - 60_000).toISOString(), expired: true },
        ],
        [
            "never expires: expiration null, countdown 0",
            { expiration: null, secondsUntilExpiration: 0, hasExpired: false },
            { expiresAt: null, expired: false },
        ],
        [
            "never expires, written as Go's zero time by some versions",
            { expiration: "0001-01-01T00:00:00Z", secondsUntilExpiration: 0, hasExpired: false },
            { expiresAt: null, expired: false },
        ],
        [
            "an old Grafana without the countdown field",
            { expiration: at(3 * DAY), hasExpired: false },
            { expiresAt: new Date(NOW + 3 * DAY * 1000).toISOString(), expired: false },
        ],
    ])("%s", (_case, row, read) => {
        const { grafanaTime, ...judged } = read;
        expect(readTokenRow({ id: 1, name: "t", ...row }, 0, NOW)).toEqual(judged);
        expect(grafanaTimeOf({ id: 1, name: "t", ...row })).toBe(grafanaTime);
    });
});
