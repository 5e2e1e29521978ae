/**
 * Azure Resource Manager's HTTP surface for Microsoft.Dashboard/grafana, mapped onto ArmState: GET
 * and PATCH of a workspace, and the operation URLs a 202 points to.
 *
 * Shapes, codes and headers follow docs/azure-managed-grafana.md. ARM's order of
 * checks is not documented; the one here (authentication, api-version, path, method, authorization,
 * existence) is the plausible one and is written down so tests can rely on it.
 */
import { z } from "zod";
import {
    locationSegment,
    type ApiKeySetting,
    type ArmState,
    type OperationRecord,
    type ProvisioningState,
    type WorkspaceRecord,
} from "./armState";
import type { EntraTokens, TokenFailure } from "./entraTokens";
// The wire shapes are the same as the Grafana side's; only what is in them differs.
import type { GrafanaRequest as HttpRequest, GrafanaResponse as HttpResponse } from "./grafanaRoutes";

/** Everything ARM serves lives under /subscriptions; Grafana's routes all start with /api. */
export function isArmPath(pathname: string): boolean {
    return /^\/subscriptions(\/|$)/i.test(pathname);
}

export const STABLE_API_VERSIONS: readonly string[] = ["2022-08-01", "2023-09-01", "2024-10-01", "2025-08-01"];
const PREVIEW_API_VERSION = /^\d{4}-\d{2}-\d{2}-preview$/;

/** Audiences ARM accepts besides the emulator's own origin (which stands in for management.azure.com). */
const MANAGEMENT_AUDIENCES: readonly string[] = [
    "https://management.azure.com",
    "https://management.azure.com/",
    "https://management.core.windows.net/",
];

// Segment names and the provider namespace are case-insensitive in ARM ids.
const WORKSPACE_PATH = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Dashboard\/grafana\/([^/]+)\/?$/i;
const OPERATION_PATH = new RegExp(
    "^/subscriptions/([^/]+)/providers/Microsoft\\.Dashboard/locations/([^/]+)/(operationStatuses|operationResults)/([^/]+)/?$",
    "i",
);

type Target =
    | { kind: "workspace"; subscriptionId: string; resourceGroup: string; name: string }
    | { kind: "operationStatus" | "operationResult"; subscriptionId: string; location: string; operationId: string };

/** Only apiKey is honoured; anything else a client sends rides along unread, as ARM would merge it. */
const PatchBody = z.object({
    properties: z.object({ apiKey: z.enum(["Enabled", "Disabled"]).optional() }).optional(),
});

export interface WorkspaceResource {
    id: string;
    name: string;
    type: "Microsoft.Dashboard/grafana";
    location: string;
    sku: { name: "Standard" };
    properties: {
        provisioningState: ProvisioningState;
        grafanaVersion: string;
        grafanaMajorVersion: string;
        endpoint: string;
        apiKey: ApiKeySetting;
        publicNetworkAccess: "Enabled";
        zoneRedundancy: "Disabled";
        deterministicOutboundIP: "Disabled";
    };
}

/** The GET body; `endpoint` is the emulator itself, whose Grafana side is every workspace's Grafana. */
export function workspaceResource(
    workspace: WorkspaceRecord,
    endpoint: string,
    provisioningState: ProvisioningState = workspace.provisioningState,
): WorkspaceResource {
    return {
        id: workspace.id,
        name: workspace.name,
        type: "Microsoft.Dashboard/grafana",
        location: workspace.location,
        sku: { name: "Standard" },
        properties: {
            provisioningState,
            grafanaVersion: workspace.grafanaVersion,
            grafanaMajorVersion: workspace.grafanaVersion.split(".")[0],
            endpoint,
            apiKey: workspace.apiKey,
            publicNetworkAccess: "Enabled",
            zoneRedundancy: "Disabled",
            deterministicOutboundIP: "Disabled",
        },
    };
}

function armError(status: number, code: string, text: string, headers?: Record<string, string>): HttpResponse {
    return { status, body: { error: { code, message: text } }, headers };
}

/** ARM's 401s carry a challenge naming the tenant's authority; clients such as azure-core read it. */
function unauthenticated(code: string, text: string): HttpResponse {
    const challenge = [
        'Bearer authorization_uri="https://login.microsoftonline.com/common"',
        'error="invalid_token"',
        `error_description="${text}"`,
    ];
    return armError(401, code, text, { "WWW-Authenticate": challenge.join(", ") });
}

const TOKEN_REFUSALS: Record<TokenFailure, () => HttpResponse> = {
    malformed: () => unauthenticated("InvalidAuthenticationToken", "The access token is invalid."),
    badSignature: () => unauthenticated("InvalidAuthenticationToken", "The access token is invalid."),
    expired: () => unauthenticated("ExpiredAuthenticationToken", "The access token has expired."),
    wrongAudience: () => unauthenticated("InvalidAuthenticationToken", "The access token is invalid: wrong audience."),
};

