import { createLegacyKeyOnce, deleteLegacyKey, listLegacyKeys } from "../grafana/apiKeys";
import { observeGrafanaTime, grafanaClockOffsetSeconds } from "../grafana/clock";
import { GrafanaTarget } from "../grafana/client";
import { createTokenOnce, deleteServiceAccountToken, listTokens } from "../grafana/serviceAccounts";
import { signInWith, verifyKey } from "../grafana/verify";
import { ProviderError } from "../http/errors";
import { TokenListItem } from "../schema/grafana";
import { Role } from "../schema/inputs";
import { isDead, isoOrNull } from "./keyLifetime";

/**
 * Where a resource's keys live in Grafana, behind one interface: the tokens of one service account, or an
 * org's legacy API keys. The rotation logic (mintedSecret.ts) is written once against it.
 */

export interface KeyRef {
    id: number;
    name: string;
    /** The secret, when known: a key a list cannot show may still be proven by signing in with it. */
    key: string;
}

/** `expiresAt` undefined: Grafana did not say (the stored one stands). */
export type Presence = { state: "live"; expiresAt?: string | null; expired: boolean } | { state: "gone" } | { state: "unknown" };

export interface KeyStore {
    /** What one key is called in messages. */
    readonly what: "token" | "legacy key";
    /** Mints one key, exactly once even when an answer is lost; throws an UNSUPPORTED ProviderError when the API is gone. */
    mint(name: string, secondsToLive: number | null, autonamed: boolean): Promise<{ id: number; key: string }>;
    /** Whether each key exists; undefined when what holds them (the service account) is gone. */
    find(keys: KeyRef[]): Promise<Map<number, Presence> | undefined>;
    /** Proves a key works, or throws saying why not. */
    verify(key: string): Promise<void>;
    /** When `error` says a mint found `name` taken: the id of the key that holds it; otherwise undefined. */
    holderOfTakenName(error: unknown, name: string): Promise<number | undefined>;
    /** Deletes a key; one already gone is fine. */
    remove(key: Pick<KeyRef, "id" | "name">): Promise<void>;
    /** How far Grafana's clock runs ahead of ours, as its answers showed; undefined before any. */
    grafanaClockOffset(): number | undefined;
}

/** Grafana lists at most this many tokens of an account (`maxRetrievedTokens`), and this many legacy keys. */
export const MAX_LISTED_TOKENS = 300;
export const MAX_LISTED_LEGACY_KEYS = 100;

/** `accountAdopted`: the account was found by name after a lost answer, not proven this resource's (createTokenOnce). */
export function serviceAccountTokens(
    target: GrafanaTarget,
    serviceAccountId: number,
    role?: Role,
    options: { accountAdopted?: boolean } = {},
): KeyStore {
    return {
        what: "token",
        mint: (name, secondsToLive, autonamed) =>
            createTokenOnce(target, serviceAccountId, {
                name,
                secondsToLive: secondsToLive ?? undefined,
                autonamed,
                accountAdopted: options.accountAdopted ?? false,
            }),
        async find(keys) {
            const tokens = await listTokens(target, serviceAccountId);
            if (!tokens) return undefined;
            for (const token of tokens) {
                const grafanaTime = grafanaTimeOf(token);
                if (grafanaTime !== undefined) observeGrafanaTime(target.endpoint, grafanaTime);
            }
            const clockOffsetSeconds = grafanaClockOffsetSeconds(target.endpoint) ?? 0;
            const listed = new Map(tokens.map((token) => [token.id, readTokenRow(token, clockOffsetSeconds)]));
            const complete = tokens.length < MAX_LISTED_TOKENS;
            return presenceOf(
                keys,
                (ref) => {
                    const row = listed.get(ref.id);
                    return row && { state: "live", expiresAt: row.expiresAt, expired: row.expired };
                },
                (ref) => (complete ? Promise.resolve({ state: "gone" }) : signIn(target, ref.key)),
            );
        },
        verify: (key) => verifyKey(target, key, { roleNone: role === "None", serviceAccountId }),
        holderOfTakenName: async (error, name) =>
            isNameTaken(error, "serviceaccounts.ErrTokenAlreadyExists")
                ? (await listTokens(target, serviceAccountId))?.find((token) => token.name === name)?.id
                : undefined,
        remove: async ({ id }) => void (await deleteServiceAccountToken(target, serviceAccountId, id)),
        grafanaClockOffset: () => grafanaClockOffsetSeconds(target.endpoint),
    };
}

