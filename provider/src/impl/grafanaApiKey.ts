import type * as dynamic from "@pulumi/pulumi/dynamic";
import { parseTimeToLive } from "../duration";
import { ProviderError } from "../http/errors";
import { GrafanaTarget } from "../grafana/client";
import { createLegacyKey, deleteLegacyKey, listLegacyKeys } from "../grafana/apiKeys";
import {
    createServiceAccount,
    createToken,
    deleteServiceAccount,
    deleteServiceAccountToken,
    findServiceAccountByName,
    listTokens,
} from "../grafana/serviceAccounts";
import { grafanaVersion, GrafanaVersion, hasLegacyApiKeys } from "../grafana/version";
import { workspaceEndpoint } from "../azure/workspaceEndpoint";
import { sameWorkspace } from "../azure/workspaceId";
import { API_KEY_STATE_VERSION, ApiKeyInputs, ApiKeyState, readApiKeyState } from "../schema/apiKeyState";
import {
    autoname,
    endpointRule,
    modeRule,
    nameRule,
    orgIdRule,
    roleRule,
    timeToLiveRule,
    UNKNOWN,
    validateFields,
    workspaceIdRule,
} from "../schema/inputs";

/**
 * The whole life of a GrafanaApiKey: check, diff, create, read, update, delete.
 *
 * On Grafana <= 11.2 a key is a legacy API key (`POST /api/auth/keys`). From 11.3 that endpoint is gone
 * (410, then 404 from 12.1; Azure Managed Grafana runs 12), so a key is a service account with one
 * token, both named after the key; deleting the account deletes its token.
 */

type Inputs = Record<string, unknown>;

const FIELDS = {
    endpoint: { ...endpointRule, required: false },
    workspaceId: workspaceIdRule,
    name: nameRule,
    role: roleRule,
    timeToLive: timeToLiveRule,
    orgId: orgIdRule,
    mode: modeRule,
};
/** Set by the resource class, not by users. */
const INTERNAL_INPUTS = ["__provider", "logicalName"];

/**
 * Inputs as stored by the engine. Deliberately absent from them: an autoname (drawn in `create`, so a
 * preview shows it as unknown instead of a name that will not be used, and a replacement gets a fresh
 * one) and the output `mode` (the API actually used; the request is kept as `requestedMode`).
 */
export async function check(_olds: Inputs, news: Inputs): Promise<dynamic.CheckResult> {
    const { values, failures } = validateFields(news, FIELDS, INTERNAL_INPUTS);
    const requestedMode = values.mode ?? "auto";
    const role = values.role ?? "Viewer";
    if (requestedMode === "apiKey" && role === "None") {
        failures.push({
            property: "role",
            reason: 'role "None" is not allowed with mode "apiKey": legacy keys need Viewer, Editor or Admin; use mode "serviceAccount" (Grafana >= 10.3) for None',
        });
    }
    const given = (field: string) => news[field] !== undefined && news[field] !== null;
    if (given("endpoint") === given("workspaceId")) {
        failures.push({
            property: "endpoint",
            reason: given("endpoint")
                ? "give either endpoint or workspaceId, not both"
                : `endpoint is required: use ${endpointRule.allowed}; or give workspaceId instead (${workspaceIdRule.allowed})`,
        });
    }
    const logicalName = typeof news.logicalName === "string" ? news.logicalName : undefined;
    if (values.name === undefined && logicalName === undefined) {
        failures.push({ property: "name", reason: `name is required: use ${nameRule.allowed}` });
    }
    if (failures.length > 0) return { failures };

    const timeToLive = values.timeToLive;
    return {
        inputs: {
            ...(values.endpoint !== undefined ? { endpoint: values.endpoint } : {}),
            workspaceId: values.workspaceId ?? null,
            ...(values.name !== undefined ? { name: values.name } : {}),
            nameSource: values.name !== undefined ? "user" : "auto",
            logicalName: logicalName ?? null,
            role,
            timeToLive: timeToLive === undefined ? null : timeToLive === UNKNOWN ? UNKNOWN : timeToLive.text,
            orgId: values.orgId ?? null,
            requestedMode,
        },
    };
}

const REPLACING_FIELDS = ["role", "orgId"] as const;

