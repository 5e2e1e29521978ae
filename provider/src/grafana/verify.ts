import { ProviderError } from "../http/errors";
import { callGrafana, CallResult, GrafanaTarget } from "./client";
import { getServiceAccount } from "./serviceAccounts";
import { anyBody } from "../schema/grafana";

/**
 * Proves a freshly minted key works: `GET /api/search?limit=1` with it must answer 200. Grafana 10.4 to 13 serve it
 * to any signed-in identity with no permission check (role None gets an empty list), and unlike
 * `/api/dashboards/home` it is not deprecated (docs/grafana-upgrades.md). A new key can take a moment to be
 * accepted behind a load balancer, so a refusal is asked again, briefly.
 */

/** The one request that tells whether Grafana accepts a key: 401 means it does not (unknown, expired, revoked, disabled). */
export const KEY_CHECK = { method: "GET", path: "/api/search?limit=1" } as const;

const ATTEMPTS = 3;
const PAUSE_MS = 500;

export interface VerifyOptions {
    /** The key's role is None: a 403 (known, but allowed nothing) proves it too. */
    roleNone?: boolean;
    /** The account holding the token, asked about its role and state when the key is refused. */
    serviceAccountId?: number;
}

export async function verifyKey(target: GrafanaTarget, key: string, options: VerifyOptions = {}): Promise<void> {
    let refusal = { status: 0, messageId: undefined as string | undefined };
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
        const result = await signInWith(target, key);
        if (result.ok || (options.roleNone && result.status === 403)) return;
        refusal = { status: result.status, messageId: result.error.messageId };
        // Refused for good (a disabled account), or perhaps rightly (403: the account may have role None): ask the account.
        if (isDisabledIdentity(result.error) || (result.status === 403 && options.serviceAccountId !== undefined)) break;
        if (attempt < ATTEMPTS) await new Promise((resolve) => setTimeout(resolve, PAUSE_MS * attempt));
    }
    const account = options.serviceAccountId === undefined ? undefined : await getServiceAccount(target, options.serviceAccountId);
    if (account?.role === "None" && refusal.status === 403) return;
    throw new ProviderError({
        code: "HTTP_STATUS",
        status: refusal.status,
        attempts: ATTEMPTS,
        summary: `The new key did not work: ${KEY_CHECK.method} ${KEY_CHECK.path} with it answered ${refusal.status}`,
        hint:
            account?.isDisabled === true || isDisabledIdentity({ messageId: refusal.messageId })
                ? `Its service account${account ? ` "${account.name}" (id ${account.id})` : ""} is disabled, and a disabled account's tokens do not work: enable it (isDisabled: false), then run again.`
                : "The key is not handed out. Check the org and role asked for, or set verify: false if the key is meant for another API.",
    });
}

/** One request made with the key itself: 200 for any identity Grafana knows, 401 for a key it refuses. */
export function signInWith(target: GrafanaTarget, key: string): Promise<CallResult<unknown>> {
    return callGrafana(target, {
        method: KEY_CHECK.method,
        path: KEY_CHECK.path,
        schema: anyBody,
        authorization: `Bearer ${key}`,
        expectedErrors: [401, 403, 404],
    });
}

/** Grafana 10+ refuses a disabled account's token with messageId identity.disabled; 9.x said so in its message. */
function isDisabledIdentity(error: { message?: string; messageId?: string }): boolean {
    return error.messageId === "identity.disabled" || /service account is disabled/i.test(error.message ?? "");
}
