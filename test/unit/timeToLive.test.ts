import { parseTimeToLive } from "pulumi-azure-grafana-keys";

const MINUTE = 60;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe("time to live", () => {
    test.each([
        ["30s", 30],
        ["15m", 15 * MINUTE],
        ["12h", 12 * HOUR],
        ["7d", 7 * DAY],
        ["2w", 14 * DAY],
        ["6M", 180 * DAY],
        ["1y", 365 * DAY],
        ["1d12h", DAY + 12 * HOUR],
        ["1y2M3w4d5h6m7s", 365 * DAY + 60 * DAY + 21 * DAY + 4 * DAY + 5 * HOUR + 6 * MINUTE + 7],
        ["90", 90],
        ["3600", HOUR],
        [" 7d ", 7 * DAY],
        ["100y", 100 * 365 * DAY],
        ["1M", 30 * DAY],
        ["1m", MINUTE],
        ["0d1h", HOUR],
    ])("%j lasts %i seconds", (text, seconds) => {
        expect(parseTimeToLive(text)).toEqual({ ok: true, seconds });
    });

    test.each([
        ["", "empty"],
        ["   ", "empty"],
        ["7x", '"x" is not a unit'],
        ["7D", '"D" is not a unit'],
        ["1y1y", "repeated or out of order"],
        ["12h1d", "repeated or out of order"],
        ["-5s", "not a sequence"],
        ["-1", "not a sequence"],
        ["1.5h", "not a sequence"],
        ["d", "not a sequence"],
        ["7 d", "not a sequence"],
        ["0", "zero"],
        ["0s", "zero"],
        ["101y", "longer than 100y"],
        ["99999999999999999999s", "longer than 100y"],
        ["1e3", "not a sequence"],
        ["7days", "not a sequence"],
    ])("%j is refused (%s)", (text, problem) => {
        const result = parseTimeToLive(text);
        expect(result.ok).toBe(false);
        expect(!result.ok && result.problem).toContain(problem);
    });
});
