/**
 * Public entry point of the Grafana emulator: `startEmulator` wires the clock, the model, the
 * routes, the fault injector and the HTTP server together and hands tests one handle to all of it.
 */
import { Clock } from "./clock";
import { FaultInjector, type DropOptions, type FailOptions } from "./faults";
import { GrafanaRoutes, isGrafanaProfile, PROFILES, type GrafanaProfile } from "./grafanaRoutes";
import { GrafanaState } from "./grafanaState";
import { startServer, type RequestRecord } from "./server";

export type { GrafanaProfile } from "./grafanaRoutes";
export type { FaultMatch, FailOptions, DropOptions } from "./faults";
export type { RequestRecord } from "./server";
export { PROFILES } from "./grafanaRoutes";
export { serviceAccountTokenChecksum } from "./grafanaState";

export interface EmulatorOptions {
  /** Default "12.1". */
  profile?: GrafanaProfile;
  /** Default 0: an ephemeral port. */
  port?: number;
  /** /api/health omits version and commit, as a server with hidden version info does. */
  hideVersion?: boolean;
  /** Grafana's [auth] api_key_max_seconds_to_live; unset (or -1) = no limit. */
  apiKeyMaxSecondsToLive?: number;
}

export interface ApiKeyView {
  id: number;
  name: string;
  role: string;
  orgId: number;
  expiresAt: number | null;
}

export interface ServiceAccountView {
  id: number;
  uid: string;
  name: string;
  login: string;
  role: string;
  orgId: number;
  isDisabled: boolean;
  tokens: Array<{ id: number; name: string; expiresAt: number | null }>;
}

export interface Emulator {
  /** "http://127.0.0.1:<port>" */
  readonly url: string;
  readonly profile: GrafanaProfile;
  /** Identities present in org 1 and org 2 (the tokens: org 1 only, hidden from the API). */
  readonly credentials: {
    adminBasic: string;
    editorBasic: string;
    viewerBasic: string;
    adminToken: string;
    editorToken: string;
    viewerToken: string;
  };
  readonly clock: { now(): number; advance(seconds: number): void; set(ms: number): void };
  readonly faults: {
    failNext(count: number, status: number, options?: FailOptions): void;
    dropNext(count: number, options?: DropOptions): void;
    setLatency(ms: number): void;
    reset(): void;
  };
  /** Every Grafana request in order (control endpoints excluded); cleared by reset(). */
  readonly requests: RequestRecord[];
  readonly state: {
    apiKeys(orgId?: number): ApiKeyView[];
    serviceAccounts(orgId?: number): ServiceAccountView[];
    deleteApiKey(id: number): boolean;
    deleteServiceAccount(id: number): boolean;
    deleteToken(serviceAccountId: number, tokenId: number): boolean;
    /** Every key/token secret minted through the API, even deleted ones (identities excluded). */
    secrets(): string[];
  };
  /** Clears created objects, faults and the request log; the clock goes back to real time. */
  reset(): void;
  close(): Promise<void>;
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const profile = options.profile ?? "12.1";
  if (!isGrafanaProfile(profile)) {
    throw new Error(`unknown Grafana profile "${profile}"; expected one of ${Object.keys(PROFILES).join(", ")}`);
  }
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`invalid port: ${port}`);
  const maxTtl = options.apiKeyMaxSecondsToLive;
  if (maxTtl !== undefined && !Number.isInteger(maxTtl)) {
    throw new RangeError(`apiKeyMaxSecondsToLive must be an integer: ${maxTtl}`);
  }

  const clock = new Clock();
  const grafana = new GrafanaState({ clock });
  const routes = new GrafanaRoutes({
    state: grafana,
    clock,
    profile,
    hideVersion: options.hideVersion ?? false,
    // Grafana spells "no limit" as -1.
    apiKeyMaxSecondsToLive: maxTtl === undefined || maxTtl < 0 ? undefined : maxTtl,
  });
  const faults = new FaultInjector();
  // One array for the emulator's lifetime: tests may hold on to `emulator.requests`.
  const requests: RequestRecord[] = [];

  const state: Emulator["state"] = {
    apiKeys: (orgId) =>
      grafana.allLegacyKeys(orgId).map((k) => ({
        id: k.id,
        name: k.name,
        role: k.role,
        orgId: k.orgId,
        expiresAt: k.expiresMs,
      })),
    serviceAccounts: (orgId) =>
      grafana.allServiceAccounts(orgId).map(({ account, tokens }) => ({
        id: account.id,
        uid: account.uid,
        name: account.name,
        login: account.login,
        role: account.role,
        orgId: account.orgId,
        isDisabled: account.isDisabled,
        tokens: tokens.map((t) => ({ id: t.id, name: t.name, expiresAt: t.expiresMs })),
      })),
    deleteApiKey: (id) => grafana.removeLegacyKey(id),
    deleteServiceAccount: (id) => grafana.removeServiceAccount(id),
    deleteToken: (serviceAccountId, tokenId) => grafana.removeToken(serviceAccountId, tokenId),
    secrets: () => grafana.issuedSecrets(),
  };

  const reset = (): void => {
    grafana.reset();
    faults.reset();
    requests.length = 0;
    clock.resetToRealTime();
  };

  const clockHandle: Emulator["clock"] = {
    now: () => clock.now(),
    advance: (seconds) => clock.advance(seconds),
    set: (ms) => clock.set(ms),
  };

  const server = await startServer({
    port,
    routes,
    faults,
    requests,
    control: {
      snapshot: () => ({ apiKeys: state.apiKeys(), serviceAccounts: state.serviceAccounts() }),
      clock: clockHandle,
      reset,
    },
  });

  return {
    url: server.url,
    profile,
    credentials: { ...grafana.credentials },
    clock: clockHandle,
    faults: {
      failNext: (count, status, opts) => faults.failNext(count, status, opts),
      dropNext: (count, opts) => faults.dropNext(count, opts),
      setLatency: (ms) => faults.setLatency(ms),
      reset: () => faults.reset(),
    },
    requests,
    state,
    reset,
    close: () => server.close(),
  };
}
