import { createHash, randomUUID } from "node:crypto";
import * as http from "node:http";
import { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, JWK, SignJWT } from "jose";
import { rotationHandler, RotationHandler, rotationServer, rotatorSettings } from "pulumi-azure-grafana-keys-esc-rotator";

/**
 * Pulumi ESC as the adapter meets it, on 127.0.0.1: a JWKS server publishing an RS256 key, tokens signed with it as
 * Pulumi Cloud signs them (iss, aud = the adapter's URL, exp, body_hash of the exact bytes sent), and the POST of
 * `{ request, state }`. Each adapter instance is the package's own handler behind its own server, as a Function App
 * instance is; two instances share nothing but Grafana.
 */

export interface SignedRequestOptions {
    audience?: string;
    issuer?: string;
    expiresInSeconds?: number;
    /** Signed with a key the JWKS does not publish. */
    unknownKey?: boolean;
    /** The body the token's body_hash is computed over, when not the one sent. */
    hashedBody?: string;
    /** A token with `alg: none` and no signature. */
    unsigned?: boolean;
}

export interface EscAnswer {
    status: number;
    body: Record<string, unknown>;
}

export interface EscSimulator {
    /** Where the simulated Pulumi Cloud publishes its signing key. */
    readonly jwksUrl: string;
    /** The bearer token ESC sends with `rawBody` to the adapter at `url`. */
    sign(url: string, rawBody: string, options?: SignedRequestOptions): Promise<string>;
    /** ESC's POST of `body` to the adapter at `url`, signed for it. */
    send(url: string, body: unknown, options?: SignedRequestOptions): Promise<EscAnswer>;
    /** A fresh adapter instance in this process (its own memory), at its own URL. */
    startAdapter(
        log?: (line: string) => void,
    ): Promise<{ url: string; rotate: (body: unknown, options?: SignedRequestOptions) => Promise<EscAnswer> }>;
    close(): Promise<void>;
}

export const PULUMI_ISSUER = "https://api.pulumi.com";

export async function startEscSimulator(env: NodeJS.ProcessEnv): Promise<EscSimulator> {
    const signing = await generateKeyPair("RS256");
    const stranger = await generateKeyPair("RS256");
    const jwk: JWK = { ...(await exportJWK(signing.publicKey)), kid: "pulumi-1", alg: "RS256", use: "sig" };
    const jwks = http.createServer((_request, response) => {
        response.writeHead(200, { "content-type": "application/json" });
        response.end(JSON.stringify({ keys: [jwk] }));
    });
    const jwksUrl = await listen(jwks, "/.well-known/jwks");
    const servers: http.Server[] = [jwks];

    async function sign(url: string, body: string, options: SignedRequestOptions = {}): Promise<string> {
        const claims = {
            body_hash: `sha256-${createHash("sha256")
                .update(options.hashedBody ?? body)
                .digest("base64")}`,
            org: "acme",
            current_env: "acme/grafana-keys",
            trigger_user: "alice",
            jti: randomUUID(),
        };
        const now = Math.floor(Date.now() / 1000);
        if (options.unsigned) {
            const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
            return `${part({ alg: "none", typ: "JWT" })}.${part({ ...claims, iss: PULUMI_ISSUER, aud: url, iat: now, exp: now + 300 })}.`;
        }
        return new SignJWT(claims)
            .setProtectedHeader({ alg: "RS256", kid: options.unknownKey ? "someone-else" : "pulumi-1", typ: "JWT" })
            .setIssuer(options.issuer ?? PULUMI_ISSUER)
            .setAudience(options.audience ?? url)
            .setIssuedAt(now - 600)
            .setExpirationTime(now + (options.expiresInSeconds ?? 300))
            .sign(options.unknownKey ? stranger.privateKey : signing.privateKey);
    }

    async function send(url: string, body: unknown, options: SignedRequestOptions = {}): Promise<EscAnswer> {
        const raw = JSON.stringify(body);
        const response = await fetch(url, {
            method: "POST",
            headers: { "content-type": "application/json", authorization: `Bearer ${await sign(url, raw, options)}` },
            body: raw,
        });
        return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    }

    return {
        jwksUrl,
        sign,
        send,
        async startAdapter(log) {
            // The adapter's URL is known once its server listens; the handler behind it is made then.
            const handlers: RotationHandler[] = [];
            const server = rotationServer((request) => handlers[0](request));
            const url = await listen(server, "/api/rotate");
            servers.push(server);
            handlers[0] = rotationHandler(rotatorSettings({ ...env, ESC_ROTATOR_PUBLIC_URL: url, ESC_ROTATOR_JWKS_URL: jwksUrl }), { log });
            return { url, rotate: (body, options) => send(url, body, options) };
        },
        async close() {
            await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
        },
    };
}

async function listen(server: http.Server, path: string): Promise<string> {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
}
