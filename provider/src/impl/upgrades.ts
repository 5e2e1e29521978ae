import { deleteLegacyKey, listLegacyKeys } from "../grafana/apiKeys";
import { grafanaClockOffsetSeconds } from "../grafana/clock";
import { GrafanaTarget } from "../grafana/client";
import {
    CreatedServiceAccount,
    createServiceAccountOnce,
    deleteServiceAccount,
    deleteServiceAccountToken,
} from "../grafana/serviceAccounts";
import { freshGrafanaVersion, GrafanaVersion, hasLegacyApiKeys } from "../grafana/version";
import { verifyKey } from "../grafana/verify";
import { ProviderError } from "../http/errors";
import { ApiKeyState, LegacyKeyRecord } from "../schema/apiKeyState";
import { ApiKeyListItem } from "../schema/grafana";
import { Mode } from "../schema/inputs";
import { removeCreatedAccount } from "./accountUndo";
import { isDead, isoOrNull } from "./keyLifetime";
import { LeftAlone, leftInPlace } from "./undo";
import {
    isNameTaken,
    KeyRef,
    KeyStore,
    legacyKeys,
    MAX_LISTED_LEGACY_KEYS,
    Presence,
    readTokenRow,
    serviceAccountTokens,
    signIn,
    TakenName,
} from "./keyStores";
import { keyWhereabouts, TokenHome } from "./keyWhereabouts";

/**
 * A GrafanaApiKey's keys where Grafana holds them now, whatever kind they were minted as: Azure upgrades a
 * workspace's Grafana in place, and the store follows Grafana, never the state.
 *
 * - A key minted as a legacy API key stays one up to 11.2 and on 11.3 (which refuses only new ones, 410). Grafana's
 *   start-up migration (`pkg/services/serviceaccounts/database/store.go`, `CreateServiceAccountFromApikey`) moves it
 *   into a new service account `sa-autogen-<key name>`, keeping its id, name, secret and expiry: it is found there
 *   as that account's token, and the consumer's key keeps working.
 * - Successors are minted as the requested mode says: "serviceAccount", or "auto" once Grafana no longer mints
 *   legacy keys, put them on an account of this resource's own, named after it (`ownServiceAccountId`), created
 *   with the first of them. Not on `sa-autogen-*`: that account is Grafana's, exists on no path that refuses only
 *   new keys (11.3) and may have been given other tokens or permissions since; an account of its own is the same
 *   one a key created today gets, so role changes and destroy work as for any service-account key.
 * - A migrated key is deleted as a token of its `sa-autogen-*` account, and the account with it only when it holds
 *   nothing but that key: never an account holding tokens that are not this resource's.
 * - A key not where it was expected is looked for wherever Grafana may hold it (keyWhereabouts.ts), and is never
 *   called gone while its secret still signs in: an admin may have renamed its `sa-autogen-*` account.
 */

export interface KeyHomes {
    store: KeyStore;
    /** The state with where its keys live, as this store found and left them. */
    placed(state: ApiKeyState): ApiKeyState;
}

/** Whether a state's keys may live anywhere but on one account of its own: it has or had legacy keys. */
export function usesKeyHomes(state: ApiKeyState): boolean {
    return state.mode === "apiKey" || state.legacyKeys.length > 0;
}

/** The current key is a legacy key Grafana moved into its own `sa-autogen-*` account. */
export function isMigrated(state: ApiKeyState): boolean {
    return state.legacyKeys.some((record) => record.id === state.keyId && record.serviceAccountId !== null);
}

/**
 * Why a change of `mode` rotates the key: the requested kind differs from what Grafana holds. "auto" takes any
 * kind. Only a change of the input counts: an "apiKey" key that Grafana migrated is the same key still.
 */
export function kindChange(old: Pick<ApiKeyState, "mode" | "requestedMode">, requested: Mode): string | undefined {
    if (requested === old.requestedMode) return undefined;
    if (requested === "serviceAccount" && old.mode === "apiKey") return 'mode is now "serviceAccount" and its key is a legacy API key';
    if (requested === "apiKey" && old.mode === "serviceAccount") return 'mode is now "apiKey" and its key is a service account token';
    return undefined;
}

/**
 * An explicit `mode: "apiKey"` that must mint on a Grafana refusing legacy keys fails before anything is done, in
 * preview: known from the state (Grafana migrated the current key: it runs its start-up migration, so it mints none)
 * or else from `GET /api/health`.
 */
