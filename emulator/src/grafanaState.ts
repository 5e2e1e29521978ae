/**
 * In-memory model of the parts of a Grafana instance that API-key minting touches: two orgs, the
 * built-in users, legacy API keys, service accounts and their tokens.
 *
 * Pure logic, no HTTP: failures come back as small error codes and grafanaRoutes.ts turns them
 * into Grafana's exact status codes and bodies. Where a rule looks arbitrary it mirrors Grafana's
 * storage (see docs/grafana-http-api.md), e.g. legacy keys and service-account
 * tokens live in one "api_key" table, so they share ids and the per-org name space.
 */
import { createHash, randomInt } from "node:crypto";
import { crc32 } from "node:zlib";

export type OrgRole = "None" | "Viewer" | "Editor" | "Admin";

const ROLE_RANK: Record<OrgRole, number> = { None: 0, Viewer: 1, Editor: 2, Admin: 3 };

/** Grafana compares roles case-sensitively: "admin" is not a role. */
export function isOrgRole(value: string): value is OrgRole {
    return Object.prototype.hasOwnProperty.call(ROLE_RANK, value);
}

/** Grafana's RoleType.Includes: may a holder of `holder` hand out `wanted`? */
export function roleIncludes(holder: OrgRole, wanted: OrgRole): boolean {
    return ROLE_RANK[holder] >= ROLE_RANK[wanted];
}

/** Org 1 is Grafana's "Main Org." (everyone's default); org 2 exists to test isolation. */
export const ORG_IDS: readonly number[] = [1, 2];
export const DEFAULT_ORG_ID = 1;

export type Result<T, E extends string> = { ok: true; value: T } | { ok: false; error: E };

export interface KeyRecord {
    readonly id: number;
    readonly orgId: number;
    readonly name: string;
    /** Only meaningful for legacy keys; a token acts with its service account's current role. */
    readonly role: OrgRole;
    readonly secret: string;
    readonly createdMs: number;
    /** Whole seconds, like Grafana's `expires` column; null = never. */
    readonly expiresMs: number | null;
    lastUsedMs: number | null;
    /** null for a legacy API key. */
    /** Set once, when Grafana 12 migrates a legacy key into a service account. */
    serviceAccountId: number | null;
    /** api_key.is_revoked: set by Grafana's secret scanning when a token leaked; such a token no longer signs in. */
    isRevoked: boolean;
}

export interface ServiceAccountRecord {
    readonly id: number;
    readonly uid: string;
    readonly orgId: number;
    name: string;
    login: string;
    role: OrgRole;
    isDisabled: boolean;
    readonly createdMs: number;
    updatedMs: number;
    /** The emulator's own identities: invisible to the API and to uniqueness rules. */
    readonly hidden: boolean;
}

interface UserRecord {
    readonly login: string;
    readonly password: string;
    /** The built-in users hold the same role in every org. */
    readonly role: OrgRole;
}

export interface Identity {
    readonly kind: "user" | "apiKey" | "serviceAccount";
    readonly orgId: number;
    readonly role: OrgRole;
    /** A user's key in `currentOrgs` (a login or an Entra object id); absent for keys and tokens. */
    readonly user?: string;
}

export type AuthResult = { ok: true; identity: Identity } | { ok: false; failure: AuthFailure; orgId: number };

/**
 * `invalidKey`: unknown bearer secret; `expired`: a key past its expiry (validateApiKey checks it first); `revoked`: a token Grafana revoked (validateApiKey checks it
 * right after expiry); `disabled`: the token of a disabled service account;
 * `invalidAudience`: a valid Entra token meant for another resource (Azure Managed Grafana only);
 * `orgMismatch`: a working key sent with X-Grafana-Org-Id naming another org than its own;
 * `unauthorized`: everything else.
 */
export type AuthFailure = "unauthorized" | "invalidKey" | "expired" | "disabled" | "revoked" | "invalidAudience" | "orgMismatch";