export interface ArmRoutesOptions {
    state: ArmState;
    tokens: EntraTokens;
    /** "http://127.0.0.1:<port>"; known only once the server listens, hence a function. */
    origin: () => string;
}

export class ArmRoutes {
    private readonly state: ArmState;
    private readonly tokens: EntraTokens;
    private readonly origin: () => string;

    constructor(options: ArmRoutesOptions) {
        this.state = options.state;
        this.tokens = options.tokens;
        this.origin = options.origin;
    }

    handle(req: HttpRequest): HttpResponse {
        const principal = this.authenticate(req);
        if (typeof principal !== "string") return principal;

        const apiVersion = req.query.get("api-version");
        if (apiVersion === null || apiVersion === "") {
            return armError(
                400,
                "MissingApiVersionParameter",
                "The api-version query parameter (?api-version=) is required for all requests.",
            );
        }
        if (!STABLE_API_VERSIONS.includes(apiVersion) && !PREVIEW_API_VERSION.test(apiVersion)) {
            const supported = [...STABLE_API_VERSIONS].reverse().join(",");
            return armError(
                400,
                "InvalidApiVersionParameter",
                `The api-version '${apiVersion}' is invalid. The supported versions are '${supported}'.`,
            );
        }

        const target = resolve(req.pathname);
        // Approximation: real ARM words unknown paths per case (InvalidResourceType, NoRegisteredProviderFound...).
        if (!target) return armError(404, "NotFound", `The emulator does not model '${req.method} ${req.pathname}'.`);
        const method = req.method.toUpperCase();
        const allowed = target.kind === "workspace" ? ["GET", "PATCH"] : ["GET"];
        if (!allowed.includes(method)) {
            return armError(405, "MethodNotAllowed", `The emulator models only ${allowed.join(" and ")} on this path.`);
        }

        if (this.state.isDenied(principal)) return authorizationFailed(principal, actionFor(target, method), req.pathname);

        if (target.kind !== "workspace") return this.operation(target, target.kind);
        const workspace = this.state.findWorkspace(target.subscriptionId, target.resourceGroup, target.name);
        if (!workspace) return this.notFound(target);
        return method === "GET" ? this.getWorkspace(workspace) : this.patchWorkspace(workspace, req.body, apiVersion);
    }

    /** The principal's object id, or the 401 to answer. */
    private authenticate(req: HttpRequest): string | HttpResponse {
        const header = req.headers.authorization;
        if (!header) {
            return unauthenticated("AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.");
        }
        const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
        if (!m) {
            return unauthenticated(
                "AuthenticationFailed",
                "Authentication failed. The 'Authorization' header is provided in an invalid format.",
            );
        }
        const check = this.tokens.verify(m[1], (aud) => this.acceptsAudience(aud));
        return check.ok ? check.claims.oid : TOKEN_REFUSALS[check.failure]();
    }

    private acceptsAudience(aud: string): boolean {
        const origin = this.origin();
        const wanted = aud.toLowerCase();
        return [origin, `${origin}/`, ...MANAGEMENT_AUDIENCES].some((accepted) => accepted.toLowerCase() === wanted);
    }

    private notFound(target: { subscriptionId: string; resourceGroup: string; name: string }): HttpResponse {
        const { subscriptionId, resourceGroup, name } = target;
        if (!this.state.hasSubscription(subscriptionId)) {
            return armError(404, "SubscriptionNotFound", `The subscription '${subscriptionId}' could not be found.`);
        }
        if (!this.state.hasResourceGroup(subscriptionId, resourceGroup)) {
            return armError(404, "ResourceGroupNotFound", `Resource group '${resourceGroup}' could not be found.`);
        }
        return armError(
            404,
            "ResourceNotFound",
            `The Resource 'Microsoft.Dashboard/grafana/${name}' under resource group '${resourceGroup}' was not found. ` +
                "For more details please go to https://aka.ms/ARMResourceNotFoundFix",
        );
    }

    private getWorkspace(workspace: WorkspaceRecord): HttpResponse {
        // A client without operation URLs polls here, so this look counts towards the operation.
        this.state.countWorkspacePoll(workspace);
        return { status: 200, body: workspaceResource(workspace, this.origin()) };
    }