export async function diff(_id: string, olds: Inputs, news: Inputs): Promise<dynamic.DiffResult> {
    const old = readApiKeyState(olds);
    const replaces: string[] = REPLACING_FIELDS.filter((field) => news[field] !== old[field]);
    const updates: string[] = [];

    // A given name must be the key's name; without one, whatever name the key has is fine.
    if (news.nameSource === "user" && news.name !== old.name) replaces.push("name");
    if (news.nameSource !== old.nameSource || news.logicalName !== old.logicalName) updates.push("name");

    const grafana = await sameGrafana(old, news);
    if (grafana === "other") replaces.push(typeof news.workspaceId === "string" ? "workspaceId" : "endpoint");
    if (grafana === "same, addressed differently") updates.push(typeof news.workspaceId === "string" ? "workspaceId" : "endpoint");

    if (news.timeToLive !== old.timeToLive) {
        const sameDuration =
            typeof news.timeToLive === "string" && old.secondsToLive === secondsOf(news.timeToLive);
        (sameDuration ? updates : replaces).push("timeToLive");
    }
    if (news.requestedMode !== old.requestedMode) {
        // "auto" accepts whatever API minted the existing key; an explicit mode must match it.
        (news.requestedMode === "auto" || news.requestedMode === old.mode ? updates : replaces).push("mode");
    }
    if (hasExpired(old)) replaces.push("expiresAt");
    if (old.keyId === 0) replaces.push("key"); // a create that failed midway left no token

    const sameNameInSameOrg =
        news.nameSource === "user" && news.name === old.name && grafana !== "other" && (news.orgId ?? null) === old.orgId;
    return {
        changes: replaces.length + updates.length > 0,
        replaces: unique(replaces),
        deleteBeforeReplace: replaces.length > 0 && sameNameInSameOrg,
    };
}

/**
 * Whether the new inputs address the Grafana the key lives on. Switching between `endpoint` and the
 * `workspaceId` of the same workspace is no reason to mint a new key, so that case asks ARM (read-only).
 */
async function sameGrafana(old: ApiKeyState, news: Inputs): Promise<"same" | "same, addressed differently" | "other"> {
    if (typeof news.workspaceId === "string") {
        if (news.workspaceId === UNKNOWN) return "other";
        if (old.workspaceId !== null) return sameWorkspace(old.workspaceId, news.workspaceId) ? "same" : "other";
        return (await workspaceEndpoint(news.workspaceId)) === old.endpoint ? "same, addressed differently" : "other";
    }
    if (news.endpoint !== old.endpoint) return "other";
    return old.workspaceId === null ? "same" : "same, addressed differently";
}

export async function create(inputs: Inputs): Promise<dynamic.CreateResult> {
    const desired = await desiredFrom(inputs);
    const target = targetOf(desired);
    const secondsToLive = desired.timeToLive === null ? null : secondsOf(desired.timeToLive);
    const version = desired.requestedMode === "serviceAccount" ? {} : await grafanaVersion(target);

    if (desired.requestedMode === "apiKey" || (desired.requestedMode === "auto" && hasLegacyApiKeys(version))) {
        const legacy = await mintLegacyKey(target, desired, secondsToLive);
        if (legacy.created) {
            const state = stateOf(desired, version, { mode: "apiKey", key: legacy.key, keyId: legacy.id, serviceAccountId: null }, secondsToLive);
            return { id: `apikey/${legacy.id}`, outs: state };
        }
        if (desired.requestedMode === "apiKey") {
            throw new ProviderError({
                code: "UNSUPPORTED",
                summary: `Grafana${version.version ? ` ${version.version}` : ""} at ${target.endpoint} no longer creates legacy API keys (it answered ${legacy.status})`,
                remoteMessage: legacy.message,
                hint: 'Grafana 11.3 removed them. Use mode "auto" or "serviceAccount" to mint the key as a service account token.',
            });
        }
    }

    const account = await createServiceAccountOnce(target, desired.name, desired.role);
    let token: { id: number; key: string };
    try {
        token = await createTokenOnce(target, account.id, desired.name, secondsToLive);
    } catch (error) {
        throw await undoServiceAccount(target, account.id, error, stateOf(desired, version, { mode: "serviceAccount", key: "", keyId: 0, serviceAccountId: account.id }, secondsToLive));
    }
    const state = stateOf(desired, version, { mode: "serviceAccount", key: token.key, keyId: token.id, serviceAccountId: account.id }, secondsToLive);
    return { id: serviceAccountKeyId(account.id, token.id), outs: state };
}

