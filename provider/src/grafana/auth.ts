import { entraToken } from "../azure/credentials";
import { providerConfig } from "../config";
import { isWorkspaceEndpoint } from "../azure/workspaceEndpoint";
import { ProviderError } from "../http/errors";
import { rememberSecret } from "../http/redact";

/**
 * The credential for Grafana's data plane, read at call time (never at module scope, where it could be
 * serialized into Pulumi state). A Grafana credential given explicitly wins: the stack's secret config
 * `azure-grafana-keys:grafanaAuth`, else GRAFANA_AUTH (a token, or user:password). Without one, the
 * caller signs in with Microsoft Entra ID, as Azure Managed Grafana expects: no bootstrap key needed.
 */
export async function grafanaAuthorization(endpoint: string, options: { freshEntraToken?: boolean } = {}): Promise<string> {
    const config = providerConfig();
    const explicit = explicitCredential();
    if (explicit) return authorizationHeader(explicit);
    try {
        return `Bearer ${await entraToken(`${config.grafanaAudience}/.default`, { fresh: options.freshEntraToken })}`;
    } catch (error) {
        if (error instanceof ProviderError && error.code === "MISSING_CREDENTIALS" && !isWorkspaceEndpoint(endpoint)) {
            throw noGrafanaCredential(endpoint, error);
        }
        throw error;
    }
}

/**
 * A Grafana that is not an Azure Managed Grafana workspace takes a Grafana credential, not Microsoft Entra ID: when
 * none was given and the Entra sign-in (tried all the same: a Grafana may be set up to take Entra tokens) failed,
 * the missing Grafana credential leads, and the Entra failure follows as the reason.
 */
function noGrafanaCredential(endpoint: string, entraFailure: ProviderError): ProviderError {
    return new ProviderError({
        code: "MISSING_CREDENTIALS",
        summary:
            `No Grafana credential for ${endpoint}, which is not an Azure Managed Grafana workspace: set GRAFANA_AUTH ` +
            "(a service account token, or user:password), or the stack's secret config azure-grafana-keys:grafanaAuth " +
            "(`pulumi config set --secret azure-grafana-keys:grafanaAuth <token>`)",
        hint:
            "Without one the provider signs in with Microsoft Entra ID, as Azure Managed Grafana expects, and that failed" +
            (entraFailure.remoteMessage ? `: "${entraFailure.remoteMessage}"` : "."),
    });
}

/** Whether calls sign in with Microsoft Entra ID (no Grafana credential was given). */
export function signsInWithEntra(): boolean {
    return explicitCredential() === undefined;
}

function explicitCredential(): string | undefined {
    return (providerConfig().grafanaAuth ?? process.env.GRAFANA_AUTH)?.trim() || undefined;
}

export function authorizationHeader(credential: string): string {
    const scheme = /^(Bearer|Basic)\s+/i.exec(credential);
    const value = scheme ? credential.slice(scheme[0].length) : credential;
    rememberSecret(value);
    if (scheme) return credential;
    if (!credential.includes(":")) return `Bearer ${credential}`;
    const encoded = Buffer.from(credential, "utf8").toString("base64");
    rememberSecret(encoded);
    rememberSecret(credential.slice(credential.indexOf(":") + 1)); // the password alone
    return `Basic ${encoded}`;
}
