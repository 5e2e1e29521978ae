import type * as dynamic from "@pulumi/pulumi/dynamic";
import { ProviderError } from "../http/errors";
import { GrafanaTarget } from "../grafana/client";
import { createLegacyKeyOnce, deleteLegacyKey, listLegacyKeys } from "../grafana/apiKeys";
import {
    createServiceAccountOnce,
    createTokenOnce,
    deleteServiceAccount,
    findServiceAccountByName,
    listTokens,
} from "../grafana/serviceAccounts";
import { grafanaVersion, GrafanaVersion, hasLegacyApiKeys } from "../grafana/version";
import { verifyKey } from "../grafana/verify";
import { logWarning } from "../log";
import { API_KEY_STATE_VERSION, ApiKeyInputs, ApiKeyState, readApiKeyState } from "../schema/apiKeyState";
import { booleanRule, durationRule, modeRule, nameRule, orgIdRule, roleRule, timeToLiveRule, validateFields } from "../schema/inputs";
import {
    ADDRESS_FIELDS,
    addressField,
    addressInputs,
    checkAddress,
    mayBeSameOrg,
    resolveAddress,
    sameGrafana,
    targetOf,
} from "./grafanaAddress";
import {
    checkRotateBefore,
    expiresAtFor,
    hasExpired,
    lifetimeAfterUpdate,
    replacementForAge,
    secondsOf,
    timeToLiveChange,
    tokenExpiresAt,
} from "./keyLifetime";
import { checkNaming, durationText, INTERNAL_INPUTS, nameChange, nameFor, namingAfterUpdate } from "./naming";
import { undoCreate } from "./undo";

/**
 * The whole life of a GrafanaApiKey: check, diff, create, read, update, delete.
 *
 * On Grafana <= 11.2 a key is a legacy API key (`POST /api/auth/keys`). From 11.3 that endpoint is gone
 * (410, then 404 from 12.1; Azure Managed Grafana runs 12), so a key is a service account with one
 * token, both named after the key; deleting the account deletes its token.
 */

type Inputs = Record<string, unknown>;

const FIELDS = {
    ...ADDRESS_FIELDS,
    name: nameRule,
    role: roleRule,
    timeToLive: timeToLiveRule,
    orgId: orgIdRule,
    mode: modeRule,
    rotateBefore: durationRule,
    verify: booleanRule,
};

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
    checkAddress(news, failures);
    checkRotateBefore(values.timeToLive, values.rotateBefore, failures);
    const naming = checkNaming(values.name, news, failures);
    if (failures.length > 0) return { failures };
    return {
        inputs: {
            ...addressInputs(values),
            ...naming,
            role,
            timeToLive: durationText(values.timeToLive),
            orgId: values.orgId ?? null,
            requestedMode,
            rotateBefore: durationText(values.rotateBefore),
            verify: values.verify ?? true,
        },
    };
}

const REPLACING_FIELDS = ["role", "orgId"] as const;

export async function diff(_id: string, olds: Inputs, news: Inputs): Promise<dynamic.DiffResult> {
    const old = readApiKeyState(olds);
    const replaces: string[] = REPLACING_FIELDS.filter((field) => news[field] !== old[field]);
    const updates: string[] = [];

    const naming = nameChange(old, news);
    if (naming.renamed) replaces.push("name");
    if (naming.bookkeeping) updates.push("name");

    const grafana = await sameGrafana(old, news);
    if (grafana === "other") replaces.push(addressField(news));
    if (grafana === "same, addressed differently") updates.push(addressField(news));

    const lifetime = timeToLiveChange(old, news.timeToLive);
    if (lifetime !== "none") (lifetime === "respelled" ? updates : replaces).push("timeToLive");
    if (news.requestedMode !== old.requestedMode) {
        // "auto" accepts whatever API minted the existing key; an explicit mode must match it.
        (news.requestedMode === "auto" || news.requestedMode === old.mode ? updates : replaces).push("mode");
    }
    if ((news.rotateBefore ?? null) !== old.rotateBefore) updates.push("rotateBefore");
    // `verify` matters only when a key is minted: changing it alone changes nothing.
    const age = replacementForAge("GrafanaApiKey", old, news.rotateBefore);
    if (age) replaces.push(age);
    if (old.key === "") replaces.push("key"); // a create that failed midway is tracked without a usable key

    const sameNameInSameOrg =
        news.nameSource === "user" && news.name === old.name && grafana !== "other" && mayBeSameOrg(news.orgId, old.orgId);
    return {
        changes: replaces.length + updates.length > 0,
        replaces: [...new Set(replaces)],
        deleteBeforeReplace: replaces.length > 0 && sameNameInSameOrg,
    };
}

