import { deleteLegacyKey, listLegacyKeys } from "../../provider/src/grafana/apiKeys";
import { GrafanaTarget } from "../../provider/src/grafana/client";
import { deleteServiceAccount, searchAllServiceAccounts } from "../../provider/src/grafana/serviceAccounts";
import { workspaceEndpoint } from "../../provider/src/azure/workspaceEndpoint";
import { LiveTarget } from "./liveTarget";

/**
 * The objects of the live suite's runs left on a Grafana: service accounts (with their tokens) and legacy API keys
 * whose name starts with a run prefix. A legacy key that an upgrade moved into a service account is found under
 * that account's name, `sa-autogen-<key name>` (docs/grafana-http-api.md). Calls go through the provider's own
 * Grafana client, signed in the same way.
 */

export interface Leftover {
    kind: "serviceAccount" | "apiKey";
    id: number;
    name: string;
}

export async function grafanaTargetOf(target: LiveTarget): Promise<GrafanaTarget> {
    return { endpoint: target.endpoint ?? (await workspaceEndpoint(target.workspaceId)) };
}

function belongsToRun(name: string, prefix: string): boolean {
    return name.startsWith(prefix) || name.startsWith(`sa-autogen-${prefix}`);
}

export async function findLeftovers(target: GrafanaTarget, prefix: string): Promise<Leftover[]> {
    const found: Leftover[] = [];
    for (const account of await searchAllServiceAccounts(target)) {
        if (belongsToRun(account.name, prefix)) found.push({ kind: "serviceAccount", id: account.id, name: account.name });
    }
    for (const key of (await listLegacyKeys(target)) ?? []) {
        if (belongsToRun(key.name, prefix)) found.push({ kind: "apiKey", id: key.id, name: key.name });
    }
    return found;
}

export async function deleteLeftover(target: GrafanaTarget, leftover: Leftover): Promise<void> {
    if (leftover.kind === "serviceAccount") await deleteServiceAccount(target, leftover.id);
    else await deleteLegacyKey(target, leftover.id);
}
