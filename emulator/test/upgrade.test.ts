/**
 * Conformance of the emulator's in-place upgrade (upgrade.ts) with Grafana's start-up migration of legacy
 * API keys (docs/grafana-upgrades.md), over real HTTP: the control endpoint, then what Grafana's own API
 * shows and accepts afterwards.
 */
import { expect } from "@jest/globals";
import { startEmulator, type Emulator, type GrafanaProfile } from "azure-managed-grafana-emulator";

interface Reply<Body = unknown> {
    status: number;
    body: Body;
}
interface KeyJson {
    id: number;
    key: string;
}
interface AccountJson {
    id: number;
    name: string;
    login: string;
    orgId: number;
    role: string;
    isDisabled: boolean;
    tokens: number;
}
interface SearchJson {
    serviceAccounts: AccountJson[];
}
interface TokenRowJson {
    id: number;
    name: string;
    expiration: string | null;
    hasExpired: boolean;
}
interface MessageJson {
    message: string;
}

const ADMIN = `Basic ${Buffer.from("admin:admin").toString("base64")}`;

let emulator: Emulator;

async function call<Body = unknown>(
    method: string,
    path: string,
    options: { auth?: string; body?: unknown; org?: number } = {},
): Promise<Reply<Body>> {
    const headers: Record<string, string> = { Authorization: options.auth ?? ADMIN };
    if (options.org !== undefined) headers["X-Grafana-Org-Id"] = String(options.org);
    if (options.body !== undefined) headers["Content-Type"] = "application/json";
    const res = await fetch(emulator.url + path, {
        method,
        headers,
        body: options.body === undefined ? undefined : typeof options.body === "string" ? options.body : JSON.stringify(options.body),
    });
    const text = await res.text();
    return { status: res.status, body: (text === "" ? undefined : JSON.parse(text)) as Body };
}

const upgrade = (body: unknown) => call<Record<string, unknown>>("POST", "/__emulator/upgrade", { body });
const legacyKey = async (name: string, role: string, secondsToLive = 0, org?: number) => {
    const reply = await call<KeyJson>("POST", "/api/auth/keys", { body: { name, role, secondsToLive }, org });
    expect(reply.status).toBe(200);
    return reply.body;
};
const accounts = async (org?: number) => (await call<SearchJson>("GET", "/api/serviceaccounts/search", { org })).body.serviceAccounts;
const tokens = async (accountId: number, org?: number) =>
    (await call<TokenRowJson[]>("GET", `/api/serviceaccounts/${accountId}/tokens`, { org })).body;
const statusWith = async (key: string, path = "/api/dashboards/home") => (await call("GET", path, { auth: `Bearer ${key}` })).status;

beforeAll(async () => {
    emulator = await startEmulator({ profile: "10.4" });
});
afterEach(() => emulator.reset());
afterAll(async () => {
    await emulator.close();
});