export async function refuseLegacyModeWhereGone(target: GrafanaTarget, old: ApiKeyState, who: string): Promise<void> {
    // Unreachable now, or hiding its version: not knowable in preview; `up` then says the same from Grafana's answer.
    const version = isMigrated(old) ? undefined : await freshGrafanaVersion(target).catch((): GrafanaVersion => ({}));
    if (version && (version.major === undefined || hasLegacyApiKeys(version))) return;
    throw new ProviderError({
        code: "UNSUPPORTED",
        summary:
            `${who}: Grafana${version?.version ? ` ${version.version}` : ""} at ${target.endpoint} no longer creates legacy API keys, ` +
            'so mode "apiKey" cannot mint its next key: set mode: "auto" (or remove it); the key stays and its successor is a service account token',
    });
}

export function keyHomes(
    target: GrafanaTarget,
    state: ApiKeyState,
    settings: { role: ApiKeyState["role"]; requestedMode: Mode; name: string },
): KeyHomes {
    let ownAccountId = state.ownServiceAccountId;
    /** An account this store created (or adopted) for a successor: removing that successor removes the account too. */
    let createdAccount: CreatedServiceAccount | undefined;
    const records = new Map<number, LegacyKeyRecord>(state.legacyKeys.map((record) => [record.id, { ...record }]));
    let lastMinted: "legacy key" | "token" = state.mode === "apiKey" ? "legacy key" : "token";
    const legacy = legacyKeys(target, settings.role);
    const offset = () => grafanaClockOffsetSeconds(target.endpoint);
    const where = keyWhereabouts(target);
    let legacyListed: Promise<ApiKeyListItem[] | undefined> | undefined;
    /** This Grafana refused to mint a legacy key in this operation: it holds none it could list either (11.3 aside). */
    let legacyGone = false;
    /** The secrets Pulumi holds, to ask Grafana with the key itself where no list shows it. */
    const secrets = new Map<number, string>([
        [state.keyId, state.key],
        [state.previousKeyId ?? 0, state.previousKey ?? ""],
    ]);

    async function mintLegacy(name: string, secondsToLive: number | null, autonamed: boolean) {
        const minted = await legacy.mint(name, secondsToLive, autonamed);
        records.set(minted.id, { id: minted.id, name, serviceAccountId: null });
        lastMinted = "legacy key";
        return minted;
    }

    async function mintToken(name: string, secondsToLive: number | null, autonamed: boolean) {
        if (ownAccountId === null) {
            createdAccount = await createServiceAccountOnce(target, { name: settings.name, role: settings.role, autonamed });
            ownAccountId = createdAccount.id;
        }
        const made = ownAccountId === createdAccount?.id ? createdAccount : undefined;
        const tokens = serviceAccountTokens(target, ownAccountId, settings.role, { accountAdopted: made?.adopted ?? false });
        const minted = await tokens.mint(name, secondsToLive, autonamed).catch(async (error: unknown) => {
            // A name found taken: the account stays for the next name (one account per run, not one per name).
            if (made && !isNameTaken(error)) await takeBackCreatedAccount(error);
            throw error;
        });
        lastMinted = "token";
        return minted;
    }

    /** The account made for a successor that was never minted goes again, unless it cannot be proven wholly ours. */
    async function takeBackCreatedAccount(cause: unknown): Promise<void> {
        await forgetCreatedAccount([]).catch((undoError: unknown) => {
            throw undoError instanceof LeftAlone ? leftInPlace(cause, undoError) : undoError;
        });
    }

    /**
     * Takes back the account made for a successor, unless it cannot be proven wholly ours (accountUndo.ts): then it is
     * left, and forgotten. Should the delete itself fail, the account stays recorded, so a later run removes it.
     */
    async function forgetCreatedAccount(ourTokenIds: number[]): Promise<void> {
        try {
            await removeCreatedAccount(target, createdAccount!, () => ourTokenIds)();
        } catch (error) {
            if (!(error instanceof LeftAlone)) throw error;
            ownAccountId = null;
            createdAccount = undefined;
            throw error;
        }
        ownAccountId = null;
        createdAccount = undefined;
    }

    /** The account holding a migrated key: the one recorded, or else the one Grafana made for it. */
    async function migratedHome(record: LegacyKeyRecord): Promise<TokenHome | undefined> {
        const holds = (token: { id: number }) => token.id === record.id;
        const home =
            record.serviceAccountId !== null
                ? await where.tokensOf(record.serviceAccountId)
                : record.name === ""
                  ? undefined
                  : await where.migratedHome(record.name, holds);
        if (!home?.tokens.some(holds)) return undefined; // not this key's account (any more)
        record.serviceAccountId = home.accountId;
        return home;
    }

    /** Grafana's legacy key list, read once per operation; undefined where the routes are gone (12.1+). */
    function legacyList(): Promise<ApiKeyListItem[] | undefined> {
        legacyListed ??= listLegacyKeys(target);
        return legacyListed;
    }

    /**
     * Where a legacy-born key is now, and whether it is alive: a legacy key Grafana lists, a token of its recorded or
     * `sa-autogen-*` account, or else, when the key's own secret still signs in (or there is none to ask with), a
     * token of any account of the org. Gone only when Grafana does not know its secret, or no list hides it.
     */
    async function locate(record: LegacyKeyRecord, secret: string, notLegacy = false): Promise<{ presence: Presence; home?: TokenHome }> {
        let listCut = false;
        if (record.serviceAccountId === null && !notLegacy) {
            const listed = await legacyList();
            const key = listed?.find((item) => item.id === record.id);
            if (key) {
                const expiresAt = isoOrNull(key.expiration);
                return { presence: { state: "live", expiresAt, expired: isDead({ expiresAt }, offset() ?? 0) } };
            }
            listCut = listed !== undefined && listed.length >= MAX_LISTED_LEGACY_KEYS;
        }
        const home = (await migratedHome(record)) ?? (await lastLook(record, secret));
        if (home && "accountId" in home) return { presence: presenceOfRow(home, record.id, offset() ?? 0), home };
        if (home?.state === "gone" && listCut) return { presence: { state: "unknown" } }; // a list Grafana cut short proves nothing
        return { presence: home ?? { state: "gone" } };
    }

    /** Asks Grafana with the key itself first: a key it refuses as unknown is gone, and no search is needed. */
    async function lastLook(record: LegacyKeyRecord, secret: string): Promise<TokenHome | Presence> {
        const signedIn = secret === "" ? undefined : await signIn(target, secret);
        if (signedIn?.state === "gone") return signedIn;
        const found = await where.anywhere(record.id);
        if (found.home) {
            record.serviceAccountId = found.home.accountId;
            return found.home;
        }
        return signedIn ?? { state: found.complete ? "gone" : "unknown" };
    }

    async function removeLegacyBorn(record: LegacyKeyRecord): Promise<void> {
        if (record.serviceAccountId === null && (await deleteLegacyKey(target, record.id))) {
            records.delete(record.id);
            return;
        }
        // Grafana just said no legacy key has this id (or it had a token's home already).
        const { presence, home } = await locate({ ...record }, secrets.get(record.id) ?? "", true);
        if (home) {
            // Only this key on it: the account was Grafana's container for it and goes with it.
            if (home.tokens.every((token) => token.id === record.id)) await deleteServiceAccount(target, home.accountId);
            else await deleteServiceAccountToken(target, home.accountId, record.id);
        } else if (presence.state !== "gone") {
            throw new ProviderError({
                code: "HTTP_STATUS",
                summary: `key "${record.name}" (id ${record.id}) still exists in Grafana, but no service account it can see lists it, so it was not deleted`,
                hint: "Delete it in Grafana (Administration > Service accounts), then run again.",
            });
        }
        records.delete(record.id);
    }

    async function findLegacyBorn(refs: KeyRef[]): Promise<Map<number, Presence>> {
        const presence = new Map<number, Presence>();
        for (const ref of refs) {
            const found = (await locate(records.get(ref.id)!, ref.key)).presence;
            presence.set(ref.id, found);
            if (found.state === "gone") records.delete(ref.id);
        }
        return presence;
    }

    /** A leftover holding a successor's name, where Grafana may hold it: a legacy key, or its migrated token. */
    async function leftoverNamed(name: string): Promise<LegacyKeyRecord | undefined> {
        const legacyKey = legacyGone ? undefined : (await legacyList())?.find((key) => key.name === name);
        if (legacyKey) return { id: legacyKey.id, name, serviceAccountId: null };
        const home = await where.migratedHome(name, (token) => token.name === name);
        const token = home?.tokens.find((listed) => listed.name === name);
        return home && token ? { id: token.id, name, serviceAccountId: home.accountId } : undefined;
    }

    const store: KeyStore = {
        get what() {
            return lastMinted;
        },
        async mint(name, secondsToLive, autonamed) {
            if (settings.requestedMode === "apiKey") return mintLegacy(name, secondsToLive, autonamed);
            if (settings.requestedMode === "serviceAccount" || state.mode === "serviceAccount" || legacyGone)
                return mintToken(name, secondsToLive, autonamed);
            // "auto" with a legacy key: ask Grafana itself whether it still mints them (its version may have changed since).
            return mintLegacy(name, secondsToLive, autonamed).catch((error: unknown) => {
                if (!(error instanceof ProviderError && error.code === "UNSUPPORTED")) throw error;
                legacyGone = true; // and so for the next name tried, should this one be taken
                return mintToken(name, secondsToLive, autonamed);
            });
        },
        async find(keys) {
            const born = keys.filter((ref) => records.has(ref.id));
            const own = keys.filter((ref) => !records.has(ref.id));
            const presence = await findLegacyBorn(born);
            if (own.length > 0) {
                const found = ownAccountId === null ? undefined : await serviceAccountTokens(target, ownAccountId, settings.role).find(own);
                if (!found) ownAccountId = null; // the account is gone, and its tokens with it
                for (const ref of own) presence.set(ref.id, found?.get(ref.id) ?? { state: "gone" });
            }
            return presence;
        },
        verify: (key) =>
            lastMinted === "legacy key" || ownAccountId === null
                ? legacy.verify(key)
                : verifyKey(target, key, { roleNone: settings.role === "None", serviceAccountId: ownAccountId }),
        async takenName(error, name): Promise<TakenName | undefined> {
            if (!isNameTaken(error)) return undefined;
            const own = ownAccountId === null ? undefined : await serviceAccountTokens(target, ownAccountId).takenName(error, name);
            if (own?.holder !== undefined) return own;
            const leftover = await leftoverNamed(name);
            if (!leftover) return {};
            records.set(leftover.id, leftover); // so that `remove` finds it where it is
            return { holder: leftover.id, what: leftover.serviceAccountId === null ? "legacy key" : "token" };
        },
        async abandon(cause) {
            if (createdAccount) await takeBackCreatedAccount(cause);
        },
        async remove({ id, name }) {
            const record = records.get(id);
            if (record) return removeLegacyBorn(name !== "" && record.name === "" ? { ...record, name } : record);
            if (ownAccountId === null) return;
            if (ownAccountId === createdAccount?.id) {
                // It held only this successor. Should it stay, so must Pulumi's record of it (the error says so), but
                // not the successor: its name is the next successor's too.
                const accountId = ownAccountId;
                try {
                    return await forgetCreatedAccount([id]);
                } catch (error) {
                    await deleteServiceAccountToken(target, accountId, id).catch(() => undefined);
                    throw error;
                }
            }
            await deleteServiceAccountToken(target, ownAccountId, id);
        },
        grafanaClockOffset: offset,
    };

    return {
        store,
        placed(next) {
            const held = new Set([next.keyId, next.previousKeyId, ...next.retiredKeyIds]);
            const kept = [...records.values()].filter((record) => held.has(record.id)).sort((a, b) => a.id - b.id);
            const current = records.get(next.keyId);
            const where =
                next.keyId === 0
                    ? { mode: next.mode, serviceAccountId: next.mode === "serviceAccount" ? (ownAccountId ?? next.serviceAccountId) : null }
                    : current
                      ? current.serviceAccountId === null
                          ? { mode: "apiKey" as const, serviceAccountId: null }
                          : { mode: "serviceAccount" as const, serviceAccountId: current.serviceAccountId }
                      : { mode: "serviceAccount" as const, serviceAccountId: ownAccountId };
            // A key imported as a legacy key has no recorded org until an account of its own tells it.
            const grafanaOrgId = next.grafanaOrgId ?? createdAccount?.orgId ?? null;
            return { ...next, ...where, ownServiceAccountId: ownAccountId, legacyKeys: kept, grafanaOrgId };
        },
    };
}

/** Destroy: this resource's own account with every token on it, and each key it minted as a legacy key, wherever it lives now. */
export async function removeEverywhere(target: GrafanaTarget, state: ApiKeyState): Promise<void> {
    const homes = keyHomes(target, state, { role: state.role, requestedMode: state.requestedMode, name: state.name });
    if (state.ownServiceAccountId !== null) await deleteServiceAccount(target, state.ownServiceAccountId);
    for (const record of state.legacyKeys) await homes.store.remove(record);
}

function presenceOfRow(home: TokenHome, id: number, clockOffsetSeconds: number): Presence {
    const { expiresAt, expired } = readTokenRow(
        home.tokens.find((token) => token.id === id)!,
        clockOffsetSeconds,
    );
    return { state: "live", expiresAt, expired };
}
