/** A value as the user can recognise it, escaped and cut short: never more than 80 characters. */
export function showValue(value: unknown): string {
    const text = JSON.stringify(value) ?? String(value);
    return text.length <= 80 ? text : `${text.slice(0, 60)}…" (${text.length} characters)`;
}