export async function read(id: string, props: Inputs): Promise<dynamic.ReadResult> {
    const state = readApiKeyState(props);
    const target = targetOf(state);
    const found = state.mode === "apiKey" ? await findLegacyKey(target, state) : await findToken(target, state);
    if (!found) return { id: "" }; // deleted outside Pulumi: drop it, the next `up` creates it again
    const refreshed: ApiKeyState = { ...state, expiresAt: found.expiresAt };
    refreshed.expired = found.expired || hasExpired(refreshed);
    return { id, props: refreshed };
}

/** Only what diff lets through without a new key: how the key is addressed, named and described. */
export async function update(_id: string, olds: Inputs, news: Inputs): Promise<dynamic.UpdateResult> {
    const old = readApiKeyState(olds);
    const outs: ApiKeyState = {
        ...old,
        workspaceId: typeof news.workspaceId === "string" ? news.workspaceId : null,
        nameSource: news.nameSource === "user" ? "user" : "auto",
        logicalName: typeof news.logicalName === "string" ? news.logicalName : old.logicalName,
        timeToLive: typeof news.timeToLive === "string" ? news.timeToLive : null,
        requestedMode: (news.requestedMode as ApiKeyState["requestedMode"] | undefined) ?? "auto",
    };
    return { outs };
}

export async function remove(_id: string, props: Inputs): Promise<void> {
    const state = readApiKeyState(props);
    const target = targetOf(state);
    if (state.mode === "serviceAccount") {
        await deleteServiceAccount(target, state.serviceAccountId!);
        return;
    }
    if (await deleteLegacyKey(target, state.keyId)) return;
    // Grafana 12 moved legacy keys into service accounts named sa-autogen-<name>; the key lives on there.
    const migrated = await findServiceAccountByName(target, migratedAccountName(state.name));
    if (migrated) await deleteServiceAccount(target, migrated.id);
}

// ---- minting, without ever leaving a second or an orphaned object behind ----

async function mintLegacyKey(target: GrafanaTarget, desired: ApiKeyInputs, secondsToLive: number | null) {
    const request = { name: desired.name, role: desired.role, secondsToLive: secondsToLive ?? undefined };
    try {
        return await createLegacyKey(target, request);
    } catch (error) {
        if (!isOutcomeUnknown(error)) throw error;
        // The key may exist, but its secret is lost with the answer: remove it and mint again.
        const existing = (await listLegacyKeys(target))?.find((key) => key.name === desired.name);
        if (existing) await deleteLegacyKey(target, existing.id);
        return createLegacyKey(target, request);
    }
}

async function createServiceAccountOnce(target: GrafanaTarget, name: string, role: string) {
    try {
        return await createServiceAccount(target, name, role);
    } catch (error) {
        if (!isOutcomeUnknown(error)) throw error;
        // Grafana sometimes answers 500 although it created the account: adopt it rather than make a second.
        return (await findServiceAccountByName(target, name)) ?? createServiceAccount(target, name, role);
    }
}

async function createTokenOnce(target: GrafanaTarget, serviceAccountId: number, name: string, secondsToLive: number | null) {
    try {
        return await createToken(target, serviceAccountId, name, secondsToLive ?? undefined);
    } catch (error) {
        if (!isOutcomeUnknown(error)) throw error;
        const existing = (await listTokens(target, serviceAccountId))?.find((token) => token.name === name);
        if (existing) await deleteServiceAccountToken(target, serviceAccountId, existing.id);
        return createToken(target, serviceAccountId, name, secondsToLive ?? undefined);
    }
}

/**
 * A service account without its token is useless and still counts as a user on the Azure bill: remove
 * it. Should that fail too, report a partial failure carrying its id, so Pulumi keeps tracking it and
 * the next `up` or `destroy` deals with it.
 */
