import { z } from "zod";
import { MODES, ROLES } from "./inputs";
import { readState } from "./state";

/**
 * What a GrafanaApiKey keeps in Pulumi state. `diff`, `update`, `read` and `delete` see only these
 * outputs, so they carry every input needed later. Every shape ever written stays readable:
 * `schemaVersion` says which one this is, and `readApiKeyState` upgrades older shapes.
 */

export const API_KEY_STATE_VERSION = 3;

export const apiKeyInputs = z.object({
    /** The Grafana URL: as given, or resolved from `workspaceId` when the key was created. */
    endpoint: z.string(),
    /** Set when the key was addressed by its Azure workspace rather than by URL (state version 2). */
    workspaceId: z.string().nullable(),
    name: z.string(),
    nameSource: z.enum(["user", "auto"]),
    logicalName: z.string(),
    role: z.enum(ROLES),
    timeToLive: z.string().nullable(),
    orgId: z.number().int().nullable(),
    requestedMode: z.enum(MODES),
    /** Replace the key once it is this close to expiring (state version 3). */
    rotateBefore: z.string().nullable(),
    /** Prove a new key works before handing it out (state version 3). */
    verify: z.boolean(),
});
export type ApiKeyInputs = z.infer<typeof apiKeyInputs>;

export const apiKeyState = apiKeyInputs.extend({
    schemaVersion: z.literal(API_KEY_STATE_VERSION),
    key: z.string(),
    keyId: z.number().int(),
    secondsToLive: z.number().int().nullable(),
    expiresAt: z.string().nullable(),
    expired: z.boolean(),
    mode: z.enum(["apiKey", "serviceAccount"]),
    serviceAccountId: z.number().int().nullable(),
    grafanaVersion: z.string().nullable(),
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
    return state;
}
