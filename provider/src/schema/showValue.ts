/** Characters as Grafana's database and users count them: Unicode code points, not UTF-16 code units. */
export function characterCount(text: string): number {
    return [...text].length;
}

const SHOWN_WHOLE_UP_TO = 80;
const SHOWN_WHEN_CUT = 60;

/**
 * A value as the user can recognise it, escaped and cut short: never more than 80 characters. A cut
 * value says how long it really is (a string's own characters, without the quotes and escapes added
 * to show it), so the number can be checked against the limit in the message.
 */
export function showValue(value: unknown): string {
    const text = JSON.stringify(value) ?? String(value);
    const shown = [...text];
    if (shown.length <= SHOWN_WHOLE_UP_TO) return text;
    const length = typeof value === "string" ? characterCount(value) : shown.length;
    return `${shown.slice(0, SHOWN_WHEN_CUT).join("")}…" (${length} characters)`;
}
