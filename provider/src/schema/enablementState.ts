import { z } from "zod";
import { readState } from "./state";

/**
 * What a WorkspaceApiKeyEnablement keeps in Pulumi state; `diff`, `update`, `read` and `delete` see only
 * this. `previousApiKey` is the workspace's setting before this resource first touched it, so `delete`
 * can put it back.
 */

export const ENABLEMENT_STATE_VERSION = 1;

const setting = z.enum(["Enabled", "Disabled"]);

export const enablementState = z.object({
    schemaVersion: z.literal(ENABLEMENT_STATE_VERSION),
    workspaceId: z.string(),
    enabled: z.boolean(),
    restoreOnDelete: z.boolean(),
    apiKey: setting,
    previousApiKey: setting,
    endpoint: z.string().nullable(),
    grafanaVersion: z.string().nullable(),
    grafanaMajorVersion: z.string().nullable(),
    location: z.string().nullable(),
});
export type EnablementState = z.infer<typeof enablementState>;

export function readEnablementState(outputs: Record<string, unknown>): EnablementState {
    return readState("WorkspaceApiKeyEnablement", enablementState, ENABLEMENT_STATE_VERSION, outputs);
}