export interface IdentityCredentials {
    adminBasic: string;
    editorBasic: string;
    viewerBasic: string;
    adminToken: string;
    editorToken: string;
    viewerToken: string;
}

export interface ServiceAccountPatch {
    name?: string;
    role?: OrgRole;
    isDisabled?: boolean;
}

export type ServiceAccountFilter = "all" | "expiredTokens" | "disabled";

/**
 * The user table's login column is NVARCHAR(190) (pkg/services/sqlstore/migrations/user_mig.go); MySQL in
 * strict mode and PostgreSQL refuse a longer value, so Grafana fails the insert or update with a 500.
 */
const LOGIN_COLUMN_LENGTH = 190;

function fitsLoginColumn(login: string): boolean {
    return [...login].length <= LOGIN_COLUMN_LENGTH;
}

/** Grafana's token list is capped at this many rows. */
const TOKEN_LIST_LIMIT = 300;

const ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** Grafana's util.GetRandomString: alphanumerics from a CSPRNG. */
function randomAlphanumeric(length: number): string {
    let out = "";
    for (let i = 0; i < length; i++) out += ALPHANUMERIC[randomInt(ALPHANUMERIC.length)];
    return out;
}

/** Grafana's short user UIDs: 14 chars, starting with a letter a-f. */
function randomUid(): string {
    const tail = "0123456789abcdefghijklmnopqrstuvwxyz";
    let out = "abcdef"[randomInt(6)];
    for (let i = 0; i < 13; i++) out += tail[randomInt(tail.length)];
    return out;
}

/** Go's encoding/json escapes these even inside strings; keeps the key bytes identical to Grafana's. */
function goJsonStringify(value: unknown): string {
    return JSON.stringify(value)
        .replace(/</g, "\\u003c")
        .replace(/>/g, "\\u003e")
        .replace(/&/g, "\\u0026")
        .replace(/\u2028/g, "\\u2028")
        .replace(/\u2029/g, "\\u2029");
}

/** pkg/components/apikeygen: base64 of {"k","n","id"}, hence the `eyJr` prefix. */
export function newLegacyKeySecret(orgId: number, name: string): string {
    const json = goJsonStringify({ k: randomAlphanumeric(32), n: name, id: orgId });
    return Buffer.from(json, "utf8").toString("base64");
}

/** pkg/components/satokengen: CRC32-IEEE of "glsa_<secret>", its 4 bytes little-endian, in hex. */
export function serviceAccountTokenChecksum(secret: string): string {
    const bytes = Buffer.alloc(4);
    bytes.writeUInt32LE(crc32(`glsa_${secret}`) >>> 0);
    return bytes.toString("hex");
}

export function newServiceAccountTokenSecret(): string {
    const secret = randomAlphanumeric(32);
    return `glsa_${secret}_${serviceAccountTokenChecksum(secret)}`;
}

/**
 * Grafana >= 10.4.x (PR #83893) puts the org id in the login so that one name can exist in several
 * orgs: fmt("%v-%v-%v", "sa-", orgId, lower(name)), first "--" collapsed, spaces -> "-".
 */
export function serviceAccountLogin(orgId: number, name: string): string {
    return generateLogin("sa-", orgId, name);
}

/**
 * Grafana's generateLogin (pkg/services/serviceaccounts/database/store.go): fmt("%v-%v-%v", prefix, orgId,
 * lower(name)), then the first "--" becomes "-" and every space "-".
 */
function generateLogin(prefix: string, orgId: number, name: string): string {
    return `${prefix}-${orgId}-${name.toLowerCase()}`.replace("--", "-").replace(/ /g, "-");
}

/** CreateServiceAccountFromApikey's prefix for the accounts it makes. */
const MIGRATED_ACCOUNT_PREFIX = "sa-autogen";
/** CreateServiceAccountFromApikey's `attempts`: suffixes -001 .. -010 after a login clash. */
const MIGRATION_SUFFIX_ATTEMPTS = 10;

/** What one run of the start-up migration did. */
export interface LegacyKeyMigration {
    migrated: number;
    /** Keys left as legacy keys because no account could be made for them (Grafana logs and goes on). */
    failedKeyIds: number[];
}

