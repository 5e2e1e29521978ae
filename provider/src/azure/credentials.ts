import type { AccessToken, TokenCredential } from "@azure/identity";
import { readFile } from "node:fs/promises";
import { providerConfig } from "../config";
import { ProviderError } from "../http/errors";
import { rememberSecret } from "../http/redact";

/**
 * Microsoft Entra ID sign-in. Tokens are fetched at call time, shared per scope by every resource a
 * host process serves (concurrent callers wait for one fetch), reused until shortly before they
 * expire, and never stored. `@azure/identity` is loaded only when Entra ID is actually used.
 *
 * Which credential, first match wins:
 * 1. ARM_CLIENT_ID + ARM_TENANT_ID + ARM_CLIENT_SECRET: a service principal (as azure-native users set)
 * 2. ARM_USE_OIDC=true + ARM_CLIENT_ID + ARM_TENANT_ID + ARM_OIDC_TOKEN (or ARM_OIDC_TOKEN_FILE_PATH):
 *    workload identity federation, e.g. GitHub Actions
 * 3. ARM_USE_MSI=true: managed identity (ARM_CLIENT_ID picks a user-assigned one)
 * 4. DefaultAzureCredential: AZURE_* environment, workload identity, managed identity, Azure CLI
 *    (`az login`), Azure PowerShell, Azure Developer CLI; AZURE_TOKEN_CREDENTIALS narrows the chain.
 */

/** Longer than a request can spend retrying with one header (5 retries, up to 30 s apart). */
const REFRESH_BEFORE_EXPIRY_MS = 5 * 60_000;

interface CachedToken {
    token: string;
    expiresOnTimestamp: number;
}

let credential: { key: string; value: TokenCredential } | undefined;
const tokens = new Map<string, CachedToken>();
const pending = new Map<string, Promise<CachedToken>>();

/** `fresh`: the cached token was refused (revoked, or expired by a clock other than ours): fetch a new one. */
export async function entraToken(scope: string, options: { fresh?: boolean } = {}): Promise<string> {
    const cached = tokens.get(scope);
    if (options.fresh) tokens.delete(scope);
    else if (cached && cached.expiresOnTimestamp - Date.now() > REFRESH_BEFORE_EXPIRY_MS) return cached.token;
    let fetching = pending.get(scope);
    if (!fetching) {
        fetching = fetchToken(scope).finally(() => pending.delete(scope));
        pending.set(scope, fetching);
    }
    return (await fetching).token;
}

async function fetchToken(scope: string): Promise<CachedToken> {
    let token: AccessToken | null;
    try {
        token = await currentCredential().getToken(scope);
    } catch (error) {
        throw new ProviderError({
            code: "MISSING_CREDENTIALS",
            summary: `Could not sign in to Microsoft Entra ID for ${scope}`,
            remoteMessage: firstLine(error),
            hint:
                "Sign in with `az login`, or set ARM_CLIENT_ID, ARM_TENANT_ID and ARM_CLIENT_SECRET (or ARM_USE_OIDC with " +
                "ARM_OIDC_TOKEN, or ARM_USE_MSI), or use a workload or managed identity. For Grafana alone, GRAFANA_AUTH " +
                "(a service account token or user:password) also works.",
        });
    }
    if (!token) {
        throw new ProviderError({ code: "MISSING_CREDENTIALS", summary: `Microsoft Entra ID returned no token for ${scope}` });
    }
    rememberSecret(token.token);
    const entry = { token: token.token, expiresOnTimestamp: token.expiresOnTimestamp };
    tokens.set(scope, entry);
    return entry;
}

function currentCredential(): TokenCredential {
    const env = process.env;
    const { authorityHost } = providerConfig();
    const key = JSON.stringify([
        authorityHost,
        env.ARM_CLIENT_ID,
        env.ARM_TENANT_ID,
        Boolean(env.ARM_CLIENT_SECRET),
        env.ARM_USE_OIDC,
        env.ARM_USE_MSI,
        env.AZURE_TOKEN_CREDENTIALS,
    ]);
    if (credential?.key !== key) {
        credential = { key, value: createCredential(env, authorityHost) };
        tokens.clear();
    }
    return credential.value;
}

export function credentialKind(env: NodeJS.ProcessEnv): "clientSecret" | "oidc" | "managedIdentity" | "default" {
    const servicePrincipal = Boolean(env.ARM_CLIENT_ID && env.ARM_TENANT_ID);
    if (servicePrincipal && env.ARM_CLIENT_SECRET) return "clientSecret";
    if (servicePrincipal && isTrue(env.ARM_USE_OIDC) && (env.ARM_OIDC_TOKEN || env.ARM_OIDC_TOKEN_FILE_PATH)) return "oidc";
    if (isTrue(env.ARM_USE_MSI)) return "managedIdentity";
    return "default";
}

function createCredential(env: NodeJS.ProcessEnv, authorityHost: string | undefined): TokenCredential {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded here, not at module scope (as an import would be): most runs use GRAFANA_AUTH and never need it
    const identity = require("@azure/identity") as typeof import("@azure/identity");
    const options = authorityHost ? { authorityHost } : {};
    switch (credentialKind(env)) {
        case "clientSecret":
            return new identity.ClientSecretCredential(env.ARM_TENANT_ID!, env.ARM_CLIENT_ID!, env.ARM_CLIENT_SECRET!, options);
        case "oidc":
            return new identity.ClientAssertionCredential(
                env.ARM_TENANT_ID!,
                env.ARM_CLIENT_ID!,
                async () => env.ARM_OIDC_TOKEN || (await readFile(env.ARM_OIDC_TOKEN_FILE_PATH!, "utf8")).trim(),
                options,
            );
        case "managedIdentity":
            return env.ARM_CLIENT_ID
                ? new identity.ManagedIdentityCredential({ clientId: env.ARM_CLIENT_ID })
                : new identity.ManagedIdentityCredential();
        case "default":
            return new identity.DefaultAzureCredential(options);
    }
}

function isTrue(value: string | undefined): boolean {
    return value !== undefined && ["true", "1", "yes"].includes(value.toLowerCase());
}

function firstLine(error: unknown): string {
    const message = error instanceof Error ? error.message : String(error);
    return message.split("\n")[0].slice(0, 300);
}
