import { AsyncLocalStorage } from "node:async_hooks";
import { ProviderError } from "./errors";

/**
 * A deadline for one whole provider operation (a create, a refresh...), across its requests, retries and
 * waits: Pulumi's host imposes none and ignores cancellation, so without one a stuck operation would
 * hold `pulumi up` forever. Requests made past it are not sent; requests in flight are aborted.
 */

const current = new AsyncLocalStorage<{ deadline: number; seconds: number; what: string }>();

export function withDeadline<T>(seconds: number, what: string, operation: () => Promise<T>): Promise<T> {
    return current.run({ deadline: Date.now() + seconds * 1000, seconds, what }, operation);
}

const GRACE_SECONDS = 30;

/**
 * Work that must still happen after the deadline cut an operation (looking up what a cut create made,
 * and removing it), under a short deadline of its own.
 */
export function withGrace<T>(operation: () => Promise<T>): Promise<T> {
    const active = current.getStore();
    if (!active || Date.now() < active.deadline) return operation();
    return withDeadline(GRACE_SECONDS, `cleaning up after ${active.what}`, operation);
}

/** Work shared by concurrent operations (a version probe, an endpoint lookup) runs under none of theirs. */
export function outsideDeadline<T>(operation: () => T): T {
    return current.exit(operation);
}

/** The signal that aborts a request at the deadline; throws when it has already passed. */
export function deadlineSignal(): AbortSignal | undefined {
    const active = current.getStore();
    if (!active) return undefined;
    const remaining = active.deadline - Date.now();
    if (remaining <= 0) throw deadlinePassed(active);
    return AbortSignal.timeout(remaining);
}

export function isDeadlineAbort(error: unknown): ProviderError | undefined {
    const active = current.getStore();
    if (!active || Date.now() < active.deadline) return undefined;
    const name = (error as { name?: string })?.name;
    return name === "AbortError" || name === "TimeoutError" || (error as { code?: string })?.code === "UND_ERR_ABORTED"
        ? deadlinePassed(active)
        : undefined;
}

function deadlinePassed(active: { seconds: number; what: string }): ProviderError {
    return new ProviderError({
        code: "HTTP_UNREACHABLE",
        summary: `${active.what} did not finish within its deadline of ${active.seconds} s`,
        outcomeUnknown: true,
        hint: "Run again: whatever a cut create made is looked up by name first. Raise azure-grafana-keys:operationDeadlineSeconds if the service is just slow.",
    });
}