/** The avatar URL Grafana derives from a display name (dtos.GetGravatarUrlWithDefault). */
export function avatarUrl(name: string): string {
    return `/avatar/${createHash("md5").update(name.toLowerCase()).digest("hex")}`;
}

export interface GrafanaStateOptions {
    clock: { now(): number };
}

export class GrafanaState {
    private readonly clock: { now(): number };
    private readonly users: readonly UserRecord[] = [
        { login: "admin", password: "admin", role: "Admin" },
        { login: "editor", password: "editor", role: "Editor" },
        { login: "viewer", password: "viewer", role: "Viewer" },
    ];
    private readonly serviceAccounts = new Map<number, ServiceAccountRecord>();
    private readonly keys = new Map<number, KeyRecord>();
    private readonly issued: string[] = [];
    /**
     * Each user's current org (the `org_id` column of Grafana's user table): where a request without
     * X-Grafana-Org-Id acts. `POST /api/user/using/:id` changes it; absent means the default org.
     */
    private readonly currentOrgs = new Map<string, number>();
    private readonly identityServiceAccounts: ServiceAccountRecord[] = [];
    private readonly identityKeys: KeyRecord[] = [];
    // Users and service accounts share Grafana's user-id sequence; keys and tokens share api_key's.
    private nextUserId: number;
    private nextKeyId: number;
    private firstFreeUserId: number;
    private firstFreeKeyId: number;
    readonly credentials: IdentityCredentials;
    /**
     * How stale a key's `lastUsedAt` may get before a sign-in writes it again: 0 writes it on every sign-in; newer
     * Grafana waits 5 minutes (`shouldUpdateLastUsedAt`, pkg/services/authn/clients/api_key.go). Set per profile.
     */
    lastUsedRefreshMs = 0;

    constructor(options: GrafanaStateOptions) {
        this.clock = options.clock;
        this.nextUserId = this.users.length + 1;
        this.nextKeyId = 1;
        const tokens = (["Admin", "Editor", "Viewer"] as const).map((role) => this.createIdentityToken(role));
        this.firstFreeUserId = this.nextUserId;
        this.firstFreeKeyId = this.nextKeyId;
        this.credentials = {
            adminBasic: "admin:admin",
            editorBasic: "editor:editor",
            viewerBasic: "viewer:viewer",
            adminToken: tokens[0],
            editorToken: tokens[1],
            viewerToken: tokens[2],
        };
    }

    /** Forget everything tests created; identities (and the list of issued secrets) survive. */
    reset(): void {
        this.currentOrgs.clear();
        this.serviceAccounts.clear();
        this.keys.clear();
        for (const sa of this.identityServiceAccounts) this.serviceAccounts.set(sa.id, sa);
        for (const key of this.identityKeys) {
            key.lastUsedMs = null;
            this.keys.set(key.id, key);
        }
        this.nextUserId = this.firstFreeUserId;
        this.nextKeyId = this.firstFreeKeyId;
    }

    private createIdentityToken(role: OrgRole): string {
        const now = this.clock.now();
        const name = `emulator-${role.toLowerCase()}`;
        const sa: ServiceAccountRecord = {
            id: this.nextUserId++,
            uid: randomUid(),
            orgId: DEFAULT_ORG_ID,
            name,
            login: serviceAccountLogin(DEFAULT_ORG_ID, name),
            role,
            isDisabled: false,
            createdMs: now,
            updatedMs: now,
            hidden: true,
        };
        const secret = newServiceAccountTokenSecret();
        const key: KeyRecord = {
            id: this.nextKeyId++,
            orgId: sa.orgId,
            name,
            role: "Viewer",
            secret,
            createdMs: now,
            expiresMs: null,
            lastUsedMs: null,
            serviceAccountId: sa.id,
            isRevoked: false,
        };
        this.identityServiceAccounts.push(sa);
        this.identityKeys.push(key);
        this.serviceAccounts.set(sa.id, sa);
        this.keys.set(key.id, key);
        return secret;
    }

