/**
 * The emulator's control endpoints (/__emulator/...), described once: the server dispatches on this list (its
 * handlers are a record keyed by it, so a route without a handler, or a handler without a route, does not compile),
 * a body a route cannot act on is refused with the route's own `body` text, `--help` prints it, and a test holds
 * the README tables to it. A new control is added here first.
 */
import { PROFILES } from "./grafanaRoutes";

export interface ControlRoute {
    readonly method: "GET" | "POST";
    readonly path: string;
    /** The JSON body it takes, as a user writes it; "" for none. */
    readonly body: string;
    /** What it does and what it answers. */
    readonly effect: string;
}

const PROFILE_NAMES = Object.keys(PROFILES)
    .map((profile) => `"${profile}"`)
    .join(", ");

export const CONTROL_ROUTES = [
    {
        method: "GET",
        path: "/__emulator/state",
        body: "",
        effect: "Grafana's keys, service accounts and tokens (secrets included: it is a test double)",
    },
    {
        method: "GET",
        path: "/__emulator/requests",
        body: "",
        effect: "every Grafana request seen, with its status and org",
    },
    {
        method: "GET",
        path: "/__emulator/arm/state",
        body: "",
        effect: "the workspace as ARM has it",
    },
    {
        method: "POST",
        path: "/__emulator/clock",
        body: '{"advanceSeconds": N} or {"setMs": <ms since the epoch>}',
        effect: 'moves Grafana\'s clock (expiry, rotation windows, `Date` headers); answers {"now": <ms>}',
    },
    {
        method: "POST",
        path: "/__emulator/faults",
        body:
            '{"failNext": {"count": N, "status": S, "method"?, "path"?, "pathPattern"?, "afterActing"?, "retryAfterSeconds"?, "body"?}}, ' +
            '{"dropNext": {"count": N, "method"?, "path"?, "pathPattern"?, "afterActing"?}}, ' +
            '{"dripNext": {"count": N, "bytesPerTick"?, "intervalMs"?, "method"?, "path"?, "pathPattern"?}}, ' +
            '{"latencyMs": N}, {"reset": true} (one or more in one body)',
        effect:
            "the next N matching requests answer S (`afterActing`: after the change was made), or lose their connection, or " +
            "get their real answer's body `bytesPerTick` bytes every `intervalMs`; `path` matches the request path exactly " +
            '(no query; "/api/serviceaccounts" does not match "/api/serviceaccounts/7/tokens"), `pathPattern` is a regular ' +
            "expression searched in it; no `path` or `pathPattern`: any request; `latencyMs` delays every answer; `reset` clears all",
    },
    {
        method: "POST",
        path: "/__emulator/upgrade",
        body: `{"profile": one of ${PROFILE_NAMES}}`,
        effect:
            "Azure's in-place upgrade: the data stays, the version serving it changes; from 12.1 legacy keys become " +
            "sa-autogen-<name> tokens. Answers {from, profile, version, migratedKeys, failedKeyIds}; a downgrade is 400",
    },
    {
        method: "POST",
        path: "/__emulator/entra/token",
        body: '{"resource": R, "principalId"?, "tenantId"?, "expiresInSeconds"?}',
        effect: "a Microsoft Entra access token for R, signed by the emulated tenant (the az stand-in asks here)",
    },
    {
        method: "POST",
        path: "/__emulator/reset",
        body: "",
        effect: "back to an empty Grafana and workspace on the profile it started with, the clock back to real time",
    },
] as const satisfies readonly ControlRoute[];

type ListedRoute = (typeof CONTROL_ROUTES)[number];

/** "POST /__emulator/clock": how the server looks a control up. */
export type ControlRouteKey = ListedRoute extends infer Route
    ? Route extends ListedRoute
        ? `${Route["method"]} ${Route["path"]}`
        : never
    : never;

export const CONTROL_PREFIX = "/__emulator/";

export function controlRoute(key: string): ControlRoute | undefined {
    return CONTROL_ROUTES.find((route) => `${route.method} ${route.path}` === key);
}

/** A 400's message for a body the route cannot act on. */
export function expectedBody(route: ControlRoute): string {
    return `expected a JSON body ${route.body}`;
}

/** The controls as `--help` prints them. */
export function controlsHelp(): string {
    return CONTROL_ROUTES.map(
        (route) => `  ${route.method} ${route.path}${route.body ? `  ${route.body}` : ""}\n      ${route.effect}`,
    ).join("\n");
}
