import { z } from "zod";
import { readState } from "./state";

/** What a GrafanaServiceAccountToken keeps in Pulumi state; `key` is stored encrypted by the engine. */

export const TOKEN_STATE_VERSION = 1;

export const tokenState = z.object({
    schemaVersion: z.literal(TOKEN_STATE_VERSION),
    endpoint: z.string(),
    workspaceId: z.string().nullable(),
    orgId: z.number().int().nullable(),
    serviceAccountId: z.number().int(),
    tokenId: z.number().int(),
    key: z.string(),
    name: z.string(),
    nameSource: z.enum(["user", "auto"]),
    logicalName: z.string(),
    timeToLive: z.string().nullable(),
    secondsToLive: z.number().int().nullable(),
    expiresAt: z.string().nullable(),
    expired: z.boolean(),
    rotateBefore: z.string().nullable(),
    verify: z.boolean(),
});
export type TokenState = z.infer<typeof tokenState>;

export function readTokenState(outputs: Record<string, unknown>): TokenState {
    return readState("GrafanaServiceAccountToken", tokenState, TOKEN_STATE_VERSION, outputs);
}
