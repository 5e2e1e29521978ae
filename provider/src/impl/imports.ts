import { getWorkspace } from "../azure/arm";
import { formatWorkspaceId, parseWorkspaceId } from "../azure/workspaceId";
import { listLegacyKeys } from "../grafana/apiKeys";
import { grafanaClockOffsetSeconds } from "../grafana/clock";
import { GrafanaTarget } from "../grafana/client";
import { getServiceAccount, listTokens } from "../grafana/serviceAccounts";
import { grafanaVersion } from "../grafana/version";
import { logInfo } from "../log";
import { API_KEY_STATE_VERSION, ApiKeyState } from "../schema/apiKeyState";
import { ENABLEMENT_STATE_VERSION, EnablementState } from "../schema/enablementState";
import { endpointRule, orgIdRule, Role, ROLES, workspaceIdRule } from "../schema/inputs";
import { MintedSecretState, withoutRotationHistory } from "../schema/mintedSecretState";
import { SERVICE_ACCOUNT_STATE_VERSION, ServiceAccountState } from "../schema/serviceAccountState";
import { showValue } from "../schema/showValue";
import { TOKEN_STATE_VERSION, TokenState } from "../schema/tokenState";
import { orgOfAccount, resolveAddress, targetOf } from "./grafanaAddress";
import { importedTimeToLive } from "./importedLifetime";
import { isDead, isoOrNull } from "./keyLifetime";
import { legacyKeyResourceId, parseResourceId, ResourceId, serviceAccountResourceId, tokenResourceId } from "./resourceIds";

/**
 * `pulumi import`: from an import id to the whole state Pulumi keeps, read from Grafana or ARM, and the inputs a
 * program would give to get that object. The lifecycles then take over as for an object they made.
 *
 * Grafana shows a key's secret only when it mints it, so an imported key or token is tracked with an empty `key`;
 * the next `pulumi up` rotates it (mintedSecret.ts: "its secret is not known to Pulumi"), and the imported one stays
 * on as the previous key until it expires (at once with `revokePrevious`).
 */

/** How each resource's import id is written; the Grafana part is an `https://` URL or a workspace's ARM id. */
export const IMPORT_ID_FORMS: Record<string, string> = {
    GrafanaServiceAccount: "<grafana>|[<orgId>|]<serviceAccountId>, e.g. https://my-ws-abcd.wus.grafana.azure.com|12",
    GrafanaServiceAccountToken:
        "<grafana>|[<orgId>|]serviceaccount/<serviceAccountId>/token/<tokenId>, e.g. https://my-ws-abcd.wus.grafana.azure.com|serviceaccount/12/token/34",
    GrafanaApiKey:
        "<grafana>|[<orgId>|]serviceaccount/<serviceAccountId>[/token/<tokenId>] (service-account mode) or <grafana>|[<orgId>|]apikey/<keyId> (a legacy key)",
    WorkspaceApiKeyEnablement:
        "the workspace's ARM id, /subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.Dashboard/grafana/<name>",
};
const GRAFANA_PART = "<grafana> is the Grafana URL (https://<host>[:port]) or an Azure Managed Grafana workspace's ARM id";

export interface Imported {
    /** The resource id Pulumi keeps from now on: the same form `create` gives (resourceIds.ts). */
    id: string;
    /** The state, exactly as the lifecycle's `read`, `update` and `delete` read it. */
    state: object;
    /** The inputs a program declares for this object; `pulumi import` prints them as code. */
    inputs: Record<string, unknown>;
}

/** Reads the object an import id names; `logicalName` is the Pulumi resource's name. */
export async function importResource(resourceType: string, importId: string, logicalName: string): Promise<Imported> {
    const form = IMPORT_ID_FORMS[resourceType];
    if (!form) throw new Error(`pulumi-azure-grafana-keys cannot import a "${resourceType}"`);
    if (resourceType === "WorkspaceApiKeyEnablement") return importEnablement(importId);
    const parsed = parseImportId(importId);
    if (typeof parsed === "string")
        throw new Error(`${resourceType} import id ${showValue(importId)} is not valid (${parsed}): use ${form}; ${GRAFANA_PART}`);
    const address = await resolveAddress(parsed.address);
    const addressInputs = {
        ...(parsed.address.workspaceId !== null ? { workspaceId: parsed.address.workspaceId } : { endpoint: address.endpoint }),
        ...(parsed.orgId !== null ? { orgId: parsed.orgId } : {}),
    };
    const wrongKind = () => new Error(`${resourceType} import id ${showValue(importId)} names another kind of object: use ${form}`);
    if (!isKindOf(resourceType, parsed.object)) throw wrongKind();
    const imported = await readExisting(resourceType, { ...address, orgId: parsed.orgId }, parsed.object, logicalName);
    if (resourceType !== "GrafanaServiceAccount")
        said(`${resourceType} "${logicalName}"`, resourceType === "GrafanaApiKey" ? "key" : "token");
    return { ...imported, inputs: { ...addressInputs, ...imported.inputs } };
}

