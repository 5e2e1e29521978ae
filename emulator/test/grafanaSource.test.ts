/**
 * Conformance with Grafana's own tests and handlers: each case is ported from a Grafana test (its name quoted) or,
 * where Grafana tests the behaviour only against a fake, from the handler or store function that decides it, and
 * names that file and test or function. Every case runs against every profile; where Grafana versions differ the
 * case says which answer each profile gives and why. Paths are in grafana/grafana.
 */
import { expect } from "@jest/globals";
import { PROFILES, startEmulator, type Emulator, type GrafanaProfile } from "azure-managed-grafana-emulator";

interface Reply {
    status: number;
    body: Record<string, unknown> & Array<Record<string, unknown>>;
}

interface CallOptions {
    /** A full Authorization header value; default: the admin's basic auth. */
    auth?: string;
    body?: unknown;
    /** Sent as is, for bodies that are not JSON. */
    rawBody?: string;
    org?: number;
}

interface CaseContext {
    profile: GrafanaProfile;
    emulator: Emulator;
    call: (method: string, path: string, options?: CallOptions) => Promise<Reply>;
    /** A new service account (Admin) and a token of it: the account's id and the token's id and secret. */
    accountWithToken: (name: string, secondsToLive?: number) => Promise<{ accountId: number; tokenId: number; key: string }>;
}

interface Case {
    /** The Grafana test's name, or the function whose code the case reads. */
    grafana: string;
    does: string;
    run(context: CaseContext): Promise<void>;
}

interface Family {
    name: string;
    /** Grafana files the cases come from. */
    source: string;
    cases: Case[];
}

const ALL_PROFILES = Object.keys(PROFILES) as GrafanaProfile[];
/** Grafana 12.0 removed the legacy key API and migrates legacy keys at start-up (PR #96924). */
const migratesKeys = (profile: GrafanaProfile): boolean => PROFILES[profile].migratesLegacyKeysAtStartup;
const majorOf = (profile: GrafanaProfile): number => Number(profile.split(".")[0]);
const bearer = (key: string): string => `Bearer ${key}`;
const basic = (userPass: string): string => `Basic ${Buffer.from(userPass).toString("base64")}`;
/** The provider's key check (docs/grafana-upgrades.md): any signed-in identity gets 200. */
const SIGN_IN = "/api/search?limit=1";

const authentication: Family = {
    name: "API key authentication",
    source: "pkg/services/authn/clients/api_key.go, api_key_test.go",
    cases: [
        {
            grafana: 'TestAPIKey_Authenticate "should success for valid token that is connected to service account"',
            does: "a token signs in as its account",
            async run({ call, accountWithToken }) {
                const { key } = await accountWithToken("signs-in");
                expect((await call("GET", SIGN_IN, { auth: bearer(key) })).status).toBe(200);
            },
        },
        {
            grafana:
                'TestAPIKey_Test "should succeed when api key is provided in Authorization header as basic auth and api_key as username"',
            does: "Basic auth with the user api_key carries a key too (getTokenFromRequest)",
            async run({ call, accountWithToken }) {
                const { key } = await accountWithToken("basic");
                expect((await call("GET", SIGN_IN, { auth: basic(`api_key:${key}`) })).status).toBe(200);
            },
        },
        {
            grafana: 'TestAPIKey_Authenticate "should fail for revoked api key"',
            does: "a revoked token is 401 api-key.revoked (errAPIKeyRevoked)",
            async run({ call, emulator, accountWithToken }) {
                const { accountId, tokenId, key } = await accountWithToken("revoked");
                emulator.state.revokeToken(accountId, tokenId);
                const refused = await call("GET", SIGN_IN, { auth: bearer(key) });
                expect(refused).toEqual({
                    status: 401,
                    body: { message: "Revoked API key", messageId: "api-key.revoked", statusCode: 401 },
                });
            },
        },
        {
            grafana: 'TestAPIKey_Authenticate "should fail for expired api key"',
            does: "an expired token is 401 api-key.expired (errAPIKeyExpired), not api-key.invalid",
            async run({ call, emulator, accountWithToken }) {
                const { key } = await accountWithToken("expired", 60);
                emulator.clock.advance(61);
                const refused = await call("GET", SIGN_IN, { auth: bearer(key) });
                expect(refused).toEqual({
                    status: 401,
                    body: { message: "Expired API key", messageId: "api-key.expired", statusCode: 401 },
                });
            },
        },
        {
            grafana: "Authenticate: errors.Is(err, apikeygen.ErrInvalidApiKey) -> errAPIKeyInvalid",
            does: "a token whose checksum does not match (satokengen.Decode refuses it) is 401 api-key.invalid",
            async run({ call, accountWithToken }) {
                const { key } = await accountWithToken("checksum");
                const forged = key.slice(0, -8) + (key.endsWith("00000000") ? "11111111" : "00000000");
                const refused = await call("GET", SIGN_IN, { auth: bearer(forged) });
                expect(refused).toEqual({
                    status: 401,
                    body: { message: "Invalid API key", messageId: "api-key.invalid", statusCode: 401 },
                });
            },
        },
        {
            grafana: "validateApiKey: orgID != key.OrgID -> errAPIKeyOrgMismatch",
            does: "a working token sent for another org (X-Grafana-Org-Id) is 401 api-key.organization-mismatch",
            async run({ call, accountWithToken }) {
                const { key } = await accountWithToken("org-1-only");
                const refused = await call("GET", SIGN_IN, { auth: bearer(key), org: 2 });
                expect(refused).toEqual({
                    status: 401,
                    body: {
                        message: "API key does not belong to the requested organization",
                        messageId: "api-key.organization-mismatch",
                        statusCode: 401,
                    },
                });
                expect((await call("GET", SIGN_IN, { auth: bearer(key), org: 1 })).status).toBe(200);
            },
        },
    ],
};