    // ---- time helpers ----

    /** Grafana stores `expires` as Unix seconds computed from now + ttl. */
    private expiryFor(secondsToLive: number): number | null {
        if (secondsToLive <= 0) return null;
        return (Math.floor(this.clock.now() / 1000) + secondsToLive) * 1000;
    }

    isExpired(key: KeyRecord): boolean {
        return key.expiresMs !== null && key.expiresMs <= this.clock.now();
    }

    // ---- authentication ----

    authenticateUser(login: string, password: string, requestedOrgId: number | null): AuthResult {
        const user = this.users.find((u) => u.login === login.toLowerCase());
        const orgId = requestedOrgId ?? this.currentOrgOf(user?.login ?? "");
        if (!user || user.password !== password) return { ok: false, failure: "unauthorized", orgId };
        if (!ORG_IDS.includes(orgId)) return { ok: false, failure: "unauthorized", orgId };
        return { ok: true, identity: { kind: "user", orgId, role: user.role, user: user.login } };
    }

    /** The org a user's requests act in when they name none. */
    currentOrgOf(user: string): number {
        return this.currentOrgs.get(user) ?? DEFAULT_ORG_ID;
    }

    /** `POST /api/user/using/:id`: false when the user is not a member of that org (every user is of every org here). */
    switchCurrentOrg(user: string, orgId: number): boolean {
        if (!ORG_IDS.includes(orgId)) return false;
        this.currentOrgs.set(user, orgId);
        return true;
    }

    /** `markUsed` is off when the server only needs to know the org (e.g. for a fault log entry). */
    authenticateKey(secret: string, requestedOrgId: number | null, markUsed: boolean): AuthResult {
        const key = [...this.keys.values()].find((k) => k.secret === secret);
        if (!key) return { ok: false, failure: "invalidKey", orgId: requestedOrgId ?? DEFAULT_ORG_ID };
        if (this.isExpired(key)) return { ok: false, failure: "expired", orgId: requestedOrgId ?? key.orgId };
        if (key.isRevoked) return { ok: false, failure: "revoked", orgId: requestedOrgId ?? key.orgId };
        // A key belongs to exactly one org; naming another one is an auth failure, not a switch. validateApiKey
        // (pkg/services/authn/clients/api_key.go) checks it right after expiry and revocation, before the account
        // is loaded, so it comes before the disabled check.
        if (requestedOrgId !== null && requestedOrgId !== key.orgId) {
            return { ok: false, failure: "orgMismatch", orgId: requestedOrgId };
        }
        const sa = key.serviceAccountId === null ? undefined : this.serviceAccounts.get(key.serviceAccountId);
        if (key.serviceAccountId !== null && !sa) return { ok: false, failure: "unauthorized", orgId: key.orgId };
        // Grafana 10+ rejects a disabled identity after signing it in (pkg/services/authn/authnimpl/service.go).
        if (sa?.isDisabled) return { ok: false, failure: "disabled", orgId: key.orgId };
        const now = this.clock.now();
        if (markUsed && (key.lastUsedMs === null || now - key.lastUsedMs > this.lastUsedRefreshMs)) key.lastUsedMs = now;
        return {
            ok: true,
            identity: { kind: sa ? "serviceAccount" : "apiKey", orgId: key.orgId, role: sa ? sa.role : key.role },
        };
    }

    // ---- the shared api_key name space ----

    private keyNameTaken(orgId: number, name: string): boolean {
        for (const key of this.keys.values()) {
            if (key.orgId === orgId && key.name === name && !this.isIdentityKey(key)) return true;
        }
        return false;
    }

    private isIdentityKey(key: KeyRecord): boolean {
        return this.identityKeys.includes(key);
    }

