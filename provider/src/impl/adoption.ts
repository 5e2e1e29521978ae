import { isDeepStrictEqual } from "node:util";
import { z } from "zod";
import { ProviderError } from "../http/errors";
import { logInfo } from "../log";
import { CheckFailure, FieldRule, UNKNOWN } from "../schema/inputs";
import { showValue } from "../schema/showValue";
import { resolveAddress } from "./grafanaAddress";
import { Imported, isKindOf, readExisting } from "./imports";
import { parseResourceId } from "./resourceIds";

/**
 * The `adopt` input: how a TypeScript program takes over an existing key, token or service account. `pulumi import`
 * (and the `import` resource option) cannot reach a dynamic resource: for an import the engine calls Read with the id
 * alone (pulumi/pulumi pkg/resource/deploy/step.go, ImportStep.Apply), and the dynamic-provider host finds the
 * provider's code only in the properties it is sent (sdk/nodejs/cmd/dynamic-provider/index.ts, getProvider), so it
 * fails before any code of this package runs (docs/import.md). With `adopt`, `create` reads the named object with the
 * plugin import's own code (imports.ts, readExisting: the same state, lifetime, role, org and ownership), and the
 * lifecycle's `update` then brings it to what the program declares.
 *
 * `adopt` is read when the resource is created, and only then: later `diff`s ignore it, so it may stay in the program
 * or go. A replacement would create anew with it, adopting the very object the old resource then deletes: a diff that
 * replaces while `adopt` is still given fails instead (`refuseReadoption`).
 */

/** The object part of an id, as Pulumi records it for each resource type (resourceIds.ts). */
const FORMS: Record<string, string> = {
    GrafanaApiKey:
        "apikey/<key id> (a legacy API key), serviceaccount/<service account id> (a service account and its one token; " +
        "the account becomes the key's, deleted with it) or serviceaccount/<service account id>/token/<token id> " +
        "(one token; its account stays its owner's)",
    GrafanaServiceAccountToken: "serviceaccount/<service account id>/token/<token id>, with serviceAccountId the same account",
    GrafanaServiceAccount: "serviceaccount/<service account id>",
};

/** Inputs read only when a resource is created: no later change of them is a change of the resource. */
export const CREATE_ONLY_INPUTS = ["adopt"];

/** The check rule of `adopt` for one resource type. */
export function adoptRule(resourceType: string): FieldRule<string> {
    return {
        allowed:
            `the id of the existing object to take over: ${FORMS[resourceType]}; the Grafana is the one endpoint or workspaceId ` +
            "names and the org orgId's (the ids are in the Grafana UI's URLs, or listed by getGrafanaApiKeys)",
        schema: z.string().transform((text, ctx) => {
            const id = text.trim();
            const object = parseResourceId(id);
            const problem = id.includes("|")
                ? "it names the Grafana too: give only what follows the last |"
                : !object || !isKindOf(resourceType, object)
                  ? "it is not one of the forms"
                  : undefined;
            if (problem) {
                ctx.addIssue({ code: "custom", message: problem });
                return z.NEVER;
            }
            return id;
        }),
    };
}

/**
 * The adoption part of checked inputs. Adopting needs `name`, the object's name as Grafana shows it: without it a
 * later `up` would take the resource for autonamed (whose leftovers it may delete) or rename it.
 */
export function checkAdoption(
    // Any of them may be Pulumi's unknown marker during a preview (a string).
    values: { adopt?: string; name?: string; serviceAccountId?: number | typeof UNKNOWN },
    failures: CheckFailure[],
): { adopt: string | null } {
    const adopt = values.adopt ?? null;
    if (adopt === null || adopt === UNKNOWN) return { adopt };
    if (values.name === undefined) {
        failures.push({
            property: "name",
            reason: `name is required with adopt: give the adopted object's name as Grafana shows it (adopt ${showValue(adopt)})`,
        });
    }
    const object = parseResourceId(adopt);
    if (
        object?.kind === "serviceAccountToken" &&
        typeof values.serviceAccountId === "number" &&
        object.serviceAccountId !== values.serviceAccountId
    ) {
        failures.push({
            property: "adopt",
            reason: `adopt ${showValue(adopt)} names a token of service account ${object.serviceAccountId}, but serviceAccountId is ${values.serviceAccountId}: give the same account in both`,
        });
    }
    return { adopt };
}

