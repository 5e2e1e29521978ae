import { workspaceEndpoint } from "../azure/workspaceEndpoint";
import { sameWorkspace } from "../azure/workspaceId";
import { GrafanaTarget } from "../grafana/client";
import { getServiceAccount } from "../grafana/serviceAccounts";
import { CheckFailure, endpointRule, UNKNOWN, workspaceIdRule } from "../schema/inputs";

/**
 * Where a Grafana resource lives: an `endpoint` URL, or the `workspaceId` of an Azure Managed Grafana
 * workspace whose endpoint ARM knows. Shared by every data-plane resource.
 */

export const ADDRESS_FIELDS = {
    endpoint: { ...endpointRule, required: false },
    workspaceId: workspaceIdRule,
};

/** Exactly one of `endpoint` and `workspaceId`. */
export function checkAddress(news: Record<string, unknown>, failures: CheckFailure[]): void {
    const given = (field: string) => news[field] !== undefined && news[field] !== null;
    if (given("endpoint") !== given("workspaceId")) return;
    failures.push({
        property: "endpoint",
        reason: given("endpoint")
            ? "give either endpoint or workspaceId, not both"
            : `endpoint is required: use ${endpointRule.allowed}; or give workspaceId instead (${workspaceIdRule.allowed})`,
    });
}

/** The address part of checked inputs; an endpoint is left out when a workspace will supply it. */
export function addressInputs(values: { endpoint?: string; workspaceId?: string }): { endpoint?: string; workspaceId: string | null } {
    return { ...(values.endpoint !== undefined ? { endpoint: values.endpoint } : {}), workspaceId: values.workspaceId ?? null };
}

export interface StoredAddress {
    endpoint: string;
    workspaceId: string | null;
    orgId: number | null;
}

export type GrafanaMatch = "same" | "same, addressed differently" | "other";

/**
 * Whether new inputs address the Grafana an object lives on. Switching between `endpoint` and the
 * `workspaceId` of the same workspace is no reason to recreate anything, so that case asks ARM
 * (read-only, so fine during preview).
 */
export async function sameGrafana(old: StoredAddress, news: { endpoint?: unknown; workspaceId: unknown }): Promise<GrafanaMatch> {
    if (typeof news.workspaceId === "string") {
        if (news.workspaceId === UNKNOWN) return "other";
        if (old.workspaceId !== null) return sameWorkspace(old.workspaceId, news.workspaceId) ? "same" : "other";
        return (await workspaceEndpoint(news.workspaceId)) === old.endpoint ? "same, addressed differently" : "other";
    }
    if (news.endpoint !== old.endpoint) return "other";
    return old.workspaceId === null ? "same" : "same, addressed differently";
}

/** The changed address field, for `replaces` or an update. */
export function addressField(news: { workspaceId: unknown }): "workspaceId" | "endpoint" {
    return typeof news.workspaceId === "string" ? "workspaceId" : "endpoint";
}

export async function resolveAddress(checked: {
    endpoint?: string;
    workspaceId: string | null;
}): Promise<{ endpoint: string; workspaceId: string | null }> {
    const { workspaceId } = checked;
    if (workspaceId !== null) return { endpoint: await workspaceEndpoint(workspaceId), workspaceId };
    if (checked.endpoint === undefined) throw new Error("neither endpoint nor workspaceId was given; `check` should have said so");
    return { endpoint: checked.endpoint, workspaceId };
}

/** An unset org is the credential's current one, which may well be the org named on the other side. */
export function mayBeSameOrg(orgId: unknown, otherOrgId: number | null): boolean {
    return orgId === undefined || orgId === null || otherOrgId === null || orgId === otherOrgId;
}

/**
 * What a change of `orgId` means for an object. Unset is the credential's current org; pinning the org that
 * Grafana says the object is in (`grafanaOrgId`, where known) changes nothing in Grafana, so it is no reason to
 * recreate anything. Every other change moves the object to another org: a replacement.
 */
export function orgChange(old: { orgId: number | null; grafanaOrgId: number | null }, orgId: unknown): "none" | "pinned" | "moved" {
    if ((orgId ?? null) === old.orgId) return "none";
    return old.orgId === null && orgId !== null && orgId === old.grafanaOrgId ? "pinned" : "moved";
}

/**
 * Whether a replacement could meet its predecessor's name: a given name kept on the same Grafana, in what may be
 * the same org. Grafana refuses duplicate names there, so the old object must go first.
 */
export function replacementMayCollide(
    old: { name: string; orgId: number | null },
    news: { nameSource: unknown; name?: unknown; orgId: unknown },
    grafana: GrafanaMatch,
): boolean {
    return news.nameSource === "user" && news.name === old.name && grafana !== "other" && mayBeSameOrg(news.orgId, old.orgId);
}

/**
 * Where calls about an object go. An object made without `orgId` stays in the org it was made in, while a user
 * credential's current org can move (`POST /api/user/using/:id`, Grafana's org picker): so once Grafana has said
 * which org holds it (`grafanaOrgId`), every call names that org. Before that (a create), the credential's current org.
 */
export function targetOf(stored: { endpoint: string; orgId: number | null; grafanaOrgId?: number | null }): GrafanaTarget {
    return { endpoint: stored.endpoint, orgId: stored.orgId ?? stored.grafanaOrgId ?? undefined };
}

/** The org a service account is in: `orgId` when given, else what Grafana says (one GET); null when it is not found. */
export async function orgOfAccount(target: GrafanaTarget, serviceAccountId: number, orgId: number | null): Promise<number | null> {
    if (orgId !== null) return orgId;
    return (await getServiceAccount(target, serviceAccountId))?.orgId ?? null;
}