const lastUsed: Family = {
    name: "Token lastUsedAt",
    source: "pkg/services/authn/clients/api_key.go (Hook, shouldUpdateLastUsedAt); serviceaccounts/api/token.go (ListTokens)",
    cases: [
        {
            grafana: "Hook -> UpdateAPIKeyLastUsedDate; 12+: shouldUpdateLastUsedAt (unset or older than 5 minutes)",
            does: "null until the token signs in; then the sign-in's time, rewritten by a later sign-in at once on 10.4/11.3, only after 5 minutes from 12",
            async run({ profile, call, emulator, accountWithToken }) {
                const { accountId, key } = await accountWithToken("used");
                const lastUsedAt = async (): Promise<unknown> =>
                    (await call("GET", `/api/serviceaccounts/${accountId}/tokens`)).body.find((token) => token.name === "used-token")
                        ?.lastUsedAt;
                expect(await lastUsedAt()).toBeNull();
                /** Signs in, and says when on Grafana's clock (whole seconds, as Grafana writes it) that could have been. */
                const signIn = async (): Promise<{ from: number; to: number }> => {
                    const from = Math.floor(emulator.clock.now() / 1000) * 1000;
                    expect((await call("GET", SIGN_IN, { auth: bearer(key) })).status).toBe(200);
                    return { from, to: Math.floor(emulator.clock.now() / 1000) * 1000 };
                };
                const readLastUsed = async (): Promise<number> => Date.parse(String(await lastUsedAt()));

                const firstSignIn = await signIn();
                const first = await readLastUsed();
                expect(first).toBeGreaterThanOrEqual(firstSignIn.from);
                expect(first).toBeLessThanOrEqual(firstSignIn.to);

                emulator.clock.advance(60);
                const secondSignIn = await signIn();
                // The 5-minute rule is in the api_key.go of Grafana 12 on; 10.x and 11.x write on every sign-in.
                if (majorOf(profile) >= 12) expect(await readLastUsed()).toBe(first);
                else expect(await readLastUsed()).toBeGreaterThanOrEqual(secondSignIn.from);

                emulator.clock.advance(300);
                const thirdSignIn = await signIn();
                expect(await readLastUsed()).toBeGreaterThanOrEqual(thirdSignIn.from);
            },
        },
    ],
};

