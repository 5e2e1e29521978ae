/**
 * The ids Pulumi records for each resource, in one place. An id names what `create` first made and never
 * changes (Pulumi cannot change an id on update): after a rotation, `keyId`/`tokenId` name the current key.
 */

export type ResourceId =
    | { kind: "apiKey"; keyId: number }
    | { kind: "serviceAccount"; serviceAccountId: number }
    | { kind: "serviceAccountToken"; serviceAccountId: number; tokenId: number };

export function legacyKeyResourceId(keyId: number): string {
    return `apikey/${keyId}`;
}

export function serviceAccountResourceId(serviceAccountId: number): string {
    return `serviceaccount/${serviceAccountId}`;
}

/** Also a GrafanaApiKey minted as a service account: the account, and the token it was created with. */
export function tokenResourceId(serviceAccountId: number, tokenId: number): string {
    return `serviceaccount/${serviceAccountId}/token/${tokenId}`;
}

export const RESOURCE_ID_FORMS = [
    "apikey/<key id>",
    "serviceaccount/<service account id>",
    "serviceaccount/<service account id>/token/<token id>",
];

export function parseResourceId(id: string): ResourceId | undefined {
    const number = (text: string | undefined) => (text !== undefined && /^[1-9]\d{0,15}$/.test(text) ? Number(text) : undefined);
    const parts = id.split("/");
    if (parts.length === 2 && parts[0] === "apikey") {
        const keyId = number(parts[1]);
        return keyId === undefined ? undefined : { kind: "apiKey", keyId };
    }
    if (parts[0] !== "serviceaccount") return undefined;
    const serviceAccountId = number(parts[1]);
    if (serviceAccountId === undefined) return undefined;
    if (parts.length === 2) return { kind: "serviceAccount", serviceAccountId };
    const tokenId = number(parts[3]);
    return parts.length === 4 && parts[2] === "token" && tokenId !== undefined
        ? { kind: "serviceAccountToken", serviceAccountId, tokenId }
        : undefined;
}
