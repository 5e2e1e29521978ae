import { z } from "zod";

/**
 * What ESC sends (`{ request, state }`) and what the adapter answers, which ESC stores as the rotated secret's
 * `current` (marked secret) and sends back as `state` on the next rotation.
 */

/**
 * The environment's `request`: which Grafana, and the key. Only these fields; the provider's own `check` validates
 * each value and names what is allowed. Rotation settings (trigger, overlap, verification) are the adapter's.
 */
export const ROTATION_REQUEST_FIELDS = {
    workspaceId: "the ARM id of the Azure Managed Grafana workspace (give this or endpoint)",
    endpoint: "the Grafana URL, https://<host> (give this or workspaceId)",
    name: "the key's name: its service account's, and the stem of its successors' (<name>-r<n>)",
    role: "Viewer (default), Editor, Admin or None",
    timeToLive: "how long each key lives, e.g. 30d: longer than the time between two rotations",
    orgId: "the Grafana organization (default: the adapter's current org)",
    mode: "auto (default), apiKey or serviceAccount",
} as const;
export type RotationRequest = Partial<Record<keyof typeof ROTATION_REQUEST_FIELDS, unknown>>;
const REQUIRED: Array<keyof typeof ROTATION_REQUEST_FIELDS> = ["name", "timeToLive"];

export const rotationBody = z.object({ request: z.record(z.string(), z.unknown()), state: z.unknown() });

/** The problems of a `request`, each naming the field and what is allowed; empty when there are none. */
export function requestProblems(request: Record<string, unknown>): string[] {
    const problems: string[] = [];
    for (const field of Object.keys(request)) {
        if (!(field in ROTATION_REQUEST_FIELDS)) {
            problems.push(`request.${field} is not a field of this rotator: use ${Object.keys(ROTATION_REQUEST_FIELDS).join(", ")}`);
        }
    }
    for (const field of REQUIRED) {
        if (request[field] === undefined || request[field] === null) {
            problems.push(`request.${field} is required: ${ROTATION_REQUEST_FIELDS[field]}`);
        }
    }
    return problems;
}

/** The key's fields, as the GrafanaApiKey's outputs name them and as the answer passes them on. */
const KEY_FIELDS = {
    key: z.string(),
    keyId: z.number().int(),
    keyName: z.string(),
    expiresAt: z.string().nullable(),
    previousKeyId: z.number().int().nullable(),
    previousKeyName: z.string().nullable(),
    previousKeyExpiresAt: z.string().nullable(),
    rotatedAt: z.string().nullable(),
};

/** The rotated secret as ESC stores it. `resource` is the GrafanaApiKey's stored outputs, less the key itself. */
export const rotatedSecret = z.object({
    ...KEY_FIELDS,
    grafanaUrl: z.string(),
    resource: z.object({ type: z.literal("GrafanaApiKey"), id: z.string(), outputs: z.record(z.string(), z.unknown()) }),
});
export type RotatedSecret = z.infer<typeof rotatedSecret>;

/** The outputs of a GrafanaApiKey as the provider hands them back, as far as the answer reads them. */
const keyOutputs = z.object({ ...KEY_FIELDS, endpoint: z.string() }).loose();

export function rotatedSecretOf(id: string, outputs: Record<string, unknown>): RotatedSecret {
    const read = keyOutputs.parse(outputs);
    const keyFields = Object.fromEntries(Object.keys(KEY_FIELDS).map((field) => [field, read[field as keyof typeof KEY_FIELDS]]));
    const kept = Object.fromEntries(Object.entries(outputs).filter(([field]) => field !== "key"));
    return {
        ...(keyFields as z.infer<z.ZodObject<typeof KEY_FIELDS>>),
        grafanaUrl: read.endpoint,
        resource: { type: "GrafanaApiKey", id, outputs: kept },
    };
}

/**
 * What a `state` holds: this adapter's earlier answer (the key's id and stored outputs, the key put back), or nothing
 * of this adapter's (null on the first rotation, or a state written into the environment by hand: never touched).
 */
export function storedKeyOf(state: unknown): { id: string; outputs: Record<string, unknown> } | undefined {
    if (state === null || typeof state !== "object" || !("resource" in state)) return undefined;
    const parsed = rotatedSecret.safeParse(state);
    if (!parsed.success) {
        const fields = parsed.error.issues.map((issue) => issue.path.join(".")).join(", ");
        throw new BadRequest(
            `state.resource is there but the state is not this rotator's answer (fields: ${fields}); ` +
                "set the rotated secret's state back to what the last rotation answered, or remove it to start on a new key",
        );
    }
    return { id: parsed.data.resource.id, outputs: { ...parsed.data.resource.outputs, key: parsed.data.key } };
}

export class BadRequest extends Error {}
export class Conflict extends Error {}
