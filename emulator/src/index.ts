/**
 * Public entry point of the emulator: `startEmulator` wires the clock, the models (Grafana, ARM,
 * Entra tokens), the routes, the fault injector and the HTTP server together and hands tests one
 * handle to all of it. One port serves both sides: ARM under /subscriptions, Grafana under /api.
 */
import { ApiKeyGate } from "./apiKeyGate";
import { ArmRoutes, workspaceResource, type WorkspaceResource } from "./armRoutes";
import { ArmState, type ApiKeySetting, type PatchBehaviour, type PatchRecord, type WorkspaceSpec } from "./armState";
import { Clock } from "./clock";
import { EntraTokens, type IssueTokenOptions } from "./entraTokens";
import { FaultInjector, type DripOptions, type DropOptions, type FailOptions, type FaultMatch } from "./faults";
import { GrafanaRoutes, isGrafanaProfile, PROFILES, type GrafanaProfile } from "./grafanaRoutes";
import { GrafanaState, type IdentityCredentials, type OrgRole } from "./grafanaState";
import { startServer, type ArmRequestRecord, type RequestRecord } from "./server";
import { GrafanaVersion, type UpgradeOutcome } from "./upgrade";

export type { GrafanaProfile } from "./grafanaRoutes";
export type { FaultMatch, FailOptions, DropOptions, DripOptions } from "./faults";
export type { ArmRequestRecord, RequestRecord } from "./server";
export type { OrgRole } from "./grafanaState";
export type { ApiKeySetting, OperationStatus, PatchBehaviour, PatchRecord, ProvisioningState, WorkspaceSpec } from "./armState";
export type { WorkspaceResource } from "./armRoutes";
export type { IssueTokenOptions } from "./entraTokens";
export type { UpgradeOutcome } from "./upgrade";
export type { AzStandInOptions } from "./azStandIn";
export { PROFILES } from "./grafanaRoutes";
export { serviceAccountTokenChecksum } from "./grafanaState";
export { PATCH_BEHAVIOURS, FAILED_OPERATION_ERROR } from "./armState";
export { STABLE_API_VERSIONS } from "./armRoutes";
export { DEFAULT_PRINCIPAL_ID, DEFAULT_TENANT_ID, GRAFANA_AUDIENCES } from "./entraTokens";
export { JUST_ENABLED_MESSAGE, KEYS_DISABLED_MESSAGE } from "./apiKeyGate";
export { AZ_CALL_LOG, readAzCalls, writeAzStandIn } from "./azStandIn";
export { CONTROL_ROUTES, type ControlRoute } from "./controls";

export interface EmulatorOptions {
    /** Default "12.1". */
    profile?: GrafanaProfile;
    /** Default 0: an ephemeral port. */
    port?: number;
    /** /api/health omits version and commit, as a server with hidden version info does. */
    hideVersion?: boolean;
    /** Grafana's [auth] api_key_max_seconds_to_live; unset (or -1) = no limit. */
    apiKeyMaxSecondsToLive?: number;
    /** Grafana's [service_accounts] token_expiration_day_limit: tokens live at most this many days; unset (or <= 0) = no limit. */
    tokenExpirationDayLimit?: number;
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
    tokens: Array<{ id: number; name: string; expiresAt: number | null; isRevoked: boolean }>;
}

