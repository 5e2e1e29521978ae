/**
 * Microsoft Entra access tokens, as far as the emulated Azure front ends need them: minted on demand
 * for tests (Entra itself is never reachable from here) and verified by the ARM and Grafana sides.
 *
 * Real Entra tokens are RS256 JWTs checked against Entra's published keys; these are HS256 with a
 * random per-emulator secret, which keeps them JWT-shaped (clients treat them as opaque anyway)
 * while making a token from anywhere else fail the signature check.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { z } from "zod";

/**
 * Audiences the Grafana data plane accepts: the Entra app the az CLI has asked tokens for since
 * Managed Grafana launched, and the one a newer Learn page names (see azure-managed-grafana.md).
 */
export const GRAFANA_AUDIENCES: readonly string[] = ["ce34e7e5-485f-4d76-964f-b3d2b16d1e4f", "6f2d169c-08f3-4a4c-a982-bcaf2d038c45"];

/** Who a token is for when a test does not say: a fixed id, so assertions can name it. */
export const DEFAULT_PRINCIPAL_ID = "00000000-0000-0000-0000-00000000a11e";
/** The tenant every emulated token comes from unless `az --tenant` (or a test) names another. */
export const DEFAULT_TENANT_ID = "00000000-0000-0000-0000-0000000e7a47";
/** Entra access tokens live 60-90 minutes; the low end makes expiry easy to reach with clock.advance. */
export const DEFAULT_TOKEN_LIFETIME_SECONDS = 3600;

export interface IssueTokenOptions {
    /** The `aud` claim, verbatim (an az `--resource` value, an app id, a URL). */
    audience: string;
    /** The `oid` claim; default DEFAULT_PRINCIPAL_ID. */
    principalId?: string;
    /** The `tid` claim; default DEFAULT_TENANT_ID. */
    tenantId?: string;
    /** Default DEFAULT_TOKEN_LIFETIME_SECONDS; counted on the emulator clock. */
    expiresInSeconds?: number;
}

export interface IssuedToken {
    accessToken: string;
    expiresOnEpochSeconds: number;
}

const Claims = z.object({
    aud: z.string(),
    oid: z.string(),
    tid: z.string(),
    exp: z.number(),
    iat: z.number(),
});
export type EntraClaims = z.output<typeof Claims>;

const Header = z.object({ alg: z.literal("HS256") });

/** Why a token was refused; the front ends word each one differently. */
export type TokenFailure = "malformed" | "badSignature" | "expired" | "wrongAudience";

export type TokenCheck = { ok: true; claims: EntraClaims } | { ok: false; failure: TokenFailure };

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/**
 * Grafana's own secrets never contain dots (glsa_..., base64 eyJr...), so three dot-separated
 * base64url parts are enough to route a bearer value to Entra verification.
 */
export function looksLikeJwt(value: string): boolean {
    return JWT_SHAPE.test(value);
}

export class EntraTokens {
    /** Per instance: a token from another emulator (or a restarted one) is a forgery here. */
    private readonly secret = randomBytes(32);
    private readonly clock: { now(): number };

    constructor(options: { clock: { now(): number } }) {
        this.clock = options.clock;
    }

    issue(options: IssueTokenOptions): IssuedToken {
        const lifetime = options.expiresInSeconds ?? DEFAULT_TOKEN_LIFETIME_SECONDS;
        if (!Number.isFinite(lifetime)) throw new RangeError(`expiresInSeconds: not a finite number: ${lifetime}`);
        if (options.audience === "") throw new RangeError("issueToken: audience must not be empty");
        const iat = Math.floor(this.clock.now() / 1000);
        const claims: EntraClaims = {
            aud: options.audience,
            oid: options.principalId ?? DEFAULT_PRINCIPAL_ID,
            tid: options.tenantId ?? DEFAULT_TENANT_ID,
            exp: iat + Math.round(lifetime),
            iat,
        };
        const signingInput = `${encodeSegment({ alg: "HS256", typ: "JWT" })}.${encodeSegment(claims)}`;
        return { accessToken: `${signingInput}.${this.sign(signingInput)}`, expiresOnEpochSeconds: claims.exp };
    }

    /** Signature first, then expiry on the emulator clock, then audience: a forged token learns nothing. */
    verify(token: string, audienceAccepted: (aud: string) => boolean): TokenCheck {
        if (!looksLikeJwt(token)) return { ok: false, failure: "malformed" };
        const [header, payload, signature] = token.split(".");
        if (!Header.safeParse(decodeSegment(header)).success) return { ok: false, failure: "malformed" };
        const expected = Buffer.from(this.sign(`${header}.${payload}`));
        const given = Buffer.from(signature);
        if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
            return { ok: false, failure: "badSignature" };
        }
        const claims = Claims.safeParse(decodeSegment(payload));
        if (!claims.success) return { ok: false, failure: "malformed" };
        if (claims.data.exp * 1000 <= this.clock.now()) return { ok: false, failure: "expired" };
        if (!audienceAccepted(claims.data.aud)) return { ok: false, failure: "wrongAudience" };
        return { ok: true, claims: claims.data };
    }

    private sign(signingInput: string): string {
        return createHmac("sha256", this.secret).update(signingInput).digest("base64url");
    }
}

function encodeSegment(value: unknown): string {
    return Buffer.from(JSON.stringify(value), "utf8").toString("base64url");
}

/** undefined for anything that is not base64url-encoded JSON. */
function decodeSegment(segment: string): unknown {
    try {
        return JSON.parse(Buffer.from(segment, "base64url").toString("utf8"));
    } catch {
        return undefined;
    }
}
