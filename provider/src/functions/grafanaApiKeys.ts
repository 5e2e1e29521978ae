import * as pulumi from "@pulumi/pulumi";
import { applyProviderConfig, CONFIG_NAMESPACE, providerConfig } from "../config";
import { withDeadline } from "../http/deadline";
import { refuseUnknownSettings } from "../resources/programSettings";
import { listLegacyKeys } from "../grafana/apiKeys";
import { listTokens, searchAllServiceAccounts } from "../grafana/serviceAccounts";
import { GrafanaTarget } from "../grafana/client";
import { grafanaClockOffsetSeconds } from "../grafana/clock";
import { isDead, isoOrNull } from "../impl/keyLifetime";
import { MAX_LISTED_LEGACY_KEYS, MAX_LISTED_TOKENS, readTokenRow } from "../impl/keyStores";
import { logWarning } from "../log";
import { booleanRule, orgIdRule, validateFields } from "../schema/inputs";
import { ADDRESS_FIELDS, addressInputs, checkAddress, resolveAddress, targetOf } from "../impl/grafanaAddress";

/**
 * Every key of a Grafana org: service-account tokens (paging through every service account) and, where
 * the server still has them, legacy API keys. Metadata only: a key's secret cannot be read back.
 */

export interface GrafanaApiKeysArgs {
    /** The Grafana URL. Give this or `workspaceId`. */
    endpoint?: string;
    /** Instead of `endpoint`: the ARM id of an Azure Managed Grafana workspace. */
    workspaceId?: string;
    /** Also list keys that no longer work by themselves: expired, or revoked by Grafana. Default false. */
    includeExpired?: boolean;
    /** The Grafana organization. Omitted: the credential's current org. */
    orgId?: number;
}

export interface GrafanaKeyInfo {
    /** `serviceAccountToken`, or `apiKey` for a legacy key. */
    kind: "serviceAccountToken" | "apiKey";
    /** Grafana's id of the token or legacy key. */
    id: number;
    /** The token's or key's name. */
    name: string;
    /** The key's role; for a token, its service account's. */
    role: string | null;
    /** ISO-8601, or null for a key that never expires. */
    expiresAt: string | null;
    /**
     * True once the key no longer works by itself: it expired, or Grafana revoked it (then `revoked` is true too). The
     * same rule as the resources' `expired` output.
     */
    expired: boolean;
    /** True when Grafana revoked the token (its secret scanning found it leaked); Grafana refuses it (401). */
    revoked: boolean;
    /** True when the key works: it is not expired or revoked, and its service account (if any) is not disabled. */
    usable: boolean;
    /** The service account holding the token; null for a legacy key. */
    serviceAccountId: number | null;
    /** That service account's name. */
    serviceAccountName: string | null;
    /** Whether that service account is disabled, which stops all of its tokens; null for a legacy key. */
    serviceAccountDisabled: boolean | null;
    /** ISO-8601, or null if never used. */
    lastUsedAt: string | null;
    /**
     * True when Grafana cut the list this key came from at its limit (300 tokens of one service account, 100 legacy
     * keys), which it does without paging: that account (or the org's legacy keys) may hold more keys than listed.
     */
    listTruncated: boolean;
}

/** For scripts: signs in from the environment (GRAFANA_AUTH, or Microsoft Entra ID). */
export async function listGrafanaApiKeys(args: GrafanaApiKeysArgs): Promise<GrafanaKeyInfo[]> {
    const raw = args as unknown as Record<string, unknown>;
    const { values, failures } = validateFields(raw, { ...ADDRESS_FIELDS, includeExpired: booleanRule, orgId: orgIdRule });
    checkAddress(raw, failures);
    if (failures.length > 0) throw new Error(failures.map((failure) => failure.reason).join("; "));
    // The settings in force (a script's come from the environment), its deadline included, as every operation runs.
    return withDeadline(providerConfig().operationDeadlineSeconds, "getGrafanaApiKeys", async () => {
        const address = await resolveAddress(addressInputs(values));
        const target = targetOf({ ...address, orgId: (values.orgId as number | undefined) ?? null });
        const keys = [...(await tokensOfEveryAccount(target)), ...(await legacyKeys(target))];
        return values.includeExpired === true ? keys : keys.filter((key) => !key.expired);
    });
}

