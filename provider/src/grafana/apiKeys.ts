import { rememberSecret } from "../http/redact";
import { createWithoutDuplicates } from "./createOnce";
import { callGrafana, failed, GrafanaTarget } from "./client";
import { anyBody, apiKeyList, ApiKeyListItem, createdApiKey } from "../schema/grafana";

/** Legacy API keys (`/api/auth/keys`): create on Grafana <= 11.2, list and delete up to 12.0. */

export interface LegacyKeyRequest {
    name: string;
    role: string;
    secondsToLive?: number;
}

export type LegacyCreateResult =
    | { created: true; id: number; key: string }
    /** 410 (11.3 - 12.0) or 404 (12.1+): this Grafana mints keys only as service-account tokens. */
    | { created: false; status: number; message?: string };

async function createLegacyKey(target: GrafanaTarget, request: LegacyKeyRequest): Promise<LegacyCreateResult> {
    const result = await callGrafana(target, {
        method: "POST",
        path: "/api/auth/keys",
        body: { name: request.name, role: request.role, secondsToLive: request.secondsToLive ?? 0 },
        schema: createdApiKey,
        expectedErrors: [404, 410],
    });
    if (!result.ok) return { created: false, status: result.status, message: result.error.message };
    rememberSecret(result.value.key);
    return { created: true, id: result.value.id, key: result.value.key };
}

/** undefined when the server no longer has the legacy routes (Grafana 12.1+ answers 404). */
export async function listLegacyKeys(target: GrafanaTarget): Promise<ApiKeyListItem[] | undefined> {
    const result = await callGrafana(target, {
        method: "GET",
        path: "/api/auth/keys",
        query: { includeExpired: true },
        schema: apiKeyList,
        expectedErrors: [404, 410],
    });
    return result.ok ? result.value : undefined;
}

/** Resolves to false when there was nothing to delete (already gone, or the route itself is gone). */
export async function deleteLegacyKey(target: GrafanaTarget, id: number): Promise<boolean> {
    const path = `/api/auth/keys/${id}`;
    const result = await callGrafana(target, { method: "DELETE", path, schema: anyBody, expectedErrors: [404] });
    if (result.ok) return true;
    if (result.status === 404) return false;
    return failed({ method: "DELETE", path }, result, target);
}

/**
 * A key whose answer was lost exists without anyone knowing its secret: remove it and mint again. Grafana
 * tells no creation time of a legacy key, but ids only grow: a key of this name holding an id above every
 * legacy key the org had before the attempt was made by it. (Legacy keys and service-account tokens share
 * one id sequence, so the highest legacy id is a lower bound of it, which is all the proof needs.) So
 * for a name the user gave, the keys are listed once before the first attempt.
 */
export async function createLegacyKeyOnce(
    target: GrafanaTarget,
    request: LegacyKeyRequest,
    autonamed: boolean,
): Promise<LegacyCreateResult> {
    const highestIdBefore = autonamed ? undefined : await highestLegacyKeyId(target);
    return createWithoutDuplicates({
        what: "legacy API key",
        name: request.name,
        autonamed,
        provenance: (found) =>
            Promise.resolve(
                highestIdBefore === undefined
                    ? "cannot tell"
                    : found.id > highestIdBefore
                      ? "made since the attempt began"
                      : "there before the attempt",
            ),
        create: () => createLegacyKey(target, request),
        find: async () => (await listLegacyKeys(target))?.find((key) => key.name === request.name),
        settle: async (existing) => void (await deleteLegacyKey(target, existing.id)),
    });
}

/** 0 for an org without legacy keys; undefined where the server no longer has them. */
async function highestLegacyKeyId(target: GrafanaTarget): Promise<number | undefined> {
    const keys = await listLegacyKeys(target);
    return keys === undefined ? undefined : Math.max(0, ...keys.map((key) => key.id));
}
