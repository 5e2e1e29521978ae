import { z } from "zod";
import { ROLES } from "./inputs";
import { readState } from "./state";

/** What a GrafanaServiceAccount keeps in Pulumi state. */

export const SERVICE_ACCOUNT_STATE_VERSION = 2;

export const serviceAccountState = z.object({
    schemaVersion: z.literal(SERVICE_ACCOUNT_STATE_VERSION),
    endpoint: z.string(),
    workspaceId: z.string().nullable(),
    orgId: z.number().int().nullable(),
    /** The org Grafana says the account is in (state version 2): pinning `orgId` to it changes nothing. */
    grafanaOrgId: z.number().int().nullable(),
    serviceAccountId: z.number().int(),
    uid: z.string().nullable(),
    login: z.string().nullable(),
    name: z.string(),
    nameSource: z.enum(["user", "auto"]),
    logicalName: z.string(),
    role: z.enum(ROLES),
    isDisabled: z.boolean(),
});
export type ServiceAccountState = z.infer<typeof serviceAccountState>;

export function readServiceAccountState(outputs: Record<string, unknown>): ServiceAccountState {
    return readState("GrafanaServiceAccount", serviceAccountState, SERVICE_ACCOUNT_STATE_VERSION, outputs, upgrade);
}

/** Version 1 did not record the account's org; refresh learns it. */
function upgrade(outputs: Record<string, unknown>): Record<string, unknown> {
    return outputs.schemaVersion === 1 ? { ...outputs, schemaVersion: 2, grafanaOrgId: null } : outputs;
}
