import { z } from "zod";
import { mintedSecretFields, withoutRotationHistory } from "./mintedSecretState";
import { readState } from "./state";

/** What a GrafanaServiceAccountToken keeps in Pulumi state; `key` and `previousKey` are stored encrypted by the engine. */

export const TOKEN_STATE_VERSION = 3;

export const tokenState = z.object({
    schemaVersion: z.literal(TOKEN_STATE_VERSION),
    endpoint: z.string(),
    workspaceId: z.string().nullable(),
    orgId: z.number().int().nullable(),
    /** The org Grafana says the account is in, where known: every call after create addresses it (grafanaAddress.ts). */
    grafanaOrgId: z.number().int().nullable(),
    serviceAccountId: z.number().int(),
    /** Grafana's id of the current token. */
    tokenId: z.number().int(),
    /** The token's logical name: the first token's, and the stem of its successors'. */
    name: z.string(),
    nameSource: z.enum(["user", "auto"]),
    logicalName: z.string(),
    ...mintedSecretFields,
});
export type TokenState = z.infer<typeof tokenState>;

export function readTokenState(outputs: Record<string, unknown>): TokenState {
    return readState("GrafanaServiceAccountToken", tokenState, TOKEN_STATE_VERSION, outputs, upgrade);
}

function upgrade(outputs: Record<string, unknown>): Record<string, unknown> {
    let state = outputs;
    if (state.schemaVersion === 1) state = { ...state, schemaVersion: 2, ...withoutRotationHistory(String(state.name)) };
    if (state.schemaVersion === 2) state = { ...state, schemaVersion: 3, grafanaOrgId: null };
    return state;
}
