import { setTimeout as sleep } from "node:timers/promises";
import { Agent, Dispatcher, request } from "undici";
import { deadlineSignal, isDeadlineAbort } from "./deadline";
import { ProviderError } from "./errors";
import type { HttpMethod } from "./method";
import { logRetry } from "./retryLog";
import { AttemptFailure, isRetryable, NOT_SENT_ERRORS, retryDelayMs } from "./retryPolicy";

/** Callers name the method they send through the client. */
export type { HttpMethod } from "./method";

/**
 * The one place that talks to the network. One keep-alive pool per origin (undici's Agent), shared by
 * every resource a host process serves. Each attempt of a request is bounded as a whole, headers and
 * body, by `requestTimeoutMs`: a server that answers a byte at a time is never idle long enough for an
 * idle timeout, so undici's per-gap timeouts are not used. Failed attempts are retried here, by the
 * rules of retryPolicy.ts; each retry sends the request again from the start.
 */

export interface HttpRequest {
    method: HttpMethod;
    url: URL;
    headers?: Record<string, string>;
    body?: unknown;
}

export interface HttpResponse {
    status: number;
    headers: Record<string, string | string[] | undefined>;
    text: string;
}

export interface HttpSettings {
    maxRetries: number;
    minRetryDelayMs: number;
    maxRetryDelayMs: number;
    requestTimeoutMs: number;
    maxResponseBytes: number;
}

export const DEFAULT_HTTP_SETTINGS: HttpSettings = {
    maxRetries: 5,
    minRetryDelayMs: 500,
    maxRetryDelayMs: 30_000,
    requestTimeoutMs: 30_000,
    maxResponseBytes: 1024 * 1024,
};

let settings: HttpSettings = DEFAULT_HTTP_SETTINGS;
let agent: Agent | undefined;

export function configureHttp(overrides: Partial<HttpSettings>): void {
    settings = { ...DEFAULT_HTTP_SETTINGS, ...overrides };
}

export async function send(req: HttpRequest): Promise<HttpResponse> {
    const used = settings;
    try {
        for (let attempt = 1; ; attempt++) {
            const outcome = await sendOnce(req, used);
            if (!("kind" in outcome)) return outcome;
            if (!isRetryable(req.method, outcome) || attempt > used.maxRetries) throw givenUp(outcome, req, attempt, used);
            logRetry(describe(req), outcome, attempt, used.maxRetries);
            await sleep(retryDelayMs(outcome, attempt, used), undefined, { signal: deadlineSignal() });
        }
    } catch (error) {
        throw asProviderError(error, req);
    }
}

/**
 * One attempt, under its own timer and the operation's deadline. The answer's body is read (or, for a status that
 * will be retried, drained) within the attempt: when either fires, undici destroys the body and its socket.
 */
async function sendOnce(req: HttpRequest, used: HttpSettings): Promise<HttpResponse | AttemptFailure> {
    const headers: Record<string, string> = { accept: "application/json", ...req.headers };
    if (req.body !== undefined) headers["content-type"] = "application/json";
    // One signal per attempt: its own timer, and the operation's deadline forwarded to it (a listener removed after the
    // attempt, so nothing outlives it; AbortSignal.any would tie every attempt's signal to the deadline's lifetime).
    const deadline = deadlineSignal();
    const timer = new AbortController();
    const timeout = setTimeout(() => timer.abort(), used.requestTimeoutMs);
    const forwardDeadline = () => timer.abort(deadline?.reason);
    if (deadline?.aborted) forwardDeadline();
    else deadline?.addEventListener("abort", forwardDeadline, { once: true });
    let answered = false;
    try {
        const response = await request(req.url, {
            method: req.method,
            headers,
            body: req.body === undefined ? undefined : JSON.stringify(req.body),
            signal: timer.signal,
            dispatcher: (agent ??= new Agent({ keepAliveTimeout: 30_000, connections: 32 })),
            // The attempt's timer bounds headers and body together; undici's idle timers would only add a second rule.
            headersTimeout: 0,
            bodyTimeout: 0,
        });
        answered = true;
        const status: AttemptFailure = { kind: "status", status: response.statusCode, retryAfter: header(response.headers["retry-after"]) };
        if (isRetryable(req.method, status)) {
            await response.body.dump();
            if (deadline?.aborted) throw deadline.reason;
            if (timer.signal.aborted) return { kind: "timeout" };
            return status;
        }
        const text = await readBounded(response.body, used.maxResponseBytes, req);
        return { status: response.statusCode, headers: response.headers, text };
    } catch (error) {
        if (error instanceof ProviderError || deadline?.aborted) throw error;
        if (timer.signal.aborted) return { kind: "timeout" };
        const code = (error as { code?: unknown }).code;
        if (typeof code === "string" && code !== "UND_ERR_ABORTED") return { kind: "connection", code, midAnswer: answered };
        throw error;
    } finally {
        clearTimeout(timeout);
        deadline?.removeEventListener("abort", forwardDeadline);
    }
}

