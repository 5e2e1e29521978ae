import { formatTimeToLive } from "../duration";
import { ProviderError } from "../http/errors";
import { frontendSettings } from "../schema/grafana";
import { callGrafana, GrafanaTarget } from "./client";

/**
 * Grafana may cap how long a service-account token lives: `[service_accounts] token_expiration_day_limit`
 * (pkg/setting/setting.go, readServiceAccountSettings; -1, no limit, by default). CreateToken
 * (pkg/services/serviceaccounts/api/token.go) refuses a longer `secondsToLive` with 400 and a plain-text body that
 * does not say the limit; Grafana tells it to any signed-in client in GET /api/frontend/settings/
 * (`tokenExpirationDayLimit`). docs/grafana-http-api.md, "Tokens".
 */

const REFUSAL = /exceeds the limit for service account access tokens expiration date/i;

/** Whether Grafana refused a token's create for its lifetime limit. */
export function isLifetimeLimitRefusal(error: unknown): boolean {
    return error instanceof ProviderError && error.status === 400 && REFUSAL.test(error.remoteMessage ?? "");
}

/** The error for that refusal, in one line: the time to live asked for, Grafana's limit (one more request) and the setting. */
export async function lifetimeLimitError(target: GrafanaTarget, secondsToLive: number): Promise<ProviderError> {
    const settings = await callGrafana(target, {
        method: "GET",
        path: "/api/frontend/settings/",
        schema: frontendSettings,
        expectedErrors: [401, 403, 404],
    }).catch(() => undefined);
    const days = settings?.ok ? settings.value.tokenExpirationDayLimit : undefined;
    const limit = days !== undefined && days > 0 ? `${days} days (${days}d)` : "a number of days it did not tell";
    return new ProviderError({
        code: "HTTP_STATUS",
        status: 400,
        summary:
            `timeToLive ${formatTimeToLive(secondsToLive)} is longer than Grafana at ${target.endpoint} lets a token live: ` +
            `its setting [service_accounts] token_expiration_day_limit is ${limit}`,
        hint: `Set timeToLive to at most ${days !== undefined && days > 0 ? `${days}d` : "that"}, or have the limit raised.`,
    });
}
