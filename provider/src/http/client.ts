import { Agent, Dispatcher, errors as undiciErrors, interceptors, request } from "undici";
import { deadlineSignal, isDeadlineAbort } from "./deadline";
import { ProviderError } from "./errors";
import { retryLoggingEach } from "./retryLog";

/**
 * The one place that talks to the network. One keep-alive pool per origin (undici's Agent), shared by
 * every resource a host process serves. Retries use undici's retry interceptor: idempotent calls retry
 * on throttling, 5xx and dropped connections; a create (POST) retries only where the server surely did
 * nothing (429, connection refused), because retrying a create that may have succeeded makes a second
 * object. The caller resolves those ambiguous cases by looking the object up.
 */

export type HttpMethod = "GET" | "POST" | "PATCH" | "DELETE";

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

const RETRYABLE_STATUSES = [429, 500, 502, 503, 504];
const NOT_SENT_ERRORS = ["ECONNREFUSED", "ENOTFOUND", "EHOSTUNREACH", "ENETUNREACH"];
const DROPPED_ERRORS = [...NOT_SENT_ERRORS, "ECONNRESET", "EPIPE", "UND_ERR_SOCKET", "ENETDOWN", "EHOSTDOWN"];
/** A read, delete or PATCH that took too long is as safe to send again as one whose connection dropped. */
const TIMEOUT_ERRORS = ["UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT"];

interface Dispatchers {
    settings: HttpSettings;
    idempotent: Dispatcher;
    create: Dispatcher;
}

let dispatchers: Dispatchers | undefined;

export function configureHttp(overrides: Partial<HttpSettings>): void {
    const settings = { ...DEFAULT_HTTP_SETTINGS, ...overrides };
    const previous = dispatchers;
    if (previous && JSON.stringify(previous.settings) === JSON.stringify(settings)) return;
    const agent = new Agent({ keepAliveTimeout: 30_000, connections: 32 });
    const retry = (methods: HttpMethod[], statusCodes: number[], errorCodes: string[]) =>
        interceptors.retry({
            maxRetries: settings.maxRetries,
            minTimeout: settings.minRetryDelayMs,
            maxTimeout: settings.maxRetryDelayMs,
            timeoutFactor: 2,
            retryAfter: true,
            retry: retryLoggingEach(settings.maxRetries),
            methods,
            statusCodes,
            errorCodes,
        });
    dispatchers = {
        settings,
        idempotent: agent.compose(retry(["GET", "PATCH", "DELETE"], RETRYABLE_STATUSES, [...DROPPED_ERRORS, ...TIMEOUT_ERRORS])),
        create: agent.compose(retry(["POST"], [429], NOT_SENT_ERRORS)),
    };
    if (previous) void previous.idempotent.close().catch(() => undefined);
}

function currentDispatchers(): Dispatchers {
    if (!dispatchers) configureHttp({});
    return dispatchers!;
}

export async function send(req: HttpRequest): Promise<HttpResponse> {
    const { settings, idempotent, create } = currentDispatchers();
    const headers: Record<string, string> = { accept: "application/json", ...req.headers };
    if (req.body !== undefined) headers["content-type"] = "application/json";
    const signal = deadlineSignal();
    try {
        const response = await request(req.url, {
            method: req.method,
            headers,
            body: req.body === undefined ? undefined : JSON.stringify(req.body),
            signal,
            dispatcher: req.method === "POST" ? create : idempotent,
            headersTimeout: settings.requestTimeoutMs,
            bodyTimeout: settings.requestTimeoutMs,
        });
        const text = await readBounded(response.body, settings.maxResponseBytes, req);
        return { status: response.statusCode, headers: response.headers, text };
    } catch (error) {
        throw asProviderError(error, req);
    }
}

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

function asProviderError(error: unknown, req: HttpRequest): ProviderError {
    if (error instanceof ProviderError) return error;
    const deadline = isDeadlineAbort(error);
    if (deadline) return deadline;
    const outcomeUnknown = req.method !== "GET";
    const attempts = (error as { data?: { count?: number } }).data?.count;
    // undici also gives up with a RequestRetryError when a connection broke in the middle of a good
    // answer (it cannot resume it): that is a dropped connection, not a failing status.
    if (error instanceof undiciErrors.RequestRetryError && error.statusCode >= 400) {
        return new ProviderError({
            code: "HTTP_STATUS",
            summary: `${describe(req)} answered ${error.statusCode}`,
            status: error.statusCode,
            attempts,
            outcomeUnknown: outcomeUnknown && error.statusCode !== 429,
            hint:
                error.statusCode === 429
                    ? "The server kept throttling; try again later or lower `pulumi up --parallel`."
                    : "The server kept failing; try again later.",
        });
    }
    const code = error instanceof undiciErrors.RequestRetryError ? "ECONNRESET" : ((error as { code?: string }).code ?? "");
    const timedOut = TIMEOUT_ERRORS.includes(code);
    const sent = !NOT_SENT_ERRORS.includes(code);
    const retried = attempts && attempts > 1 ? ` after ${attempts} attempts` : "";
    return new ProviderError({
        code: "HTTP_UNREACHABLE",
        attempts,
        summary: timedOut
            ? `${describe(req)} did not answer within ${currentDispatchers().settings.requestTimeoutMs} ms${retried}`
            : error instanceof undiciErrors.RequestRetryError
              ? `${describe(req)} broke off in the middle of its answer: the connection closed or went silent`
              : sent
                ? `${describe(req)} lost its connection after the request was sent${retried} (${code || (error as Error).message})`
                : `${describe(req)} could not be reached in ${currentDispatchers().settings.maxRetries + 1} attempts (${code || (error as Error).message})`,
        outcomeUnknown: outcomeUnknown && sent,
        hint:
            outcomeUnknown && sent
                ? "The server got the request and may have acted on it; run `pulumi refresh`, then `pulumi up` again: the provider finds what it made by name and adopts or removes it."
                : sent
                  ? "The server was reached but the connection failed; try again, or raise the setting requestTimeoutMs or maxRetries."
                  : "Check the endpoint input (or workspaceId) and that it is reachable from here; the setting maxRetries bounds the retries.",
    });
}

function describe(req: HttpRequest): string {
    return `${req.method} ${req.url.pathname} on ${req.url.origin}`;
}
