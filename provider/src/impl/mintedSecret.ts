import { logInfo, logPlan, logWarning } from "../log";
import { mintedSecretFields, MintedSecretInputs, MintedSecretState } from "../schema/mintedSecretState";
import { durationText } from "../duration";
import {
    booleanRule,
    CheckFailure,
    durationRule,
    MAX_NAME_CHARACTERS,
    rotationTriggerRule,
    timeToLiveRule,
    UNKNOWN,
} from "../schema/inputs";
import { KeyRef, KeyStore } from "./keyStores";
import {
    checkRotateBefore,
    expiresAtFor,
    grafanaNow,
    hasExpired,
    isInRotationWindow,
    secondsToLiveOf,
    timeToLiveChange,
} from "./keyLifetime";
import { PlannedChanges } from "./plannedChanges";
import { Tracked, undoCreate } from "./undo";

/**
 * The life of a minted secret, shared by GrafanaApiKey and GrafanaServiceAccountToken: the first key, its
 * rotation, the previous key's overlap and clean-up, refresh and deletion.
 *
 * A rotation is an update, never a replacement: the resource stays (in service-account mode, so does the account
 * with its permissions), a successor key is minted and proven first, and the key it replaces keeps working until
 * its own expiry (unless `revokePrevious`), so stacks that read the key through a StackReference have the
 * `rotateBefore` window to pick up the new one. One previous key is kept at a time. Successors are named
 * `<name>-r<generation>`: Grafana keeps key names unique per org, so a name is never reused.
 */

/** The shared view of a key's or token's state: the current key's id is `keyId` here. */
export type Secret = MintedSecretState & { keyId: number };

const MINTED_FIELDS = Object.keys(mintedSecretFields) as Array<keyof MintedSecretState>;
const SECRET_FIELDS = [...MINTED_FIELDS, "keyId"] as Array<keyof Secret>;

/** Only the secret's own fields, to lay over a resource's state. */
export function secretFields(secret: Secret): Secret {
    return Object.fromEntries(SECRET_FIELDS.map((field) => [field, secret[field]])) as Secret;
}

/** The same without `keyId`, for a state that keeps the current key's id under a name of its own. */
export function mintedFields(secret: Secret): MintedSecretState {
    return Object.fromEntries(MINTED_FIELDS.map((field) => [field, secret[field]])) as MintedSecretState;
}

/** New inputs as `diff` sees them: any of them may still be unknown during a preview. */
export type PreviewInputs = { [K in keyof MintedSecretInputs]: MintedSecretInputs[K] | typeof UNKNOWN };

export interface SecretPlan {
    /** Why a new key is minted now; undefined: the current key stays. */
    rotation?: string;
    /** Why the previous key is deleted now (when there is no rotation, which settles it itself). */
    dropPrevious?: string;
    /** Keys whose deletion failed before are tried again. */
    retryRetired: boolean;
    /** Inputs that change only what is recorded. */
    recorded: string[];
}

export interface SecretContext {
    /** `GrafanaApiKey "ci"`, for messages. */
    who: string;
    store: KeyStore;
    /** The stem of successors' names, and whether it is an autoname (so any key of such a name is this resource's). */
    naming: { name: string; autonamed: boolean };
    /** The whole resource, as Pulumi must keep tracking it should a step fail midway. */
    tracked: (secret: Secret) => Tracked;
    /** Rotate even when the secret's own inputs and clock do not ask for it, saying why (the kind of key asked for changed). */
    rotateBecause?: string;
}

/** The inputs every minted secret takes, as `check` validates them. */
export const SECRET_INPUT_RULES = {
    timeToLive: timeToLiveRule,
    rotateBefore: durationRule,
    rotationTrigger: rotationTriggerRule,
    revokePrevious: booleanRule,
    verify: booleanRule,
};

type CheckedValue<T> = T | typeof UNKNOWN | undefined;