export function legacyKeys(target: GrafanaTarget, role: Role): KeyStore {
    return {
        what: "legacy key",
        async mint(name, secondsToLive, autonamed) {
            const legacy = await createLegacyKeyOnce(target, { name, role, secondsToLive: secondsToLive ?? undefined }, autonamed);
            if (legacy.created) return { id: legacy.id, key: legacy.key };
            throw legacyKeysGone(target, legacy);
        },
        async find(keys) {
            // Where a key went when Grafana migrated it is upgrades.ts's concern; this store knows legacy keys only.
            const listed = await listLegacyKeys(target);
            const byId = new Map((listed ?? []).map((key) => [key.id, key]));
            const clockOffsetSeconds = grafanaClockOffsetSeconds(target.endpoint) ?? 0;
            const complete = listed !== undefined && listed.length < MAX_LISTED_LEGACY_KEYS;
            return presenceOf(
                keys,
                (ref) => {
                    const key = byId.get(ref.id);
                    if (!key) return undefined;
                    const expiresAt = isoOrNull(key.expiration);
                    return { state: "live", expiresAt, expired: isDead({ expiresAt }, clockOffsetSeconds) };
                },
                (ref) => (complete ? Promise.resolve({ state: "gone" }) : signIn(target, ref.key)),
            );
        },
        verify: (key) => verifyKey(target, key, { roleNone: role === "None" }),
        holderOfTakenName: async (error, name) =>
            isNameTaken(error) ? (await listLegacyKeys(target))?.find((key) => key.name === name)?.id : undefined,
        remove: async ({ id }) => void (await deleteLegacyKey(target, id)),
        grafanaClockOffset: () => grafanaClockOffsetSeconds(target.endpoint),
    };
}

/**
 * Grafana refuses a token name its org already holds with 400 `serviceaccounts.ErrTokenAlreadyExists`
 * (pkg/services/serviceaccounts/models.go, ErrDuplicateToken), and a legacy key's with 409 ("API key,
 * organization ID and name must be unique", as the emulator answers it).
 */
function isNameTaken(error: unknown, messageId?: string): boolean {
    if (!(error instanceof ProviderError) || error.code !== "HTTP_STATUS") return false;
    return messageId === undefined ? error.status === 409 : error.status === 400 && error.remoteCode === messageId;
}

/** Grafana 11.3 stopped minting legacy keys (410), 12.1 removed their routes (404). */
export function legacyKeysGone(target: GrafanaTarget, answer: { status?: number; message?: string }, version?: string): ProviderError {
    return new ProviderError({
        code: "UNSUPPORTED",
        status: answer.status,
        summary: `Grafana${version ? ` ${version}` : ""} at ${target.endpoint} no longer creates legacy API keys (it answered ${answer.status})`,
        remoteMessage: answer.message,
        hint: 'Grafana 11.3 removed them. Use mode "auto" or "serviceAccount" to mint the key as a service account token.',
    });
}

/**
 * Each key as the list shows it, or else as `confirm` finds it: a key missing from a list Grafana cut short (or
 * that it moved elsewhere) may still exist, so it is never concluded gone from the list alone.
 */
async function presenceOf(
    keys: KeyRef[],
    listed: (ref: KeyRef) => Presence | undefined,
    confirm: (ref: KeyRef) => Promise<Presence>,
): Promise<Map<number, Presence>> {
    const presence = new Map<number, Presence>();
    for (const ref of keys) presence.set(ref.id, listed(ref) ?? (await confirm(ref)));
    return presence;
}

/**
 * Whether a key still signs in, for keys no list shows: 200 (or 403: known, but allowed nothing) means it exists;
 * Grafana's 401 says whether it expired, belongs to a disabled account (it exists), or is unknown (gone).
 */
async function signIn(target: GrafanaTarget, key: string): Promise<Presence> {
    if (key === "") return { state: "unknown" };
    const result = await signInWith(target, key);
    if (result.ok || result.status !== 401) return { state: "unknown" };
    const { message = "", messageId = "" } = result.error;
    if (messageId === "api-key.expired" || /expired/i.test(message)) return { state: "live", expired: true };
    if (messageId === "identity.disabled" || /disabled/i.test(message)) return { state: "unknown" };
    return { state: "gone" };
}

/**
 * One row of Grafana's token list, read the way Grafana fills it (ListTokens, docs/grafana-http-api.md "Tokens"):
 * `expiration` gives the date (null: never); whether the token is dead is the one rule of keyLifetime.ts (`isDead`).
 */
export function readTokenRow(
    token: TokenListItem,
    clockOffsetSeconds: number,
    now = Date.now(),
): { expiresAt: string | null; expired: boolean } {
    const expiresAt = isoOrNull(token.expiration);
    return { expiresAt, expired: isDead({ expiresAt, hasExpired: token.hasExpired, isRevoked: token.isRevoked }, clockOffsetSeconds, now) };
}

/**
 * What Grafana's clock read when it listed `token`, when the row shows it: `secondsUntilExpiration` counts only when
 * above 0, which Grafana reports just for a live token expiring within 7 days (0 beyond, 0 once expired, 0 for no
 * expiry: never "expires now").
 */
export function grafanaTimeOf(token: TokenListItem): number | undefined {
    const expiresAt = isoOrNull(token.expiration);
    const countdown = token.secondsUntilExpiration ?? 0;
    return expiresAt !== null && countdown > 0 ? Date.parse(expiresAt) - countdown * 1000 : undefined;
}
