import { z } from "zod";

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
    const version = outputs.schemaVersion;
    if (typeof version === "number" && version > ENABLEMENT_STATE_VERSION) {
        throw new Error(
            `This WorkspaceApiKeyEnablement was written by a newer pulumi-azure-grafana-keys (state version ${version}); ` +
                "upgrade the package in this program before running it again.",
        );
    }
    const parsed = enablementState.safeParse(outputs);
    if (!parsed.success) {
        const fields = parsed.error.issues.map((issue) => issue.path.join(".")).join(", ");
        throw new Error(`The stored state of this WorkspaceApiKeyEnablement is not readable (fields: ${fields}).`);
    }
    return parsed.data;
}
