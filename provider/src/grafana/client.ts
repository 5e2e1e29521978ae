import { z } from "zod";
import { providerConfig } from "../config";
import { HttpMethod, HttpRequest, HttpResponse, send } from "../http/client";
import { ProviderError } from "../http/errors";
import { grafanaAuthorization, signsInWithEntra } from "./auth";
import { observeDateHeader } from "./clock";

/**
 * Grafana's data plane: base URL, credential, org selection, and errors that say what to do.
 * Every response body is parsed with a zod schema before anyone looks at it.
 */

const grafanaErrorBody = z.object({ message: z.string().optional(), messageId: z.string().optional() }).loose();

export interface GrafanaTarget {
    /** Origin of the Grafana instance, e.g. https://my-ws-abcd.wus.grafana.azure.com */
    endpoint: string;
    orgId?: number;
}

export interface CallOptions<T> {
    method: HttpMethod;
    path: string;
    query?: Record<string, string | number | boolean>;
    body?: unknown;
    schema: z.ZodType<T>;
    /** Statuses the caller handles itself; answered as `{ status, error }` instead of thrown. */
    expectedErrors?: number[];
    /** Send no credential (e.g. /api/health). */
    anonymous?: boolean;
    /** A different credential than the configured one, e.g. a freshly minted key being verified. */
    authorization?: string;
}

export type CallResult<T> = { ok: true; status: number; value: T } | { ok: false; status: number; error: GrafanaErrorInfo };

export interface GrafanaErrorInfo {
    message?: string;
    messageId?: string;
}

export async function callGrafana<T>(target: GrafanaTarget, options: CallOptions<T>): Promise<CallResult<T>> {
    const url = new URL(options.path, target.endpoint);
    for (const [name, value] of Object.entries(options.query ?? {})) url.searchParams.set(name, String(value));
    // Built for each attempt: a wait can outlast a signed-in token, which is then fetched anew.
    const request =
        (freshEntraToken = false) =>
        async (): Promise<HttpRequest> => {
            const headers: Record<string, string> = {};
            if (!options.anonymous)
                headers.authorization = options.authorization ?? (await grafanaAuthorization(target.endpoint, { freshEntraToken }));
            if (target.orgId !== undefined) headers["x-grafana-org-id"] = String(target.orgId);
            return { method: options.method, url, headers, body: options.body };
        };
    const what = `${options.method} ${url.pathname} on ${url.origin}`;
    let response = await sendWaitingOutJustEnabled(request(), what);
    // An Entra token Grafana refuses may have been revoked, or have expired by Azure's clock while ours says it
    // has not: one new token, once. A 401 comes before Grafana acts, so even a create may be sent again.
    if (response.status === 401 && !options.anonymous && options.authorization === undefined && signsInWithEntra()) {
        response = await sendWaitingOutJustEnabled(request(true), what);
    }
    observeDateHeader(target.endpoint, response.headers.date);

    if (response.status >= 200 && response.status < 300) {
        const parsed = options.schema.safeParse(parseJson(response.text, what, options.method !== "GET"));
        if (!parsed.success) {
            throw new ProviderError({
                code: "HTTP_BAD_RESPONSE",
                // A create that succeeded but cannot be read made something all the same.
                outcomeUnknown: options.method !== "GET",
                summary: `${what} answered ${response.status} with a body of an unexpected shape (${describeIssues(parsed.error)})`,
                hint: "Is the endpoint a Grafana instance?",
            });
        }
        return { ok: true, status: response.status, value: parsed.data };
    }

    const errorBody = grafanaErrorBody.safeParse(safeJson(response.text));
    const error: GrafanaErrorInfo = errorBody.success
        ? { message: errorBody.data.message, messageId: errorBody.data.messageId }
        : { message: response.text.trim() === "" ? undefined : response.text };
    if (options.expectedErrors?.includes(response.status)) return { ok: false, status: response.status, error };
    throw grafanaError({ method: options.method, what }, response.status, error, target, response.headers.location);
}

const JUST_ENABLED = /enabled api key recently/i;
const MAX_JUST_ENABLED_DELAY_MS = 15_000;

/**
 * Right after "API keys and service accounts" is switched on, Azure Managed Grafana refuses key calls
 * for a while with a 403 asking to wait. Wait, with growing pauses, up to a bounded deadline.
 */