    private insertKey(
        orgId: number,
        name: string,
        role: OrgRole,
        secondsToLive: number,
        serviceAccountId: number | null,
        secret: string,
    ): Result<KeyRecord, "duplicateName" | "negativeSecondsToLive"> {
        // Same order as Grafana's apikey store: the duplicate check runs before the TTL check.
        if (this.keyNameTaken(orgId, name)) return { ok: false, error: "duplicateName" };
        if (secondsToLive < 0) return { ok: false, error: "negativeSecondsToLive" };
        const record: KeyRecord = {
            id: this.nextKeyId++,
            orgId,
            name,
            role,
            secret,
            createdMs: this.clock.now(),
            expiresMs: this.expiryFor(secondsToLive),
            lastUsedMs: null,
            serviceAccountId,
            isRevoked: false,
        };
        this.keys.set(record.id, record);
        this.issued.push(secret);
        return { ok: true, value: record };
    }

    // ---- legacy API keys ----

    createLegacyKey(
        orgId: number,
        name: string,
        role: OrgRole,
        secondsToLive: number,
    ): Result<KeyRecord, "duplicateName" | "negativeSecondsToLive"> {
        return this.insertKey(orgId, name, role, secondsToLive, null, newLegacyKeySecret(orgId, name));
    }

    /** Sorted by name, like Grafana's query; tokens never show up here. */
    listLegacyKeys(orgId: number, includeExpired: boolean): KeyRecord[] {
        return [...this.keys.values()]
            .filter((k) => k.orgId === orgId && k.serviceAccountId === null && (includeExpired || !this.isExpired(k)))
            .sort((a, b) => compareStrings(a.name, b.name) || a.id - b.id);
    }

    deleteLegacyKey(orgId: number, id: number): boolean {
        const key = this.keys.get(id);
        if (!key || key.orgId !== orgId || key.serviceAccountId !== null) return false;
        return this.keys.delete(id);
    }

    // ---- service accounts ----

    private visibleServiceAccount(orgId: number, id: number): ServiceAccountRecord | undefined {
        const sa = this.serviceAccounts.get(id);
        return sa && sa.orgId === orgId && !sa.hidden ? sa : undefined;
    }

    /** Logins are unique and lower-case, so at create this is the case-insensitive name rule (a rename keeps the login). */
    private loginTaken(login: string): boolean {
        for (const sa of this.serviceAccounts.values()) {
            if (!sa.hidden && sa.login === login) return true;
        }
        return false;
    }

    createServiceAccount(
        orgId: number,
        input: { name: string; role: OrgRole; isDisabled: boolean },
    ): Result<ServiceAccountRecord, "alreadyExists" | "loginTooLong"> {
        const login = serviceAccountLogin(orgId, input.name);
        if (this.loginTaken(login)) return { ok: false, error: "alreadyExists" };
        if (!fitsLoginColumn(login)) return { ok: false, error: "loginTooLong" };
        return { ok: true, value: this.insertServiceAccount(orgId, input.name, login, input.role, input.isDisabled) };
    }

    private insertServiceAccount(orgId: number, name: string, login: string, role: OrgRole, isDisabled: boolean): ServiceAccountRecord {
        const now = this.clock.now();
        const sa: ServiceAccountRecord = {
            id: this.nextUserId++,
            uid: randomUid(),
            orgId,
            name,
            login,
            role,
            isDisabled,
            createdMs: now,
            updatedMs: now,
            hidden: false,
        };
        this.serviceAccounts.set(sa.id, sa);
        return sa;
    }

    getServiceAccount(orgId: number, id: number): ServiceAccountRecord | undefined {
        return this.visibleServiceAccount(orgId, id);
    }

    serviceAccountByUid(orgId: number, uid: string): ServiceAccountRecord | undefined {
        return [...this.serviceAccounts.values()].find((sa) => sa.orgId === orgId && sa.uid === uid && !sa.hidden);
    }

