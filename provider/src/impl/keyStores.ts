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
    /**
     * When `error` says a mint found `name` taken: `holder`, the id of the key holding it where this store can delete
     * it (undefined when it is elsewhere: Grafana keeps key names unique in the whole org, whatever holds them);
     * otherwise (another error) undefined.
     */
    takenName(error: unknown, name: string): Promise<TakenName | undefined>;
    /** Takes back what minting made for a key that was never minted (an account made for a successor); `cause`: why. */
    abandon?(cause: unknown): Promise<void>;
    /** Deletes a key; one already gone is fine. */
    remove(key: Pick<KeyRef, "id" | "name">): Promise<void>;
    /** How far Grafana's clock runs ahead of ours, as its answers showed; undefined before any. */
    grafanaClockOffset(): number | undefined;
}

export interface TakenName {
    holder?: number;
    /** What the holder is, where it is not of the kind this store mints. */
    what?: KeyStore["what"];
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
        takenName: async (error, name) =>
            isNameTaken(error)
                ? { holder: (await listTokens(target, serviceAccountId))?.find((token) => token.name === name)?.id }
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
        takenName: async (error, name) =>
            isNameTaken(error) ? { holder: (await listLegacyKeys(target))?.find((key) => key.name === name)?.id } : undefined,
        remove: async ({ id }) => void (await deleteLegacyKey(target, id)),
        grafanaClockOffset: () => grafanaClockOffsetSeconds(target.endpoint),
    };
}

/**
 * A mint refused because the org already holds the name. Legacy keys and tokens share Grafana's `api_key` table, and
 * both creates look the name up in the whole org before inserting (`AddAPIKey`; `AddServiceAccountToken` in
 * pkg/services/serviceaccounts/database/token_store.go), so either answer may come whatever holds the name: a token
 * create answers 400 `serviceaccounts.ErrTokenAlreadyExists` (pkg/services/serviceaccounts/models.go,
 * ErrDuplicateToken; 409 in the 9.0 era), a legacy key create 409 ("API key, organization ID and name must be unique").
 */
export function isNameTaken(error: unknown): boolean {
    if (!(error instanceof ProviderError) || error.code !== "HTTP_STATUS") return false;
    return error.status === 409 || (error.status === 400 && error.remoteCode === "serviceaccounts.ErrTokenAlreadyExists");
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
 * Whether a key exists, asked of Grafana with the key itself, for keys no list shows: 200 (or 403: known, but allowed
 * nothing) means it exists and works. A 401 is judged the way Grafana's `validateApiKey`
 * (pkg/services/authn/clients/api_key.go) refuses a key it found: `api-key.expired` ("Expired API key") and
 * `api-key.revoked` exist but are dead; a disabled account's key (`identity.disabled`) and a key of another org
 * (`api-key.organization-mismatch`) exist. Only a key Grafana does not know (`api-key.invalid`, or a bare
 * "Unauthorized"/"Invalid API key" before 12) is gone. So a key is never called gone while its secret signs in.
 */
export async function signIn(target: GrafanaTarget, key: string): Promise<Presence> {
    if (key === "") return { state: "unknown" };
    const result = await signInWith(target, key);
    if (result.ok || result.status === 403) return { state: "live", expired: false };
    if (result.status !== 401) return { state: "unknown" };
    const { message = "", messageId = "" } = result.error;
    if (messageId === "api-key.expired" || messageId === "api-key.revoked" || /expired|revoked/i.test(message)) {
        return { state: "live", expired: true };
    }
    if (messageId === "identity.disabled" || messageId === "api-key.organization-mismatch" || /disabled/i.test(message)) {
        return { state: "unknown" };
    }
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