async function sendWaitingOutJustEnabled(request: () => Promise<HttpRequest>, what: string): Promise<HttpResponse> {
    const { justEnabledTimeoutMs, pollIntervalMs } = providerConfig();
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
        const response = await send(await request());
        if (response.status !== 403 || !JUST_ENABLED.test(response.text)) return response;
        const delay = Math.min(pollIntervalMs * 2 ** (attempt - 1), MAX_JUST_ENABLED_DELAY_MS);
        if (Date.now() - started + delay > justEnabledTimeoutMs) {
            throw new ProviderError({
                code: "HTTP_STATUS",
                status: 403,
                attempts: attempt,
                summary: `${what} was still refused ${Math.round((Date.now() - started) / 1000)} s after the workspace's API keys were switched on`,
                remoteMessage: grafanaErrorBody.safeParse(safeJson(response.text)).data?.message,
                hint:
                    'Azure Managed Grafana takes a while to allow keys after "API keys and service accounts" is enabled. ' +
                    "Run again in a few minutes, or raise azure-grafana-keys:justEnabledTimeoutSeconds.",
            });
        }
        await new Promise((resolve) => setTimeout(resolve, delay));
    }
}

/** A call whose every error status is thrown. */
export async function requestGrafana<T>(target: GrafanaTarget, options: Omit<CallOptions<T>, "expectedErrors">): Promise<T> {
    const result = await callGrafana(target, options);
    if (!result.ok) return failed({ method: options.method, path: options.path }, result, target);
    return result.value;
}

/** Throws the error for a failed call that the caller inspected and decided not to handle. */
export function failed(
    request: { method: HttpMethod; path: string },
    result: { status: number; error: GrafanaErrorInfo },
    target: GrafanaTarget,
): never {
    throw grafanaError(
        { method: request.method, what: `${request.method} ${request.path}` },
        result.status,
        result.error,
        target,
        undefined,
    );
}

function grafanaError(
    { method, what }: { method: HttpMethod; what: string },
    status: number,
    error: GrafanaErrorInfo,
    target: GrafanaTarget,
    location: string | string[] | undefined,
): ProviderError {
    return new ProviderError({
        code: "HTTP_STATUS",
        summary: `Grafana answered ${status} to ${what}`,
        status,
        remoteMessage: error.message,
        remoteCode: error.messageId,
        // A server error to a write may come after the server acted: only a read is known to have changed nothing.
        outcomeUnknown: status >= 500 && method !== "GET",
        hint: hintFor(status, error, target, location),
    });
}

function hintFor(
    status: number,
    error: GrafanaErrorInfo,
    target: GrafanaTarget,
    location: string | string[] | undefined,
): string | undefined {
    const message = error.message ?? "";
    if (status >= 300 && status < 400) {
        return `It redirects to ${String(location ?? "another address")}; redirects are not followed, so the credential is never sent elsewhere. Use the final URL as the endpoint.`;
    }
    if (status === 401) {
        return "The credential was refused: check azure-grafana-keys:grafanaAuth or GRAFANA_AUTH (a valid, unexpired token or user:password) or, when signing in with Microsoft Entra ID, azure-grafana-keys:grafanaAudience.";
    }
    if (status === 403 && /enabled api key recently/i.test(message)) {
        return "API keys were switched on for this workspace moments ago; wait a minute and run again.";
    }
    if (status === 403 && /disabled/i.test(message)) {
        return 'Switch on "API keys and service accounts" for the workspace: add a WorkspaceApiKeyEnablement and give the key its `endpoint` output, or enable it in the Azure portal.';
    }
    if (status === 403) {
        return `The credential lacks permission${target.orgId ? ` in org ${target.orgId}` : ""}: managing keys and service accounts needs an org Admin (in Azure Managed Grafana: the "Grafana Admin" role on the workspace), and a key cannot get a role higher than its creator's.`;
    }
    if (/already exists|must be unique/i.test(message)) {
        return "A key, token or service account with this name already exists in the org. Choose another name, delete the existing one, or omit `name` to let the provider generate a unique one.";
    }
    if (status >= 500) return "Grafana failed on its side; run again later.";
    return undefined;
}

function parseJson(text: string, what: string, outcomeUnknown: boolean): unknown {
    try {
        return JSON.parse(text);
    } catch {
        throw new ProviderError({
            code: "HTTP_BAD_RESPONSE",
            outcomeUnknown,
            summary: `${what} answered with a body that is not JSON (starts with "${text.slice(0, 40)}")`,
            hint: "Is the endpoint a Grafana instance, and not a proxy or login page?",
        });
    }
}

function safeJson(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return undefined;
    }
}

function describeIssues(error: z.ZodError): string {
    return error.issues
        .slice(0, 3)
        .map((issue) => `${issue.path.join(".") || "body"}: ${issue.message}`)
        .join("; ");
}
