import { RetryHandler } from "undici";
import { logInfo } from "../log";

/**
 * Says each retry as it starts, with its reason and its count: a request that keeps failing (an unreachable endpoint,
 * a throttled API) otherwise waits out its backoff in silence. Whether and when to retry stays undici's decision.
 */
type RetryCallback = NonNullable<RetryHandler.RetryOptions["retry"]>;

// undici keeps its default policy under a private symbol; a custom `retry` replaces it, so it is called from here.
const defaultRetry = (RetryHandler as unknown as Record<symbol, RetryCallback>)[
    Object.getOwnPropertySymbols(RetryHandler).find((symbol) => symbol.description === "retry agent default retry") ?? Symbol()
];

export function retryLoggingEach(maxRetries: number): RetryCallback | undefined {
    if (typeof defaultRetry !== "function") return undefined;
    return (error, context, callback) => {
        defaultRetry(error, context, (result) => {
            if (!result) {
                const { method, origin, path } = context.opts;
                const where = `${method} ${(path ?? "").split("?")[0]} on ${String(origin ?? "")}`;
                logInfo(`${where}: ${reasonOf(error)}; retry ${context.state.counter} of ${maxRetries} (setting maxRetries)`);
            }
            callback(result);
        });
    };
}

function reasonOf(error: Error): string {
    const { statusCode, code } = error as { statusCode?: number; code?: string };
    if (statusCode !== undefined) return `answered ${statusCode}`;
    if (code === "ECONNREFUSED") return "connection refused";
    if (code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT") return "no answer in time (setting requestTimeoutMs)";
    return `connection lost (${code ?? error.message})`;
}
