import { ProviderError } from "../http/errors";
import { callGrafana, GrafanaTarget } from "./client";
import { anyBody } from "../schema/grafana";

/**
 * Proves a freshly minted key works: `GET /api/dashboards/home` with it must answer 200. A new key can
 * take a moment to be accepted behind a load balancer, so a refusal is asked again, briefly.
 */

const ATTEMPTS = 3;
const PAUSE_MS = 500;

/** `roleNone`: a key without a role may read nothing, so 403 (known, but not allowed) proves it too. */
export async function verifyKey(target: GrafanaTarget, key: string, roleNone = false): Promise<void> {
    let status = 0;
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
        const result = await callGrafana(target, {
            method: "GET",
            path: "/api/dashboards/home",
            schema: anyBody,
            authorization: `Bearer ${key}`,
            expectedErrors: [401, 403, 404],
        });
        if (result.ok || (roleNone && result.status === 403)) return;
        status = result.status;
        if (attempt < ATTEMPTS) await new Promise((resolve) => setTimeout(resolve, PAUSE_MS * attempt));
    }
    throw new ProviderError({
        code: "HTTP_STATUS",
        status,
        attempts: ATTEMPTS,
        summary: `The new key did not work: GET /api/dashboards/home with it answered ${status}`,
        hint: "The key is not handed out. Check the org and role asked for, or set verify: false if the key is meant for another API.",
    });
}
