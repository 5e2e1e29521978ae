/**
 * The one place that scrubs secrets from text that may reach a user: error messages, logs, host output.
 * Grafana's key formats are recognisable, so they are masked even when we were not told about them.
 */

const SECRET_SHAPES = [
    /glsa_[A-Za-z0-9]{8,}_[0-9a-fA-F]{8}/g, // service-account token
    /eyJ[A-Za-z0-9+/_-]{16,}={0,2}/g, // legacy API key (base64 JSON), also JWTs such as Entra tokens
    /(Bearer|Basic)\s+[A-Za-z0-9+/=._~-]+/gi, // an Authorization header value
];

export const MASK = "***";

/**
 * Secrets this process has handled (credentials in use, minted keys), masked wherever they turn up,
 * also in forms no pattern recognises: a server that echoes a password back, or a token without its
 * scheme. Kept for the life of the process, in memory only.
 */
const handled = new Set<string>();

export function rememberSecret(secret: string): void {
    if (secret.length >= 6) handled.add(secret);
}

export function redact(text: string): string {
    let result = text;
    for (const secret of handled) {
        if (result.includes(secret)) result = result.split(secret).join(MASK);
    }
    for (const shape of SECRET_SHAPES) {
        result = result.replace(shape, (match) =>
            match.startsWith("Bearer") || match.startsWith("Basic") ? `${match.split(/\s+/)[0]} ${MASK}` : MASK,
        );
    }
    return result;
}