    /** Grafana matches `query` as a case-insensitive substring of email (= login), name or login. */
    searchServiceAccounts(orgId: number, query: string, filter: ServiceAccountFilter): ServiceAccountRecord[] {
        const needle = query.toLowerCase();
        return [...this.serviceAccounts.values()]
            .filter((sa) => sa.orgId === orgId && !sa.hidden)
            .filter((sa) => needle === "" || sa.name.toLowerCase().includes(needle) || sa.login.includes(needle))
            .filter((sa) => {
                if (filter === "disabled") return sa.isDisabled;
                if (filter === "expiredTokens") return this.tokensOf(sa.id).some((t) => this.isExpired(t));
                return true;
            })
            .sort((a, b) => compareStrings(a.login, b.login));
    }

    /**
     * Grafana's UpdateServiceAccount (pkg/services/serviceaccounts/database/store.go) writes the name, never the login
     * (its API test TestServiceAccountsAPI_UpdateServiceAccount asserts the login unchanged after a rename): the old
     * name's login stays taken, and nothing refuses a name another account has, so two accounts may share one.
     */
    updateServiceAccount(orgId: number, id: number, patch: ServiceAccountPatch): Result<ServiceAccountRecord, "notFound"> {
        const sa = this.visibleServiceAccount(orgId, id);
        if (!sa) return { ok: false, error: "notFound" };
        if (patch.name !== undefined) sa.name = patch.name;
        if (patch.role !== undefined) sa.role = patch.role;
        if (patch.isDisabled !== undefined) sa.isDisabled = patch.isDisabled;
        if (patch.name !== undefined || patch.role !== undefined || patch.isDisabled !== undefined) {
            sa.updatedMs = this.clock.now();
        }
        return { ok: true, value: sa };
    }

    /** Deleting a service account deletes its tokens in the same transaction. */
    deleteServiceAccount(orgId: number, id: number): boolean {
        const sa = this.visibleServiceAccount(orgId, id);
        if (!sa) return false;
        for (const token of this.tokensOf(id)) this.keys.delete(token.id);
        return this.serviceAccounts.delete(id);
    }

    // ---- service-account tokens ----

    private tokensOf(serviceAccountId: number): KeyRecord[] {
        return [...this.keys.values()].filter((k) => k.serviceAccountId === serviceAccountId);
    }

    tokenCount(serviceAccountId: number): number {
        return this.tokensOf(serviceAccountId).length;
    }

    createToken(
        orgId: number,
        serviceAccountId: number,
        name: string,
        secondsToLive: number,
    ): Result<KeyRecord, "notFound" | "duplicateName" | "negativeSecondsToLive"> {
        if (!this.visibleServiceAccount(orgId, serviceAccountId)) return { ok: false, error: "notFound" };
        // Grafana stores tokens with role Viewer; the role that counts is the service account's.
        return this.insertKey(orgId, name, "Viewer", secondsToLive, serviceAccountId, newServiceAccountTokenSecret());
    }

    /** No existence check, like Grafana: an unknown service account simply has no tokens. */
    listTokens(orgId: number, serviceAccountId: number): KeyRecord[] {
        if (!this.visibleServiceAccount(orgId, serviceAccountId)) return [];
        return this.tokensOf(serviceAccountId)
            .sort((a, b) => compareStrings(a.name, b.name) || a.id - b.id)
            .slice(0, TOKEN_LIST_LIMIT);
    }

    deleteToken(orgId: number, serviceAccountId: number, tokenId: number): Result<true, "notFound" | "tokenNotFound"> {
        if (!this.visibleServiceAccount(orgId, serviceAccountId)) return { ok: false, error: "notFound" };
        const token = this.keys.get(tokenId);
        if (!token || token.orgId !== orgId || token.serviceAccountId !== serviceAccountId) {
            return { ok: false, error: "tokenNotFound" };
        }
        this.keys.delete(tokenId);
        return { ok: true, value: true };
    }

    // ---- test-side views and out-of-band changes (any org, identities excluded) ----

    allLegacyKeys(orgId?: number): KeyRecord[] {
        return [...this.keys.values()]
            .filter((k) => k.serviceAccountId === null && (orgId === undefined || k.orgId === orgId))
            .sort((a, b) => a.id - b.id);
    }

