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
 * A URL's user info (user and password) is everything between "://" (or the start, when there is no
 * scheme) and the last "@" before the host. A password may hold "/", "?", "#" or "@", which end the user
 * info for a URL parser, so nothing shorter is safe to mask and nothing looser to test for.
 */
const USER_INFO_OF_URL = /^((?:[a-z][a-z0-9+.-]*:\/\/)?)(.*)@/is;
/** The same, inside free text: there a URL ends at white space or a quote. */
const USER_INFO_IN_TEXT = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s"'<>`]*@/gi;

/** Whether a URL as written carries a user or password. */
export function hasUserInfo(url: string): boolean {
    return USER_INFO_OF_URL.test(url.trim());
}

/** A URL as written, fit to show: its user info and its query or fragment (which may hold a token) masked. */
export function maskUrl(url: string): string {
    const [beforeHost, rest] = splitAtUserInfo(url);
    return beforeHost + rest.replace(/[?#].*$/s, `?${MASK}`);
}

function splitAtUserInfo(url: string): [string, string] {
    const match = USER_INFO_OF_URL.exec(url);
    if (!match) return ["", url];
    return [`${match[1]}${MASK}@`, url.slice(match[0].length)];
}

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
    result = result.replace(USER_INFO_IN_TEXT, `$1${MASK}@`);
    for (const shape of SECRET_SHAPES) {
        result = result.replace(shape, (match) =>
            match.startsWith("Bearer") || match.startsWith("Basic") ? `${match.split(/\s+/)[0]} ${MASK}` : MASK,
        );
    }
    return result;
}
