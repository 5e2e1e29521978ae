/**
 * Conformance of the Grafana emulator with the facts in docs/grafana-http-api.md
 * that the provider depends on, checked over real HTTP for every version profile.
 */
import { crc32 } from "node:zlib";
import { expect } from "@jest/globals";
import { startEmulator, type Emulator, type GrafanaProfile } from "azure-managed-grafana-emulator";

/** `Body`: the JSON the test expects, as far as it reads fields of it (its assertions check the values). */
interface Reply<Body = unknown> {
    status: number;
    headers: Headers;
    body: Body;
}

/** Grafana's JSON (docs/grafana-http-api.md), the fields these tests read. */
interface ServiceAccountJson {
    id: number;
    login: string;
    createdAt?: string;
}
/** A new legacy key or service-account token: the only time its secret is shown. */
interface KeyJson {
    key: string;
}
interface TokenListItemJson {
    name: string;
    secondsUntilExpiration: number;
}
interface SearchJson {
    totalCount: number;
    serviceAccounts: Array<{ orgId: number; createdAt?: string }>;
}
interface MessageJson {
    message: string;
}

interface CallOptions {
    /** A full Authorization header value; default: admin basic auth. null sends none. */
    auth?: string | null;
    body?: unknown;
    org?: number;
}

const basic = (userPass: string): string => `Basic ${Buffer.from(userPass).toString("base64")}`;
const bearer = (key: string): string => `Bearer ${key}`;

function client(emulator: () => Emulator) {
    return async <Body = unknown>(method: string, path: string, options: CallOptions = {}): Promise<Reply<Body>> => {
        const headers: Record<string, string> = {};
        const auth = options.auth === undefined ? basic(emulator().credentials.adminBasic) : options.auth;
        if (auth !== null) headers.Authorization = auth;
        if (options.org !== undefined) headers["X-Grafana-Org-Id"] = String(options.org);
        if (options.body !== undefined) headers["Content-Type"] = "application/json";
        const res = await fetch(emulator().url + path, {
            method,
            headers,
            body: options.body === undefined ? undefined : JSON.stringify(options.body),
        });
        const text = await res.text();
        return { status: res.status, headers: res.headers, body: (text === "" ? undefined : JSON.parse(text)) as Body };
    };
}

/** `uidPaths`: a service account's UID is accepted where its id is (Grafana >= 11.4, PR #95401). */
const profiles: Array<{ profile: GrafanaProfile; version: string; legacyCreate: number; legacyList: number; uidPaths: boolean }> = [
    { profile: "10.4", version: "10.4.3", legacyCreate: 200, legacyList: 200, uidPaths: false },
    { profile: "11.3", version: "11.3.1", legacyCreate: 410, legacyList: 200, uidPaths: false },
    { profile: "12.1", version: "12.1.0-16426244399", legacyCreate: 404, legacyList: 404, uidPaths: true },
    { profile: "13.0", version: "13.0.1", legacyCreate: 404, legacyList: 404, uidPaths: true },
];

