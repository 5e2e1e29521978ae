import { getServiceAccount } from "../grafana/serviceAccounts";
import { logWarning } from "../log";
import { UNKNOWN } from "../schema/inputs";
import { resolveAddress, targetOf } from "./grafanaAddress";

/**
 * The role of the service account a GrafanaServiceAccountToken mints on, as Grafana says it NOW (one GET of the account,
 * `GET /api/serviceaccounts/:id`, whose `role` is the account's org role: grafana/grafana
 * pkg/services/serviceaccounts/api/api.go, RetrieveServiceAccount). A token acts with its account's role, so this is
 * what a policy judges a token by, whoever made the account: this stack, another one, a person, or Grafana's own
 * migration of a legacy key (`sa-autogen-*`, role = the key's). `check` stores it as the input `accountRole`
 * (storedInputs.ts), which is how a policy pack sees it.
 *
 * UNKNOWN while the account, its Grafana or its org is not known yet (a preview of an account still to be created:
 * `pulumi up` checks again once it exists, before the token is minted). null when Grafana could not say (no such
 * account, Grafana unreachable, a credential that may not read accounts): a pack then refuses rather than guess.
 */
export async function accountRoleOf(checked: {
    endpoint?: string;
    workspaceId: string | null;
    orgId: number | null;
    serviceAccountId: number;
}): Promise<string | null> {
    const { endpoint, workspaceId, orgId, serviceAccountId } = checked;
    if ([endpoint, workspaceId, orgId, serviceAccountId].includes(UNKNOWN)) return UNKNOWN;
    try {
        const address = await resolveAddress({ endpoint, workspaceId });
        const account = await getServiceAccount(targetOf({ ...address, orgId }), serviceAccountId);
        if (account?.role !== undefined) return account.role;
        logWarning(`The role of service account ${serviceAccountId} could not be read: Grafana does not know the account.`);
    } catch (error) {
        logWarning(
            `The role of service account ${serviceAccountId} could not be read: ${error instanceof Error ? error.message : String(error)}`,
        );
    }
    return null;
}