/** Whether an object of this kind can become a resource of this type (a GrafanaApiKey takes any of them). */
export function isKindOf(resourceType: string, object: ResourceId): boolean {
    if (resourceType === "GrafanaServiceAccount") return object.kind === "serviceAccount";
    if (resourceType === "GrafanaServiceAccountToken") return object.kind === "serviceAccountToken";
    return resourceType === "GrafanaApiKey";
}

/**
 * The whole state of an existing Grafana object as a resource of `resourceType` that is taken over, for `pulumi import`
 * and for the `adopt` input alike (adoption.ts), with the same ownership rules: a service account named by its id is
 * the resource's; one named through one of its tokens is not. The inputs it returns leave out the address.
 */
export async function readExisting(resourceType: string, where: Where, object: ResourceId, logicalName: string): Promise<Imported> {
    const target = targetOf(where);
    if (resourceType === "GrafanaServiceAccount" && object.kind === "serviceAccount")
        return importServiceAccount(target, where, object.serviceAccountId, logicalName);
    if (resourceType === "GrafanaServiceAccountToken" && object.kind === "serviceAccountToken")
        return importToken(target, where, object, logicalName);
    if (resourceType === "GrafanaApiKey") return importApiKey(target, where, object, logicalName);
    throw new Error(`pulumi-azure-grafana-keys cannot take over ${object.kind} as a "${resourceType}"`);
}

interface ParsedImportId {
    address: { endpoint?: string; workspaceId: string | null };
    orgId: number | null;
    object: ResourceId;
}

/** `<grafana>|[<orgId>|]<object>`; a bare number as the object is a service account's id. Returns the problem otherwise. */
function parseImportId(importId: string): ParsedImportId | string {
    const parts = importId.split("|").map((part) => part.trim());
    if (parts.length < 2 || parts.length > 3) return "it needs the Grafana, optionally the org, and the object, separated by |";
    const [grafana, ...rest] = parts;
    const objectText = rest[rest.length - 1];
    let orgId: number | null = null;
    if (rest.length === 2) {
        const org = orgIdRule.schema.safeParse(rest[0]);
        if (!org.success) return `the org ${showValue(rest[0])} is not a whole number >= 1`;
        orgId = org.data;
    }
    const object = /^\d+$/.test(objectText) ? parseResourceId(serviceAccountResourceId(Number(objectText))) : parseResourceId(objectText);
    if (!object) return `the object ${showValue(objectText)} is not one of its forms`;
    if (grafana.startsWith("/")) {
        const workspace = workspaceIdRule.schema.safeParse(grafana);
        if (!workspace.success) return `the workspace id is not valid: ${workspaceIdRule.allowed}`;
        return { address: { workspaceId: workspace.data }, orgId, object };
    }
    const endpoint = endpointRule.schema.safeParse(grafana);
    if (!endpoint.success) return `the Grafana ${endpointRule.show!(grafana)} is not a URL it accepts: ${endpointRule.allowed}`;
    return { address: { endpoint: endpoint.data, workspaceId: null }, orgId, object };
}

export type Where = { endpoint: string; workspaceId: string | null; orgId: number | null };

async function importServiceAccount(target: GrafanaTarget, where: Where, serviceAccountId: number, logicalName: string): Promise<Imported> {
    const account = await getServiceAccount(target, serviceAccountId);
    if (!account) throw notFound(`service account ${serviceAccountId}`, where);
    const role = roleOf(account.role, `service account ${account.id}`);
    const isDisabled = account.isDisabled ?? false;
    const state: ServiceAccountState = {
        schemaVersion: SERVICE_ACCOUNT_STATE_VERSION,
        ...where,
        grafanaOrgId: account.orgId ?? null,
        serviceAccountId: account.id,
        uid: account.uid ?? null,
        login: account.login ?? null,
        name: account.name,
        nameSource: "user",
        logicalName,
        role,
        isDisabled,
    };
    return { id: serviceAccountResourceId(account.id), state, inputs: { name: account.name, role, isDisabled } };
}