describe.each(profiles)("Grafana $profile emulator", ({ profile, version, legacyCreate, legacyList, uidPaths }) => {
    let emulator: Emulator;
    const call = client(() => emulator);
    const createSa = (name: string, extra: Record<string, unknown> = {}, org?: number) =>
        call<ServiceAccountJson>("POST", "/api/serviceaccounts", { body: { name, role: "Admin", isDisabled: false, ...extra }, org });

    beforeAll(async () => {
        emulator = await startEmulator({ profile });
    });
    afterAll(async () => {
        await emulator.close();
    });
    beforeEach(() => emulator.reset());

    test("GET /api/health reports the profile's version without auth", async () => {
        const reply = await call("GET", "/api/health", { auth: null });
        expect(reply.status).toBe(200);
        expect(reply.body).toEqual({ commit: "abc1234", database: "ok", version });
        expect(reply.headers.get("content-type")).toBe("application/json");
    });

    test("answers carry the server's own clock in the Date header, and a profile's createdAt is on that clock", async () => {
        emulator.clock.set(Date.UTC(2031, 0, 2, 3, 4, 5, 678));
        const created = await createSa("clocked");
        expect(created.headers.get("date")).toBe("Thu, 02 Jan 2031 03:04:05 GMT");
        // As in Grafana: the search result and the create answer carry no creation time; the profile does, in whole seconds.
        expect(created.body.createdAt).toBeUndefined();
        const search = await call<SearchJson>("GET", "/api/serviceaccounts/search?query=clocked");
        expect(search.body.serviceAccounts[0].createdAt).toBeUndefined();
        const profile = await call<ServiceAccountJson>("GET", `/api/serviceaccounts/${created.body.id}`);
        expect(profile.body.createdAt).toBe("2031-01-02T03:04:05Z");
    });

    test(`legacy POST /api/auth/keys answers ${legacyCreate}, GET answers ${legacyList}`, async () => {
        const reply = await call<KeyJson>("POST", "/api/auth/keys", { body: { name: "legacy", role: "Viewer", secondsToLive: 0 } });
        expect(reply.status).toBe(legacyCreate);
        if (legacyCreate === 200) {
            expect(reply.body).toEqual({ id: expect.any(Number), name: "legacy", key: expect.stringMatching(/^eyJr/) });
            const decoded: unknown = JSON.parse(Buffer.from(reply.body.key, "base64").toString("utf8"));
            expect(decoded).toEqual({ k: expect.stringMatching(/^[A-Za-z0-9]{32}$/), n: "legacy", id: 1 });
            expect((await call("GET", "/api/dashboards/home", { auth: bearer(reply.body.key) })).status).toBe(200);
        } else if (legacyCreate === 410) {
            expect(reply.body).toEqual({
                message:
                    "this endpoint has been removed, please use POST /api/serviceaccounts and POST /api/serviceaccounts/{id}/tokens instead",
            });
        } else {
            expect(reply.body).toEqual({ message: "Not found" });
        }
        expect(emulator.state.apiKeys()).toHaveLength(legacyCreate === 200 ? 1 : 0);
        expect((await call("GET", "/api/auth/keys?includeExpired=true")).status).toBe(legacyList);
        // The manual migration routes were never modelled; on 12.1+ they are gone (PR #106019) and answer 404.
        expect((await call("POST", "/api/serviceaccounts/migrate")).status).toBe(404);
    });

    test("GET /api/search?limit=1 (the provider's key check) answers 200 to every role, None included, and 401 to a dead key", async () => {
        const search = (auth: string | null) => call("GET", "/api/search?limit=1", { auth });
        const tokens: string[] = [];
        for (const role of ["None", "Viewer", "Editor", "Admin"]) {
            const id = (await createSa(`search-${role}`, { role })).body.id;
            const created = await call<KeyJson>("POST", `/api/serviceaccounts/${id}/tokens`, {
                body: { name: `t-${role}`, secondsToLive: 60 },
            });
            tokens.push(created.body.key);
            expect(await search(bearer(created.body.key))).toMatchObject({ status: 200, body: [] });
        }
        expect((await search(basic(emulator.credentials.viewerBasic))).status).toBe(200);
        expect(await search(null)).toMatchObject({ status: 401, body: { message: "Unauthorized" } });
        expect((await search(bearer("glsa_unknownunknownunknownunknown00_00000000"))).status).toBe(401);
        emulator.clock.advance(61);
        for (const token of tokens) expect((await search(bearer(token))).status).toBe(401);
    });

    test("a revoked token stays listed with isRevoked true and is refused with 401 api-key.revoked", async () => {
        const id = (await createSa("leaky", { role: "Viewer" })).body.id;
        const created = (await call<KeyJson & { id: number }>("POST", `/api/serviceaccounts/${id}/tokens`, { body: { name: "leaked" } }))
            .body;
        expect((await call("GET", "/api/search?limit=1", { auth: bearer(created.key) })).status).toBe(200);
        expect(emulator.state.revokeToken(id, created.id)).toBe(true);

        const refused = await call("GET", "/api/search?limit=1", { auth: bearer(created.key) });
        expect(refused).toMatchObject({ status: 401, body: { message: "Revoked API key", messageId: "api-key.revoked", statusCode: 401 } });
        const [row] = (await call<Array<Record<string, unknown>>>("GET", `/api/serviceaccounts/${id}/tokens`)).body;
        expect(row).toMatchObject({ id: created.id, name: "leaked", isRevoked: true, hasExpired: false });
        expect(emulator.state.serviceAccounts()[0].tokens).toEqual([expect.objectContaining({ id: created.id, isRevoked: true })]);
    });

    test(
        uidPaths ? "a service account's UID works where its id does; an unknown UID is 404" : "a non-numeric service account id is 400",
        async () => {
            const id = (await createSa("by-uid", { role: "Viewer" })).body.id;
            const { uid } = (await call<{ uid: string }>("GET", `/api/serviceaccounts/${id}`)).body;
            expect(uid).toMatch(/^[a-f][0-9a-z]{13}$/);
            const byUid = await call<{ id: number; name: string }>("GET", `/api/serviceaccounts/${uid}`);
            const tokenByUid = await call<KeyJson & { id: number }>("POST", `/api/serviceaccounts/${uid}/tokens`, {
                body: { name: "via-uid" },
            });
            if (uidPaths) {
                expect(byUid).toMatchObject({ status: 200, body: { id, name: "by-uid" } });
                expect(tokenByUid.status).toBe(200);
                expect((await call<unknown[]>("GET", `/api/serviceaccounts/${uid}/tokens`)).body).toHaveLength(1);
                expect((await call("DELETE", `/api/serviceaccounts/${uid}/tokens/${tokenByUid.body.id}`)).status).toBe(200);
                expect(await call("GET", "/api/serviceaccounts/nosuchuid")).toMatchObject({ status: 404, body: { message: "Not found" } });
                // A UID resolves in the caller's org only.
                expect((await call("GET", `/api/serviceaccounts/${uid}`, { org: 2 })).status).toBe(404);
                expect((await call("DELETE", `/api/serviceaccounts/${uid}`)).status).toBe(200);
                expect(emulator.state.serviceAccounts()).toEqual([]);
            } else {
                expect(byUid).toMatchObject({ status: 400, body: { message: "Service Account ID is invalid" } });
                expect(tokenByUid.status).toBe(400);
            }
        },
    );

    // Only 10.4 still creates legacy keys; the other profiles have no such test rather than a skipped one.
    if (profile === "10.4")
        test("a duplicate legacy key name in the org is 409", async () => {
            expect((await call("POST", "/api/auth/keys", { body: { name: "dup", role: "Viewer" } })).status).toBe(200);
            const again = await call("POST", "/api/auth/keys", { body: { name: "dup", role: "Admin" } });
            expect(again.status).toBe(409);
            expect(again.body).toEqual({ message: "API key, organization ID and name must be unique" });
        });

    test("service account names are unique per org, case-insensitively (400)", async () => {
        const created = await createSa("Deploy Bot");
        expect(created.status).toBe(201);
        expect(created.body).toMatchObject({ name: "Deploy Bot", orgId: 1, role: "Admin", isDisabled: false, tokens: 0 });
        const dup = await createSa("deploy bot");
        expect(dup.status).toBe(400);
        expect(dup.body).toEqual({
            message: "service account already exists",
            messageId: "serviceaccounts.ErrAlreadyExists",
            statusCode: 400,
            traceID: "",
        });
        expect(emulator.state.serviceAccounts()).toHaveLength(1);
    });

    test("a rename keeps the login: the old name stays taken, and two accounts may share a name", async () => {
        const renamed = (await createSa("ci-bot")).body;
        const patched = await call<{ serviceaccount: ServiceAccountJson }>("PATCH", `/api/serviceaccounts/${renamed.id}`, {
            body: { name: "deploy-bot", role: "Admin" },
        });
        expect(patched.status).toBe(200);
        expect(patched.body.serviceaccount).toMatchObject({ name: "deploy-bot", login: renamed.login });
        expect((await createSa("ci-bot")).status).toBe(400);
        const other = (await createSa("other")).body;
        expect((await call("PATCH", `/api/serviceaccounts/${other.id}`, { body: { name: "deploy-bot", role: "Admin" } })).status).toBe(200);
        const found = await call<{ serviceAccounts: ServiceAccountJson[] }>("GET", "/api/serviceaccounts/search?query=deploy-bot");
        expect(found.body.serviceAccounts.map((account) => account.id).sort()).toEqual([renamed.id, other.id].sort());
    });

    test("token names are unique across the whole org (400 ErrTokenAlreadyExists)", async () => {
        const a = (await createSa("a")).body.id;
        const b = (await createSa("b")).body.id;
        expect((await call("POST", `/api/serviceaccounts/${a}/tokens`, { body: { name: "ci" } })).status).toBe(200);
        const dup = await call("POST", `/api/serviceaccounts/${b}/tokens`, { body: { name: "ci", secondsToLive: 60 } });
        expect(dup.status).toBe(400);
        expect(dup.body).toMatchObject({
            messageId: "serviceaccounts.ErrTokenAlreadyExists",
            message: "service account token with given name already exists in the organization",
        });
    });

    test("a service-account token is glsa_<32 alnum>_<crc32 LE hex> and acts as its account", async () => {
        const id = (await createSa("fmt", { role: "Viewer" })).body.id;
        const reply = await call<KeyJson>("POST", `/api/serviceaccounts/${id}/tokens`, { body: { name: "t", secondsToLive: 0 } });
        expect(reply.status).toBe(200);
        expect(reply.body).toEqual({ id: expect.any(Number), name: "t", key: expect.any(String) });
        const match = /^glsa_([A-Za-z0-9]{32})_([0-9a-f]{8})$/.exec(reply.body.key);
        expect(match).not.toBeNull();
        const crc = Buffer.alloc(4);
        crc.writeUInt32LE(crc32(`glsa_${match![1]}`) >>> 0);
        expect(match![2]).toBe(crc.toString("hex"));
        expect(emulator.state.secrets()).toContain(reply.body.key);

        const key = bearer(reply.body.key);
        expect((await call("GET", "/api/dashboards/home", { auth: key })).body).toEqual({
            dashboard: { title: "Home" },
            meta: { isHome: true },
        });
        // A Viewer token cannot mint more tokens.
        const denied = await call<MessageJson>("GET", "/api/serviceaccounts/search", { auth: key });
        expect(denied.status).toBe(403);
        expect(denied.body.message).toContain("serviceaccounts:read");
    });

    test("advancing the clock past expiry makes the token refused and hasExpired true", async () => {
        const id = (await createSa("exp")).body.id;
        const token = (await call<KeyJson>("POST", `/api/serviceaccounts/${id}/tokens`, { body: { name: "t", secondsToLive: 60 } })).body
            .key;
        expect((await call("GET", "/api/dashboards/home", { auth: bearer(token) })).status).toBe(200);
        let [listed] = (await call<TokenListItemJson[]>("GET", `/api/serviceaccounts/${id}/tokens`)).body;
        expect(listed).toMatchObject({ hasExpired: false, isRevoked: false, lastUsedAt: expect.any(String) });
        expect(listed.secondsUntilExpiration).toBeGreaterThan(50);

        emulator.clock.advance(61);
        const refused = await call("GET", "/api/dashboards/home", { auth: bearer(token) });
        expect(refused.status).toBe(401);
        expect(refused.body).toEqual({ message: "Expired API key", messageId: "api-key.expired", statusCode: 401 });
        [listed] = (await call<TokenListItemJson[]>("GET", `/api/serviceaccounts/${id}/tokens`)).body;
        expect(listed).toMatchObject({ hasExpired: true, secondsUntilExpiration: 0 });
    });

    test("the token list counts down only within the last 7 days, as Grafana's ListTokens does", async () => {
        const DAY = 86_400;
        const id = (await createSa("countdown")).body.id;
        for (const [name, secondsToLive] of [
            ["month", 30 * DAY],
            ["week-and-a-bit", 7 * DAY + 60],
            ["day", DAY],
            ["never", 0],
        ] as const) {
            await call("POST", `/api/serviceaccounts/${id}/tokens`, { body: { name, secondsToLive } });
        }
        const listed = async () =>
            Object.fromEntries(
                (await call<TokenListItemJson[]>("GET", `/api/serviceaccounts/${id}/tokens`)).body.map((token) => [token.name, token]),
            );
        let tokens = await listed();
        // Beyond 7 days, and for a token that never expires, Grafana reports 0: never "expires now".
        expect(tokens.month).toMatchObject({ secondsUntilExpiration: 0, hasExpired: false, expiration: expect.any(String) });
        expect(tokens["week-and-a-bit"]).toMatchObject({ secondsUntilExpiration: 0, hasExpired: false });
        expect(tokens.never).toMatchObject({ secondsUntilExpiration: 0, hasExpired: false, expiration: null });
        expect(tokens.day.secondsUntilExpiration).toBeGreaterThan(DAY - 60);
        expect(tokens.day.secondsUntilExpiration).toBeLessThanOrEqual(DAY);

        emulator.clock.advance(24 * DAY);
        tokens = await listed();
        expect(tokens.month.secondsUntilExpiration).toBeGreaterThan(6 * DAY - 60);
        expect(tokens.month.secondsUntilExpiration).toBeLessThanOrEqual(6 * DAY);
        expect(tokens.day).toMatchObject({ secondsUntilExpiration: 0, hasExpired: true });
    });

    test("every answer carries Grafana's own clock in its Date header", async () => {
        emulator.clock.advance(24 * 86_400);
        const reply = await call("GET", "/api/health", { auth: null });
        expect(Math.abs(Date.parse(reply.headers.get("date")!) - emulator.clock.now())).toBeLessThan(2_000);
    });

    test("failNext with afterActing answers 500 although the service account was created", async () => {
        emulator.faults.failNext(1, 500, { method: "POST", path: "/api/serviceaccounts", afterActing: true });
        const reply = await createSa("ghost");
        expect(reply.status).toBe(500);
        expect(reply.body).toEqual({ message: "Internal Server Error" });
        expect(emulator.state.serviceAccounts().map((sa) => sa.name)).toEqual(["ghost"]);
        const search = await call<SearchJson>("GET", "/api/serviceaccounts/search?query=ghost");
        expect(search.body.totalCount).toBe(1);
        expect(emulator.requests.map((r) => r.status)).toEqual([500, 200]);
    });

    test("failNext before acting changes nothing and can carry Retry-After", async () => {
        emulator.faults.failNext(1, 429, { path: /^\/api\/serviceaccounts/, retryAfterSeconds: 3 });
        const reply = await createSa("later");
        expect(reply.status).toBe(429);
        expect(reply.headers.get("retry-after")).toBe("3");
        expect(emulator.state.serviceAccounts()).toEqual([]);
        expect((await createSa("later")).status).toBe(201);
    });

    test("dropNext makes fetch fail, before or after acting", async () => {
        emulator.faults.dropNext(1, { method: "POST", path: "/api/serviceaccounts" });
        await expect(createSa("before")).rejects.toThrow();
        emulator.faults.dropNext(1, { method: "POST", path: "/api/serviceaccounts", afterActing: true });
        await expect(createSa("after")).rejects.toThrow();
        expect(emulator.state.serviceAccounts().map((sa) => sa.name)).toEqual(["after"]);
        expect(emulator.requests.map((r) => r.status)).toEqual(["dropped", "dropped"]);
    });

    test("X-Grafana-Org-Id isolates orgs; keys are bound to theirs", async () => {
        expect((await createSa("shared", {}, 2)).status).toBe(201);
        expect((await createSa("shared", {}, 1)).status).toBe(201); // same name, other org: allowed
        const inOrg2 = await call<SearchJson>("GET", "/api/serviceaccounts/search", { org: 2 });
        expect(inOrg2.body.serviceAccounts.map((sa) => sa.orgId)).toEqual([2]);
        expect(emulator.state.serviceAccounts(1)).toHaveLength(1);
        expect(emulator.requests[0].orgId).toBe(2);

        expect((await call("GET", "/api/serviceaccounts/search", { org: 3 })).body).toEqual({ message: "Unauthorized" });
        const adminToken = bearer(emulator.credentials.adminToken);
        expect((await call("GET", "/api/serviceaccounts/search", { auth: adminToken, org: 2 })).status).toBe(401);
        const own = await call<SearchJson>("GET", "/api/serviceaccounts/search", { auth: adminToken, org: 1 });
        expect(own.status).toBe(200);
        expect(own.body.totalCount).toBe(1); // the emulator's own identities are not listed
    });

    test("a user's requests that name no org act in the user's current org, which POST /api/user/using/:id moves", async () => {
        expect((await createSa("made-in-1")).status).toBe(201);
        const moved = await call<MessageJson>("POST", "/api/user/using/2");
        expect(moved).toMatchObject({ status: 200, body: { message: "Active organization changed" } });
        const search = await call<SearchJson>("GET", "/api/serviceaccounts/search");
        expect(search.body.totalCount).toBe(0); // org 2 now
        expect((await call<SearchJson>("GET", "/api/serviceaccounts/search", { org: 1 })).body.totalCount).toBe(1);
        // Another user's current org is their own.
        const editor = await call("GET", "/api/search?limit=1", { auth: basic(emulator.credentials.editorBasic) });
        expect(emulator.requests.at(-1)?.orgId).toBe(1);
        expect(editor.status).toBe(200);

        expect(await call("POST", "/api/user/using/3")).toMatchObject({ status: 401, body: { message: "Not a valid organization" } });
        expect(await call("POST", "/api/user/using/two")).toMatchObject({ status: 400, body: { message: "id is invalid" } });
        // Keys and tokens have no current org to move.
        expect((await call("POST", "/api/user/using/2", { auth: bearer(emulator.credentials.adminToken) })).status).toBe(304);
        emulator.reset();
        expect((await call<SearchJson>("GET", "/api/serviceaccounts/search")).body.totalCount).toBe(0);
        expect(emulator.requests.at(-1)?.orgId).toBe(1);
    });

    test("non-admins get Grafana's access-control 403", async () => {
        const reply = await call("POST", "/api/serviceaccounts", {
            auth: basic(emulator.credentials.editorBasic),
            body: { name: "x", role: "Viewer" },
        });
        expect(reply.status).toBe(403);
        expect(reply.body).toEqual({
            accessErrorId: "ACE0123456789",
            message: "You'll need additional permissions to perform this action. Permissions needed: serviceaccounts:create",
            title: "Access denied",
        });
        expect((await call("GET", "/api/dashboards/home", { auth: null })).body).toEqual({ message: "Unauthorized" });
    });

    test(`PATCH without a role answers ${profile === "11.3" ? 500 : 200}; disabling refuses its tokens`, async () => {
        const id = (await createSa("patchy")).body.id;
        const token = (await call<KeyJson>("POST", `/api/serviceaccounts/${id}/tokens`, { body: { name: "p" } })).body.key;
        const partial = await call("PATCH", `/api/serviceaccounts/${id}`, { body: { isDisabled: true } });
        expect(partial.status).toBe(profile === "11.3" ? 500 : 200);
        const full = await call("PATCH", `/api/serviceaccounts/${id}`, {
            body: { name: "patchy", role: "Admin", isDisabled: true },
        });
        expect(full.status).toBe(200);
        expect(full.body).toMatchObject({ message: "Service account updated", id, serviceaccount: { isDisabled: true } });
        expect((await call("GET", "/api/dashboards/home", { auth: bearer(token) })).status).toBe(401);
    });
});

test("hideVersion leaves only the database status in /api/health", async () => {
    const emulator = await startEmulator({ profile: "11.3", hideVersion: true });
    try {
        const res = await fetch(`${emulator.url}/api/health`);
        expect(await res.json()).toEqual({ database: "ok" });
    } finally {
        await emulator.close();
    }
});