/** The secret's part of the checked inputs, with its defaults: verified, no rotation, previous key kept. */
export function checkSecretInputs(
    values: {
        timeToLive?: CheckedValue<{ text: string; seconds: number }>;
        rotateBefore?: CheckedValue<{ text: string; seconds: number }>;
        rotationTrigger?: CheckedValue<string>;
        revokePrevious?: CheckedValue<boolean>;
        verify?: CheckedValue<boolean>;
    },
    failures: CheckFailure[],
): PreviewInputs {
    checkRotateBefore(values.timeToLive, values.rotateBefore, failures);
    return {
        timeToLive: durationText(values.timeToLive),
        rotateBefore: durationText(values.rotateBefore),
        rotationTrigger: values.rotationTrigger ?? null,
        revokePrevious: values.revokePrevious ?? false,
        verify: values.verify ?? true,
    };
}

/** Only the secret's inputs, out of a resource's checked inputs. */
export function secretInputsOf(checked: MintedSecretInputs): MintedSecretInputs {
    const { timeToLive, rotateBefore, rotationTrigger, revokePrevious, verify } = checked;
    return { timeToLive, rotateBefore, rotationTrigger, revokePrevious, verify };
}

/**
 * The secret's share of a `diff`: unless the resource is replaced anyway, a rotation, the previous key's end,
 * retried deletions and recorded inputs are updates, and the person running Pulumi is told why.
 */
export function planSecretChanges(changes: PlannedChanges, who: string, old: Secret, news: PreviewInputs): void {
    if (changes.replacing) return;
    const plan = planSecret(old, news);
    explainPlan(who, plan);
    if (plan.rotation) warnIfSuccessorNeverExpires(who, old, news);
    if (plan.rotation || plan.dropPrevious || plan.retryRetired) changes.add("key", true);
    for (const field of plan.recorded) changes.add(field, true);
}

export function planSecret(old: Secret, news: PreviewInputs, now = Date.now()): SecretPlan {
    const recorded: string[] = [];
    const lifetime = timeToLiveChange(old, news.timeToLive);
    if (lifetime !== "none") recorded.push("timeToLive");
    if ((news.rotateBefore ?? null) !== old.rotateBefore) recorded.push("rotateBefore");
    if ((news.rotationTrigger ?? null) !== old.rotationTrigger) recorded.push("rotationTrigger");
    if (news.revokePrevious !== old.revokePrevious) recorded.push("revokePrevious");
    if (news.verify !== old.verify) recorded.push("verify");

    const rotation = rotationReason(old, news, lifetime, now);
    return {
        rotation,
        dropPrevious: rotation ? undefined : previousKeyEnd(old, news, now),
        retryRetired: old.retiredKeyIds.length > 0,
        recorded,
    };
}

/**
 * Said in the preview, since nothing in the program may have changed: the clock did. In the update, `updateSecret`
 * says what it did instead (log.ts, `logPlan`).
 */
export function explainPlan(who: string, plan: SecretPlan): void {
    if (plan.rotation) logPlan(`${who} will be rotated: ${plan.rotation}.`);
    if (plan.dropPrevious) logPlan(`${who}: its previous key will be deleted: ${plan.dropPrevious}.`);
}

/** A key that expires replaced by one that never does is a change of the key's life: said, never done silently. */
export function warnIfSuccessorNeverExpires(who: string, old: Secret, news: PreviewInputs): void {
    if (old.expiresAt === null || (news.timeToLive !== undefined && news.timeToLive !== null)) return;
    logWarning(
        `${who}: its current key expires at ${old.expiresAt}, but no timeToLive is set, so its new key will never expire; ` +
            "set timeToLive to keep it expiring.",
    );
}

function rotationReason(old: Secret, news: PreviewInputs, lifetime: "none" | "respelled" | "changed", now: number): string | undefined {
    if (old.keyId === 0) return "it holds no key (its create failed midway, or the key was deleted outside Pulumi)";
    if (old.key === "") return "its secret is not known to Pulumi (the key was imported or adopted)";
    if (hasExpired(old, old.clockOffsetSeconds, now)) return `its key expired${old.expiresAt ? ` at ${old.expiresAt}` : ""}`;
    if (lifetime === "changed") {
        return news.timeToLive === UNKNOWN
            ? "timeToLive may change"
            : `timeToLive changed from ${show(old.timeToLive)} to ${show(news.timeToLive)}`;
    }
    if ((news.rotationTrigger ?? null) !== old.rotationTrigger) return "rotationTrigger changed";
    if (typeof news.rotateBefore === "string" && news.rotateBefore !== UNKNOWN) {
        if (isInRotationWindow(old.expiresAt, news.rotateBefore, old.clockOffsetSeconds, now)) {
            return `its key expires at ${old.expiresAt}, within rotateBefore ${news.rotateBefore}`;
        }
    }
    return undefined;
}

