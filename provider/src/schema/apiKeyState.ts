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
    mode: z.enum(["apiKey", "serviceAccount"]),
    serviceAccountId: z.number().int().nullable(),
    /**
     * The service account is this resource's (state version 5): it made it, or an import named it. False for a key
     * imported as one token of an account (`.../token/<tokenId>`): only its own tokens are its to delete, and the
     * account, with everyone else's tokens on it, is left as found. Always false for a legacy key.
     */
    ownsServiceAccount: z.boolean(),
    /** The account was found disabled by refresh (state version 4). */
    accountDisabled: z.boolean(),
    grafanaVersion: z.string().nullable(),
    ...mintedSecretFields,
});
export type ApiKeyState = z.infer<typeof apiKeyState>;

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
    // Before version 5 every service-account key in state was made by `create` (or imported by its account), which
    // made (or named) the account.
    if (state.schemaVersion === 4) state = { ...state, schemaVersion: 5, ownsServiceAccount: state.mode === "serviceAccount" };
    return state;
}
