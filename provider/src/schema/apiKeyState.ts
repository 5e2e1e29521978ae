import { z } from "zod";
import { MODES, ROLES } from "./inputs";
import { mintedSecretFields, withoutRotationHistory } from "./mintedSecretState";
import { readState } from "./state";

/**
 * What a GrafanaApiKey keeps in Pulumi state. `diff`, `update`, `read` and `delete` see only these
 * outputs, so they carry every input needed later. Every shape ever written stays readable:
 * `schemaVersion` says which one this is, and `readApiKeyState` upgrades older shapes.
 */

export const API_KEY_STATE_VERSION = 5;

export const apiKeyState = z.object({
    schemaVersion: z.literal(API_KEY_STATE_VERSION),
    /** The Grafana URL: as given, or resolved from `workspaceId` when the key was created. */
    endpoint: z.string(),
    /** Set when the key was addressed by its Azure workspace rather than by URL (state version 2). */
    workspaceId: z.string().nullable(),
    /** The key's logical name: the service account's, and the first key's. */
    name: z.string(),
    nameSource: z.enum(["user", "auto"]),
    logicalName: z.string(),
    /** As asked for; in service-account mode, refresh reads it back from the account. */
    role: z.enum(ROLES),
    orgId: z.number().int().nullable(),
    /** The org Grafana says the key is in, where it says (state version 4): pinning `orgId` to it changes nothing. */
    grafanaOrgId: z.number().int().nullable(),
    requestedMode: z.enum(MODES),
    /** Grafana's id of the current key: a legacy key's, or the service account token's. */
    keyId: z.number().int(),
    /** What Grafana holds the current key as now (refresh follows Grafana's upgrades): a legacy key, or a token. */
    mode: z.enum(["apiKey", "serviceAccount"]),
    /** The account holding the current key when it is a token: this resource's own, or the one Grafana migrated it into. */
    serviceAccountId: z.number().int().nullable(),
    /**
     * The service account that is this resource's (state version 5): it created it, or an import named it; deleted
     * with all its tokens on destroy. Null for a key imported as one token of an account (`.../token/<tokenId>`): only
     * its own tokens are its to delete, and the account, with everyone else's tokens on it, is left as found.
     */
    ownServiceAccountId: z.number().int().nullable(),
    /**
     * This resource's keys that were minted as legacy API keys and still exist (state version 5). Grafana's start-up
     * migration moves each into a service account `sa-autogen-<name>` of its own (`serviceAccountId`, once found),
     * which is Grafana's, not this resource's: it is deleted only when it holds nothing else.
     */
    legacyKeys: z.array(z.object({ id: z.number().int(), name: z.string(), serviceAccountId: z.number().int().nullable() })),
    /** The account was found disabled by refresh (state version 4). */
    accountDisabled: z.boolean(),
    grafanaVersion: z.string().nullable(),
    ...mintedSecretFields,
});
export type ApiKeyState = z.infer<typeof apiKeyState>;
export type LegacyKeyRecord = ApiKeyState["legacyKeys"][number];

export function readApiKeyState(outputs: Record<string, unknown>): ApiKeyState {
    return readState("GrafanaApiKey", apiKeyState, API_KEY_STATE_VERSION, outputs, upgrade);
}

/** Older shapes, one step at a time, to the current one. */
function upgrade(outputs: Record<string, unknown>): Record<string, unknown> {
    let state = outputs;
    if (state.schemaVersion === 1) state = { ...state, schemaVersion: 2, workspaceId: null };
    // Keys minted before verification existed were not verified; saying so keeps diffs quiet.
    if (state.schemaVersion === 2) state = { ...state, schemaVersion: 3, rotateBefore: null, verify: false };
    if (state.schemaVersion === 3)
        state = { ...state, schemaVersion: 4, ...withoutRotationHistory(String(state.name)), accountDisabled: false, grafanaOrgId: null };
    // Before version 5 a key was wholly one kind: a legacy key (with its predecessors) or tokens of the account it made.
    if (state.schemaVersion === 4) state = { ...state, schemaVersion: 5, ...keyHomesOfVersion4(state) };
    return state;
}

function keyHomesOfVersion4(state: Record<string, unknown>): { ownServiceAccountId: number | null; legacyKeys: LegacyKeyRecord[] } {
    if (state.mode !== "apiKey") return { ownServiceAccountId: (state.serviceAccountId as number | null) ?? null, legacyKeys: [] };
    const keys: LegacyKeyRecord[] = [];
    const nameOf = (value: unknown) => (typeof value === "string" ? value : "");
    if (typeof state.keyId === "number" && state.keyId !== 0)
        keys.push({ id: state.keyId, name: nameOf(state.keyName), serviceAccountId: null });
    if (typeof state.previousKeyId === "number")
        keys.push({ id: state.previousKeyId, name: nameOf(state.previousKeyName), serviceAccountId: null });
    for (const id of (state.retiredKeyIds as number[] | undefined) ?? []) keys.push({ id, name: "", serviceAccountId: null });
    return { ownServiceAccountId: null, legacyKeys: keys };
}