export interface AdoptingInputs {
    adopt: string;
    endpoint?: string;
    workspaceId: string | null;
    orgId: number | null;
    name?: string;
    logicalName: string | null;
}

/** At create: the adopted object as a resource of `resourceType` (one read, as `pulumi import` does it). */
export async function readAdopted(resourceType: string, who: string, checked: AdoptingInputs): Promise<Imported> {
    const object = parseResourceId(checked.adopt);
    if (!object) throw new Error(`adopt ${showValue(checked.adopt)} was not checked by this version; run \`pulumi preview\``);
    const address = await resolveAddress(checked);
    try {
        return await readExisting(resourceType, { ...address, orgId: checked.orgId }, object, checked.logicalName ?? checked.name ?? "");
    } catch (error) {
        if (error instanceof ProviderError) throw error;
        // Not found, or of a role this provider does not manage: nothing was changed.
        const message = error instanceof Error ? error.message : String(error);
        throw new ProviderError({
            code: "BAD_INPUT",
            summary: `${who} cannot adopt ${showValue(checked.adopt)}: ${message.replace(/\.$/, "")}`,
            hint: "Nothing was changed. Correct adopt, or remove it to mint a new key.",
        });
    }
}

/**
 * Adopting takes the object as it is: a name, role or state the program gives that the object does not have would be
 * a rename, a role change or a replacement of someone's object as it is taken over, so it fails instead, saying what
 * Grafana holds. Once adopted, such changes are ordinary `up`s.
 */
export function refuseDifferences(who: string, adopt: string, fields: Array<{ field: string; program: unknown; found: unknown }>): void {
    const differing = fields.filter((field) => !isDeepStrictEqual(field.program, field.found));
    if (differing.length === 0) return;
    throw new ProviderError({
        code: "BAD_INPUT",
        summary:
            `${who} cannot adopt ${showValue(adopt)} as the program declares it: ` +
            differing
                .map((field) => `${field.field} is ${showValue(field.found)} in Grafana, ${showValue(field.program)} in the program`)
                .join("; "),
        hint: `Nothing was changed. Declare ${differing.map((field) => `${field.field}: ${showValue(field.found)}`).join(", ")} to adopt it, and change it after adopting if you want to.`,
    });
}

/** Said once the object is adopted: Grafana never shows an existing key's secret again, so the key handed out is new. */
export function sayAdoptedKey(who: string, adopt: string, what: "key" | "token", ownership: string): void {
    logInfo(
        `${who} adopted ${adopt}${ownership ? ` (${ownership})` : ""}. Grafana shows a ${what} only when it mints it, so the adopted ${what}'s secret cannot be read back: ` +
            `a new ${what} is minted now and handed out as \`key\`; the adopted one keeps working as the previous ${what} until it ` +
            "expires, or is deleted at the next rotation (at once with revokePrevious: true).",
    );
}

/** A diff that replaces a resource whose program still says `adopt`: the replacement would adopt what the old one deletes. */
export function refuseReadoption(replaces: string[], adopt: unknown): void {
    if (replaces.length === 0 || typeof adopt !== "string" || adopt === UNKNOWN) return;
    throw new ProviderError({
        code: "BAD_INPUT",
        summary:
            `This change replaces the resource (${replaces.join(", ")}), and its program still gives adopt ${showValue(adopt)}: ` +
            "the replacement would adopt the very object the old resource then deletes",
        hint: "Remove adopt from the program (it is read only when the resource is created), then run again.",
    });
}
