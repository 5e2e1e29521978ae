/**
 * Grafana's HTTP surface for key minting, mapped onto GrafanaState, per Grafana version profile.
 *
 * Every status code, message and body shape here is taken from
 * docs/grafana-http-api.md or from Grafana's handlers; the order of checks inside
 * a handler is Grafana's too (e.g. a token create looks the service account up before it reads the
 * body), because clients see different errors depending on that order.
 *
 * Two optional collaborators turn it into Azure Managed Grafana: `entra` accepts Microsoft Entra
 * bearer tokens next to Grafana's own keys, and `gate` lets the workspace's apiKey setting refuse
 * key routes (apiKeyGate.ts).
 */
import type { IncomingHttpHeaders } from "node:http";
import { z } from "zod";
import { GRAFANA_AUDIENCES, looksLikeJwt, type EntraTokens } from "./entraTokens";
import {
    DEFAULT_ORG_ID,
    ORG_IDS,
    avatarUrl,
    isOrgRole,
    roleIncludes,
    type AuthFailure,
    type AuthResult,
    type GrafanaState,
    type Identity,
    type KeyRecord,
    type OrgRole,
    type ServiceAccountFilter,
    type ServiceAccountRecord,
} from "./grafanaState";

export type GrafanaProfile = "10.4" | "11.3" | "12.1" | "13.0";

interface ProfileSpec {
    /** What /api/health reports. */
    readonly version: string;
    /** "create": <= 11.2; "createGone": 11.3-12.0 (POST 410, GET/DELETE work); "removed": 12.1+ (all 404). */
    readonly legacyKeys: "create" | "createGone" | "removed";
    /** Grafana 11 answers 500 to a service-account PATCH without a role. */
    readonly patchNeedsRole: boolean;
    /** Grafana >= 12.0 turns every legacy key into a service-account token at start-up (PR #96924). */
    readonly migratesLegacyKeysAtStartup: boolean;
    /** Grafana >= 11.4 resolves a non-numeric `:serviceAccountId` as the account's UID (PR #95401). */
    readonly serviceAccountUidsInPaths: boolean;
    /**
     * Seconds a key's `lastUsedAt` stays as it is before a sign-in writes it again: 0 on 10.4 and 11.3 (their
     * api_key.go Hook writes it on every sign-in); 300 from 12 (`shouldUpdateLastUsedAt`: unset or older than 5 min).
     */
    readonly lastUsedRefreshSeconds: number;
}

/** In release order: an in-place upgrade only moves forward through this list (see upgrade.ts). */
export const PROFILES: Readonly<Record<GrafanaProfile, ProfileSpec>> = {
    "10.4": {
        version: "10.4.3",
        legacyKeys: "create",
        patchNeedsRole: false,
        migratesLegacyKeysAtStartup: false,
        serviceAccountUidsInPaths: false,
        lastUsedRefreshSeconds: 0,
    },
    "11.3": {
        version: "11.3.1",
        legacyKeys: "createGone",
        patchNeedsRole: true,
        migratesLegacyKeysAtStartup: false,
        serviceAccountUidsInPaths: false,
        lastUsedRefreshSeconds: 0,
    },
    "12.1": {
        version: "12.1.0-16426244399",
        legacyKeys: "removed",
        patchNeedsRole: false,
        migratesLegacyKeysAtStartup: true,
        serviceAccountUidsInPaths: true,
        lastUsedRefreshSeconds: 300,
    },
    // docs/grafana-upgrades.md: what 13 changes for keys is what 12.1 already did; /api/dashboards/home is deprecated.
    "13.0": {
        version: "13.0.1",
        legacyKeys: "removed",
        patchNeedsRole: false,
        migratesLegacyKeysAtStartup: true,
        serviceAccountUidsInPaths: true,
        lastUsedRefreshSeconds: 300,
    },
};

export function isGrafanaProfile(value: string): value is GrafanaProfile {
    return Object.prototype.hasOwnProperty.call(PROFILES, value);
}

export interface GrafanaRequest {
    method: string;
    pathname: string;
    query: URLSearchParams;
    headers: IncomingHttpHeaders;
    body: Buffer;
}

export interface GrafanaResponse {
    status: number;
    body: unknown;
    headers?: Record<string, string>;
}

/** The response plus the org the request was evaluated in (for the request log). */
export interface RoutedResponse {
    response: GrafanaResponse;
    orgId: number;
}

/** Azure's sign-in in front of Grafana: who an Entra token is, and which Grafana role that gives. */
export interface EntraSignIn {
    tokens: EntraTokens;
    /** From the Azure role assignment (Grafana Admin/Editor/Viewer) on the workspace. */
    roleOf(principalId: string): OrgRole;
}

