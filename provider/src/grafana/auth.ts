import { entraToken } from "../azure/credentials";
import { providerConfig } from "../config";

/**
 * The credential for Grafana's data plane, read at call time (never at module scope, where it could be
 * serialized into Pulumi state). A Grafana credential given explicitly wins: the stack's secret config
 * `azure-grafana-keys:grafanaAuth`, else GRAFANA_AUTH (a token, or user:password). Without one, the
 * caller signs in with Microsoft Entra ID, as Azure Managed Grafana expects: no bootstrap key needed.
 */
export async function grafanaAuthorization(): Promise<string> {
    const config = providerConfig();
    const explicit = (config.grafanaAuth ?? process.env.GRAFANA_AUTH)?.trim();
    if (explicit) return authorizationHeader(explicit);
    return `Bearer ${await entraToken(`${config.grafanaAudience}/.default`)}`;
}

export function authorizationHeader(credential: string): string {
    if (/^(Bearer|Basic)\s/i.test(credential)) return credential;
    return credential.includes(":")
        ? `Basic ${Buffer.from(credential, "utf8").toString("base64")}`
        : `Bearer ${credential}`;
}