describe("POST /__emulator/upgrade", () => {
    test("10.4 -> 12.1: every legacy key becomes the token of a new sa-autogen-<name> account, keeping id, name, expiry and secret", async () => {
        const deploy = await legacyKey("Deploy Key", "Admin", 86_400);
        const viewer = await legacyKey("reader", "Viewer");
        const expiryBefore = emulator.state.apiKeys().find((k) => k.id === deploy.id)?.expiresAt;

        const outcome = await upgrade({ profile: "12.1" });
        expect(outcome).toEqual({
            status: 200,
            body: { from: "10.4", profile: "12.1", version: "12.1.0-16426244399", migratedKeys: 2, failedKeyIds: [] },
        });
        expect(emulator.profile).toBe("12.1");
        expect((await call("GET", "/api/health")).body).toMatchObject({ version: "12.1.0-16426244399" });
        expect((await call("GET", "/api/auth/keys")).status).toBe(404);

        const migrated = await accounts();
        expect(migrated).toEqual([
            expect.objectContaining({
                name: "sa-autogen-Deploy Key",
                login: "sa-autogen-1-deploy-key",
                role: "Admin",
                orgId: 1,
                isDisabled: false,
                tokens: 1,
            }),
            expect.objectContaining({ name: "sa-autogen-reader", login: "sa-autogen-1-reader", role: "Viewer", orgId: 1, tokens: 1 }),
        ]);
        const [deployRow] = await tokens(migrated[0].id);
        expect(deployRow).toMatchObject({ id: deploy.id, name: "Deploy Key", hasExpired: false });
        expect(deployRow.expiration).toBe(new Date(expiryBefore ?? 0).toISOString().replace(".000Z", "Z"));
        expect(await tokens(migrated[1].id)).toEqual([expect.objectContaining({ id: viewer.id, name: "reader", expiration: null })]);

        // The same strings sign in, now as the accounts, with the accounts' roles.
        expect(await statusWith(deploy.key)).toBe(200);
        expect(await statusWith(deploy.key, "/api/serviceaccounts/search")).toBe(200);
        expect(await statusWith(viewer.key, "/api/serviceaccounts/search")).toBe(403);
    });

    test("expired keys and keys of other orgs migrate too, each into its own org", async () => {
        const expired = await legacyKey("short", "Editor", 30);
        await legacyKey("elsewhere", "Editor", 0, 2);
        emulator.clock.advance(60);

        expect((await upgrade({ profile: "12.1" })).body).toMatchObject({ migratedKeys: 2 });
        const [shortAccount] = await accounts(1);
        expect(shortAccount).toMatchObject({ name: "sa-autogen-short", login: "sa-autogen-1-short", role: "Editor" });
        expect(await tokens(shortAccount.id)).toEqual([expect.objectContaining({ id: expired.id, hasExpired: true })]);
        expect(await statusWith(expired.key)).toBe(401);
        expect(await accounts(2)).toEqual([
            expect.objectContaining({ name: "sa-autogen-elsewhere", login: "sa-autogen-2-elsewhere", orgId: 2 }),
        ]);
    });

    test("a login clash retries the login with -001 while the name stays sa-autogen-<key name>", async () => {
        // Two key names that lower-case to the same login, migrated in name order ("CI" < "ci"), not creation order.
        const lower = await legacyKey("ci", "Viewer");
        const upper = await legacyKey("CI", "Viewer");
        expect((await upgrade({ profile: "12.1" })).body).toMatchObject({ migratedKeys: 2, failedKeyIds: [] });
        const byLogin = Object.fromEntries((await accounts()).map((a) => [a.login, a]));
        expect(byLogin["sa-autogen-1-ci"]).toMatchObject({ name: "sa-autogen-CI" });
        expect(byLogin["sa-autogen-1-ci-001"]).toMatchObject({ name: "sa-autogen-ci" });
        expect(await tokens(byLogin["sa-autogen-1-ci"].id)).toEqual([expect.objectContaining({ id: upper.id })]);
        expect(await tokens(byLogin["sa-autogen-1-ci-001"].id)).toEqual([expect.objectContaining({ id: lower.id })]);
    });

    test("a migrated token is deleted like any token, and with it the key string stops working", async () => {
        const key = await legacyKey("gone-soon", "Admin");
        await upgrade({ profile: "12.1" });
        const [account] = await accounts();
        expect((await call("DELETE", `/api/serviceaccounts/${account.id}/tokens/${key.id}`)).status).toBe(200);
        expect(await statusWith(key.key)).toBe(401);
        expect((await call("DELETE", `/api/serviceaccounts/${account.id}`)).status).toBe(200);
        expect(await accounts()).toEqual([]);
    });

    test("10.4 -> 11.3 does not migrate: creating answers 410, the key is still listed, deleted and working as a legacy key", async () => {
        const key = await legacyKey("kept", "Editor");
        expect((await upgrade({ profile: "11.3" })).body).toMatchObject({ from: "10.4", profile: "11.3", migratedKeys: 0 });
        expect((await call("POST", "/api/auth/keys", { body: { name: "new", role: "Viewer" } })).status).toBe(410);
        expect((await call<Array<{ id: number }>>("GET", "/api/auth/keys")).body).toEqual([
            expect.objectContaining({ id: key.id, name: "kept" }),
        ]);
        expect(await statusWith(key.key)).toBe(200);
        expect(await accounts()).toEqual([]);

        // ...and the next upgrade migrates it.
        expect((await upgrade({ profile: "12.1" })).body).toMatchObject({ from: "11.3", migratedKeys: 1 });
        expect(await accounts()).toEqual([expect.objectContaining({ name: "sa-autogen-kept" })]);
        expect(await statusWith(key.key)).toBe(200);
    });

    test("10.4 -> 13.0 migrates like 12.1, and 12.1 -> 13.0 finds nothing left to migrate", async () => {
        const key = await legacyKey("to-13", "Editor");
        expect((await upgrade({ profile: "13.0" })).body).toMatchObject({
            from: "10.4",
            profile: "13.0",
            version: "13.0.1",
            migratedKeys: 1,
        });
        expect(await accounts()).toEqual([
            expect.objectContaining({ name: "sa-autogen-to-13", login: "sa-autogen-1-to-13", role: "Editor" }),
        ]);
        expect(await statusWith(key.key, "/api/search?limit=1")).toBe(200);
        expect((await call("GET", "/api/auth/keys")).status).toBe(404);
        emulator.reset();

        await legacyKey("via-12", "Viewer");
        await upgrade({ profile: "12.1" });
        expect((await upgrade({ profile: "13.0" })).body).toMatchObject({ from: "12.1", profile: "13.0", migratedKeys: 0 });
        expect(await accounts()).toEqual([expect.objectContaining({ name: "sa-autogen-via-12" })]);
    });

    test("upgrading to the served profile is a restart: the migration finds nothing more", async () => {
        await legacyKey("once", "Viewer");
        await upgrade({ profile: "12.1" });
        expect((await upgrade({ profile: "12.1" })).body).toMatchObject({ from: "12.1", profile: "12.1", migratedKeys: 0 });
        expect(await accounts()).toHaveLength(1);
    });

    test("a downgrade is refused with 400 and changes nothing", async () => {
        await upgrade({ profile: "12.1" });
        const refused = await upgrade({ profile: "10.4" });
        expect(refused.status).toBe(400);
        expect((refused.body as unknown as MessageJson).message).toMatch(/cannot move Grafana from 12\.1 down to 10\.4/);
        expect(emulator.profile).toBe("12.1");
        expect(() => emulator.upgrade("11.3")).toThrow(/upgrades only go forward/);
    });

    test.each<[string, unknown]>([
        ["no profile", {}],
        ["an unknown profile", { profile: "9.5" }],
        ["a number", { profile: 12.1 }],
        ["not JSON", "profile=12.1"],
    ])("a malformed body (%s) answers 400 naming the expected body", async (_, body) => {
        const reply = await upgrade(body);
        expect(reply.status).toBe(400);
        expect((reply.body as unknown as MessageJson).message).toMatch(
            /^expected a JSON body \{"profile": one of "10\.4", "11\.3", "12\.1"/,
        );
        expect(emulator.profile).toBe("10.4");
    });

    test("reset() returns to the profile the emulator started with", async () => {
        await upgrade({ profile: "12.1" });
        emulator.reset();
        expect(emulator.profile).toBe("10.4");
        expect((await call("GET", "/api/health")).body).toMatchObject({ version: "10.4.3" });
        expect((await call("GET", "/api/auth/keys")).status).toBe(200);
    });
});

describe("emulator.upgrade()", () => {
    test.each<[GrafanaProfile, number]>([
        ["11.3", 0],
        ["12.1", 1],
        ["13.0", 1],
    ])("from 10.4 to %s returns the outcome and serves the new profile", async (to, migratedKeys) => {
        await legacyKey("handle", "Viewer");
        expect(emulator.upgrade(to)).toMatchObject({ from: "10.4", profile: to, migratedKeys });
        expect(emulator.profile).toBe(to);
    });
});