function previousKeyEnd(old: Secret, news: PreviewInputs, now: number): string | undefined {
    if (old.previousKeyId === null) return undefined;
    const previous = { expired: old.previousKeyExpired, expiresAt: old.previousKeyExpiresAt };
    if (hasExpired(previous, old.clockOffsetSeconds, now))
        return `it expired${old.previousKeyExpiresAt ? ` at ${old.previousKeyExpiresAt}` : ""}`;
    if (news.revokePrevious === true) return "revokePrevious is set";
    return undefined;
}

/** The first key of a resource, as minted: generation 1, named after the resource. */
export function firstSecret(
    minted: { id: number; key: string },
    name: string,
    inputs: MintedSecretInputs,
    clockOffsetSeconds: number,
): Secret {
    const secondsToLive = secondsToLiveOf(inputs.timeToLive);
    return {
        ...inputs,
        key: minted.key,
        keyId: minted.id,
        keyName: name,
        generation: 1,
        secondsToLive,
        expiresAt: expiresAtFor(secondsToLive, clockOffsetSeconds),
        expired: false,
        rotatedAt: null,
        ...NO_PREVIOUS_KEY,
        retiredKeyIds: [],
        clockOffsetSeconds,
    };
}

const NO_PREVIOUS_KEY = {
    previousKey: null,
    previousKeyId: null,
    previousKeyName: null,
    previousKeyExpiresAt: null,
    previousKeyExpired: false,
} as const;

/** What `update` does for the secret: rotate, drop the previous key, retry deletions that failed, record the inputs. */
export async function updateSecret(context: SecretContext, old: Secret, inputs: MintedSecretInputs, now = Date.now()): Promise<Secret> {
    const plan = planSecret(old, inputs, now);
    const recorded: Secret = { ...old, ...inputs };
    const rotation = plan.rotation ?? context.rotateBecause;
    if (rotation) return rotate(context, old, recorded, rotation);
    let next = recorded;
    if (plan.dropPrevious) {
        await context.store.remove({ id: old.previousKeyId!, name: old.previousKeyName ?? "" });
        logInfo(`${context.who}: deleted its previous key "${old.previousKeyName}" (${plan.dropPrevious}).`);
        next = { ...next, ...NO_PREVIOUS_KEY };
    }
    return {
        ...next,
        retiredKeyIds: await removeEach(
            context,
            old.retiredKeyIds.map((id) => ({ id, name: "" })),
        ),
    };
}

/**
 * Mints and proves the successor first; only then does anything go. The key it replaces stays as the previous
 * key while it works, unless told to revoke it. The key before that goes only when the new previous key takes its
 * place, when it expired, or when `revokePrevious` asks: a current key deleted outside Pulumi leaves the previous
 * key where it is, since consumers may still hold it. Deletions that fail after the successor exists are kept for
 * later (`retiredKeyIds`) rather than failing the update, which would lose the successor's secret; keys retired
 * before go first, since one of them may hold the name the successor is about to take.
 */
