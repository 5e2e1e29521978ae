import { z } from "zod";
import { providerConfig } from "../config";
import { HttpMethod, HttpResponse, send } from "../http/client";
import { ProviderError } from "../http/errors";
import { armErrorBody, operationStatus, TERMINAL_STATES, workspace, Workspace } from "../schema/arm";
import { entraToken } from "./credentials";
import { formatWorkspaceId, WorkspaceRef } from "./workspaceId";

/**
 * Azure Resource Manager for Microsoft.Dashboard/grafana: GET, and a PATCH of `properties.apiKey` alone
 * (never a full PUT, which rewrites the whole workspace and races other writers), followed to the end of
 * its long-running operation: Azure-AsyncOperation, else Location, else the workspace's
 * provisioningState, honouring Retry-After. Throttling and 5xx are retried by the HTTP layer.
 */

export type ApiKeySetting = "Enabled" | "Disabled";

/** undefined when the workspace (or its resource group) does not exist. */
export async function getWorkspace(ref: WorkspaceRef): Promise<Workspace | undefined> {
    const response = await callArm("GET", workspaceUrl(ref));
    return response.status === 404 ? undefined : workspaceFrom(response, ref);
}

export async function requireWorkspace(ref: WorkspaceRef): Promise<Workspace> {
    return workspaceFrom(await callArm("GET", workspaceUrl(ref)), ref);
}

function workspaceFrom(response: HttpResponse, ref: WorkspaceRef): Workspace {
    if (response.status !== 200) throw armFailure(response, ref);
    return parsed(response, workspace, ref);
}

export async function setWorkspaceApiKey(ref: WorkspaceRef, value: ApiKeySetting): Promise<Workspace> {
    const { operationTimeoutMs } = providerConfig();
    const deadline = Date.now() + operationTimeoutMs;
    const url = workspaceUrl(ref);
    for (let attempt = 1; ; attempt++) {
        const response = await callArm("PATCH", url, { properties: { apiKey: value } });
        if (response.status === 409 && armError(response).code === "AnotherOperationInProgress") {
            await waitBeforePolling(response, deadline, ref, attempt);
            continue;
        }
        if (response.status === 200) {
            const patched = parsed(response, workspace, ref);
            if (isTerminal(patched.properties.provisioningState)) return patched;
        } else if (response.status !== 201 && response.status !== 202) {
            throw armFailure(response, ref);
        }
        await followOperation(response, ref, deadline);
        return requireWorkspace(ref);
    }
}

async function followOperation(accepted: HttpResponse, ref: WorkspaceRef, deadline: number): Promise<void> {
    const asyncOperation = header(accepted, "azure-asyncoperation");
    const location = header(accepted, "location");
    let last = accepted;
    for (let poll = 1; ; poll++) {
        await waitBeforePolling(last, deadline, ref, poll);
        if (asyncOperation) {
            last = await callArm("GET", sameOrigin(asyncOperation));
            if (last.status !== 200) throw armFailure(last, ref);
            const status = parsed(last, operationStatus, ref);
            if (status.status.toLowerCase() === "succeeded") return;
            if (isTerminal(status.status)) throw operationFailed(ref, status.status, status.error?.code, status.error?.message);
        } else if (location) {
            last = await callArm("GET", sameOrigin(location));
            if (last.status === 200 || last.status === 204) return;
            if (last.status !== 202) throw armFailure(last, ref);
        } else {
            last = await callArm("GET", workspaceUrl(ref));
            const state = parsed(last, workspace, ref).properties.provisioningState;
            if (state?.toLowerCase() === "succeeded") return;
            if (isTerminal(state)) throw operationFailed(ref, state!, undefined, undefined);
        }
    }
}