export async function create(inputs: Inputs): Promise<dynamic.CreateResult> {
    const desired = await desiredFrom(inputs);
    const target = targetOf(desired);
    const secondsToLive = desired.timeToLive === null ? undefined : secondsOf(desired.timeToLive);
    // Only "auto" must know the version before minting; for an explicit mode it merely labels the state
    // (and an error), so the probe runs alongside the key rather than before it.
    const probe = desired.requestedMode === "serviceAccount" ? Promise.resolve({}) : grafanaVersion(target).catch(() => ({}));
    let version: GrafanaVersion = desired.requestedMode === "auto" ? await grafanaVersion(target) : {};
    const stateFor = (minted: Minted) => stateOf(desired, version, minted, secondsToLive ?? null);

    if (desired.requestedMode === "apiKey" || (desired.requestedMode === "auto" && hasLegacyApiKeys(version))) {
        const legacy = await createLegacyKeyOnce(
            target,
            { name: desired.name, role: desired.role, secondsToLive },
            desired.nameSource === "auto",
        );
        if (desired.requestedMode === "apiKey") version = await probe;
        if (legacy.created) {
            const minted: Minted = { mode: "apiKey", key: legacy.key, keyId: legacy.id, serviceAccountId: null };
            if (desired.verify) await verifyOrUndo(target, stateFor(minted), () => deleteLegacyKey(target, legacy.id));
            return { id: `apikey/${legacy.id}`, outs: stateFor(minted) };
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

    const autonamed = desired.nameSource === "auto";
    const account = await createServiceAccountOnce(target, { name: desired.name, role: desired.role, autonamed });
    const removeAccount = () => deleteServiceAccount(target, account.id);
    let minted: Minted;
    try {
        const token = await createTokenOnce(target, account.id, desired.name, secondsToLive, autonamed);
        minted = { mode: "serviceAccount", key: token.key, keyId: token.id, serviceAccountId: account.id };
    } catch (error) {
        throw await undo(error, removeAccount, stateFor({ mode: "serviceAccount", key: "", keyId: 0, serviceAccountId: account.id }));
    }
    if (desired.verify) await verifyOrUndo(target, stateFor(minted), removeAccount);
    return { id: serviceAccountKeyId(account.id, minted.keyId), outs: stateFor(minted) };
}

export async function read(id: string, props: Inputs): Promise<dynamic.ReadResult> {
    const state = readApiKeyState(props);
    const target = targetOf(state);
    const found = state.mode === "apiKey" ? await findLegacyKey(target, state) : await findToken(target, state);
    if (!found) {
        logWarning(`GrafanaApiKey "${state.name}" was deleted outside Pulumi; the next \`pulumi up\` creates it again.`);
        return { id: "" };
    }
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
        ...namingAfterUpdate(old, news),
        ...lifetimeAfterUpdate(news),
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

// ---- nothing orphaned ----

type Minted = Pick<ApiKeyState, "mode" | "key" | "keyId" | "serviceAccountId">;

/** A key that does not work is no key: remove what was made, and say what Grafana answered. */
async function verifyOrUndo(target: GrafanaTarget, state: ApiKeyState, removeMinted: () => Promise<unknown>): Promise<void> {
    try {
        await verifyKey(target, state.key, state.role === "None");
    } catch (error) {
        throw await undo(error, removeMinted, state);
    }
}

function undo(cause: unknown, removeMinted: () => Promise<unknown>, state: ApiKeyState): Promise<unknown> {
    const legacy = state.mode === "apiKey";
    return undoCreate(cause, removeMinted, {
        what: legacy ? `legacy key ${state.keyId}` : `service account ${state.serviceAccountId}`,
        id: legacy ? `apikey/${state.keyId}` : serviceAccountKeyId(state.serviceAccountId!, 0),
        // Tracked without its secret; keyId 0 (no token) makes the next `up` replace it.
        properties: { ...state, key: "", keyId: legacy ? state.keyId : 0 },
    });
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
    return { expiresAt: tokenExpiresAt(token), expired: token.hasExpired };
}

// ---- small pieces ----

async function desiredFrom(inputs: Inputs): Promise<ApiKeyInputs> {
    return {
        ...(await resolveAddress(inputs)),
        ...nameFor(inputs),
        role: inputs.role as ApiKeyInputs["role"],
        timeToLive: typeof inputs.timeToLive === "string" ? inputs.timeToLive : null,
        orgId: typeof inputs.orgId === "number" ? inputs.orgId : null,
        requestedMode: (inputs.requestedMode as ApiKeyInputs["requestedMode"] | undefined) ?? "auto",
        rotateBefore: typeof inputs.rotateBefore === "string" ? inputs.rotateBefore : null,
        verify: inputs.verify !== false,
    };
}

function stateOf(desired: ApiKeyInputs, version: GrafanaVersion, minted: Minted, secondsToLive: number | null): ApiKeyState {
    return {
        schemaVersion: API_KEY_STATE_VERSION,
        ...desired,
        ...minted,
        secondsToLive,
        expiresAt: expiresAtFor(secondsToLive),
        expired: false,
        grafanaVersion: version.version ?? null,
    };
}

function serviceAccountKeyId(serviceAccountId: number, tokenId: number): string {
    return `serviceaccount/${serviceAccountId}/token/${tokenId}`;
}

function migratedAccountName(keyName: string): string {
    return `sa-autogen-${keyName}`;
}