async function rotate(context: SecretContext, old: Secret, recorded: Secret, reason: string): Promise<Secret> {
    const { store } = context;
    const stillRetired = await removeEach(
        context,
        old.retiredKeyIds.map((id) => ({ id, name: "" })),
    );
    const secondsToLive = secondsToLiveOf(recorded.timeToLive);
    const { minted, generation, keyName, leftovers } = await mintSuccessor(context, old.generation, secondsToLive).catch(
        async (error: unknown) => {
            await store.abandon?.(error);
            throw error;
        },
    );
    if (recorded.verify) {
        try {
            await store.verify(minted.key);
        } catch (error) {
            throw await undoCreate(error, () => store.remove({ id: minted.id, name: keyName }), {
                what: `${store.what} "${keyName}" (id ${minted.id})`,
                ...context.tracked({ ...old, retiredKeyIds: [...stillRetired, ...leftovers, minted.id] }),
            });
        }
    }
    const clockOffsetSeconds = store.grafanaClockOffset() ?? old.clockOffsetSeconds;
    const keepsWorking = old.keyId !== 0 && !recorded.revokePrevious && !hasExpired(old, clockOffsetSeconds);
    const previousEnds =
        old.previousKeyId !== null &&
        (keepsWorking ||
            recorded.revokePrevious ||
            hasExpired({ expired: old.previousKeyExpired, expiresAt: old.previousKeyExpiresAt }, clockOffsetSeconds));
    const outgoing: Array<Pick<KeyRef, "id" | "name">> = [
        ...(previousEnds ? [{ id: old.previousKeyId!, name: old.previousKeyName ?? "" }] : []),
        ...(!keepsWorking && old.keyId !== 0 ? [{ id: old.keyId, name: old.keyName }] : []),
        ...[...stillRetired, ...leftovers].map((id) => ({ id, name: "" })),
    ];
    const retiredKeyIds = await removeEach(context, outgoing);
    const previous = keepsWorking
        ? {
              previousKey: old.key,
              previousKeyId: old.keyId,
              previousKeyName: old.keyName,
              previousKeyExpiresAt: old.expiresAt,
              previousKeyExpired: false,
          }
        : previousEnds
          ? NO_PREVIOUS_KEY
          : {
                previousKey: old.previousKey,
                previousKeyId: old.previousKeyId,
                previousKeyName: old.previousKeyName,
                previousKeyExpiresAt: old.previousKeyExpiresAt,
                previousKeyExpired: old.previousKeyExpired,
            };
    const rotated: Secret = {
        ...recorded,
        key: minted.key,
        keyId: minted.id,
        keyName,
        generation,
        secondsToLive,
        expiresAt: expiresAtFor(secondsToLive, clockOffsetSeconds),
        expired: false,
        rotatedAt: new Date(grafanaNow(clockOffsetSeconds)).toISOString(),
        ...previous,
        retiredKeyIds,
        clockOffsetSeconds,
    };
    logInfo(
        `${context.who} rotated: ${reason}. Its new key is "${keyName}"; ` +
            (keepsWorking
                ? `the previous key "${old.keyName}" keeps working until ${old.expiresAt ?? "it is deleted"}.`
                : old.keyId !== 0
                  ? `the previous key "${old.keyName}" was deleted.`
                  : !previousEnds && old.previousKeyId !== null
                    ? `the previous key "${old.previousKeyName}" stays and keeps working until ${old.previousKeyExpiresAt ?? "it is deleted"}.`
                    : "there was no previous key to keep."),
    );
    return rotated;
}

/** A run killed after Grafana minted a successor leaves it untracked; how many names past it a rotation looks. */
export const MAX_SKIPPED_GENERATIONS = 5;

/**
 * Mints the next generation's key. A name already taken is a leftover (a run cut off after Grafana minted it, or
 * a successor whose deletion failed): that generation is skipped, so the key is never locked by its own
 * leftover. Grafana keeps key names unique in the whole org, so the name counts as taken whatever holds it: a legacy
 * key, a token of this resource's account, or of any other (Grafana's upgrade moves a legacy leftover into an
 * `sa-autogen-*` account of its own). A leftover of an autonamed resource that the store can reach is provably this
 * resource's and is deleted with the outgoing keys; any other may be someone else's, so it is left alone and named
 * in a warning.
 */
async function mintSuccessor(
    context: SecretContext,
    fromGeneration: number,
    secondsToLive: number | null,
): Promise<{ minted: { id: number; key: string }; generation: number; keyName: string; leftovers: number[] }> {
    const { store, naming } = context;
    const leftovers: number[] = [];
    for (let generation = fromGeneration + 1; ; generation++) {
        const keyName = successorName(naming.name, generation);
        try {
            return { minted: await store.mint(keyName, secondsToLive, naming.autonamed), generation, keyName, leftovers };
        } catch (error) {
            if (generation - fromGeneration > MAX_SKIPPED_GENERATIONS) throw error;
            const taken = await store.takenName(error, keyName);
            if (taken === undefined) throw error;
            const leftover = taken.holder;
            const what = leftover === undefined ? "key" : (taken.what ?? store.what);
            if (naming.autonamed && leftover !== undefined) {
                leftovers.push(leftover);
                logInfo(`${context.who}: ${what} "${keyName}" (id ${leftover}) is a leftover of an earlier run; it is deleted.`);
            } else {
                logWarning(
                    `${context.who}: a ${what} named "${keyName}"${leftover === undefined ? "" : ` (id ${leftover})`} exists that Pulumi did not record (a run cut off ` +
                        `mid-rotation, or someone else's); it was left alone and the next name is used. Delete it in Grafana if it is a leftover.`,
                );
            }
        }
    }
}