export interface Emulator {
    /** "http://127.0.0.1:<port>" */
    readonly url: string;
    /** The profile served now: the one started with, or the last upgrade's. */
    readonly profile: GrafanaProfile;
    /**
     * An in-place upgrade (upgrade.ts): the data stays, `profile` and the HTTP surface change, and from 12.1 on
     * Grafana's start-up migration turns legacy keys into `sa-autogen-<name>` tokens. Throws for a downgrade.
     */
    upgrade(profile: GrafanaProfile): UpgradeOutcome;
    /** Identities present in org 1 and org 2 (the tokens: org 1 only, hidden from the API). */
    readonly credentials: IdentityCredentials;
    readonly clock: { now(): number; advance(seconds: number): void; set(ms: number): void };
    readonly faults: {
        failNext(count: number, status: number, options?: FailOptions): void;
        dropNext(count: number, options?: DropOptions): void;
        /** The next `count` matching requests are handled, then answered with their body sent a few bytes at a time. */
        dripNext(count: number, options?: DripOptions): void;
        /** Runs `act` just before the next matching request is handled: another client's move at that very moment. */
        beforeNext(act: () => void, match?: FaultMatch): void;
        setLatency(ms: number): void;
        reset(): void;
    };
    /** Every Grafana request in order (control endpoints and ARM excluded); cleared by reset(). */
    readonly requests: RequestRecord[];
    /** Azure Resource Manager for Microsoft.Dashboard/grafana, served under /subscriptions/. */
    readonly arm: {
        /** Returns the ARM id; its subscription and resource group come into existence with it. */
        addWorkspace(spec: WorkspaceSpec): string;
        /** What GET answers (without counting as a poll); throws for an unknown id. */
        workspace(id: string): WorkspaceResource;
        /** Out-of-band change (drift), effective at once; Disabled -> Enabled starts the just-enabled window. */
        setApiKey(id: string, value: ApiKeySetting): void;
        setPatchBehaviour(id: string, behaviour: PatchBehaviour): void;
        /** ARM answers this principal 403 AuthorizationFailed from now on. */
        denyPrincipal(principalId: string): void;
        /** Every PATCH that reached a workspace, in order; one array for the emulator's lifetime. */
        readonly patches: PatchRecord[];
        /** Every ARM request in order; cleared by reset(). */
        readonly requests: ArmRequestRecord[];
        /** Retry-After of 202 answers and in-progress polls; Azure sends 1, default 0 keeps tests fast. */
        retryAfterSeconds: number;
        /** Emulator-clock time after apiKey turns Enabled during which Grafana's key routes answer 403; default 0. */
        justEnabledWindowMs: number;
    };
    /** Microsoft Entra ID, as far as tests need it: tokens for ARM and for the Grafana data plane. */
    readonly entra: {
        /** A signed token; ARM wants the emulator's url or https://management.azure.com, Grafana GRAFANA_AUDIENCES. */
        issueToken(options: IssueTokenOptions): string;
        /** The Grafana role an Entra principal signs in with (Azure's Grafana Admin/Editor/Viewer); default Admin. */
        setGrafanaRole(principalId: string, role: OrgRole): void;
    };
    readonly state: {
        apiKeys(orgId?: number): ApiKeyView[];
        serviceAccounts(orgId?: number): ServiceAccountView[];
        deleteApiKey(id: number): boolean;
        deleteServiceAccount(id: number): boolean;
        deleteToken(serviceAccountId: number, tokenId: number): boolean;
        /** What Grafana's secret scanning does to a leaked token: it stays listed (`isRevoked: true`) and stops signing in. */
        revokeToken(serviceAccountId: number, tokenId: number): boolean;
        /** A token minted by another client, as POST /api/serviceaccounts/:id/tokens would; returns its secret. */
        addToken(serviceAccountId: number, name: string): string;
        /** Grafana 12's start-up migration alone (upgrade() runs it too): how many legacy keys it moved. */
        migrateLegacyKeys(): number;
        /** Every key/token secret minted through the API, even deleted ones (identities excluded). */
        secrets(): string[];
    };
    /**
     * Back to the starting profile; clears created objects, faults, the request logs, workspaces, operations, patches and role
     * assignments; ARM settings go back to their defaults and the clock back to real time.
     */
    reset(): void;
    close(): Promise<void>;
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
    const profile = options.profile ?? "12.1";
    if (!isGrafanaProfile(profile)) {
        throw new Error(`unknown Grafana profile "${String(profile)}"; expected one of ${Object.keys(PROFILES).join(", ")}`);
    }
    const port = options.port ?? 0;
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`invalid port: ${port}`);
    const maxTtl = options.apiKeyMaxSecondsToLive;
    if (maxTtl !== undefined && !Number.isInteger(maxTtl)) {
        throw new RangeError(`apiKeyMaxSecondsToLive must be an integer: ${maxTtl}`);
    }
    const dayLimit = options.tokenExpirationDayLimit;
    if (dayLimit !== undefined && !Number.isInteger(dayLimit)) {
        throw new RangeError(`tokenExpirationDayLimit must be an integer: ${dayLimit}`);
    }

    const clock = new Clock();
    const grafana = new GrafanaState({ clock });
    const arm = new ArmState({ clock });
    const tokens = new EntraTokens({ clock });
    const routes = new GrafanaRoutes({
        state: grafana,
        clock,
        profile,
        hideVersion: options.hideVersion ?? false,
        // Grafana spells "no limit" as -1.
        apiKeyMaxSecondsToLive: maxTtl === undefined || maxTtl < 0 ? undefined : maxTtl,
        // Grafana checks the day limit only when it is above 0.
        tokenExpirationDayLimit: dayLimit === undefined || dayLimit <= 0 ? undefined : dayLimit,
        entra: { tokens, roleOf: (principalId) => arm.grafanaRole(principalId) },
        gate: new ApiKeyGate({ arm, clock }),
    });
    const version = new GrafanaVersion({ initial: profile, routes, state: grafana });
    const upgrade = (to: GrafanaProfile): UpgradeOutcome => {
        if (!isGrafanaProfile(to)) {
            throw new Error(`unknown Grafana profile "${String(to)}"; expected one of ${Object.keys(PROFILES).join(", ")}`);
        }
        return version.upgrade(to);
    };
    // The port is known only once the server listens; ARM needs it for audiences, endpoint and URLs.
    let origin = "";
    const armRoutes = new ArmRoutes({ state: arm, tokens, origin: () => origin });
    const faults = new FaultInjector();
    // One array each for the emulator's lifetime: tests may hold on to `emulator.requests`.
    const requests: RequestRecord[] = [];
    const armRequests: ArmRequestRecord[] = [];

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
                tokens: tokens.map((t) => ({ id: t.id, name: t.name, expiresAt: t.expiresMs, isRevoked: t.isRevoked })),
            })),
        deleteApiKey: (id) => grafana.removeLegacyKey(id),
        deleteServiceAccount: (id) => grafana.removeServiceAccount(id),
        deleteToken: (serviceAccountId, tokenId) => grafana.removeToken(serviceAccountId, tokenId),
        revokeToken: (serviceAccountId, tokenId) => grafana.revokeToken(serviceAccountId, tokenId),
        addToken: (serviceAccountId, name) => {
            const account = grafana.allServiceAccounts().find((candidate) => candidate.account.id === serviceAccountId)?.account;
            const made = account && grafana.createToken(account.orgId, serviceAccountId, name, 0);
            if (!made?.ok) throw new Error(`addToken: no token ${name} on service account ${serviceAccountId}`);
            return made.value.secret;
        },
        migrateLegacyKeys: () => grafana.migrateLegacyKeys().migrated,
        secrets: () => grafana.issuedSecrets(),
    };

    const reset = (): void => {
        grafana.reset();
        version.reset();
        faults.reset();
        requests.length = 0;
        arm.reset();
        armRequests.length = 0;
        clock.resetToRealTime();
    };

    const clockHandle: Emulator["clock"] = {
        now: () => clock.now(),
        advance: (seconds) => clock.advance(seconds),
        set: (ms) => clock.set(ms),
    };

    const issueToken = (opts: IssueTokenOptions): string => tokens.issue(opts).accessToken;

    const server = await startServer({
        port,
        routes,
        arm: armRoutes,
        faults,
        requests,
        armRequests,
        control: {
            snapshot: () => ({ apiKeys: state.apiKeys(), serviceAccounts: state.serviceAccounts() }),
            armSnapshot: () => arm.snapshot(),
            issueToken: ({ resource, ...rest }) => tokens.issue({ audience: resource, ...rest }),
            clock: clockHandle,
            upgrade,
            reset,
        },
    });
    origin = server.url;

    const workspaceOf = (id: string) => {
        const workspace = arm.workspaceById(id);
        if (!workspace) throw new Error(`no emulated workspace ${id}`);
        return workspace;
    };

    const armHandle: Emulator["arm"] = {
        addWorkspace: (spec) => arm.addWorkspace(spec).id,
        workspace: (id) => workspaceResource(workspaceOf(id), origin),
        setApiKey: (id, value) => arm.setApiKey(workspaceOf(id), value),
        setPatchBehaviour: (id, behaviour) => arm.setPatchBehaviour(workspaceOf(id), behaviour),
        denyPrincipal: (principalId) => arm.denyPrincipal(principalId),
        patches: arm.patches,
        requests: armRequests,
        get retryAfterSeconds() {
            return arm.retryAfterSeconds;
        },
        set retryAfterSeconds(seconds: number) {
            arm.retryAfterSeconds = seconds;
        },
        get justEnabledWindowMs() {
            return arm.justEnabledWindowMs;
        },
        set justEnabledWindowMs(ms: number) {
            arm.justEnabledWindowMs = ms;
        },
    };

    return {
        url: server.url,
        get profile() {
            return version.current;
        },
        upgrade,
        credentials: { ...grafana.credentials },
        clock: clockHandle,
        faults: {
            failNext: (count, status, opts) => faults.failNext(count, status, opts),
            dropNext: (count, opts) => faults.dropNext(count, opts),
            dripNext: (count, opts) => faults.dripNext(count, opts),
            beforeNext: (act, match) => faults.beforeNext(act, match),
            setLatency: (ms) => faults.setLatency(ms),
            reset: () => faults.reset(),
        },
        requests,
        arm: armHandle,
        entra: {
            issueToken,
            setGrafanaRole: (principalId, role) => arm.setGrafanaRole(principalId, role),
        },
        state,
        reset,
        close: () => server.close(),
    };
}
