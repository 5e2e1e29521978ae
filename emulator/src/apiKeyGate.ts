/**
 * What Azure's workspace setting `properties.apiKey` ("API keys and service accounts") does to the
 * Grafana data plane: while it is off, nothing can mint keys; right after it is switched on, the key
 * routes refuse for a while (Azure/azure-cli#27302) before Grafana picks the change up.
 *
 * Without any workspace the emulator is a self-hosted Grafana and this gate never refuses. The one
 * emulated Grafana stands behind every workspace, so any workspace's setting affects it.
 */
import type { ArmState } from "./armState";
import type { DataPlaneGate, GrafanaResponse } from "./grafanaRoutes";

/** Grafana's 403 body quoted in grafana-http-api.md ("Azure Managed Grafana specifics"). */
export const JUST_ENABLED_MESSAGE = "If you enabled api key recently, please wait a few moments and refresh the page";

/**
 * Approximation: the reference does not document what a workspace with apiKey Disabled answers to
 * a key or service-account create; a 403 with this wording is the emulator's stand-in.
 */
export const KEYS_DISABLED_MESSAGE = "API keys and service accounts are disabled for this Azure Managed Grafana workspace";

/** Every route under these answers the just-enabled 403, reads included. */
const KEY_ROUTE_PREFIXES = ["/api/auth/keys", "/api/serviceaccounts"];

/** The creates a Disabled setting blocks; reading and deleting what exists stays possible. */
const MINTING_ROUTES = [/^\/api\/auth\/keys$/, /^\/api\/serviceaccounts$/, /^\/api\/serviceaccounts\/[^/]+\/tokens$/];

export class ApiKeyGate implements DataPlaneGate {
    private readonly arm: ArmState;
    private readonly clock: { now(): number };

    constructor(options: { arm: ArmState; clock: { now(): number } }) {
        this.arm = options.arm;
        this.clock = options.clock;
    }

    refuse(method: string, pathname: string): GrafanaResponse | undefined {
        const workspaces = this.arm.workspaces();
        if (workspaces.length === 0) return undefined;
        const path = pathname.length > 1 ? pathname.replace(/\/$/, "") : pathname;
        if (!KEY_ROUTE_PREFIXES.some((prefix) => path === prefix || path.startsWith(`${prefix}/`))) return undefined;

        const now = this.clock.now();
        const windowMs = this.arm.justEnabledWindowMs;
        const justEnabled = workspaces.some(
            (w) => w.apiKey === "Enabled" && w.apiKeyEnabledAtMs !== null && now < w.apiKeyEnabledAtMs + windowMs,
        );
        if (justEnabled) return { status: 403, body: { message: JUST_ENABLED_MESSAGE } };

        const minting = method.toUpperCase() === "POST" && MINTING_ROUTES.some((route) => route.test(path));
        if (minting && workspaces.some((w) => w.apiKey === "Disabled")) {
            return { status: 403, body: { message: KEYS_DISABLED_MESSAGE } };
        }
        return undefined;
    }
}