    allServiceAccounts(orgId?: number): Array<{ account: ServiceAccountRecord; tokens: KeyRecord[] }> {
        return [...this.serviceAccounts.values()]
            .filter((sa) => !sa.hidden && (orgId === undefined || sa.orgId === orgId))
            .sort((a, b) => a.id - b.id)
            .map((account) => ({ account, tokens: this.tokensOf(account.id).sort((a, b) => a.id - b.id) }));
    }

    /**
     * Grafana's start-up migration of legacy API keys (PR #96924, run for every org by the service-account
     * service; pkg/services/serviceaccounts/database/store.go, MigrateApiKeysToServiceAccounts and
     * CreateServiceAccountFromApikey). Expired keys migrate too. Per key: a service account named
     * `sa-autogen-<key name>` with the key's role, login generateLogin("sa-autogen", orgId, key name); on a
     * login clash the login (not the name) retries with `<key name>-001` .. `-010`. The key's own row then
     * gets the account's id (assignApiKeyToServiceAccount), so id, name, secret, created, expiry and last use
     * stay: the same key string keeps working. A key whose account cannot be made stays a legacy key.
     */
    migrateLegacyKeys(): LegacyKeyMigration {
        const result: LegacyKeyMigration = { migrated: 0, failedKeyIds: [] };
        for (const orgId of ORG_IDS) {
            // GetAllAPIKeys (pkg/services/apikey/apikeyimpl/store.go): service_account_id IS NULL, by name.
            for (const key of this.listLegacyKeys(orgId, true)) {
                const account = this.createMigratedServiceAccount(key);
                if (account) {
                    key.serviceAccountId = account.id;
                    result.migrated++;
                } else {
                    result.failedKeyIds.push(key.id);
                }
            }
        }
        return result;
    }

    private createMigratedServiceAccount(key: KeyRecord): ServiceAccountRecord | undefined {
        const attempts = [
            key.name,
            ...Array.from({ length: MIGRATION_SUFFIX_ATTEMPTS }, (_, i) => `${key.name}-${String(i + 1).padStart(3, "0")}`),
        ];
        for (const loginName of attempts) {
            const login = generateLogin(MIGRATED_ACCOUNT_PREFIX, key.orgId, loginName);
            if (this.loginTaken(login)) continue;
            // Any other failure (here: the login column's length) ends the retries, as in Grafana.
            if (!fitsLoginColumn(login)) return undefined;
            return this.insertServiceAccount(key.orgId, `${MIGRATED_ACCOUNT_PREFIX}-${key.name}`, login, key.role, false);
        }
        return undefined;
    }

    /**
     * Grafana's RevokeServiceAccountToken (pkg/services/serviceaccounts/database/token_store.go), which only its
     * secret scanning calls: there is no HTTP route for it. The row stays, listed with `isRevoked: true`.
     */
    revokeToken(serviceAccountId: number, tokenId: number): boolean {
        const token = this.keys.get(tokenId);
        if (!token || token.serviceAccountId !== serviceAccountId || this.isIdentityKey(token)) return false;
        token.isRevoked = true;
        return true;
    }

    removeLegacyKey(id: number): boolean {
        const key = this.keys.get(id);
        return key !== undefined && key.serviceAccountId === null && this.keys.delete(id);
    }

    removeServiceAccount(id: number): boolean {
        const sa = this.serviceAccounts.get(id);
        return sa !== undefined && this.deleteServiceAccount(sa.orgId, id);
    }

    removeToken(serviceAccountId: number, tokenId: number): boolean {
        const sa = this.serviceAccounts.get(serviceAccountId);
        return sa !== undefined && this.deleteToken(sa.orgId, serviceAccountId, tokenId).ok;
    }

    /** Every secret minted through the API, including deleted ones; the identities' tokens are not in it. */
    issuedSecrets(): string[] {
        return [...this.issued];
    }
}

/** Byte-order comparison, like SQL ORDER BY on ASCII names (localeCompare would fold case). */
function compareStrings(a: string, b: string): number {
    return a < b ? -1 : a > b ? 1 : 0;
}