async function importToken(
    target: GrafanaTarget,
    where: Where,
    object: Extract<ResourceId, { kind: "serviceAccountToken" }>,
    logicalName: string,
): Promise<Imported> {
    const token = (await listTokens(target, object.serviceAccountId))?.find((listed) => listed.id === object.tokenId);
    if (!token) throw notFound(`token ${object.tokenId} of service account ${object.serviceAccountId}`, where);
    const state: TokenState = {
        schemaVersion: TOKEN_STATE_VERSION,
        ...where,
        grafanaOrgId: await orgOfAccount(target, object.serviceAccountId, where.orgId),
        serviceAccountId: object.serviceAccountId,
        tokenId: token.id,
        name: token.name,
        nameSource: "user",
        logicalName,
        ...secretless(token.name, token.name, token, where.endpoint),
    };
    return {
        id: tokenResourceId(object.serviceAccountId, token.id),
        state,
        inputs: { serviceAccountId: object.serviceAccountId, name: token.name, ...lifetimeInput(state) },
    };
}

async function importApiKey(target: GrafanaTarget, where: Where, object: ResourceId, logicalName: string): Promise<Imported> {
    const version = (await grafanaVersion(target).catch(() => ({}))) as { version?: string };
    const common = {
        schemaVersion: API_KEY_STATE_VERSION as typeof API_KEY_STATE_VERSION,
        ...where,
        nameSource: "user" as const,
        logicalName,
        requestedMode: "auto" as const,
        accountDisabled: false,
        grafanaVersion: version.version ?? null,
    };
    if (object.kind === "apiKey") {
        const key = (await listLegacyKeys(target))?.find((listed) => listed.id === object.keyId);
        if (!key) throw notFound(`legacy API key ${object.keyId}`, where);
        const role = roleOf(key.role, `legacy API key ${key.id}`);
        const state: ApiKeyState = {
            ...common,
            name: key.name,
            role,
            grafanaOrgId: null,
            keyId: key.id,
            mode: "apiKey",
            serviceAccountId: null,
            ownServiceAccountId: null,
            legacyKeys: [{ id: key.id, name: key.name, serviceAccountId: null }],
            ...secretless(key.name, key.name, key, where.endpoint),
        };
        return { id: legacyKeyResourceId(key.id), state, inputs: { name: key.name, role, ...lifetimeInput(state) } };
    }
    const account = await getServiceAccount(target, object.serviceAccountId);
    if (!account) throw notFound(`service account ${object.serviceAccountId}`, where);
    const tokens = (await listTokens(target, account.id)) ?? [];
    let token: (typeof tokens)[number] | undefined;
    if (object.kind === "serviceAccountToken") {
        token = tokens.find((listed) => listed.id === object.tokenId);
        if (!token) throw notFound(`token ${object.tokenId} of service account ${account.id}`, where);
    } else if (tokens.length > 1) {
        throw new Error(
            `service account ${account.id} holds ${tokens.length} tokens (ids ${tokens.map((listed) => listed.id).join(", ")}); ` +
                `name the key's token: ...|serviceaccount/${account.id}/token/<tokenId>`,
        );
    } else {
        token = tokens[0];
    }
    const role = roleOf(account.role, `service account ${account.id}`);
    // An account without a token is tracked with no key (keyId 0): the next `up` mints one on it.
    const secret = secretless(account.name, token?.name ?? account.name, token ?? {}, where.endpoint);
    const state: ApiKeyState = {
        ...common,
        name: account.name,
        role,
        grafanaOrgId: account.orgId ?? null,
        keyId: token?.id ?? 0,
        mode: "serviceAccount",
        serviceAccountId: account.id,
        // Named by one token, only that token is the key's; named by the account (which holds at most that one), the account is.
        ownServiceAccountId: object.kind !== "serviceAccountToken" ? account.id : null,
        legacyKeys: [],
        accountDisabled: account.isDisabled === true,
        ...secret,
    };
    return { id: tokenResourceId(account.id, token?.id ?? 0), state, inputs: { name: account.name, role, ...lifetimeInput(state) } };
}

