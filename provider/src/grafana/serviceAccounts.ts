import { rememberSecret } from "../http/redact";
import { createWithoutDuplicates, Provenance } from "./createOnce";
import { createdSince } from "./clock";
import { callGrafana, GrafanaTarget, requestGrafana } from "./client";
import { isLifetimeLimitRefusal, lifetimeLimitError } from "./tokenLifetimeLimit";
import { anyBody, createdToken, serviceAccount, ServiceAccount, serviceAccountSearch, tokenList, TokenListItem } from "../schema/grafana";

/** Service accounts and their tokens (`/api/serviceaccounts`), Grafana >= 9.1. */

async function createServiceAccount(target: GrafanaTarget, name: string, role: string, isDisabled = false): Promise<ServiceAccount> {
    return requestGrafana(target, {
        method: "POST",
        path: "/api/serviceaccounts",
        body: { name, role, isDisabled },
        schema: serviceAccount,
    });
}

/** undefined when the account no longer exists. */
export async function getServiceAccount(target: GrafanaTarget, serviceAccountId: number): Promise<ServiceAccount | undefined> {
    const result = await callGrafana(target, {
        method: "GET",
        path: `/api/serviceaccounts/${serviceAccountId}`,
        schema: serviceAccount,
        expectedErrors: [404],
    });
    return result.ok ? result.value : undefined;
}

/** Always sends name, role and isDisabled together: Grafana 11 answers 500 when role is left out. */
export async function updateServiceAccount(
    target: GrafanaTarget,
    serviceAccountId: number,
    settings: { name: string; role: string; isDisabled: boolean },
): Promise<void> {
    await requestGrafana(target, { method: "PATCH", path: `/api/serviceaccounts/${serviceAccountId}`, body: settings, schema: anyBody });
}

/** Exact (case-insensitive, as Grafana compares) name match; Grafana's `query` is only a substring filter. */
export async function findServiceAccountByName(target: GrafanaTarget, name: string): Promise<ServiceAccount | undefined> {
    const perPage = 100;
    for (let page = 1; ; page++) {
        const found = await searchPage(target, name, page, perPage);
        const match = found.serviceAccounts.find((account) => account.name.toLowerCase() === name.toLowerCase());
        if (match) return match;
        if (page * perPage >= found.totalCount || found.serviceAccounts.length === 0) return undefined;
    }
}

/**
 * Every account whose name or login contains `query` ("": every account of the org), page by page. Grafana matches
 * `query` with LIKE against email (= login), name and login (SearchOrgServiceAccounts), so a renamed account is still
 * found by the login it was created with: a rename keeps it (UpdateServiceAccount writes only the name).
 */
export async function searchAllServiceAccounts(target: GrafanaTarget, query = ""): Promise<ServiceAccount[]> {
    const perPage = 1000; // Grafana's usual cap
    const accounts: ServiceAccount[] = [];
    for (let page = 1; ; page++) {
        const found = await searchPage(target, query, page, perPage);
        accounts.push(...found.serviceAccounts);
        if (page * perPage >= found.totalCount || found.serviceAccounts.length === 0) return accounts;
    }
}

function searchPage(target: GrafanaTarget, query: string, page: number, perPage: number) {
    return requestGrafana(target, {
        method: "GET",
        path: "/api/serviceaccounts/search",
        query: { ...(query === "" ? {} : { query }), perpage: perPage, page },
        schema: serviceAccountSearch,
    });
}

async function createToken(
    target: GrafanaTarget,
    serviceAccountId: number,
    name: string,
    secondsToLive: number | undefined,
): Promise<{ id: number; key: string }> {
    const token = await requestGrafana(target, {
        method: "POST",
        path: `/api/serviceaccounts/${serviceAccountId}/tokens`,
        body: { name, secondsToLive: secondsToLive ?? 0 },
        schema: createdToken,
    }).catch(async (error: unknown) => {
        throw isLifetimeLimitRefusal(error) ? await lifetimeLimitError(target, secondsToLive ?? 0) : error;
    });
    rememberSecret(token.key);
    return { id: token.id, key: token.key };
}

