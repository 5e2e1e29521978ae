/** Small numeric helpers and the markdown table renderer of the benchmark. */

export function median(values: number[]): number {
    return percentile(values, 50);
}

export function percentile(values: number[], p: number): number {
    if (values.length === 0) return NaN;
    const sorted = [...values].sort((a, b) => a - b);
    const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
    return sorted[rank];
}

export async function pool(count: number, concurrency: number, task: (index: number) => Promise<void>): Promise<void> {
    let next = 0;
    const worker = async () => {
        while (next < count) await task(next++);
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

export const ms = (value: number, digits = 0) => (Number.isFinite(value) ? `${value.toFixed(digits)} ms` : "n/a");
export const mb = (kib: number, digits = 1) => `${(kib / 1024).toFixed(digits)} MB`;
export const num = (value: number, digits = 2) =>
    Number.isFinite(value) ? (Number.isInteger(value) ? String(value) : value.toFixed(digits)) : "n/a";

export function table(header: string[], rows: Array<Array<string | number>>): string[] {
    const cells = [header, ...rows.map((row) => row.map(String))];
    const widths = header.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? "").length)));
    const line = (row: string[]) => `| ${row.map((cell, column) => cell.padEnd(widths[column])).join(" | ")} |`;
    return [line(cells[0]), `|${widths.map((width) => "-".repeat(width + 2)).join("|")}|`, ...cells.slice(1).map(line)];
}