/** Something in front of Grafana that may answer a signed-in request before Grafana's RBAC does. */
export interface DataPlaneGate {
    refuse(method: string, pathname: string): GrafanaResponse | undefined;
}

export interface GrafanaRoutesOptions {
    state: GrafanaState;
    clock: { now(): number };
    profile: GrafanaProfile;
    hideVersion: boolean;
    /** Grafana's [auth] api_key_max_seconds_to_live; undefined = no limit (Grafana's -1). */
    apiKeyMaxSecondsToLive?: number;
    /** Grafana's [service_accounts] token_expiration_day_limit; undefined = no limit (Grafana's -1). */
    tokenExpirationDayLimit?: number;
    /** Absent: self-hosted Grafana, where a bearer value can only be a Grafana key. */
    entra?: EntraSignIn;
    gate?: DataPlaneGate;
}

/** Grafana's `sevenDaysAhead`: how far ahead a token list counts down to expiry. */
const SEVEN_DAYS_MS = 7 * 86_400_000;

// ---------- response helpers ----------

function json(status: number, body: unknown): GrafanaResponse {
    return { status, body };
}

function message(status: number, text: string): GrafanaResponse {
    return json(status, { message: text });
}

/**
 * Go's `response.Respond(status, "<text>")`: the text itself as the body, no JSON; net/http sniffs its Content-Type
 * (`http.DetectContentType`) as plain text.
 */
function plainText(status: number, text: string): GrafanaResponse {
    return { status, body: Buffer.from(text, "utf8"), headers: { "Content-Type": "text/plain; charset=utf-8" } };
}

const NOT_FOUND = (): GrafanaResponse => message(404, "Not found");
const UNAUTHORIZED = (): GrafanaResponse => message(401, "Unauthorized");
/** pkg/services/authn/clients/api_key.go: errutil.Unauthorized errors, whose body carries the messageId. */
const authnError = (messageId: string, text: string): GrafanaResponse => json(401, { message: text, messageId, statusCode: 401 });
const INVALID_API_KEY = (): GrafanaResponse => authnError("api-key.invalid", "Invalid API key");
const ORG_MISMATCH = (): GrafanaResponse =>
    authnError("api-key.organization-mismatch", "API key does not belong to the requested organization");
/** Approximation: Azure's exact wording for an Entra token with the wrong `aud` is not documented. */
const INVALID_TOKEN_AUDIENCE = (): GrafanaResponse => message(401, "invalid token audience");
/** pkg/api/apikey.go (AddAPIKey) writes it in lower case ... */
const BAD_REQUEST_DATA = (): GrafanaResponse => message(400, "bad request data");
/** ... and the service-account API (pkg/services/serviceaccounts/api/api.go, token.go) capitalised. */
const SA_BAD_REQUEST_DATA = (): GrafanaResponse => message(400, "Bad request data");
/** pkg/api/search.go, Search: a `limit` above 5000 is refused before anything is searched. */
const SEARCH_LIMIT_MAX = 5000;
const LEGACY_CREATE_GONE =
    "this endpoint has been removed, please use POST /api/serviceaccounts and POST /api/serviceaccounts/{id}/tokens instead";

/** Access-control middleware denial; the id is random on a real server, fixed here for assertions. */
function accessDenied(action: string): GrafanaResponse {
    return json(403, {
        accessErrorId: "ACE0123456789",
        message: `You'll need additional permissions to perform this action. Permissions needed: ${action}`,
        title: "Access denied",
    });
}

/** Grafana's errutil errors, which the service-account API returns. */
function grafanaError(status: number, messageId: string, text: string): GrafanaResponse {
    return json(status, { message: text, messageId, statusCode: status, traceID: "" });
}

const SA_NOT_FOUND = (): GrafanaResponse => grafanaError(404, "serviceaccounts.ErrNotFound", "service account not found");
const SA_TOKEN_NOT_FOUND = (): GrafanaResponse => grafanaError(404, "serviceaccounts.ErrTokenNotFound", "service account token not found");
const SA_ALREADY_EXISTS = (): GrafanaResponse => grafanaError(400, "serviceaccounts.ErrAlreadyExists", "service account already exists");
const SA_INVALID_ROLE = (): GrafanaResponse => grafanaError(400, "serviceaccounts.ErrInvalidRoleSpecified", "invalid role specified");
const SA_ROLE_FORBIDDEN = (): GrafanaResponse =>
    grafanaError(403, "serviceaccounts.ErrRoleForbidden", "can not assign a role higher than user's role");
