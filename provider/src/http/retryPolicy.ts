/**
 * When a request is sent again, and after how long: the one home of the retry policy. An idempotent call (GET, PATCH,
 * DELETE) is retried on throttling, 5xx, a dropped connection and an attempt that ran past `requestTimeoutMs`. A
 * create (POST) is retried only where the server surely did nothing (429, connection refused), because sending again
 * a create that may have succeeded makes a second object; the caller resolves those cases by looking the object up.
 */

import type { HttpMethod } from "./method";

export interface RetrySettings {
    maxRetries: number;
    minRetryDelayMs: number;
    maxRetryDelayMs: number;
}

/** How one attempt failed, when it may be worth another. */
export type AttemptFailure =
    /** The server answered a status that asks to be tried again (its body was not read). */
    | { kind: "status"; status: number; retryAfter?: string }
    /** No whole answer (headers and body) within `requestTimeoutMs`. */
    | { kind: "timeout" }
    /** The connection failed: before the answer began, or in the middle of it (`midAnswer`). */
    | { kind: "connection"; code: string; midAnswer: boolean };

const RETRYABLE_STATUSES = [429, 500, 502, 503, 504];
/** The request never reached the server. */
export const NOT_SENT_ERRORS = ["ECONNREFUSED", "ENOTFOUND", "EHOSTUNREACH", "ENETUNREACH"];
const DROPPED_ERRORS = [...NOT_SENT_ERRORS, "ECONNRESET", "EPIPE", "UND_ERR_SOCKET", "ENETDOWN", "EHOSTDOWN"];

export function isRetryable(method: HttpMethod, failure: AttemptFailure): boolean {
    const idempotent = method !== "POST";
    switch (failure.kind) {
        case "status":
            return idempotent ? RETRYABLE_STATUSES.includes(failure.status) : failure.status === 429;
        case "timeout":
            return idempotent;
        case "connection":
            return idempotent ? DROPPED_ERRORS.includes(failure.code) : NOT_SENT_ERRORS.includes(failure.code) && !failure.midAnswer;
    }
}

/** The wait before retry number `retry` (1 for the first): the server's Retry-After, else doubling from the least. */
export function retryDelayMs(failure: AttemptFailure, retry: number, settings: RetrySettings): number {
    const asked = failure.kind === "status" ? retryAfterMs(failure.retryAfter) : undefined;
    if (asked !== undefined && asked > 0) return Math.min(asked, settings.maxRetryDelayMs);
    return Math.min(settings.minRetryDelayMs * 2 ** (retry - 1), settings.maxRetryDelayMs);
}

/** Retry-After is either seconds or an HTTP date. */
function retryAfterMs(header: string | undefined): number | undefined {
    if (header === undefined || header.trim() === "") return undefined;
    const seconds = Number(header);
    if (!Number.isNaN(seconds)) return seconds * 1000;
    const at = Date.parse(header);
    return Number.isNaN(at) ? undefined : at - Date.now();
}