const serviceAccounts: Family = {
    name: "Service account API",
    source: "pkg/services/serviceaccounts/api/api.go, api_test.go; serviceaccounts/models.go",
    cases: [
        {
            grafana: 'TestServiceAccountsAPI_CreateServiceAccount "should be ok to create service account with permissions"',
            does: "201 with the login sa-<org>-<lower(name)> (generateLogin; the test's sa-new-sa is the pre-10.4 form)",
            async run({ call }) {
                const created = await call("POST", "/api/serviceaccounts", { body: { name: "New SA", role: "Viewer", isDisabled: false } });
                expect(created.status).toBe(201);
                expect(created.body).toMatchObject({ name: "New SA", login: "sa-1-new-sa", role: "Viewer", isDisabled: false, tokens: 0 });
            },
        },
        {
            grafana: 'TestServiceAccountsAPI_CreateServiceAccount "should fail to create a service account with invalid role"',
            does: "400 serviceaccounts.ErrInvalidRoleSpecified",
            async run({ call }) {
                const refused = await call("POST", "/api/serviceaccounts", { body: { name: "New SA", role: "Random" } });
                expect(refused.status).toBe(400);
                expect(refused.body).toMatchObject({ messageId: "serviceaccounts.ErrInvalidRoleSpecified" });
            },
        },
        {
            grafana: 'TestServiceAccountsAPI_CreateServiceAccount "not ok - duplicate name"',
            does: "400 serviceaccounts.ErrAlreadyExists (the login is taken)",
            async run({ call }) {
                await call("POST", "/api/serviceaccounts", { body: { name: "New SA" } });
                const refused = await call("POST", "/api/serviceaccounts", { body: { name: "New SA" } });
                expect(refused).toMatchObject({
                    status: 400,
                    body: { message: "service account already exists", messageId: "serviceaccounts.ErrAlreadyExists" },
                });
            },
        },
        {
            grafana: 'TestServiceAccountsAPI_CreateServiceAccount "not ok - missing name"',
            does: '400 "Bad request data" (CreateServiceAccount: web.Bind fails on binding:"Required")',
            async run({ call }) {
                expect(await call("POST", "/api/serviceaccounts", { body: {} })).toEqual({
                    status: 400,
                    body: { message: "Bad request data" },
                });
            },
        },
        {
            grafana: 'TestServiceAccountsAPI_CreateServiceAccount "should be forbidden to create service account if no permissions"',
            does: "403 from the access-control middleware for a Viewer",
            async run({ call, emulator }) {
                const refused = await call("POST", "/api/serviceaccounts", {
                    body: { name: "x" },
                    auth: basic(emulator.credentials.viewerBasic),
                });
                expect(refused.status).toBe(403);
            },
        },
        {
            grafana: 'TestServiceAccountsAPI_RetrieveServiceAccount "should be ok to retrieve serviceaccount with permissions"',
            does: "200 with its id and login; `tokens` is omitempty in ServiceAccountProfileDTO: absent at 0, the count after",
            async run({ call }) {
                const id = (await call("POST", "/api/serviceaccounts", { body: { name: "Retrieved" } })).body.id as number;
                const empty = await call("GET", `/api/serviceaccounts/${id}`);
                expect(empty.status).toBe(200);
                expect(empty.body).toMatchObject({ id, login: "sa-1-retrieved" });
                expect(empty.body).not.toHaveProperty("tokens");
                await call("POST", `/api/serviceaccounts/${id}/tokens`, { body: { name: "retrieved-token" } });
                expect((await call("GET", `/api/serviceaccounts/${id}`)).body).toMatchObject({ tokens: 1 });
            },
        },
        {
            grafana: 'TestServiceAccountsAPI_RetrieveServiceAccount "should be not found when the user doesnt exist"',
            does: "404 serviceaccounts.ErrNotFound",
            async run({ call }) {
                const missing = await call("GET", "/api/serviceaccounts/9999");
                expect(missing).toMatchObject({ status: 404, body: { messageId: "serviceaccounts.ErrNotFound" } });
            },
        },
        {
            grafana: 'TestServiceAccountsAPI_UpdateServiceAccount "should be ok to update serviceaccount with permissions"',
            does: "200 {message, id, name, serviceaccount} with the new name and role",
            async run({ call }) {
                const id = (await call("POST", "/api/serviceaccounts", { body: { name: "Unaltered", role: "Editor" } })).body.id as number;
                const updated = await call("PATCH", `/api/serviceaccounts/${id}`, { body: { name: "New Name", role: "Viewer" } });
                expect(updated).toMatchObject({
                    status: 200,
                    body: {
                        message: "Service account updated",
                        id,
                        name: "New Name",
                        serviceaccount: { name: "New Name", role: "Viewer" },
                    },
                });
            },
        },
        {
            grafana: 'UpdateServiceAccount: web.Bind error -> 400 "Bad request data"',
            does: "a body that is not JSON is refused before anything changes",
            async run({ call }) {
                const id = (await call("POST", "/api/serviceaccounts", { body: { name: "Kept" } })).body.id as number;
                expect(await call("PATCH", `/api/serviceaccounts/${id}`, { rawBody: "{not json" })).toEqual({
                    status: 400,
                    body: { message: "Bad request data" },
                });
                expect((await call("GET", `/api/serviceaccounts/${id}`)).body).toMatchObject({ name: "Kept" });
            },
        },
        {
            grafana: 'TestServiceAccountsAPI_DeleteServiceAccount "should be able to delete serviceaccount for with permissions"',
            does: '200 "Service account deleted"; the account is gone',
            async run({ call }) {
                const id = (await call("POST", "/api/serviceaccounts", { body: { name: "Deleted" } })).body.id as number;
                expect(await call("DELETE", `/api/serviceaccounts/${id}`)).toEqual({
                    status: 200,
                    body: { message: "Service account deleted" },
                });
                expect((await call("GET", `/api/serviceaccounts/${id}`)).status).toBe(404);
            },
        },
    ],
};

