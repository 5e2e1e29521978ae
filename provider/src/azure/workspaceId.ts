import { showValue } from "../schema/showValue";
import { ArmNameRule, RESOURCE_GROUP_NAME, SUBSCRIPTION_ID, WORKSPACE_NAME } from "./armNames";

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
    const parts: Array<[ArmNameRule, string]> = [
        [SUBSCRIPTION_ID, ref.subscriptionId],
        [RESOURCE_GROUP_NAME, ref.resourceGroupName],
        [WORKSPACE_NAME, ref.workspaceName],
    ];
    const [rule, value] = parts.find(([candidate, name]) => !candidate.accepts(name)) ?? [];
    return rule ? `${rule.what} ${showValue(value)} ${rule.problem} (${rule.allowed})` : undefined;
}

export function formatWorkspaceId(ref: WorkspaceRef): string {
    return `/subscriptions/${ref.subscriptionId.toLowerCase()}/resourceGroups/${ref.resourceGroupName}/providers/Microsoft.Dashboard/grafana/${ref.workspaceName}`;
}

export function sameWorkspace(a: string, b: string): boolean {
    return a.toLowerCase() === b.toLowerCase();
}