/**
 * In a Pulumi program: an Output of the keys, signed in like the resources (the stack's
 * `azure-grafana-keys:*` config, then the environment).
 */
export function getGrafanaApiKeys(args: pulumi.Input<GrafanaApiKeysArgs>): pulumi.Output<GrafanaKeyInfo[]> {
    refuseUnknownSettings();
    const config = new pulumi.Config(CONFIG_NAMESPACE);
    const grafanaAuth = config.getSecret("grafanaAuth");
    const keys = pulumi.all([pulumi.output(args), grafanaAuth]).apply(async ([resolved, auth]) => {
        applyProviderConfig({
            get: (key: string) => (key === `${CONFIG_NAMESPACE}:grafanaAuth` ? auth : config.get(key.slice(CONFIG_NAMESPACE.length + 1))),
        });
        return listGrafanaApiKeys(resolved);
    });
    return pulumi.unsecret<GrafanaKeyInfo[]>(keys);
}

const PARALLEL_TOKEN_LISTS = 8;

/** Keys are judged on Grafana's clock, as learned from the answers just read, by the resources' rule (`isDead`). */
function clockOffsetOf(target: GrafanaTarget): number {
    return grafanaClockOffsetSeconds(target.endpoint) ?? 0;
}

async function tokensOfEveryAccount(target: GrafanaTarget): Promise<GrafanaKeyInfo[]> {
    const accounts = await searchAllServiceAccounts(target);
    const keys: GrafanaKeyInfo[] = [];
    for (let start = 0; start < accounts.length; start += PARALLEL_TOKEN_LISTS) {
        const batch = accounts.slice(start, start + PARALLEL_TOKEN_LISTS);
        const tokenLists = await Promise.all(batch.map((account) => listTokens(target, account.id)));
        batch.forEach((account, index) => {
            const tokens = tokenLists[index] ?? [];
            const listTruncated = tokens.length >= MAX_LISTED_TOKENS;
            if (listTruncated) warnTruncated(`service account ${account.id} ("${account.name}")`, `its first ${MAX_LISTED_TOKENS} tokens`);
            for (const token of tokens) {
                const { expiresAt, expired } = readTokenRow(token, clockOffsetOf(target));
                const serviceAccountDisabled = account.isDisabled ?? false;
                keys.push({
                    kind: "serviceAccountToken",
                    id: token.id,
                    name: token.name,
                    role: account.role ?? null,
                    expiresAt,
                    expired,
                    revoked: token.isRevoked === true,
                    usable: !expired && !serviceAccountDisabled,
                    serviceAccountId: account.id,
                    serviceAccountName: account.name,
                    serviceAccountDisabled,
                    lastUsedAt: isoOrNull(token.lastUsedAt),
                    listTruncated,
                });
            }
        });
    }
    return keys;
}

async function legacyKeys(target: GrafanaTarget): Promise<GrafanaKeyInfo[]> {
    const listed = (await listLegacyKeys(target)) ?? [];
    const listTruncated = listed.length >= MAX_LISTED_LEGACY_KEYS;
    if (listTruncated) warnTruncated("the org's legacy API keys", `the first ${MAX_LISTED_LEGACY_KEYS}`);
    return listed.map((key) => {
        const expiresAt = isoOrNull(key.expiration);
        const expired = isDead({ expiresAt }, clockOffsetOf(target));
        return {
            kind: "apiKey" as const,
            id: key.id,
            name: key.name,
            role: key.role ?? null,
            expiresAt,
            expired,
            revoked: false,
            usable: !expired,
            serviceAccountId: null,
            serviceAccountName: null,
            serviceAccountDisabled: null,
            lastUsedAt: isoOrNull(key.lastUsedAt),
            listTruncated,
        };
    });
}

/** Grafana's lists of tokens and legacy keys have no paging, so what lies past the cut cannot be read: say so. */
function warnTruncated(whose: string, shown: string): void {
    logWarning(
        `getGrafanaApiKeys: Grafana cut the list of ${whose} at ${shown}; more may exist and are not listed ` +
            "(their items carry listTruncated: true). Delete unused keys in Grafana to see the rest.",
    );
}