const namesAndLogins: Family = {
    name: "Service account names and logins",
    source: "pkg/services/serviceaccounts/database/store.go (CreateServiceAccount, UpdateServiceAccount); pkg/services/user/userimpl",
    // Each rename carries the account's role: Grafana 11 answers 500 to a PATCH without one (the profiles' patchNeedsRole).
    cases: [
        {
            grafana: "store.go UpdateServiceAccount: a rename sets the name only",
            does: "a rename keeps the login",
            async run({ call }) {
                const id = (await call("POST", "/api/serviceaccounts", { body: { name: "Before", role: "Viewer" } })).body.id as number;
                await call("PATCH", `/api/serviceaccounts/${id}`, { body: { name: "After", role: "Viewer" } });
                expect((await call("GET", `/api/serviceaccounts/${id}`)).body).toMatchObject({ name: "After", login: "sa-1-before" });
            },
        },
        {
            grafana: "store.go UpdateServiceAccount: names need not be unique, logins must (LoginConflict)",
            does: "a rename to another account's name is accepted",
            async run({ call }) {
                await call("POST", "/api/serviceaccounts", { body: { name: "Taken" } });
                const id = (await call("POST", "/api/serviceaccounts", { body: { name: "Other", role: "Viewer" } })).body.id as number;
                expect((await call("PATCH", `/api/serviceaccounts/${id}`, { body: { name: "Taken", role: "Viewer" } })).status).toBe(200);
            },
        },
        {
            grafana: "userimpl CreateServiceAccount: LoginConflict on the generated login",
            does: "a new account under a renamed account's old name is refused: the old login is still taken",
            async run({ call }) {
                const id = (await call("POST", "/api/serviceaccounts", { body: { name: "Old", role: "Viewer" } })).body.id as number;
                await call("PATCH", `/api/serviceaccounts/${id}`, { body: { name: "New", role: "Viewer" } });
                expect(await call("POST", "/api/serviceaccounts", { body: { name: "Old" } })).toMatchObject({
                    status: 400,
                    body: { messageId: "serviceaccounts.ErrAlreadyExists" },
                });
            },
        },
    ],
};