async function importEnablement(importId: string): Promise<Imported> {
    const parsed = parseWorkspaceId(importId.trim());
    if (!parsed.ok) {
        throw new Error(
            `WorkspaceApiKeyEnablement import id ${showValue(importId)} is not valid (${parsed.problem}): use ${IMPORT_ID_FORMS.WorkspaceApiKeyEnablement}`,
        );
    }
    const workspaceId = formatWorkspaceId(parsed.ref);
    const workspace = await getWorkspace(parsed.ref);
    if (!workspace)
        throw new Error(`Azure Managed Grafana workspace ${workspaceId} was not found; check the id and that the identity may read it.`);
    const apiKey = workspace.properties.apiKey ?? "Disabled";
    // What is there now counts as the setting from before: deleting the imported resource leaves it as found.
    const state: EnablementState = {
        schemaVersion: ENABLEMENT_STATE_VERSION,
        workspaceId,
        enabled: apiKey === "Enabled",
        restoreOnDelete: true,
        apiKey,
        previousApiKey: apiKey,
        endpoint: workspace.properties.endpoint ?? null,
        grafanaVersion: workspace.properties.grafanaVersion ?? null,
        grafanaMajorVersion: workspace.properties.grafanaMajorVersion ?? null,
        location: workspace.location ?? null,
    };
    return { id: workspaceId, state, inputs: { workspaceId, enabled: state.enabled } };
}

/**
 * The secret part of an imported key's state: its key unknown (""), its lifetime as Grafana reports it. A key named
 * `<name>-r<n>` is generation n, so the successors the next `up` mints do not take a name already used.
 */
function secretless(
    name: string,
    keyName: string,
    listed: { expiration?: string | null; created?: string | null; hasExpired?: boolean; isRevoked?: boolean | null },
    endpoint: string,
): MintedSecretState & { generation: number } {
    const rotated = keyName.startsWith(`${name}-r`) ? /^\d+$/.exec(keyName.slice(name.length + 2)) : null;
    const expiresAt = isoOrNull(listed.expiration);
    const clockOffsetSeconds = grafanaClockOffsetSeconds(endpoint) ?? 0;
    const lifetime = importedTimeToLive({ created: listed.created, expiresAt }, clockOffsetSeconds);
    return {
        ...withoutRotationHistory(keyName),
        key: "",
        generation: rotated ? Number(rotated[0]) : 1,
        timeToLive: lifetime?.timeToLive ?? null,
        secondsToLive: lifetime?.secondsToLive ?? null,
        expiresAt,
        expired: isDead({ expiresAt, hasExpired: listed.hasExpired, isRevoked: listed.isRevoked }, clockOffsetSeconds),
        rotateBefore: null,
        verify: true,
        clockOffsetSeconds,
    };
}

/** The imported key's lifetime as an input, so the printed program's successors expire like it (importedLifetime.ts). */
function lifetimeInput(state: { timeToLive: string | null }): { timeToLive?: string } {
    return state.timeToLive === null ? {} : { timeToLive: state.timeToLive };
}

/** Said in `pulumi import`'s output: what the person gets, and what the next `up` does. */
function said(who: string, what: "key" | "token"): void {
    logInfo(
        `${who} was imported without its secret: Grafana shows a ${what} only when it is minted, so \`key\` is empty. ` +
            `Once the code \`pulumi import\` printed is in the program, the next \`pulumi up\` mints a new ${what} in its place, ` +
            "and the imported one keeps working until it expires " +
            "(set revokePrevious: true to delete it then).",
    );
}

function notFound(what: string, where: Where): Error {
    return new Error(
        `${what} was not found on ${where.endpoint}${where.orgId !== null ? ` in org ${where.orgId}` : " in the credential's current org"}; ` +
            "check the id, and that the credential may see it (service accounts need org Admin).",
    );
}

function roleOf(role: string | undefined, what: string): Role {
    if ((ROLES as readonly string[]).includes(role ?? "")) return role as Role;
    throw new Error(
        `${what} has the role ${showValue(role ?? null)}, which this provider does not manage: it manages ${ROLES.join(", ")}.`,
    );
}
