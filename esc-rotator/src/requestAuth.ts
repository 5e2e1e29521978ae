import { createHash, timingSafeEqual } from "node:crypto";
import { createRemoteJWKSet, errors, jwtVerify, JWTPayload } from "jose";
import { RotatorSettings } from "./settings";

/**
 * Every request is proven to come from Pulumi ESC, for this adapter and this body, before anything else happens:
 * the bearer token's RS256 signature against the published keys, its `iss`, its `aud` (this adapter's public URL,
 * exactly), its `exp`, and its `body_hash` (`sha256-<base64 of the SHA-256 of the raw body>`, the body's SRI hash)
 * against the bytes received. jose does the JWT and the JWKS (fetched, cached, refetched for an unknown key id).
 */

export class Unauthorized extends Error {}

export type RequestVerifier = (authorization: string | undefined, rawBody: Buffer) => Promise<JWTPayload>;

export function requestVerifier(settings: RotatorSettings): RequestVerifier {
    const keys = createRemoteJWKSet(settings.jwksUrl, { cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000 });
    return async (authorization, rawBody) => {
        const token = /^Bearer ([A-Za-z0-9_.-]+)$/.exec(authorization ?? "")?.[1];
        if (!token) throw new Unauthorized("no bearer token in the Authorization header");
        let payload: JWTPayload;
        try {
            ({ payload } = await jwtVerify(token, keys, {
                algorithms: ["RS256"],
                audience: settings.publicUrl,
                issuer: settings.issuer,
                requiredClaims: ["exp", "body_hash"],
            }));
        } catch (error) {
            throw new Unauthorized(`the token was refused: ${reasonOf(error)}`);
        }
        if (!bodyHashMatches(payload.body_hash, rawBody)) throw new Unauthorized("the token's body_hash is not that of the body received");
        return payload;
    };
}

function bodyHashMatches(claim: unknown, rawBody: Buffer): boolean {
    if (typeof claim !== "string") return false;
    const expected = Buffer.from(`sha256-${createHash("sha256").update(rawBody).digest("base64")}`);
    const given = Buffer.from(claim);
    return given.length === expected.length && timingSafeEqual(given, expected);
}

/** jose's own words for what failed; they name claims and algorithms, never the token. */
function reasonOf(error: unknown): string {
    if (error instanceof errors.JOSEError) return `${error.code}: ${error.message}`;
    return "it could not be verified";
}