    private patchWorkspace(workspace: WorkspaceRecord, raw: Buffer, apiVersion: string): HttpResponse {
        const text = raw.toString("utf8");
        let parsed: unknown;
        let isJson = true;
        try {
            parsed = JSON.parse(text);
        } catch {
            parsed = text;
            isJson = false;
        }
        this.state.recordPatch(workspace, parsed);
        const body = isJson ? PatchBody.safeParse(parsed) : undefined;
        if (!body?.success) {
            const detail = body ? body.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ") : "not JSON";
            return armError(400, "InvalidRequestContent", `The request content was invalid and could not be deserialized: '${detail}'.`);
        }

        const started = this.state.startPatch(workspace, body.data.properties?.apiKey, apiVersion);
        if (started.kind === "conflict") {
            return armError(
                409,
                "AnotherOperationInProgress",
                "Another operation on this or dependent resource is in progress. " +
                    `To retrieve status of the operation use uri: ${this.operationUrl(started.operation, "operationStatuses")}`,
            );
        }
        if (started.kind === "applied") return { status: 200, body: workspaceResource(workspace, this.origin()) };

        const { operation } = started;
        const headers: Record<string, string> = { "Retry-After": String(this.state.retryAfterSeconds) };
        const behaviour = workspace.patchBehaviour;
        if (behaviour === "asyncOperation" || behaviour === "failingOperation") {
            headers["Azure-AsyncOperation"] = this.operationUrl(operation, "operationStatuses");
        }
        if (behaviour === "asyncOperation" || behaviour === "locationOnly" || behaviour === "failingOperation") {
            headers.Location = this.operationUrl(operation, "operationResults");
        }
        return { status: 202, headers, body: workspaceResource(workspace, this.origin(), "Accepted") };
    }

    private operation(
        target: { subscriptionId: string; location: string; operationId: string },
        kind: "operationStatus" | "operationResult",
    ): HttpResponse {
        const operation = this.state.operation(target.subscriptionId, target.operationId);
        // Approximation: the body of an unknown operation id is not documented.
        if (!operation || operation.location !== locationSegment(target.location)) {
            return armError(404, "ResourceNotFound", `The operation '${target.operationId}' was not found.`);
        }
        this.state.countPoll(operation);
        const retryAfter = { "Retry-After": String(this.state.retryAfterSeconds) };

        if (kind === "operationStatus") {
            return {
                status: 200,
                headers: operation.status === "InProgress" ? retryAfter : undefined,
                body: {
                    id: operationPath(operation, "operationStatuses"),
                    name: operation.id,
                    status: operation.status,
                    startTime: new Date(operation.startMs).toISOString(),
                    ...(operation.endMs !== null ? { endTime: new Date(operation.endMs).toISOString() } : {}),
                    ...(operation.error ? { error: operation.error } : {}),
                },
            };
        }
        if (operation.status === "InProgress") {
            const location = this.operationUrl(operation, "operationResults");
            return { status: 202, headers: { ...retryAfter, Location: location }, body: undefined };
        }
        if (operation.error) return { status: 400, body: { error: operation.error } };
        return { status: 200, body: workspaceResource(operation.workspace, this.origin()) };
    }

    private operationUrl(operation: OperationRecord, kind: "operationStatuses" | "operationResults"): string {
        return `${this.origin()}${operationPath(operation, kind)}?api-version=${encodeURIComponent(operation.apiVersion)}`;
    }
}

function resolve(pathname: string): Target | undefined {
    const workspace = WORKSPACE_PATH.exec(pathname);
    if (workspace) {
        const [subscriptionId, resourceGroup, name] = workspace.slice(1).map(safeDecode);
        return { kind: "workspace", subscriptionId, resourceGroup, name };
    }
    const operation = OPERATION_PATH.exec(pathname);
    if (operation) {
        const [subscriptionId, location, collection, operationId] = operation.slice(1).map(safeDecode);
        return {
            kind: collection.toLowerCase() === "operationstatuses" ? "operationStatus" : "operationResult",
            subscriptionId,
            location,
            operationId,
        };
    }
    return undefined;
}

function operationPath(operation: OperationRecord, kind: "operationStatuses" | "operationResults"): string {
    const { subscriptionId, location, id } = operation;
    return `/subscriptions/${subscriptionId}/providers/Microsoft.Dashboard/locations/${location}/${kind}/${id}`;
}

function actionFor(target: Target, method: string): string {
    if (target.kind === "workspace") return `Microsoft.Dashboard/grafana/${method === "GET" ? "read" : "write"}`;
    const collection = target.kind === "operationStatus" ? "operationStatuses" : "operationResults";
    return `Microsoft.Dashboard/locations/${collection}/read`;
}

function authorizationFailed(principalId: string, action: string, scope: string): HttpResponse {
    return armError(
        403,
        "AuthorizationFailed",
        `The client '${principalId}' with object id '${principalId}' does not have authorization to perform action ` +
            `'${action}' over scope '${scope.replace(/\/$/, "")}' or the scope is invalid. ` +
            "If access was recently granted, please refresh your credentials.",
    );
}

function safeDecode(segment: string): string {
    try {
        return decodeURIComponent(segment);
    } catch {
        return segment;
    }
}
