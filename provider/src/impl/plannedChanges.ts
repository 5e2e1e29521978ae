import type * as dynamic from "@pulumi/pulumi/dynamic";
import { refuseReadoption } from "./adoption";
import { addressField, GrafanaMatch, orgChange, replacementMayCollide, sameGrafana, StoredAddress } from "./grafanaAddress";

/**
 * What a `diff` finds, field by field: changes made in place, and changes that need a new object. Every
 * data-plane resource starts from where the object lives (Grafana, org) and ends with one rule for whether a
 * replacement must delete the old object first.
 */
export class PlannedChanges {
    readonly replaces: string[] = [];
    readonly updates: string[] = [];

    /** In place when `inPlace`, else by replacement. */
    add(field: string, inPlace: boolean): void {
        (inPlace ? this.updates : this.replaces).push(field);
    }

    get replacing(): boolean {
        return this.replaces.length > 0;
    }

    /**
     * Where the object lives: another Grafana is another object; the same one addressed the other way is only
     * recorded; so is pinning the org Grafana says it is in (`grafanaOrgId`, where known).
     */
    async place(
        old: StoredAddress & { grafanaOrgId: number | null },
        next: { endpoint?: unknown; workspaceId: unknown; orgId: unknown },
    ): Promise<GrafanaMatch> {
        const grafana = await sameGrafana(old, next);
        if (grafana !== "same") this.add(addressField(next), grafana === "same, addressed differently");
        const org = orgChange(old, next.orgId);
        if (org !== "none") this.add("orgId", org === "pinned");
        this.grafana = grafana;
        return grafana;
    }

    /**
     * The engine's answer; a replacement that keeps a given name where it may collide deletes the old one first. A
     * replacement while the program still says `adopt` fails (adoption.ts).
     */
    result(
        old: { name: string; orgId: number | null },
        next: { nameSource: unknown; name?: unknown; orgId: unknown; adopt?: unknown },
    ): dynamic.DiffResult {
        refuseReadoption(this.replaces, next.adopt);
        return {
            changes: this.replacing || this.updates.length > 0,
            replaces: [...new Set(this.replaces)],
            deleteBeforeReplace: this.replacing && replacementMayCollide(old, next, this.grafana),
        };
    }

    private grafana: GrafanaMatch = "same";
}
