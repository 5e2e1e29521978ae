import { z } from "zod";

/**
 * What keys and tokens keep in state about the secret they hand out, and about the one it replaced.
 * A rotation mints a successor and keeps the previous key working until its own expiry, so a stack
 * that still holds it (through a StackReference) has the `rotateBefore` window to pick up the new one.
 */
export const mintedSecretFields = {
    /** The key handed out; "" when none is usable (imported, deleted outside Pulumi, or a create failed midway). */
    key: z.string(),
    /** The current key's name in Grafana: the resource's name for the first key, `<name>-r<generation>` after. */
    keyName: z.string(),
    /** 1 for the first key, one more for each successor; successors' names derive from it, never reused. */
    generation: z.number().int().min(1),
    timeToLive: z.string().nullable(),
    secondsToLive: z.number().int().nullable(),
    /** The current key's expiry as Grafana stores it (ISO-8601), or null if it never expires. */
    expiresAt: z.string().nullable(),
    /** Grafana said so (`hasExpired`), or its clock passed `expiresAt`. */
    expired: z.boolean(),
    rotateBefore: z.string().nullable(),
    /** Any change of it rotates the key on the next `up`. */
    rotationTrigger: z.string().nullable(),
    /** Rotations delete the previous key at once instead of letting it live until its expiry. */
    revokePrevious: z.boolean(),
    verify: z.boolean(),
    /** When the current key replaced an earlier one (ISO-8601); null before the first rotation. */
    rotatedAt: z.string().nullable(),
    /** The key the current one replaced, while it still works; "" when its secret was never known here. */
    previousKey: z.string().nullable(),
    previousKeyId: z.number().int().nullable(),
    previousKeyName: z.string().nullable(),
    previousKeyExpiresAt: z.string().nullable(),
    previousKeyExpired: z.boolean(),
    /** Keys this resource made that nobody may use any more and whose deletion has yet to succeed. */
    retiredKeyIds: z.array(z.number().int()),
    /**
     * How far Grafana's clock runs ahead of this machine's (negative: behind), in whole minutes, as last seen in
     * Grafana's answers. Expiry and rotation are judged by Grafana's clock, which is the one that ends a key.
     */
    clockOffsetSeconds: z.number().int(),
};

/** The inputs every minted secret takes, as `check` hands them on. */
export const mintedSecretInputFields = {
    timeToLive: z.string().nullable(),
    rotateBefore: z.string().nullable(),
    rotationTrigger: z.string().nullable(),
    revokePrevious: z.boolean(),
    verify: z.boolean(),
};

export type MintedSecretState = z.infer<z.ZodObject<typeof mintedSecretFields>>;
export type MintedSecretInputs = z.infer<z.ZodObject<typeof mintedSecretInputFields>>;

/**
 * A key with no rotation behind it: named `keyName`, no previous key, nothing retired. What a state written before
 * rotation existed lacks (its only key was named after the resource), and what an imported key starts from.
 */
export function withoutRotationHistory(keyName: string) {
    return {
        keyName,
        generation: 1,
        rotationTrigger: null,
        revokePrevious: false,
        rotatedAt: null,
        previousKey: null,
        previousKeyId: null,
        previousKeyName: null,
        previousKeyExpiresAt: null,
        previousKeyExpired: false,
        retiredKeyIds: [],
        clockOffsetSeconds: 0,
    };
}