/** undefined when the service account no longer exists. */
export async function listTokens(target: GrafanaTarget, serviceAccountId: number): Promise<TokenListItem[] | undefined> {
    const result = await callGrafana(target, {
        method: "GET",
        path: `/api/serviceaccounts/${serviceAccountId}/tokens`,
        schema: tokenList,
        expectedErrors: [404],
    });
    return result.ok ? result.value : undefined;
}

/** Deletes the account and, with it, all of its tokens. Resolves to false when it was already gone. */
export async function deleteServiceAccount(target: GrafanaTarget, serviceAccountId: number): Promise<boolean> {
    const result = await callGrafana(target, {
        method: "DELETE",
        path: `/api/serviceaccounts/${serviceAccountId}`,
        schema: anyBody,
        expectedErrors: [404],
    });
    return result.ok;
}

export async function deleteServiceAccountToken(target: GrafanaTarget, serviceAccountId: number, tokenId: number): Promise<boolean> {
    const result = await callGrafana(target, {
        method: "DELETE",
        path: `/api/serviceaccounts/${serviceAccountId}/tokens/${tokenId}`,
        schema: anyBody,
        expectedErrors: [404],
    });
    return result.ok;
}

/**
 * A service account as created: `adopted` when it was found by name after a lost answer rather than handed back by
 * Grafana. Someone else may have made an account of the same name, with the same settings, in the same second
 * (Grafana has no request ids), so an adopted account is not proven this attempt's: a failed create leaves it.
 */
export type CreatedServiceAccount = ServiceAccount & { adopted: boolean };

/** Grafana sometimes answers 500 although it created the account: adopt it rather than make a second. */
export function createServiceAccountOnce(
    target: GrafanaTarget,
    request: { name: string; role: string; isDisabled?: boolean; autonamed: boolean },
): Promise<CreatedServiceAccount> {
    const { name, role, isDisabled = false, autonamed } = request;
    return createWithoutDuplicates<CreatedServiceAccount, ServiceAccount>({
        what: "service account",
        name,
        autonamed,
        // An account this attempt made carries exactly what it sent and has no token yet (tokens are minted once the
        // create returns); the search result carries no creation time, the account's profile does.
        provenance: async (found, startedAt) => {
            if ((found.tokens ?? 0) > 0) return "there before the attempt";
            const since = madeSince(target, (await getServiceAccount(target, found.id))?.createdAt, startedAt);
            return since === "made since the attempt began" && !sentAs(found, role, isDisabled) ? "not as sent" : since;
        },
        create: async () => ({ ...(await createServiceAccount(target, name, role, isDisabled)), adopted: false }),
        find: () => findServiceAccountByName(target, name),
        settle: (existing) => Promise.resolve({ ...existing, adopted: true }),
    });
}

/** The found account carries what was sent: the role and the disabled flag (the name matched already). */
function sentAs(account: ServiceAccount, role: string, isDisabled: boolean): boolean {
    return account.role === role && (account.isDisabled ?? false) === isDisabled;
}

/**
 * A token whose answer was lost exists without anyone knowing its secret: remove it and mint again. On an account
 * that was adopted (`accountAdopted`: found by name after a lost answer, perhaps another creator's), a token of the
 * name made meanwhile may be that creator's own, so it cannot be proven this attempt's and is left alone.
 */
export function createTokenOnce(
    target: GrafanaTarget,
    serviceAccountId: number,
    request: { name: string; secondsToLive: number | undefined; autonamed: boolean; accountAdopted: boolean },
): Promise<{ id: number; key: string }> {
    const { name, secondsToLive, autonamed, accountAdopted } = request;
    return createWithoutDuplicates({
        what: "service account token",
        name,
        autonamed,
        provenance: (found, startedAt) => Promise.resolve(accountAdopted ? "cannot tell" : madeSince(target, found.created, startedAt)),
        create: () => createToken(target, serviceAccountId, name, secondsToLive),
        find: async () => (await listTokens(target, serviceAccountId))?.find((token) => token.name === name),
        settle: async (existing) => void (await deleteServiceAccountToken(target, serviceAccountId, existing.id)),
    });
}

/** Grafana's creation time against the attempt's start, on Grafana's clock. */
function madeSince(target: GrafanaTarget, createdAt: string | null | undefined, startedAt: number): Provenance {
    const since = createdSince(target.endpoint, createdAt, startedAt);
    return since === undefined ? "cannot tell" : since ? "made since the attempt began" : "there before the attempt";
}