async function removeEach(context: SecretContext, keys: Array<Pick<KeyRef, "id" | "name">>): Promise<number[]> {
    const failed: number[] = [];
    for (const key of keys) {
        try {
            await context.store.remove(key);
        } catch (error) {
            failed.push(key.id);
            const message = error instanceof Error ? error.message : String(error);
            logWarning(
                `${context.who}: ${context.store.what} ${key.id} could not be deleted yet; the next \`pulumi up\` tries again. ${message}`,
            );
        }
    }
    return failed;
}

/** `<name>-r<generation>`, the stem cut so the whole stays within Grafana's name limit. */
export function successorName(stem: string, generation: number): string {
    const suffix = `-r${generation}`;
    return `${[...stem].slice(0, MAX_NAME_CHARACTERS - suffix.length).join("")}${suffix}`;
}

export interface RefreshedSecret {
    secret: Secret;
    /** The current key is gone from Grafana (deleted outside Pulumi). */
    currentGone: boolean;
    /** Nothing this resource made is left. */
    nothingLeft: boolean;
}

/** What Grafana says of the current, previous and retired keys; undefined when what holds them is gone. */
export async function refreshSecret(store: KeyStore, secret: Secret): Promise<RefreshedSecret | undefined> {
    const refs: KeyRef[] = [
        ...(secret.keyId !== 0 ? [{ id: secret.keyId, name: secret.keyName, key: secret.key }] : []),
        ...(secret.previousKeyId !== null
            ? [{ id: secret.previousKeyId, name: secret.previousKeyName ?? "", key: secret.previousKey ?? "" }]
            : []),
        ...secret.retiredKeyIds.map((id) => ({ id, name: "", key: "" })),
    ];
    const presence = await store.find(refs);
    if (!presence) return undefined;
    let next: Secret = { ...secret, clockOffsetSeconds: store.grafanaClockOffset() ?? secret.clockOffsetSeconds };
    const current = secret.keyId !== 0 ? presence.get(secret.keyId) : undefined;
    const currentGone = current?.state === "gone";
    if (current?.state === "live")
        next = { ...next, expiresAt: current.expiresAt === undefined ? next.expiresAt : current.expiresAt, expired: current.expired };
    if (currentGone) next = { ...next, key: "", keyId: 0 };
    const previous = secret.previousKeyId !== null ? presence.get(secret.previousKeyId) : undefined;
    if (previous?.state === "live") {
        next = {
            ...next,
            previousKeyExpiresAt: previous.expiresAt === undefined ? next.previousKeyExpiresAt : previous.expiresAt,
            previousKeyExpired: previous.expired,
        };
    }
    if (previous?.state === "gone") next = { ...next, ...NO_PREVIOUS_KEY };
    next = { ...next, retiredKeyIds: secret.retiredKeyIds.filter((id) => presence.get(id)?.state !== "gone") };
    next = { ...next, expired: next.keyId !== 0 && hasExpired(next, next.clockOffsetSeconds) };
    const nothingLeft = next.keyId === 0 && next.previousKeyId === null && next.retiredKeyIds.length === 0;
    return { secret: next, currentGone, nothingLeft };
}

/** Every key the resource holds: current, previous and retired ones. */
export async function removeAllKeys(store: KeyStore, secret: Secret): Promise<void> {
    if (secret.keyId !== 0) await store.remove({ id: secret.keyId, name: secret.keyName });
    if (secret.previousKeyId !== null) await store.remove({ id: secret.previousKeyId, name: secret.previousKeyName ?? "" });
    for (const id of secret.retiredKeyIds) await store.remove({ id, name: "" });
}

function show(value: unknown): string {
    return value === null || value === undefined ? "none" : JSON.stringify(value);
}
