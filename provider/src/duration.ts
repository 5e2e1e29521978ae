/**
 * Time-to-live strings as users write them for `az grafana api-key create`: `30s`, `15m`, `12h`, `7d`,
 * `2w`, `6M`, `1y`, or combinations such as `1d12h`. `M` is 30 days and `y` 365 days (the az CLI's `y`
 * is 30 times too large; we do not copy that). A bare number is seconds.
 */

const SECONDS_PER_UNIT = {
    y: 365 * 86_400,
    M: 30 * 86_400,
    w: 7 * 86_400,
    d: 86_400,
    h: 3_600,
    m: 60,
    s: 1,
} as const;

type Unit = keyof typeof SECONDS_PER_UNIT;
const UNITS_LARGEST_FIRST = Object.keys(SECONDS_PER_UNIT) as Unit[];

/** Longer than any key needs to live, and short enough that its expiry date stays representable. */
export const MAX_TIME_TO_LIVE_SECONDS = 100 * SECONDS_PER_UNIT.y;

export const TIME_TO_LIVE_FORM =
    "a number with a unit, largest unit first, each unit at most once: s (seconds), m (minutes), h (hours), " +
    'd (days), w (weeks), M (30 days), y (365 days), e.g. "30s", "12h", "7d", "1d12h", "1y"; ' +
    "or a bare number of seconds; at most 100y; omit it for a key that never expires";

export type DurationResult = { ok: true; seconds: number } | { ok: false; problem: string };

export function parseTimeToLive(text: string): DurationResult {
    const trimmed = text.trim();
    if (trimmed === "") return { ok: false, problem: "it is empty" };
    if (/^\d+$/.test(trimmed)) return withinBounds(Number(trimmed));

    const parts = trimmed.match(/\d+[a-zA-Z]/g) ?? [];
    if (parts.join("") !== trimmed) {
        return { ok: false, problem: "it is not a sequence of <number><unit> parts" };
    }
    let seconds = 0;
    let previousUnitIndex = -1;
    for (const part of parts) {
        const unit = part.slice(-1);
        const unitIndex = UNITS_LARGEST_FIRST.indexOf(unit as Unit);
        if (unitIndex < 0) return { ok: false, problem: `"${unit}" is not a unit` };
        if (unitIndex <= previousUnitIndex) {
            return { ok: false, problem: `unit "${unit}" is repeated or out of order` };
        }
        previousUnitIndex = unitIndex;
        seconds += Number(part.slice(0, -1)) * SECONDS_PER_UNIT[unit as Unit];
    }
    return withinBounds(seconds);
}

function withinBounds(seconds: number): DurationResult {
    if (!Number.isSafeInteger(seconds) || seconds > MAX_TIME_TO_LIVE_SECONDS) {
        return { ok: false, problem: "it is longer than 100y" };
    }
    if (seconds === 0) return { ok: false, problem: "it is zero" };
    return { ok: true, seconds };
}

/** A duration input as `check` hands it on: its text, a preview's unknown value as it came, or null when absent. */
export function durationText(value: { text: string } | string | undefined): string | null {
    return value === undefined ? null : typeof value === "string" ? value : value.text;
}

/**
 * Seconds written as `parseTimeToLive` reads them, largest unit first, in the fewest characters with or without weeks
 * (`2592000` is `30d`, not `4w2d`; `1209600` is `2w`). `M` is left out: 30 days reads plainer as `30d`.
 */
export function formatTimeToLive(seconds: number): string {
    const withWeeks = spelled(Math.round(seconds), ["y", "w", "d", "h", "m", "s"]);
    const withoutWeeks = spelled(Math.round(seconds), ["y", "d", "h", "m", "s"]);
    return withoutWeeks.length < withWeeks.length ? withoutWeeks : withWeeks;
}

function spelled(seconds: number, units: Unit[]): string {
    let rest = seconds;
    let text = "";
    for (const unit of units) {
        const count = Math.floor(rest / SECONDS_PER_UNIT[unit]);
        if (count > 0) text += `${count}${unit}`;
        rest -= count * SECONDS_PER_UNIT[unit];
    }
    return text;
}
