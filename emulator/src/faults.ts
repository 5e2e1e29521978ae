/**
 * Fault injection: the misbehaviour a client must survive against a real Grafana behind Azure's
 * front door (5xx, 429 with Retry-After, connections cut mid-request, slow answers, answers that
 * trickle in a byte at a time), scripted so
 * tests can make it happen on exactly the request they care about.
 *
 * `afterActing` exists because the nastiest real failure is "the server did it, but you were told
 * it failed" (Grafana answering 500 although the service account was created).
 *
 * The same rules cover the ARM paths (/subscriptions/...); a fault without a body gets the error
 * shape of the side it hits, so `failNext(1, 429)` on ARM looks like ARM throttling.
 */
import { STATUS_CODES } from "node:http";

export interface FaultMatch {
    /** Case-insensitive; any method when absent. */
    method?: string;
    /** Matched against the pathname (no query); a string must be equal, a RegExp must match. */
    path?: string | RegExp;
}

export interface FailOptions extends FaultMatch {
    /** JSON body to send; default grafanaFaultBody / armFaultBody, depending on the path. */
    body?: unknown;
    retryAfterSeconds?: number;
    afterActing?: boolean;
}

export interface DropOptions extends FaultMatch {
    afterActing?: boolean;
}

/**
 * A body sent a few bytes at a time: the server acts and answers at once (status and headers), then
 * sends the body `bytesPerTick` bytes every `intervalMs`. A connection that is never quiet for long
 * yet takes as long as it likes to finish (a congested proxy, a slow-loris server).
 */
export interface DripOptions extends FaultMatch {
    /** Default 1. */
    bytesPerTick?: number;
    /** Default 100. */
    intervalMs?: number;
}

const DEFAULT_DRIP = { bytesPerTick: 1, intervalMs: 100 };

/** What the server must do instead of (or after) the real handling of one request. */
export type FaultAction =
    | {
          kind: "fail";
          afterActing: boolean;
          status: number;
          /** undefined: the server sends the default body of the side (Grafana or ARM) it hit. */
          body: unknown;
          headers: Record<string, string>;
      }
    | { kind: "drop"; afterActing: boolean }
    /** The real answer, its body sent piecemeal; always after acting (the answer must exist to be sent). */
    | { kind: "drip"; afterActing: true; bytesPerTick: number; intervalMs: number };

/** Someone else's move at exactly the moment a request arrives, before Grafana handles it. */
interface BeforeAction {
    kind: "before";
    act: () => void;
}

interface Rule {
    remaining: number;
    match: FaultMatch;
    action: FaultAction | BeforeAction;
}

export interface FaultControls {
    failNext(count: number, status: number, options?: FailOptions): void;
    dropNext(count: number, options?: DropOptions): void;
    dripNext(count: number, options?: DripOptions): void;
    setLatency(ms: number): void;
    reset(): void;
}

export class FaultInjector implements FaultControls {
    /** Rules are consulted in the order they were added; each request consumes at most one. */
    private rules: Rule[] = [];
    private latency = 0;

    failNext(count: number, status: number, options: FailOptions = {}): void {
        assertCount(count);
        if (!Number.isInteger(status) || status < 100 || status > 599) {
            throw new RangeError(`failNext: not an HTTP status: ${status}`);
        }
        const headers: Record<string, string> = {};
        if (options.retryAfterSeconds !== undefined) headers["Retry-After"] = String(options.retryAfterSeconds);
        this.rules.push({
            remaining: count,
            match: { method: options.method, path: options.path },
            action: {
                kind: "fail",
                afterActing: options.afterActing ?? false,
                status,
                body: options.body,
                headers,
            },
        });
    }

    dropNext(count: number, options: DropOptions = {}): void {
        assertCount(count);
        this.rules.push({
            remaining: count,
            match: { method: options.method, path: options.path },
            action: { kind: "drop", afterActing: options.afterActing ?? false },
        });
    }

    dripNext(count: number, options: DripOptions = {}): void {
        assertCount(count);
        const bytesPerTick = options.bytesPerTick ?? DEFAULT_DRIP.bytesPerTick;
        const intervalMs = options.intervalMs ?? DEFAULT_DRIP.intervalMs;
        if (!Number.isInteger(bytesPerTick) || bytesPerTick < 1) {
            throw new RangeError(`dripNext: bytesPerTick must be a positive integer: ${bytesPerTick}`);
        }
        if (!Number.isFinite(intervalMs) || intervalMs < 1) throw new RangeError(`dripNext: intervalMs must be at least 1: ${intervalMs}`);
        this.rules.push({
            remaining: count,
            match: { method: options.method, path: options.path },
            action: { kind: "drip", afterActing: true, bytesPerTick, intervalMs },
        });
    }

    /** Runs `act` once, just before the next matching request is handled (a race made exact). */
    beforeNext(act: () => void, match: FaultMatch = {}): void {
        this.rules.push({ remaining: 1, match: { method: match.method, path: match.path }, action: { kind: "before", act } });
    }

    setLatency(ms: number): void {
        if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`setLatency: not a non-negative number: ${ms}`);
        this.latency = ms;
    }

    get latencyMs(): number {
        return this.latency;
    }

    reset(): void {
        this.rules = [];
        this.latency = 0;
    }

    /** Consumes one use of the first rule matching this request, if any. */
    take(method: string, pathname: string): FaultAction | undefined {
        const rule = this.rules.find((r) => r.remaining > 0 && matches(r.match, method, pathname));
        if (!rule) return undefined;
        rule.remaining--;
        this.rules = this.rules.filter((r) => r.remaining > 0);
        if (rule.action.kind === "before") {
            rule.action.act();
            return this.take(method, pathname);
        }
        return rule.action;
    }
}

/** Grafana's error shape: {"message": "<status text>"}. */
export function grafanaFaultBody(status: number): unknown {
    return { message: STATUS_CODES[status] ?? "Error" };
}

/** ARM's error shape; the code is the status text in ARM's PascalCase ("Too Many Requests" -> TooManyRequests). */
export function armFaultBody(status: number): unknown {
    const text = STATUS_CODES[status] ?? "Error";
    return { error: { code: text.replace(/[^A-Za-z0-9]/g, ""), message: `${text} (injected by the emulator).` } };
}

function matches(match: FaultMatch, method: string, pathname: string): boolean {
    if (match.method !== undefined && match.method.toUpperCase() !== method.toUpperCase()) return false;
    if (match.path === undefined) return true;
    if (typeof match.path === "string") return match.path === pathname;
    match.path.lastIndex = 0; // a /g or /y RegExp would otherwise remember where it stopped
    return match.path.test(pathname);
}

function assertCount(count: number): void {
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`fault count must be a non-negative integer: ${count}`);
}