const tokens: Family = {
    name: "Service account tokens",
    source: "pkg/services/serviceaccounts/api/token.go, token_test.go",
    cases: [
        {
            grafana: 'TestServiceAccountsAPI_CreateToken "should be able to create token for service account with correct permission"',
            does: "200 {id, name, key} with a glsa_ key",
            async run({ call }) {
                const id = (await call("POST", "/api/serviceaccounts", { body: { name: "Minter" } })).body.id as number;
                const created = await call("POST", `/api/serviceaccounts/${id}/tokens`, { body: { name: "test" } });
                expect(created).toMatchObject({ status: 200, body: { name: "test", key: expect.stringMatching(/^glsa_/) } });
            },
        },
        {
            grafana: 'TestServiceAccountsAPI_CreateToken "should not be able to create token for service account that dont exists"',
            does: "404 serviceaccounts.ErrNotFound",
            async run({ call }) {
                const refused = await call("POST", "/api/serviceaccounts/9999/tokens", { body: { name: "test" } });
                expect(refused).toMatchObject({ status: 404, body: { messageId: "serviceaccounts.ErrNotFound" } });
            },
        },
        {
            grafana:
                'TestServiceAccountsAPI_CreateToken "should not be able to create token for service account if max ttl is configured but not set in body"',
            does: "with api_key_max_seconds_to_live set, a token without secondsToLive is 400",
            async run({ profile }) {
                const limited = await startEmulator({ profile, apiKeyMaxSecondsToLive: 36_000 });
                try {
                    const call = caller(limited);
                    const id = (await call("POST", "/api/serviceaccounts", { body: { name: "Limited" } })).body.id as number;
                    const refused = await call("POST", `/api/serviceaccounts/${id}/tokens`, { body: { name: "test" } });
                    expect(refused).toEqual({ status: 400, body: { message: "Number of seconds before expiration should be set" } });
                } finally {
                    await limited.close();
                }
            },
        },
        {
            grafana: 'CreateToken: web.Bind error -> 400 "Bad request data"',
            does: "a body that is not JSON is refused, after the account was found",
            async run({ call }) {
                const id = (await call("POST", "/api/serviceaccounts", { body: { name: "Unbound" } })).body.id as number;
                expect(await call("POST", `/api/serviceaccounts/${id}/tokens`, { rawBody: "{not json" })).toEqual({
                    status: 400,
                    body: { message: "Bad request data" },
                });
            },
        },
        {
            grafana: 'TestServiceAccountsAPI_ListTokens "should be able to list tokens with correct permission"',
            does: "200 with each token's id, name, created, expiration, hasExpired, lastUsedAt",
            async run({ call, accountWithToken }) {
                const { accountId, tokenId } = await accountWithToken("listed");
                const [listed] = (await call("GET", `/api/serviceaccounts/${accountId}/tokens`)).body;
                expect(listed).toMatchObject({ id: tokenId, name: "listed-token", expiration: null, hasExpired: false, lastUsedAt: null });
            },
        },
        {
            grafana: 'TestServiceAccountsAPI_DeleteToken "should be able to delete service account token with correct permission"',
            does: '200 "Service account token deleted"; the key stops working',
            async run({ call, accountWithToken }) {
                const { accountId, tokenId, key } = await accountWithToken("deleted");
                expect(await call("DELETE", `/api/serviceaccounts/${accountId}/tokens/${tokenId}`)).toEqual({
                    status: 200,
                    body: { message: "Service account token deleted" },
                });
                expect((await call("GET", SIGN_IN, { auth: bearer(key) })).status).toBe(401);
            },
        },
        {
            grafana:
                'TestServiceAccountsAPI_DeleteToken "should not be able to delete service account token when service account don\'t exist"',
            does: "404 serviceaccounts.ErrNotFound",
            async run({ call }) {
                expect(await call("DELETE", "/api/serviceaccounts/9999/tokens/1")).toMatchObject({
                    status: 404,
                    body: { messageId: "serviceaccounts.ErrNotFound" },
                });
            },
        },
    ],
};

const legacyKeys: Family = {
    name: "Legacy API keys",
    source: "pkg/api/apikey.go (AddAPIKey), pkg/api/api.go (routes); PR #92144 (11.3: create gone), PR #96924 (12: removed)",
    cases: [
        {
            grafana: 'AddAPIKey: web.Bind error -> 400 "bad request data" (lower case, unlike the service-account API)',
            does: "10.4: a key without a name is 400; 11.3: creating is 410 whatever the body; 12.1+: no route, 404",
            async run({ profile, call }) {
                const refused = await call("POST", "/api/auth/keys", { body: { role: "Viewer" } });
                if (profile === "10.4") expect(refused).toEqual({ status: 400, body: { message: "bad request data" } });
                else expect(refused.status).toBe(PROFILES[profile].legacyKeys === "createGone" ? 410 : 404);
            },
        },
        {
            grafana: "AddAPIKey: apikey.ErrDuplicate -> 409",
            does: "10.4: a second key of the same name in the org is 409",
            async run({ profile, call }) {
                if (profile !== "10.4")
                    return expect((await call("POST", "/api/auth/keys", { body: { name: "k", role: "Viewer" } })).status).not.toBe(200);
                await call("POST", "/api/auth/keys", { body: { name: "k", role: "Viewer" } });
                expect(await call("POST", "/api/auth/keys", { body: { name: "k", role: "Viewer" } })).toEqual({
                    status: 409,
                    body: { message: "API key, organization ID and name must be unique" },
                });
            },
        },
    ],
};