async function undoServiceAccount(target: GrafanaTarget, serviceAccountId: number, cause: unknown, partialState: ApiKeyState) {
    try {
        await deleteServiceAccount(target, serviceAccountId);
        return cause;
    } catch {
        const message = cause instanceof Error ? cause.message : String(cause);
        return Object.assign(
            new Error(
                `${message} The service account ${serviceAccountId} created for this key could not be removed; ` +
                    "Pulumi keeps tracking it and removes it on the next update or destroy.",
            ),
            { id: serviceAccountKeyId(serviceAccountId, 0), properties: partialState, reasons: [message] },
        );
    }
}

// ---- reading back ----

/** What Grafana says of a key that still exists; its own clock decides whether it expired. */
type Refreshed = Pick<ApiKeyState, "expiresAt"> & { expired?: boolean };

async function findLegacyKey(target: GrafanaTarget, state: ApiKeyState): Promise<Refreshed | undefined> {
    const keys = await listLegacyKeys(target);
    const key = keys?.find((candidate) => candidate.id === state.keyId);
    if (key) return { expiresAt: key.expiration ? new Date(key.expiration).toISOString() : null };
    const migrated = await findServiceAccountByName(target, migratedAccountName(state.name));
    return migrated ? { expiresAt: state.expiresAt } : undefined;
}

async function findToken(target: GrafanaTarget, state: ApiKeyState): Promise<Refreshed | undefined> {
    const tokens = await listTokens(target, state.serviceAccountId!);
    if (!tokens) return undefined;
    if (state.keyId === 0) return { expiresAt: state.expiresAt }; // partial create: the account is what is tracked
    const token = tokens.find((candidate) => candidate.id === state.keyId);
    if (!token) return undefined;
    return { expiresAt: token.expiration ? new Date(token.expiration).toISOString() : null, expired: token.hasExpired };
}

// ---- small pieces ----

async function desiredFrom(inputs: Inputs): Promise<ApiKeyInputs> {
    const workspaceId = typeof inputs.workspaceId === "string" ? inputs.workspaceId : null;
    return {
        endpoint: workspaceId === null ? (inputs.endpoint as string) : await workspaceEndpoint(workspaceId),
        workspaceId,
        name: typeof inputs.name === "string" ? inputs.name : autoname(inputs.logicalName as string),
        nameSource: typeof inputs.name === "string" ? "user" : "auto",
        logicalName: typeof inputs.logicalName === "string" ? inputs.logicalName : (inputs.name as string),
        role: inputs.role as ApiKeyInputs["role"],
        timeToLive: typeof inputs.timeToLive === "string" ? inputs.timeToLive : null,
        orgId: typeof inputs.orgId === "number" ? inputs.orgId : null,
        requestedMode: (inputs.requestedMode as ApiKeyInputs["requestedMode"] | undefined) ?? "auto",
    };
}

function stateOf(
    desired: ApiKeyInputs,
    version: GrafanaVersion,
    minted: Pick<ApiKeyState, "mode" | "key" | "keyId" | "serviceAccountId">,
    secondsToLive: number | null,
): ApiKeyState {
    return {
        schemaVersion: API_KEY_STATE_VERSION,
        ...desired,
        ...minted,
        secondsToLive,
        expiresAt: secondsToLive === null ? null : new Date(Date.now() + secondsToLive * 1000).toISOString(),
        expired: false,
        grafanaVersion: version.version ?? null,
    };
}

function targetOf(inputs: { endpoint: string; orgId: number | null }): GrafanaTarget {
    return { endpoint: inputs.endpoint, orgId: inputs.orgId ?? undefined };
}

function secondsOf(timeToLive: string): number {
    const parsed = parseTimeToLive(timeToLive);
    if (!parsed.ok) throw new Error(`timeToLive "${timeToLive}" is not valid: ${parsed.problem}`);
    return parsed.seconds;
}

function hasExpired(state: Pick<ApiKeyState, "expired" | "expiresAt">): boolean {
    return state.expired || (state.expiresAt !== null && Date.parse(state.expiresAt) <= Date.now());
}

function isOutcomeUnknown(error: unknown): boolean {
    return error instanceof ProviderError && error.outcomeUnknown;
}

function serviceAccountKeyId(serviceAccountId: number, tokenId: number): string {
    return `serviceaccount/${serviceAccountId}/token/${tokenId}`;
}

function migratedAccountName(keyName: string): string {
    return `sa-autogen-${keyName}`;
}

function unique(values: string[]): string[] {
    return [...new Set(values)];
}
