import { showValue } from "../schema/showValue";

/**
 * ARM ids of Azure Managed Grafana workspaces:
 * `/subscriptions/{guid}/resourceGroups/{rg}/providers/Microsoft.Dashboard/grafana/{name}`.
 * ARM compares ids case-insensitively; we keep the user's names and spell the fixed segments ARM's way.
 */

export interface WorkspaceRef {
    subscriptionId: string;
    resourceGroupName: string;
    workspaceName: string;
}

export const WORKSPACE_ID_FORM =
    "/subscriptions/<subscription GUID>/resourceGroups/<resource group>/providers/Microsoft.Dashboard/grafana/<workspace name>";

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const RESOURCE_GROUP = /^[-\w.()]{1,90}$/u;
const WORKSPACE_NAME = /^[a-zA-Z][a-z0-9A-Z-]{0,28}[a-z0-9A-Z]$/;

export type ParsedWorkspaceId = { ok: true; ref: WorkspaceRef } | { ok: false; problem: string };

export function parseWorkspaceId(id: string): ParsedWorkspaceId {
    const segments = id.trim().replace(/\/+$/, "").split("/");
    if (segments[0] !== "" || segments.length < 3) return { ok: false, problem: "it does not start with /subscriptions/" };
    const [, subscriptions, subscriptionId, resourceGroups, resourceGroupName, providers, namespace, type, workspaceName, ...rest] =
        segments;
    if (subscriptions?.toLowerCase() !== "subscriptions") return { ok: false, problem: "it does not start with /subscriptions/" };
    if (resourceGroups?.toLowerCase() !== "resourcegroups") return { ok: false, problem: "it names no resource group" };
    if (providers?.toLowerCase() !== "providers" || !namespace || !type) {
        return { ok: false, problem: "it is the id of a resource group, not of a resource" };
    }
    const resourceType = `${namespace}/${type}`;
    if (resourceType.toLowerCase() !== "microsoft.dashboard/grafana" || rest.length > 0) {
        const actual = rest.length > 0 ? `${resourceType}/${rest.filter((_, index) => index % 2 === 0).join("/")}` : resourceType;
        return {
            ok: false,
            problem: `it is the id of a ${showValue(actual).slice(1, -1)}, not of a Microsoft.Dashboard/grafana workspace`,
        };
    }
    const ref = { subscriptionId, resourceGroupName, workspaceName: workspaceName ?? "" };
    const problem = problemWith(ref);
    return problem ? { ok: false, problem } : { ok: true, ref: { ...ref, subscriptionId: subscriptionId.toLowerCase() } };
}

export function problemWith(ref: WorkspaceRef): string | undefined {
    if (!GUID.test(ref.subscriptionId)) return `subscription ${showValue(ref.subscriptionId)} is not a GUID`;
    if (!RESOURCE_GROUP.test(ref.resourceGroupName) || ref.resourceGroupName.endsWith(".")) {
        return `resource group ${showValue(ref.resourceGroupName)} is not a valid name (1-90 letters, digits, - _ . ( ), not ending in .)`;
    }
    if (!WORKSPACE_NAME.test(ref.workspaceName)) {
        return `workspace name ${showValue(ref.workspaceName)} is not valid (2-30 letters, digits and -, starting with a letter, not ending with -)`;
    }
    return undefined;
}

export function formatWorkspaceId(ref: WorkspaceRef): string {
    return `/subscriptions/${ref.subscriptionId.toLowerCase()}/resourceGroups/${ref.resourceGroupName}/providers/Microsoft.Dashboard/grafana/${ref.workspaceName}`;
}

export function sameWorkspace(a: string, b: string): boolean {
    return a.toLowerCase() === b.toLowerCase();
}