const search: Family = {
    name: "Dashboard search (the provider's key check)",
    source: "pkg/api/search.go (Search)",
    cases: [
        {
            grafana: "Search: limit > 5000 -> response.Error(422, ...)",
            does: "limit=5001 is 422 before anything is searched; limit=5000 is 200",
            async run({ call }) {
                expect(await call("GET", "/api/search?limit=5001")).toEqual({
                    status: 422,
                    body: { message: "Limit is above maximum allowed (5000), use page parameter to access hits beyond limit" },
                });
                expect((await call("GET", "/api/search?limit=5000")).status).toBe(200);
            },
        },
    ],
};

const migration: Family = {
    name: "Legacy key migration at start-up (in-place upgrade)",
    source: "pkg/services/serviceaccounts/database/store.go (MigrateApiKeysToServiceAccounts, CreateServiceAccountFromApikey); user table login NVARCHAR(190)",
    cases: [
        {
            grafana: "MigrateApiKeysToServiceAccounts: a key whose account cannot be created counts as Failed and stays a legacy key",
            does: "upgrading 10.4 to this profile: from 12.1 a key whose login would be too long stays legacy, the others migrate; 11.3 migrates nothing",
            async run({ profile }) {
                if (profile === "10.4") return; // nothing older to upgrade from
                const old = await startEmulator({ profile: "10.4" });
                try {
                    const call = caller(old);
                    const long = (await call("POST", "/api/auth/keys", { body: { name: "k".repeat(185), role: "Viewer" } })).body;
                    const short = (await call("POST", "/api/auth/keys", { body: { name: "short", role: "Viewer" } })).body;
                    const outcome = old.upgrade(profile);
                    const legacyIds = old.state.apiKeys().map((key) => key.id);
                    if (!migratesKeys(profile)) {
                        expect(outcome).toMatchObject({ migratedKeys: 0, failedKeyIds: [] });
                        expect(legacyIds).toEqual([long.id, short.id]);
                        return;
                    }
                    expect(outcome).toMatchObject({ migratedKeys: 1, failedKeyIds: [long.id] });
                    expect(legacyIds).toEqual([long.id]);
                    expect(old.state.serviceAccounts().map((account) => account.name)).toEqual(["sa-autogen-short"]);
                    expect((await call("GET", SIGN_IN, { auth: bearer(String(short.key)) })).status).toBe(200);
                } finally {
                    await old.close();
                }
            },
        },
    ],
};

const FAMILIES = [authentication, lastUsed, serviceAccounts, namesAndLogins, tokens, legacyKeys, search, migration];

function caller(emulator: Emulator) {
    return async (method: string, path: string, options: CallOptions = {}): Promise<Reply> => {
        const headers: Record<string, string> = { Authorization: options.auth ?? basic(emulator.credentials.adminBasic) };
        if (options.org !== undefined) headers["X-Grafana-Org-Id"] = String(options.org);
        const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
        if (body !== undefined) headers["Content-Type"] = "application/json";
        const res = await fetch(emulator.url + path, { method, headers, body });
        const text = await res.text();
        return { status: res.status, body: (text === "" ? undefined : JSON.parse(text)) as Reply["body"] };
    };
}

describe.each(ALL_PROFILES)("Grafana %s, against Grafana's own tests and handlers", (profile) => {
    let emulator: Emulator;
    const context: CaseContext = {
        profile,
        get emulator() {
            return emulator;
        },
        call: (method, path, options) => caller(emulator)(method, path, options),
        async accountWithToken(name, secondsToLive) {
            const call = caller(emulator);
            const accountId = (await call("POST", "/api/serviceaccounts", { body: { name, role: "Admin" } })).body.id as number;
            const token = await call("POST", `/api/serviceaccounts/${accountId}/tokens`, {
                body: { name: `${name}-token`, ...(secondsToLive === undefined ? {} : { secondsToLive }) },
            });
            return { accountId, tokenId: token.body.id as number, key: token.body.key as string };
        },
    };

    beforeAll(async () => {
        emulator = await startEmulator({ profile });
    });
    afterAll(() => emulator.close());
    beforeEach(() => emulator.reset());

    describe.each(FAMILIES)("$name ($source)", ({ cases }) => {
        for (const testCase of cases) {
            const title = `${testCase.grafana}: ${testCase.does}`;
            test(title, () => testCase.run(context));
        }
    });
});