const SA_ID_INVALID = (): GrafanaResponse => message(400, "Service Account ID is invalid");

// ---------- Go-compatible parsing ----------

/** strconv.ParseInt(s, 10, 64): optional sign, digits only, int64 range. */
function parseGoInt(text: string | null | undefined): number | undefined {
    if (text === null || text === undefined || !/^[+-]?\d+$/.test(text)) return undefined;
    const big = BigInt(text);
    if (big > 9223372036854775807n || big < -9223372036854775808n) return undefined;
    return Number(big);
}

/** strconv.ParseBool as used by Grafana's QueryBool; anything else is false. */
function parseGoBool(text: string | null): boolean {
    return text !== null && ["1", "t", "T", "TRUE", "true", "True"].includes(text);
}

/** Go's json decoding into a struct: case-insensitive field names, unknown fields ignored, null = unset. */
function bindJson<Shape extends z.ZodRawShape>(schema: z.ZodObject<Shape>, raw: Buffer): z.output<z.ZodObject<Shape>> | undefined {
    let parsed: unknown = {};
    const text = raw.toString("utf8");
    // web.Bind treats an empty body as "no fields"; the Required rules then decide.
    if (text.trim() !== "") {
        try {
            parsed = JSON.parse(text);
        } catch {
            return undefined;
        }
    }
    if (parsed === null) parsed = {};
    if (typeof parsed !== "object" || Array.isArray(parsed)) return undefined;
    const fields = Object.keys(schema.shape);
    const normalized: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
        const field = fields.includes(key) ? key : fields.find((f) => f.toLowerCase() === key.toLowerCase());
        if (field !== undefined && value !== null) normalized[field] = value;
    }
    const result = schema.safeParse(normalized);
    return result.success ? result.data : undefined;
}

const LegacyKeyBody = z.object({
    name: z.string().optional(),
    role: z.string().optional(),
    secondsToLive: z.number().int().optional(),
});

const CreateServiceAccountBody = z.object({
    name: z.string().optional(),
    role: z.string().optional(),
    isDisabled: z.boolean().optional(),
});

const UpdateServiceAccountBody = CreateServiceAccountBody;

const CreateTokenBody = z.object({
    name: z.string().optional(),
    secondsToLive: z.number().int().optional(),
});

