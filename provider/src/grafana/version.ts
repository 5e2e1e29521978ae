import { outsideDeadline } from "../http/deadline";
import { callGrafana, GrafanaTarget } from "./client";
import { healthResponse } from "../schema/grafana";

/**
 * Which Grafana answers at an endpoint, from `GET /api/health` (no credential needed). Grafana 11.3
 * removed creating legacy API keys and 12.1 removed the routes, so the version decides how a key is
 * minted. Probed once per endpoint per process.
 */

export interface GrafanaVersion {
    /** The leading semver, e.g. "12.1.0"; undefined when the server hides its version. */
    version?: string;
    major?: number;
    minor?: number;
}

const probes = new Map<string, Promise<GrafanaVersion>>();

export function grafanaVersion(target: GrafanaTarget): Promise<GrafanaVersion> {
    let probe = probes.get(target.endpoint);
    if (!probe) {
        // Shared by every resource on this endpoint: bound by none of their deadlines.
        probe = outsideDeadline(() => probeVersion(target));
        probes.set(target.endpoint, probe);
        probe.catch(() => probes.delete(target.endpoint));
    }
    return probe;
}

/**
 * Asked anew, for a decision that a stale answer would get wrong (Azure upgrades a workspace in place, and a
 * process may outlive that); later probes share the new answer.
 */
export function freshGrafanaVersion(target: GrafanaTarget): Promise<GrafanaVersion> {
    probes.delete(target.endpoint);
    return grafanaVersion(target);
}

async function probeVersion(target: GrafanaTarget): Promise<GrafanaVersion> {
    const result = await callGrafana(target, { method: "GET", path: "/api/health", schema: healthResponse, anonymous: true });
    if (!result.ok) return {};
    return parseVersion(result.value.version);
}

export function parseVersion(text: string | undefined): GrafanaVersion {
    const match = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(text ?? "");
    if (!match) return {};
    return { version: `${match[1]}.${match[2]}.${match[3] ?? "0"}`, major: Number(match[1]), minor: Number(match[2]) };
}

/** Legacy `POST /api/auth/keys` exists up to 11.2; an unknown version is treated as new. */
export function hasLegacyApiKeys(version: GrafanaVersion): boolean {
    if (version.major === undefined || version.minor === undefined) return false;
    return version.major < 11 || (version.major === 11 && version.minor <= 2);
}
