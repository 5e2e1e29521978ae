import { resolveProviderConfig } from "pulumi-azure-grafana-keys/impl";

/**
 * The adapter's own settings, from its environment. Grafana's endpoint, sign-in, retries and deadlines are the
 * provider's (`azure-grafana-keys` settings, read from the same environment by pulumi-azure-grafana-keys' config).
 */
export interface RotatorSettings {
    /** The adapter's public URL, as the ESC environment names it: every token's `aud` must be exactly this. */
    publicUrl: string;
    /** Where the keys that sign ESC's tokens are published. */
    jwksUrl: URL;
    /** The `iss` every token must carry: the Pulumi Cloud instance. */
    issuer: string;
    /**
     * How long a rotation may be under way (the provider's operation deadline, and a minute for the two clocks):
     * a successor younger than this may belong to a rotation still running, so it is never taken for a leftover.
     */
    inFlightMs: number;
}

/** Pulumi Cloud's signing keys for ESC's tokens (docs: "Validating Requests" of the external provider). */
export const PULUMI_CLOUD_JWKS_URL = "https://api.pulumi.com/oidc/.well-known/jwks";
export const PULUMI_CLOUD_ISSUER = "https://api.pulumi.com";

export const SETTING_NAMES = {
    publicUrl: "ESC_ROTATOR_PUBLIC_URL",
    jwksUrl: "ESC_ROTATOR_JWKS_URL",
    issuer: "ESC_ROTATOR_ISSUER",
} as const;

export function rotatorSettings(env: NodeJS.ProcessEnv = process.env): RotatorSettings {
    const publicUrl = env[SETTING_NAMES.publicUrl];
    if (!publicUrl)
        throw new Error(`${SETTING_NAMES.publicUrl} is not set: set it to this adapter's URL, as the ESC environment's url names it`);
    secureUrl(SETTING_NAMES.publicUrl, publicUrl);
    const jwksUrl = secureUrl(SETTING_NAMES.jwksUrl, env[SETTING_NAMES.jwksUrl] || PULUMI_CLOUD_JWKS_URL);
    const deadlineSeconds = resolveProviderConfig(undefined, env).operationDeadlineSeconds;
    return {
        publicUrl,
        jwksUrl,
        issuer: env[SETTING_NAMES.issuer] || PULUMI_CLOUD_ISSUER,
        inFlightMs: (deadlineSeconds + 60) * 1000,
    };
}

/** HTTPS, or plain HTTP to this machine only (tests and local runs). */
function secureUrl(name: string, text: string): URL {
    let url: URL;
    try {
        url = new URL(text);
    } catch {
        throw new Error(`${name} must be a URL`);
    }
    const loopback = ["127.0.0.1", "[::1]", "localhost"].includes(url.hostname);
    if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) {
        throw new Error(`${name} must be an https URL (http only for 127.0.0.1, [::1] or localhost)`);
    }
    return url;
}
