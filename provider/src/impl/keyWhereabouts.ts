import { GrafanaTarget } from "../grafana/client";
import { listTokens, searchAllServiceAccounts } from "../grafana/serviceAccounts";
import { ServiceAccount, TokenListItem } from "../schema/grafana";
import { MAX_LISTED_TOKENS } from "./keyStores";
import { grafanaLogin } from "./naming";

/**
 * Which service account holds a token now, for a key Grafana may have moved: a legacy key becomes a token of an
 * account Grafana makes for it when it is upgraded (`CreateServiceAccountFromApikey` in
 * pkg/services/serviceaccounts/database/store.go), keeping its id. That account is named `sa-autogen-<key name>` and
 * logs in as `generateLogin("sa-autogen", org, key name)`; an admin may rename it, and a rename keeps the login
 * (`UpdateServiceAccount` writes only the name), while any other account may be given the same name. So the account
 * is looked for by its login as well as its name, and every candidate's token list is asked for the key's id; only
 * when none holds it is the whole org searched (the last resort, on the path where a key is not where it was).
 *
 * Answers are kept for the one operation a `KeyWhereabouts` serves, so each account is listed at most once.
 */

export interface TokenHome {
    accountId: number;
    tokens: TokenListItem[];
}

/** Where the whole org was searched: `complete` false when a token list Grafana cut short may hide the key. */
type OrgSearch = { home?: TokenHome; complete: boolean };

const MIGRATED_PREFIX = "sa-autogen" as const;
/** CreateServiceAccountFromApikey retries a login clash with `<key name>-001` .. `-010`. */
const MIGRATION_LOGIN_RETRIES = 10;

export interface KeyWhereabouts {
    /** The token list of one account; undefined when the account is gone. */
    tokensOf(accountId: number): Promise<TokenHome | undefined>;
    /** The account Grafana made for the legacy key `keyName` when it migrated it, holding a token that `holds` picks. */
    migratedHome(keyName: string, holds: (token: TokenListItem) => boolean): Promise<TokenHome | undefined>;
    /** The account holding token `id`, searched across every account of the org. */
    anywhere(id: number): Promise<OrgSearch>;
}

export function keyWhereabouts(target: GrafanaTarget): KeyWhereabouts {
    const lists = new Map<number, Promise<TokenHome | undefined>>();
    let migratedAccounts: Promise<ServiceAccount[]> | undefined;
    let everyAccount: Promise<ServiceAccount[]> | undefined;

    function tokensOf(accountId: number): Promise<TokenHome | undefined> {
        let list = lists.get(accountId);
        if (!list) {
            list = listTokens(target, accountId).then((tokens) => (tokens ? { accountId, tokens } : undefined));
            lists.set(accountId, list);
        }
        return list;
    }

    async function firstHolding(accounts: ServiceAccount[], holds: (token: TokenListItem) => boolean): Promise<TokenHome | undefined> {
        for (const account of accounts) {
            const home = await tokensOf(account.id);
            if (home?.tokens.some(holds)) return home;
        }
        return undefined;
    }

    return {
        tokensOf,
        async migratedHome(keyName, holds) {
            // One search finds them all: Grafana's query matches names and logins alike, and both begin so.
            migratedAccounts ??= searchAllServiceAccounts(target, `${MIGRATED_PREFIX}-`);
            const accounts = await migratedAccounts;
            // Case aside: older Grafanas wrote the key's name into the login as it was.
            const byLogin = accounts.filter((account) =>
                migratedLogins(account.orgId, keyName).includes((account.login ?? "").toLowerCase()),
            );
            const byName = accounts.filter(
                (account) => !byLogin.includes(account) && account.name.toLowerCase() === `${MIGRATED_PREFIX}-${keyName}`.toLowerCase(),
            );
            return firstHolding([...byLogin, ...byName], holds);
        },
        async anywhere(id) {
            everyAccount ??= searchAllServiceAccounts(target);
            const accounts = await everyAccount;
            const home = await firstHolding(accounts, (token) => token.id === id);
            if (home) return { home, complete: true };
            const lists = await Promise.all(accounts.map((account) => tokensOf(account.id)));
            return { complete: lists.every((list) => (list?.tokens.length ?? 0) < MAX_LISTED_TOKENS) };
        },
    };
}

/** The logins CreateServiceAccountFromApikey may have given the key's account. */
function migratedLogins(orgId: number | undefined, keyName: string): string[] {
    if (orgId === undefined) return [];
    const names = [keyName, ...Array.from({ length: MIGRATION_LOGIN_RETRIES }, (_, i) => `${keyName}-${String(i + 1).padStart(3, "0")}`)];
    return names.map((name) => grafanaLogin(MIGRATED_PREFIX, orgId, name));
}