/** Go marshals time.Time as RFC3339; Grafana's stored times have whole seconds. */
function rfc3339(ms: number): string {
    return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

/** X-Grafana-Org-Id: a value Go cannot parse, or <= 0, means "not given". */
function requestedOrgId(headers: IncomingHttpHeaders): number | null {
    const raw = headers["x-grafana-org-id"];
    const id = parseGoInt(Array.isArray(raw) ? raw[0] : raw);
    return id !== undefined && id > 0 ? id : null;
}

// ---------- routing ----------

/** "public": no authentication at all; "signedIn": any valid identity; else the RBAC action needed. */
type Access = "public" | "signedIn" | { action: string };

interface HandlerContext {
    req: GrafanaRequest;
    params: Record<string, string>;
    identity: Identity;
}

interface Route {
    method: string;
    pattern: RegExp;
    paramNames: string[];
    access: Access;
    handler: (ctx: HandlerContext) => GrafanaResponse;
}

/** Stand-in identity for public routes, which never look at it. */
const ANONYMOUS: Identity = { kind: "user", orgId: DEFAULT_ORG_ID, role: "None" };

/** Actions an org Admin holds by default and nobody else does (Grafana's fixed roles). */
function roleHasAction(role: OrgRole, action: string): boolean {
    return (action.startsWith("apikeys:") || action.startsWith("serviceaccounts:")) && role === "Admin";
}

export class GrafanaRoutes {
    private readonly state: GrafanaState;
    private readonly clock: { now(): number };
    private profile: ProfileSpec;
    private readonly hideVersion: boolean;
    private readonly maxSecondsToLive: number | undefined;
    private readonly tokenExpirationDayLimit: number | undefined;
    private readonly entra: EntraSignIn | undefined;
    private readonly gate: DataPlaneGate | undefined;
    private readonly routes: Route[] = [];

    constructor(options: GrafanaRoutesOptions) {
        this.state = options.state;
        this.clock = options.clock;
        this.profile = PROFILES[options.profile];
        this.state.lastUsedRefreshMs = this.profile.lastUsedRefreshSeconds * 1000;
        this.hideVersion = options.hideVersion;
        this.maxSecondsToLive = options.apiKeyMaxSecondsToLive;
        this.tokenExpirationDayLimit = options.tokenExpirationDayLimit;
        this.entra = options.entra;
        this.gate = options.gate;
        this.registerRoutes();
    }

    /** Serve another version from now on (an in-place upgrade: the state stays, the HTTP surface changes). */
    switchProfile(profile: GrafanaProfile): void {
        this.profile = PROFILES[profile];
        this.state.lastUsedRefreshMs = this.profile.lastUsedRefreshSeconds * 1000;
        this.routes.length = 0;
        this.registerRoutes();
    }

    private add(method: string, path: string, access: Access, handler: Route["handler"]): void {
        const paramNames: string[] = [];
        const source = path.replace(/:([A-Za-z]+)/g, (_, name: string) => {
            paramNames.push(name);
            return "([^/]+)";
        });
        this.routes.push({ method, pattern: new RegExp(`^${source}$`), paramNames, access, handler });
    }

    private registerRoutes(): void {
        this.add("GET", "/api/health", "public", () => this.health());
        // Both sit in the signed-in /api group with no RBAC check (pkg/api/api.go), so every role gets 200; /home
        // is deprecated for removal, /api/search is what the provider verifies a key with (docs/grafana-upgrades.md).
        this.add("GET", "/api/dashboards/home", "signedIn", () => json(200, { dashboard: { title: "Home" }, meta: { isHome: true } }));
        // The emulated Grafana holds no dashboards or folders, so every search finds nothing.
        this.add("GET", "/api/search", "signedIn", (c) => this.searchDashboards(c));
        this.add("POST", "/api/user/using/:orgId", "signedIn", (c) => this.switchCurrentOrg(c));
        // GetFrontendSettings (pkg/api/frontendsettings.go), in the signed-in /api group: of its many fields only the
        // token lifetime limit is modelled, `TokenExpirationDayLimit: cfg.SATokenExpirationDayLimit` (-1: none).
        this.add("GET", "/api/frontend/settings", "signedIn", () =>
            json(200, { tokenExpirationDayLimit: this.tokenExpirationDayLimit ?? -1 }),
        );

        if (this.profile.legacyKeys !== "removed") {
            this.add("POST", "/api/auth/keys", { action: "apikeys:create" }, (c) => this.createLegacyKey(c));
            this.add("GET", "/api/auth/keys", { action: "apikeys:read" }, (c) => this.listLegacyKeys(c));
            this.add("DELETE", "/api/auth/keys/:id", { action: "apikeys:delete" }, (c) => this.deleteLegacyKey(c));
        }

        // "search" must win over ":serviceAccountId".
        this.add("GET", "/api/serviceaccounts/search", { action: "serviceaccounts:read" }, (c) => this.search(c));
        this.add("POST", "/api/serviceaccounts", { action: "serviceaccounts:create" }, (c) => this.createSa(c));
        const sa = "/api/serviceaccounts/:serviceAccountId";
        this.add("GET", sa, { action: "serviceaccounts:read" }, (c) => this.getSa(c));
        this.add("PATCH", sa, { action: "serviceaccounts:write" }, (c) => this.updateSa(c));
        this.add("DELETE", sa, { action: "serviceaccounts:delete" }, (c) => this.deleteSa(c));
        this.add("GET", `${sa}/tokens`, { action: "serviceaccounts:read" }, (c) => this.listTokens(c));
        this.add("POST", `${sa}/tokens`, { action: "serviceaccounts:write" }, (c) => this.createToken(c));
        this.add("DELETE", `${sa}/tokens/:tokenId`, { action: "serviceaccounts:write" }, (c) => this.deleteToken(c));
    }

    private match(req: GrafanaRequest): { route: Route; params: Record<string, string> } | undefined {
        // Grafana's router ignores one trailing slash (POST /api/serviceaccounts/ works).
        const pathname = req.pathname.length > 1 ? req.pathname.replace(/\/$/, "") : req.pathname;
        for (const route of this.routes) {
            if (route.method !== req.method.toUpperCase()) continue;
            const m = route.pattern.exec(pathname);
            if (!m) continue;
            const params: Record<string, string> = {};
            route.paramNames.forEach((name, i) => {
                params[name] = safeDecode(m[i + 1]);
            });
            return { route, params };
        }
        return undefined;
    }

    /** Resolves the caller; reading `Authorization` exactly like Grafana's authn clients do. */
    private authenticate(req: GrafanaRequest, markUsed: boolean): AuthResult {
        const org = requestedOrgId(req.headers);
        const header = req.headers.authorization;
        const unauthorized: AuthResult = { ok: false, failure: "unauthorized", orgId: org ?? DEFAULT_ORG_ID };
        if (!header) return unauthorized;
        const space = header.indexOf(" ");
        if (space < 0) return unauthorized;
        const scheme = header.slice(0, space).toLowerCase();
        const value = header.slice(space + 1).trim();
        if (scheme === "bearer") {
            if (this.entra && looksLikeJwt(value)) return this.authenticateEntra(this.entra, value, org);
            return this.state.authenticateKey(value, org, markUsed);
        }
        if (scheme !== "basic") return unauthorized;
        const decoded = Buffer.from(value, "base64").toString("utf8");
        const colon = decoded.indexOf(":");
        if (colon < 0) return unauthorized;
        const login = decoded.slice(0, colon);
        const password = decoded.slice(colon + 1);
        // Grafana accepts a key as the password of the pseudo-user "api_key".
        if (login === "api_key") return this.state.authenticateKey(password, org, markUsed);
        return this.state.authenticateUser(login, password, org);
    }

    /**
     * An Entra user is a member of every org (Azure assigns one role per workspace); an expired or
     * forged token is plain "Unauthorized", like any other failed sign-in.
     */
    private authenticateEntra(entra: EntraSignIn, token: string, requestedOrg: number | null): AuthResult {
        const check = entra.tokens.verify(token, (aud) => GRAFANA_AUDIENCES.includes(aud));
        if (!check.ok) {
            const orgId = requestedOrg ?? DEFAULT_ORG_ID;
            return { ok: false, failure: check.failure === "wrongAudience" ? "invalidAudience" : "unauthorized", orgId };
        }
        // Grafana keeps a user row for an Entra sign-in, with a current org like any user's.
        const user = `entra:${check.claims.oid}`;
        const orgId = requestedOrg ?? this.state.currentOrgOf(user);
        if (!ORG_IDS.includes(orgId)) return { ok: false, failure: "unauthorized", orgId };
        return { ok: true, identity: { kind: "user", orgId, role: entra.roleOf(check.claims.oid), user } };
    }

    /** The org a request would act in, without side effects (for requests a fault answers instead). */
    orgOf(req: GrafanaRequest): number {
        const auth = this.authenticate(req, false);
        return auth.ok ? auth.identity.orgId : auth.orgId;
    }

    handle(req: GrafanaRequest): RoutedResponse {
        const matched = this.match(req);
        // Unknown routes are 404 before any authentication, as in Grafana.
        if (!matched) return { response: NOT_FOUND(), orgId: this.orgOf(req) };
        const { route, params } = matched;
        if (route.access === "public") {
            return { response: route.handler({ req, params, identity: ANONYMOUS }), orgId: this.orgOf(req) };
        }
        const auth = this.authenticate(req, true);
        if (!auth.ok) return { response: authFailure(auth.failure), orgId: auth.orgId };
        const { identity } = auth;
        // Azure's refusal comes before Grafana's RBAC: even an Admin sees it.
        const refusal = this.gate?.refuse(req.method, req.pathname);
        if (refusal) return { response: refusal, orgId: identity.orgId };
        // Grafana's saUIDResolver runs before the RBAC check (pkg/services/serviceaccounts/api/api.go).
        if (params.serviceAccountId !== undefined && this.profile.serviceAccountUidsInPaths) {
            const resolved = this.resolveServiceAccountUid(identity.orgId, params.serviceAccountId);
            if (resolved === undefined) return { response: NOT_FOUND(), orgId: identity.orgId };
            params.serviceAccountId = resolved;
        }
        if (route.access !== "signedIn" && !roleHasAction(identity.role, route.access.action)) {
            return { response: accessDenied(route.access.action), orgId: identity.orgId };
        }
        return { response: route.handler({ req, params, identity }), orgId: identity.orgId };
    }

    /**
     * MiddlewareServiceAccountUIDResolver (pkg/services/serviceaccounts/serviceaccounts.go): an empty or integer
     * value stays as it is; anything else is looked up as a UID in the caller's org, and an unknown one is
     * 404 `{"message":"Not found"}`.
     */
    private resolveServiceAccountUid(orgId: number, value: string): string | undefined {
        if (value === "" || parseGoInt(value) !== undefined) return value;
        const account = this.state.serviceAccountByUid(orgId, value);
        return account === undefined ? undefined : String(account.id);
    }

    // ---------- handlers ----------

    /** pkg/api/search.go, Search: `limit` read with QueryInt64 (unparsable = 0); above 5000 is 422. */
    private searchDashboards({ req }: HandlerContext): GrafanaResponse {
        const limit = parseGoInt(req.query.get("limit")) ?? 0;
        if (limit > SEARCH_LIMIT_MAX) {
            return message(422, "Limit is above maximum allowed (5000), use page parameter to access hits beyond limit");
        }
        return json(200, []);
    }

    private health(): GrafanaResponse {
        if (this.hideVersion) return json(200, { database: "ok" });
        return json(200, { commit: "abc1234", database: "ok", version: this.profile.version });
    }

    /**
     * `POST /api/user/using/:id` (pkg/api/user.go, UserSetUsingOrg): a user's requests that name no org act in
     * this one from now on. Only users have a current org: Grafana answers anything else 304 (getUserID), which
     * carries no body.
     */
    private switchCurrentOrg({ params, identity }: HandlerContext): GrafanaResponse {
        const orgId = parseGoInt(params.orgId);
        if (orgId === undefined) return message(400, "id is invalid");
        if (identity.user === undefined) return message(304, "Endpoint only available for users");
        if (!this.state.switchCurrentOrg(identity.user, orgId)) return message(401, "Not a valid organization");
        return message(200, "Active organization changed");
    }

    /** Shared by legacy keys and tokens: Grafana's [auth] api_key_max_seconds_to_live rules. */
    private maxTtlViolation(secondsToLive: number): GrafanaResponse | undefined {
        if (this.maxSecondsToLive === undefined) return undefined;
        if (secondsToLive === 0) return message(400, "Number of seconds before expiration should be set");
        if (secondsToLive > this.maxSecondsToLive) {
            return message(400, "Number of seconds before expiration is greater than the global limit");
        }
        return undefined;
    }

    /**
     * [service_accounts] token_expiration_day_limit, as CreateToken (pkg/services/serviceaccounts/api/token.go) checks
     * it when above 0: the expiry's day (now + secondsToLive, cut to the UTC day by Go's Truncate(24h)) may not come
     * after the day `limit` days ahead. A token that never expires (0) passes: its "expiry" is today.
     */
    private dayLimitViolation(secondsToLive: number): GrafanaResponse | undefined {
        const limit = this.tokenExpirationDayLimit;
        if (limit === undefined || limit <= 0) return undefined;
        const now = this.clock.now();
        const day = (ms: number) => Math.floor(ms / 86_400_000);
        if (day(now + secondsToLive * 1000) <= day(now + limit * 86_400_000)) return undefined;
        return plainText(400, "The expiration date input exceeds the limit for service account access tokens expiration date");
    }

    private createLegacyKey({ req, identity }: HandlerContext): GrafanaResponse {
        if (this.profile.legacyKeys === "createGone") return message(410, LEGACY_CREATE_GONE);
        const body = bindJson(LegacyKeyBody, req.body);
        // `name` and `role` carry binding:"Required": empty counts as missing.
        if (!body || !body.name || !body.role) return BAD_REQUEST_DATA();
        if (!isOrgRole(body.role)) return message(400, "Invalid role specified");
        if (!roleIncludes(identity.role, body.role)) return message(403, "Cannot assign a role higher than user's role");
        const secondsToLive = body.secondsToLive ?? 0;
        const ttlError = this.maxTtlViolation(secondsToLive);
        if (ttlError) return ttlError;
        const created = this.state.createLegacyKey(identity.orgId, body.name, body.role, secondsToLive);
        if (!created.ok) {
            return created.error === "duplicateName"
                ? message(409, "API key, organization ID and name must be unique")
                : message(400, "negative value for SecondsToLive");
        }
        return json(200, { id: created.value.id, name: created.value.name, key: created.value.secret });
    }

    private listLegacyKeys({ req, identity }: HandlerContext): GrafanaResponse {
        const includeExpired = parseGoBool(req.query.get("includeExpired"));
        const keys = this.state.listLegacyKeys(identity.orgId, includeExpired);
        return json(
            200,
            keys.map((k) => ({
                id: k.id,
                name: k.name,
                role: k.role,
                ...(k.expiresMs !== null ? { expiration: rfc3339(k.expiresMs) } : {}),
                ...(k.lastUsedMs !== null ? { lastUsedAt: rfc3339(k.lastUsedMs) } : {}),
            })),
        );
    }

    private deleteLegacyKey({ params, identity }: HandlerContext): GrafanaResponse {
        const id = parseGoInt(params.id);
        if (id === undefined) return message(400, "id is invalid");
        if (!this.state.deleteLegacyKey(identity.orgId, id)) return message(404, "Failed to delete API key");
        return message(200, "API key deleted");
    }

    /** The fields ServiceAccountDTO and ServiceAccountProfileDTO share, in Grafana's order. */
    private accountFields(sa: ServiceAccountRecord): Record<string, unknown> {
        return { id: sa.id, uid: sa.uid, name: sa.name, login: sa.login, orgId: sa.orgId, isDisabled: sa.isDisabled };
    }

    private saDto(sa: ServiceAccountRecord): Record<string, unknown> {
        return {
            ...this.accountFields(sa),
            role: sa.role,
            tokens: this.state.tokenCount(sa.id),
            avatarUrl: avatarUrl(sa.name),
        };
    }

    private saProfileDto(sa: ServiceAccountRecord): Record<string, unknown> {
        return {
            ...this.accountFields(sa),
            createdAt: rfc3339(sa.createdMs),
            updatedAt: rfc3339(sa.updatedMs),
            avatarUrl: avatarUrl(sa.name),
            role: sa.role,
            teams: [],
            // ServiceAccountProfileDTO.Tokens is `json:"tokens,omitempty"`: absent when the account holds none.
            ...omitZero("tokens", this.state.tokenCount(sa.id)),
        };
    }

    /** Role validation shared by create and update (Grafana's validateRole). */
    private roleError(role: string | undefined, callerRole: OrgRole): GrafanaResponse | undefined {
        if (role === undefined) return undefined;
        if (!isOrgRole(role)) return SA_INVALID_ROLE();
        if (!roleIncludes(callerRole, role)) return SA_ROLE_FORBIDDEN();
        return undefined;
    }

    private search({ req, identity }: HandlerContext): GrafanaResponse {
        let perPage = parseGoInt(req.query.get("perpage")) ?? 0;
        if (perPage <= 0) perPage = 1000;
        let page = parseGoInt(req.query.get("page")) ?? 0;
        if (page < 1) page = 1;
        let filter: ServiceAccountFilter = "all";
        if (parseGoBool(req.query.get("expiredTokens"))) filter = "expiredTokens";
        if (parseGoBool(req.query.get("disabled"))) filter = "disabled";
        const all = this.state.searchServiceAccounts(identity.orgId, req.query.get("query") ?? "", filter);
        const slice = all.slice((page - 1) * perPage, page * perPage);
        return json(200, { totalCount: all.length, serviceAccounts: slice.map((sa) => this.saDto(sa)), page, perPage });
    }

    private createSa({ req, identity }: HandlerContext): GrafanaResponse {
        const body = bindJson(CreateServiceAccountBody, req.body);
        if (!body || !body.name) return SA_BAD_REQUEST_DATA();
        const roleError = this.roleError(body.role, identity.role);
        if (roleError) return roleError;
        const created = this.state.createServiceAccount(identity.orgId, {
            name: body.name,
            role: (body.role as OrgRole | undefined) ?? "Viewer",
            isDisabled: body.isDisabled ?? false,
        });
        if (!created.ok) return created.error === "alreadyExists" ? SA_ALREADY_EXISTS() : message(500, "Failed to create service account");
        return json(201, this.saDto(created.value));
    }

    private getSa({ params, identity }: HandlerContext): GrafanaResponse {
        const id = parseGoInt(params.serviceAccountId);
        if (id === undefined) return SA_ID_INVALID();
        const sa = this.state.getServiceAccount(identity.orgId, id);
        return sa ? json(200, this.saProfileDto(sa)) : SA_NOT_FOUND();
    }

    private updateSa({ req, params, identity }: HandlerContext): GrafanaResponse {
        const id = parseGoInt(params.serviceAccountId);
        if (id === undefined) return SA_ID_INVALID();
        const body = bindJson(UpdateServiceAccountBody, req.body);
        if (!body) return SA_BAD_REQUEST_DATA();
        const roleError = this.roleError(body.role, identity.role);
        if (roleError) return roleError;
        if (!this.state.getServiceAccount(identity.orgId, id)) return SA_NOT_FOUND();
        if (this.profile.patchNeedsRole && body.role === undefined) {
            return message(500, "Failed update service account");
        }
        const updated = this.state.updateServiceAccount(identity.orgId, id, {
            // An empty name would leave an unnamed account; Grafana's UI never sends one, so ignore it.
            name: body.name === "" ? undefined : body.name,
            role: body.role as OrgRole | undefined,
            isDisabled: body.isDisabled,
        });
        if (!updated.ok) return SA_NOT_FOUND();
        const sa = updated.value;
        return json(200, {
            message: "Service account updated",
            id: sa.id,
            name: sa.name,
            serviceaccount: this.saProfileDto(sa),
        });
    }

    private deleteSa({ params, identity }: HandlerContext): GrafanaResponse {
        const id = parseGoInt(params.serviceAccountId);
        if (id === undefined) return SA_ID_INVALID();
        if (!this.state.deleteServiceAccount(identity.orgId, id)) return SA_NOT_FOUND();
        return message(200, "Service account deleted");
    }

    private createToken({ req, params, identity }: HandlerContext): GrafanaResponse {
        const id = parseGoInt(params.serviceAccountId);
        if (id === undefined) return SA_ID_INVALID();
        if (!this.state.getServiceAccount(identity.orgId, id)) return SA_NOT_FOUND();
        const body = bindJson(CreateTokenBody, req.body);
        if (!body || !body.name) return SA_BAD_REQUEST_DATA();
        const secondsToLive = body.secondsToLive ?? 0;
        const ttlError = this.maxTtlViolation(secondsToLive) ?? this.dayLimitViolation(secondsToLive);
        if (ttlError) return ttlError;
        const created = this.state.createToken(identity.orgId, id, body.name, secondsToLive);
        if (!created.ok) {
            if (created.error === "notFound") return SA_NOT_FOUND();
            if (created.error === "duplicateName") {
                return grafanaError(
                    400,
                    "serviceaccounts.ErrTokenAlreadyExists",
                    "service account token with given name already exists in the organization",
                );
            }
            return grafanaError(400, "serviceaccounts.ErrInvalidInput", "invalid SecondsToLive value");
        }
        return json(200, { id: created.value.id, name: created.value.name, key: created.value.secret });
    }

    /**
     * Grafana's ListTokens (pkg/services/serviceaccounts/api/token.go): `secondsUntilExpiration` feeds the UI's
     * "expires soon" badge only, so it is Go's time.Until(expiration).Seconds() for a live token expiring
     * strictly within the next 7 days, and 0 otherwise (expired, never expiring, or further out).
     */
    private tokenDto(token: KeyRecord): Record<string, unknown> {
        const now = this.clock.now();
        const hasExpired = this.state.isExpired(token);
        const expiresSoon = token.expiresMs !== null && !hasExpired && token.expiresMs < now + SEVEN_DAYS_MS;
        return {
            id: token.id,
            name: token.name,
            created: rfc3339(token.createdMs),
            lastUsedAt: token.lastUsedMs === null ? null : rfc3339(token.lastUsedMs),
            expiration: token.expiresMs === null ? null : rfc3339(token.expiresMs),
            secondsUntilExpiration: expiresSoon ? (token.expiresMs - now) / 1000 : 0,
            hasExpired,
            isRevoked: token.isRevoked,
        };
    }

    private listTokens({ params, identity }: HandlerContext): GrafanaResponse {
        const id = parseGoInt(params.serviceAccountId);
        if (id === undefined) return SA_ID_INVALID();
        return json(
            200,
            this.state.listTokens(identity.orgId, id).map((t) => this.tokenDto(t)),
        );
    }

    private deleteToken({ params, identity }: HandlerContext): GrafanaResponse {
        const id = parseGoInt(params.serviceAccountId);
        if (id === undefined) return SA_ID_INVALID();
        if (!this.state.getServiceAccount(identity.orgId, id)) return SA_NOT_FOUND();
        const tokenId = parseGoInt(params.tokenId);
        if (tokenId === undefined) return message(400, "Token ID is invalid");
        const deleted = this.state.deleteToken(identity.orgId, id, tokenId);
        if (!deleted.ok) return deleted.error === "notFound" ? SA_NOT_FOUND() : SA_TOKEN_NOT_FOUND();
        return message(200, "Service account token deleted");
    }
}

function authFailure(failure: AuthFailure): GrafanaResponse {
    if (failure === "invalidKey") return INVALID_API_KEY();
    if (failure === "disabled") return json(401, { message: "Unauthorized", messageId: "identity.disabled", statusCode: 401 });
    // pkg/services/authn/clients/api_key.go, validateApiKey: errAPIKeyExpired, checked before revocation and the org.
    if (failure === "expired") return json(401, { message: "Expired API key", messageId: "api-key.expired", statusCode: 401 });
    if (failure === "revoked") return json(401, { message: "Revoked API key", messageId: "api-key.revoked", statusCode: 401 });
    if (failure === "invalidAudience") return INVALID_TOKEN_AUDIENCE();
    if (failure === "orgMismatch") return ORG_MISMATCH();
    return UNAUTHORIZED();
}

/** Go's `omitempty` on a number: the field is left out when it is 0. */
function omitZero(field: string, value: number): Record<string, number> {
    return value === 0 ? {} : { [field]: value };
}

function safeDecode(segment: string): string {
    try {
        return decodeURIComponent(segment);
    } catch {
        return segment;
    }
}