async function waitBeforePolling(response: HttpResponse, deadline: number, ref: WorkspaceRef, attempt: number): Promise<void> {
    const { pollIntervalMs, operationTimeoutMs } = providerConfig();
    const retryAfter = Number(header(response, "retry-after"));
    const delay = Number.isFinite(retryAfter) && header(response, "retry-after") !== undefined ? retryAfter * 1000 : pollIntervalMs;
    if (Date.now() + delay > deadline) {
        throw new ProviderError({
            code: "HTTP_STATUS",
            attempts: attempt,
            summary: `Changing Azure Managed Grafana workspace ${formatWorkspaceId(ref)} did not finish within ${operationTimeoutMs / 1000} s`,
            hint: "Another operation may be running on the workspace; check it in the Azure portal and run again, or raise azure-grafana-keys:operationTimeoutSeconds.",
        });
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
}

async function callArm(method: HttpMethod, url: URL, body?: unknown): Promise<HttpResponse> {
    const scope = `${providerConfig().armEndpoint}/.default`;
    const attempt = async (fresh: boolean) =>
        send({ method, url, body, headers: { authorization: `Bearer ${await entraToken(scope, { fresh })}` } });
    const response = await attempt(false);
    // A token ARM refuses may have been revoked, or have expired by Azure's clock while ours says it has not:
    // one new token, once (a 401 comes before ARM acts, so a PATCH may be sent again).
    return response.status === 401 ? attempt(true) : response;
}

function workspaceUrl(ref: WorkspaceRef): URL {
    const { armEndpoint, apiVersion } = providerConfig();
    const url = new URL(formatWorkspaceId(ref), armEndpoint);
    url.searchParams.set("api-version", apiVersion);
    return url;
}

/** Operation URLs come from the server; the token goes only to the configured ARM endpoint. */
function sameOrigin(text: string): URL {
    const { armEndpoint } = providerConfig();
    const url = new URL(text, armEndpoint);
    if (url.origin !== new URL(armEndpoint).origin) {
        throw new ProviderError({
            code: "HTTP_BAD_RESPONSE",
            summary: `ARM asked to poll ${url.origin}, which is not the configured ARM endpoint ${armEndpoint}; the token was not sent there`,
            hint: "If this is a sovereign cloud, set azure-grafana-keys:armEndpoint (or ARM_ENVIRONMENT).",
        });
    }
    return url;
}

function parsed<T>(response: HttpResponse, schema: z.ZodType<T>, ref: WorkspaceRef): T {
    let json: unknown;
    try {
        json = JSON.parse(response.text);
    } catch {
        json = undefined;
    }
    const result = schema.safeParse(json);
    if (!result.success) {
        throw new ProviderError({
            code: "HTTP_BAD_RESPONSE",
            summary: `ARM answered ${response.status} for ${formatWorkspaceId(ref)} with a body of an unexpected shape`,
            hint: "Is azure-grafana-keys:armEndpoint an Azure Resource Manager endpoint?",
        });
    }
    return result.data;
}

function armError(response: HttpResponse): { code?: string; message?: string } {
    try {
        return armErrorBody.safeParse(JSON.parse(response.text)).data?.error ?? {};
    } catch {
        return {};
    }
}

function armFailure(response: HttpResponse, ref: WorkspaceRef): ProviderError {
    const { code, message } = armError(response);
    return new ProviderError({
        code: "HTTP_STATUS",
        status: response.status,
        remoteCode: code,
        remoteMessage: message,
        summary: `Azure Resource Manager answered ${response.status}${code ? ` ${code}` : ""} for ${formatWorkspaceId(ref)}`,
        hint: armHint(response.status, code, message),
    });
}

function armHint(status: number, code: string | undefined, message: string | undefined): string | undefined {
    switch (code) {
        case "ResourceNotFound":
        case "ResourceGroupNotFound":
        case "SubscriptionNotFound":
            return "Check the workspace id: subscription, resource group and name must name an existing Azure Managed Grafana workspace.";
        case "AuthorizationFailed": {
            const action = /action '([^']+)'/.exec(message ?? "")?.[1];
            const role = action?.endsWith("/write") ? "Contributor (or Owner)" : "Reader";
            return `The signed-in identity lacks the Azure permission ${action ?? "for this call"}: grant it ${role} on the workspace. If access was granted just now, sign in again.`;
        }
        case "InvalidAuthenticationToken":
        case "ExpiredAuthenticationToken":
        case "AuthenticationFailed":
            return "The sign-in was refused: check that the credential belongs to this cloud (ARM_ENVIRONMENT / azure-grafana-keys:armEndpoint) and tenant.";
        case "InvalidApiVersionParameter":
            return "Set azure-grafana-keys:apiVersion to a supported api-version, e.g. 2025-08-01.";
    }
    return status >= 500 ? "Azure failed on its side; run again later." : undefined;
}

function operationFailed(ref: WorkspaceRef, status: string, code: string | undefined, message: string | undefined): ProviderError {
    return new ProviderError({
        code: "HTTP_STATUS",
        remoteCode: code,
        remoteMessage: message,
        summary: `Changing Azure Managed Grafana workspace ${formatWorkspaceId(ref)} ended ${status}${code ? ` with ${code}` : ""}`,
        hint: "Check the workspace's activity log in the Azure portal for why, then run again.",
    });
}

function header(response: HttpResponse, name: string): string | undefined {
    const value = response.headers[name];
    return Array.isArray(value) ? value[0] : value;
}

function isTerminal(state: string | undefined): boolean {
    return state === undefined || TERMINAL_STATES.includes(state.toLowerCase());
}
