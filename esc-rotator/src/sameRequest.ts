import { createHash } from "node:crypto";

/**
 * Rotations of the same `{ request, state }` share one outcome in this process: one running at a time (a
 * concurrent repeat waits for it and gets its answer), and a repeat after a lost answer gets the answer it lost, the
 * same successor, for as long as a rotation may be under way elsewhere. Answers are kept in memory only, and only
 * that long; failures are not kept.
 */
export class SameRequest<T> {
    private readonly outcomes = new Map<string, { answer: Promise<T>; until: number }>();

    constructor(private readonly keepMs: number) {}

    run(body: unknown, work: () => Promise<T>): Promise<T> {
        const now = Date.now();
        for (const [key, outcome] of this.outcomes) if (outcome.until <= now) this.outcomes.delete(key);
        const key = fingerprint(body);
        const known = this.outcomes.get(key);
        if (known) return known.answer;
        const answer = work();
        this.outcomes.set(key, { answer, until: Number.POSITIVE_INFINITY });
        answer.then(
            () => this.outcomes.set(key, { answer, until: Date.now() + this.keepMs }),
            () => this.outcomes.delete(key),
        );
        return answer;
    }
}

/** The same JSON, however its keys were ordered or spaced. */
function fingerprint(value: unknown): string {
    return createHash("sha256").update(canonical(value)).digest("base64");
}

function canonical(value: unknown): string {
    if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
    if (value !== null && typeof value === "object") {
        const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
        return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonical(item)}`).join(",")}}`;
    }
    return JSON.stringify(value) ?? "null";
}
