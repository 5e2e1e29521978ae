import { logInfo } from "../log";
import type { AttemptFailure } from "./retryPolicy";

/**
 * Says each retry as it starts, with its reason and its count: a request that keeps failing (an unreachable endpoint,
 * a throttled API, a server that answers too slowly) otherwise waits out its backoff in silence.
 */
export function logRetry(where: string, failure: AttemptFailure, retry: number, maxRetries: number): void {
    logInfo(`${where}: ${reasonOf(failure)}; retry ${retry} of ${maxRetries} (setting maxRetries)`);
}

function reasonOf(failure: AttemptFailure): string {
    switch (failure.kind) {
        case "status":
            return `answered ${failure.status}`;
        case "timeout":
            return "no answer in time (setting requestTimeoutMs)";
        case "connection":
            return failure.code === "ECONNREFUSED" ? "connection refused" : `connection lost (${failure.code})`;
    }
}