function header(value: string | string[] | undefined): string | undefined {
    return Array.isArray(value) ? value[0] : value;
}

/** The error for a request whose last attempt failed and is not tried again. */
function givenUp(failure: AttemptFailure, req: HttpRequest, attempts: number, used: HttpSettings): ProviderError {
    const mayHaveActed = req.method !== "GET";
    switch (failure.kind) {
        case "status":
            return new ProviderError({
                code: "HTTP_STATUS",
                summary: `${describe(req)} answered ${failure.status}`,
                status: failure.status,
                attempts,
                outcomeUnknown: mayHaveActed && failure.status !== 429,
                hint:
                    failure.status === 429
                        ? "The server kept throttling; try again later or lower `pulumi up --parallel`."
                        : "The server kept failing; try again later.",
            });
        case "timeout":
            return new ProviderError({
                code: "HTTP_UNREACHABLE",
                summary: `${describe(req)} did not answer within ${used.requestTimeoutMs} ms`,
                attempts,
                outcomeUnknown: mayHaveActed,
                hint: mayHaveActed
                    ? SENT_MAY_HAVE_ACTED
                    : "The server was reached but did not send its whole answer in time; try again, or raise the setting requestTimeoutMs.",
            });
        case "connection": {
            if (NOT_SENT_ERRORS.includes(failure.code) && !failure.midAnswer) {
                return new ProviderError({
                    code: "HTTP_UNREACHABLE",
                    // The count is in the summary, where it reads best; `attempts` would say it a second time.
                    summary: `${describe(req)} could not be reached in ${attempts} attempts (${failure.code})`,
                    hint: "Check the endpoint input (or workspaceId) and that it is reachable from here; the setting maxRetries bounds the retries.",
                });
            }
            return new ProviderError({
                code: "HTTP_UNREACHABLE",
                summary: failure.midAnswer
                    ? `${describe(req)} broke off in the middle of its answer: the connection closed (${failure.code})`
                    : `${describe(req)} lost its connection after the request was sent (${failure.code})`,
                attempts,
                outcomeUnknown: mayHaveActed,
                hint: mayHaveActed ? SENT_MAY_HAVE_ACTED : SENT_NO_ANSWER,
            });
        }
    }
}

const SENT_MAY_HAVE_ACTED =
    "The server got the request and may have acted on it; run `pulumi refresh`, then `pulumi up` again: the provider finds what it made by name and adopts or removes it.";
const SENT_NO_ANSWER = "The server was reached but the connection failed; try again, or raise the setting requestTimeoutMs or maxRetries.";

async function readBounded(body: Dispatcher.ResponseData["body"], limit: number, req: HttpRequest): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    // undici's body is a Readable of Buffers, typed as yielding `any`.
    for await (const chunk of body as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > limit) {
            body.destroy();
            throw new ProviderError({
                code: "HTTP_BAD_RESPONSE",
                summary: `${describe(req)} answered with a body larger than ${limit} bytes; it was not read`,
            });
        }
        chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString("utf8");
}

/**
 * What is left: the deadline, errors no attempt could classify (sent, but no usable answer), and failures that are no
 * network's (no error code: a request that could not be built), which are passed on as they are, never as "sent".
 */
function asProviderError(error: unknown, req: HttpRequest): Error {
    if (error instanceof ProviderError) return error;
    const deadline = isDeadlineAbort(error);
    if (deadline) return deadline;
    const code = (error as { code?: unknown }).code;
    if (typeof code !== "string" || code.startsWith("UND_ERR_INVALID")) return error instanceof Error ? error : new Error(String(error));
    const mayHaveActed = req.method !== "GET";
    return new ProviderError({
        code: "HTTP_UNREACHABLE",
        summary: `${describe(req)} lost its connection after the request was sent (${(error as Error).message})`,
        outcomeUnknown: mayHaveActed,
        hint: mayHaveActed ? SENT_MAY_HAVE_ACTED : SENT_NO_ANSWER,
    });
}

function describe(req: HttpRequest): string {
    return `${req.method} ${req.url.pathname} on ${req.url.origin}`;
}
