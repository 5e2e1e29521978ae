/**
 * Where the live acceptance suite and the sweep run: a Grafana URL (LIVE_GRAFANA_URL) or an Azure Managed Grafana
 * workspace (LIVE_GRAFANA_WORKSPACE_ID, which also lets the suite switch API keys on and back). The credential is
 * the provider's usual one: GRAFANA_AUTH, else Microsoft Entra ID (DefaultAzureCredential).
 */

export const LIVE_URL_VARIABLE = "LIVE_GRAFANA_URL";
export const LIVE_WORKSPACE_VARIABLE = "LIVE_GRAFANA_WORKSPACE_ID";

/** Every object the suite makes is named `<prefix>…`; the sweep deletes nothing else. */
export const RUN_PREFIX_START = "pgklive-";

export type LiveTarget = { endpoint: string; workspaceId?: undefined } | { workspaceId: string; endpoint?: undefined };

export function liveTarget(env: NodeJS.ProcessEnv = process.env): LiveTarget | undefined {
    const workspaceId = env[LIVE_WORKSPACE_VARIABLE]?.trim();
    if (workspaceId) return { workspaceId };
    const endpoint = env[LIVE_URL_VARIABLE]?.trim();
    return endpoint ? { endpoint } : undefined;
}

export const NO_TARGET_REASON =
    `set ${LIVE_URL_VARIABLE} (a Grafana URL) or ${LIVE_WORKSPACE_VARIABLE} (an Azure Managed Grafana workspace id), ` +
    "with GRAFANA_AUTH or an Azure sign-in, to run it";

/** A fresh prefix for one run: the start every sweep looks for, the time (base 36) and a random tail. */
export function newRunPrefix(now = Date.now()): string {
    return `${RUN_PREFIX_START}${now.toString(36)}${Math.random().toString(36).slice(2, 6)}-`;
}

/** A prefix the sweep accepts: one of the suite's (the bare start matches every run). */
export function isRunPrefix(prefix: string): boolean {
    return prefix.startsWith(RUN_PREFIX_START);
}
