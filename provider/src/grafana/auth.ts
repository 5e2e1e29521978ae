import { ProviderError } from "../http/errors";
import { providerConfig } from "../config";

/**
 * Where the credential for Grafana's data plane comes from. Read at call time, never at module scope:
 * whatever module scope holds can end up serialized into Pulumi state.
 * Today: `GRAFANA_AUTH` (or the provider's `grafanaAuth` config). Microsoft Entra ID sign-in plugs in
 * here as another source.
 */
export async function grafanaAuthorization(): Promise<string> {
    const configured = providerConfig().grafanaAuth ?? process.env.GRAFANA_AUTH;
    if (!configured || configured.trim() === "") {
        throw new ProviderError({
            code: "MISSING_CREDENTIALS",
            summary: "No credential for Grafana",
            hint:
                "Set GRAFANA_AUTH to a Grafana service account token (sent as a Bearer token) or to user:password " +
                "(sent as Basic auth) of an org Admin, or set the secret config azure-grafana-keys:grafanaAuth.",
        });
    }
    return authorizationHeader(configured.trim());
}

export function authorizationHeader(credential: string): string {
    if (/^(Bearer|Basic)\s/i.test(credential)) return credential;
    return credential.includes(":")
        ? `Basic ${Buffer.from(credential, "utf8").toString("base64")}`
        : `Bearer ${credential}`;
}
