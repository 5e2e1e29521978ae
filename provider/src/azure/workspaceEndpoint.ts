import { outsideDeadline } from "../http/deadline";
import { ProviderError } from "../http/errors";
import { requireWorkspace } from "./arm";
import { formatWorkspaceId, parseWorkspaceId } from "./workspaceId";

/**
 * The Grafana URL of a workspace, from its `properties.endpoint` (never built from the name: sovereign
 * clouds use other domains). A workspace's endpoint does not change, so it is asked once per process.
 */

const endpoints = new Map<string, Promise<string>>();

export function workspaceEndpoint(workspaceId: string): Promise<string> {
    const key = workspaceId.toLowerCase();
    let endpoint = endpoints.get(key);
    if (!endpoint) {
        // Shared by every resource on this workspace: bound by none of their deadlines.
        endpoint = outsideDeadline(() => resolve(workspaceId));
        endpoints.set(key, endpoint);
        endpoint.catch(() => endpoints.delete(key));
    }
    return endpoint;
}

async function resolve(workspaceId: string): Promise<string> {
    const parsed = parseWorkspaceId(workspaceId);
    if (!parsed.ok) throw new Error(`workspaceId ${workspaceId} is not valid: ${parsed.problem}`);
    const workspace = await requireWorkspace(parsed.ref);
    const endpoint = workspace.properties.endpoint;
    if (!endpoint) {
        throw new ProviderError({
            code: "HTTP_BAD_RESPONSE",
            summary: `Azure Managed Grafana workspace ${formatWorkspaceId(parsed.ref)} has no endpoint yet (provisioningState ${workspace.properties.provisioningState ?? "unknown"})`,
            hint: "Wait until the workspace is provisioned, then run again.",
        });
    }
    return new URL(endpoint).origin;
}

/**
 * Whether a Grafana URL is an Azure Managed Grafana workspace's, which signs callers in with Microsoft Entra ID:
 * `https://<name>-<hash>.<region>.grafana.azure.com` in Azure's public cloud (docs/azure-managed-grafana.md); sovereign
 * clouds are taken to use the same `grafana.azure.<tld>` form. It only decides which advice a missing credential leads
 * with: nothing is sent differently.
 */
export function isWorkspaceEndpoint(endpoint: string): boolean {
    try {
        return /\.grafana\.azure\.[a-z]+$/i.test(new URL(endpoint).hostname);
    } catch {
        return false;
    }
}
