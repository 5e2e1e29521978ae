import { expect } from "@jest/globals";
import * as pulumi from "@pulumi/pulumi";
import { getGrafanaApiKeys, listGrafanaApiKeys } from "pulumi-azure-grafana-keys";
import { SomeLifecycle, typedLifecycle } from "../harness/lifecycle";
import { Emulator, GrafanaProfile, startEmulator } from "azure-managed-grafana-emulator";

/**
 * GrafanaServiceAccount, GrafanaServiceAccountToken and key listing against the emulated Grafana over
 * real HTTP.
 */

process.env.AZURE_GRAFANA_KEYS_MIN_RETRY_DELAY_MS = "5";
process.env.AZURE_GRAFANA_KEYS_MAX_RETRIES = "3";
const account = typedLifecycle("GrafanaServiceAccount");
const token = typedLifecycle("GrafanaServiceAccountToken");

async function checked(resource: SomeLifecycle, news: Record<string, unknown>, olds: Record<string, unknown> = {}) {
    const result = await resource.check(olds, { logicalName: "bot", ...news });
    expect(result.failures ?? []).toEqual([]);
    return result.inputs!;
}

async function home(emulator: Emulator, key: string): Promise<number> {
    return (await fetch(`${emulator.url}/api/dashboards/home`, { headers: { authorization: `Bearer ${key}` } })).status;
}

describe.each<[GrafanaProfile]>([["11.3"], ["12.1"], ["13.0"]])("service accounts on Grafana %s", (profile) => {
    let emulator: Emulator;
    beforeAll(async () => {
        emulator = await startEmulator({ profile });
        process.env.GRAFANA_AUTH = emulator.credentials.adminBasic;
    });
    afterEach(() => emulator.reset());
    afterAll(() => emulator.close());

    test("rename, role and disabling change the account in place", async () => {
        const inputs = await checked(account, { endpoint: emulator.url, name: "ci-bot", role: "Viewer" });
        const { id, outs } = await account.create(inputs);
        expect(outs).toMatchObject({ name: "ci-bot", role: "Viewer", isDisabled: false, login: expect.stringContaining("ci-bot") });

        const changed = await checked(account, { endpoint: emulator.url, name: "deploy-bot", role: "Editor", isDisabled: true }, inputs);
        expect(await account.diff(id, outs, changed)).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
        const { outs: updated } = await account.update(id, outs, changed);
        expect(updated).toMatchObject({ serviceAccountId: outs.serviceAccountId, name: "deploy-bot", role: "Editor", isDisabled: true });
        // Grafana keeps the login through a rename (UpdateServiceAccount writes only the name).
        expect(updated.login).toBe(outs.login);
        expect(emulator.state.serviceAccounts()).toEqual([
            expect.objectContaining({ id: outs.serviceAccountId, name: "deploy-bot", role: "Editor", isDisabled: true }),
        ]);
    });

    test("another org replaces the account; refresh shows a change made by hand and drops a deleted account", async () => {
        const inputs = await checked(account, { endpoint: emulator.url, role: "Viewer" });
        const { id, outs } = await account.create(inputs);
        expect(outs.name).toMatch(/^bot-[a-z0-9]{6}$/);
        expect((await account.diff(id, outs, { ...inputs, orgId: 2 })).replaces).toEqual(["orgId"]);

        await fetch(`${emulator.url}/api/serviceaccounts/${outs.serviceAccountId}`, {
            method: "PATCH",
            headers: {
                authorization: `Basic ${Buffer.from(emulator.credentials.adminBasic).toString("base64")}`,
                "content-type": "application/json",
            },
            body: JSON.stringify({ name: outs.name, role: "Admin", isDisabled: false }),
        });
        const refreshed = await account.read(id, outs);
        expect(refreshed.props).toMatchObject({ role: "Admin" });
        expect(await account.diff(id, refreshed.props!, inputs)).toMatchObject({ changes: true, replaces: [] });

        emulator.state.deleteServiceAccount(outs.serviceAccountId);
        expect((await account.read(id, outs)).id).toBe("");
        await expect(account.delete(id, outs)).resolves.toBeUndefined();
    });

    test("a token is minted, verified, refreshed and deleted; its account keeps living", async () => {
        const { outs: bot } = await account.create(await checked(account, { endpoint: emulator.url, role: "Editor" }));
        const inputs = await checked(token, { endpoint: emulator.url, serviceAccountId: bot.serviceAccountId, timeToLive: "30d" });
        const { id, outs } = await token.create(inputs);
        expect(outs).toMatchObject({
            serviceAccountId: bot.serviceAccountId,
            timeToLive: "30d",
            secondsToLive: 2_592_000,
            expired: false,
            verify: true,
        });
        expect(outs.key).toMatch(/^glsa_/);
        expect(await home(emulator, outs.key)).toBe(200);
        // One verification, with the request every Grafana from 10.4 to 13 answers any signed-in key.
        expect(emulator.requests.filter((request) => request.path === "/api/search")).toHaveLength(1);

        emulator.clock.advance(31 * 86_400);
        const read = await token.read(id, outs);
        expect(read.props).toMatchObject({ expired: true });
        // Rotated in place on the next up: a new token on the same account.
        expect(await token.diff(id, read.props!, inputs)).toMatchObject({ changes: true, replaces: [] });

        await token.delete(id, outs);
        expect(emulator.state.serviceAccounts()[0].tokens).toEqual([]);
        expect((await token.read(id, outs)).id).toBe("");
    });

    test("a token that does not work is deleted again, and the error names the status", async () => {
        const { outs: bot } = await account.create(await checked(account, { endpoint: emulator.url, isDisabled: true }));
        const inputs = await checked(token, { endpoint: emulator.url, serviceAccountId: bot.serviceAccountId });
        await expect(token.create(inputs)).rejects.toThrow(
            /The new key did not work: GET \/api\/search\?limit=1 with it answered 401.*Its service account ".+" \(id \d+\) is disabled.*enable it/s,
        );
        expect(emulator.state.serviceAccounts()[0].tokens).toEqual([]);
        // Told not to verify, the same token is handed out.
        await expect(token.create({ ...inputs, verify: false })).resolves.toMatchObject({ outs: { verify: false } });
    });

    test("a token name is unique in the org: a taken name fails with what to do", async () => {
        const { outs: first } = await account.create(await checked(account, { endpoint: emulator.url }));
        const { outs: second } = await account.create(await checked(account, { endpoint: emulator.url }));
        await token.create(await checked(token, { endpoint: emulator.url, serviceAccountId: first.serviceAccountId, name: "deploy" }));
        await expect(
            token.create(await checked(token, { endpoint: emulator.url, serviceAccountId: second.serviceAccountId, name: "deploy" })),
        ).rejects.toThrow(/400.*already exists.*omit `name`/s);
    });

    test("a token moved to another account with the same name deletes the old one first; a new time to live rotates it in place", async () => {
        const { outs: bot } = await account.create(await checked(account, { endpoint: emulator.url }));
        const { outs: other } = await account.create(await checked(account, { endpoint: emulator.url }));
        const named = await checked(token, {
            endpoint: emulator.url,
            serviceAccountId: bot.serviceAccountId,
            name: "deploy",
            timeToLive: "7d",
        });
        const { id, outs } = await token.create(named);
        expect(await token.diff(id, outs, { ...named, serviceAccountId: other.serviceAccountId })).toEqual({
            changes: true,
            replaces: ["serviceAccountId"],
            deleteBeforeReplace: true,
        });
        expect(await token.diff(id, outs, { ...named, timeToLive: "14d" })).toEqual({
            changes: true,
            replaces: [],
            deleteBeforeReplace: false,
        });
        expect(await token.diff(id, outs, { ...named, timeToLive: "1w" })).toEqual({
            changes: true,
            replaces: [],
            deleteBeforeReplace: false,
        });
        const autonamed = await checked(token, { endpoint: emulator.url, serviceAccountId: bot.serviceAccountId, timeToLive: "7d" });
        const made = await token.create(autonamed);
        expect(await token.diff(made.id, made.outs, { ...autonamed, serviceAccountId: other.serviceAccountId })).toMatchObject({
            replaces: ["serviceAccountId"],
            deleteBeforeReplace: false,
        });
    });
});

describe("listing keys", () => {
    let emulator: Emulator;
    afterEach(() => emulator.close());

    async function basic(method: string, path: string, body?: unknown) {
        const response = await fetch(`${emulator.url}${path}`, {
            method,
            headers: {
                authorization: `Basic ${Buffer.from(emulator.credentials.adminBasic).toString("base64")}`,
                "content-type": "application/json",
            },
            body: body === undefined ? undefined : JSON.stringify(body),
        });
        return response.json() as Promise<{ id: number }>;
    }

    test("tokens of every service account, expired ones only when asked, with role and last use", async () => {
        emulator = await startEmulator({ profile: "12.1" });
        process.env.GRAFANA_AUTH = emulator.credentials.adminBasic;
        const viewer = await basic("POST", "/api/serviceaccounts", { name: "reader", role: "Viewer" });
        const admin = await basic("POST", "/api/serviceaccounts", { name: "admin-bot", role: "Admin" });
        await basic("POST", `/api/serviceaccounts/${viewer.id}/tokens`, { name: "reader-1", secondsToLive: 60 });
        await basic("POST", `/api/serviceaccounts/${admin.id}/tokens`, { name: "admin-1", secondsToLive: 0 });
        emulator.clock.advance(120);
        await basic("POST", `/api/serviceaccounts/${viewer.id}/tokens`, { name: "reader-2", secondsToLive: 3600 });

        const live = await listGrafanaApiKeys({ endpoint: emulator.url });
        expect(live.map((key) => key.name).sort()).toEqual(["admin-1", "reader-2"]);
        expect(live.find((key) => key.name === "admin-1")).toMatchObject({
            kind: "serviceAccountToken",
            role: "Admin",
            expiresAt: null,
            expired: false,
            serviceAccountId: admin.id,
            serviceAccountName: "admin-bot",
            lastUsedAt: null,
        });
        const all = await listGrafanaApiKeys({ endpoint: emulator.url, includeExpired: true });
        expect(all.find((key) => key.name === "reader-1")).toMatchObject({ expired: true, role: "Viewer" });
    });

    test("a token of a disabled service account is listed as not usable (it answers 401), and says why", async () => {
        emulator = await startEmulator({ profile: "12.1" });
        process.env.GRAFANA_AUTH = emulator.credentials.adminBasic;
        const parked = await basic("POST", "/api/serviceaccounts", { name: "parked", role: "Editor", isDisabled: true });
        const active = await basic("POST", "/api/serviceaccounts", { name: "active", role: "Editor" });
        const parkedToken = (await basic("POST", `/api/serviceaccounts/${parked.id}/tokens`, { name: "parked-1" })) as unknown as {
            key: string;
        };
        await basic("POST", `/api/serviceaccounts/${active.id}/tokens`, { name: "active-1", secondsToLive: 60 });
        expect(await home(emulator, parkedToken.key)).toBe(401);

        const keys = await listGrafanaApiKeys({ endpoint: emulator.url });
        expect(keys.find((key) => key.name === "parked-1")).toMatchObject({ expired: false, serviceAccountDisabled: true, usable: false });
        expect(keys.find((key) => key.name === "active-1")).toMatchObject({ expired: false, serviceAccountDisabled: false, usable: true });

        emulator.clock.advance(120);
        const later = await listGrafanaApiKeys({ endpoint: emulator.url, includeExpired: true });
        expect(later.find((key) => key.name === "active-1")).toMatchObject({ expired: true, serviceAccountDisabled: false, usable: false });
    });

    test("pages through more than 1000 service accounts", async () => {
        emulator = await startEmulator({ profile: "12.1" });
        process.env.GRAFANA_AUTH = emulator.credentials.adminBasic;
        for (let start = 0; start < 1003; start += 50) {
            await Promise.all(
                Array.from({ length: Math.min(50, 1003 - start) }, (_, offset) =>
                    basic("POST", "/api/serviceaccounts", { name: `bot-${start + offset}` }),
                ),
            );
        }
        const last = await basic("POST", "/api/serviceaccounts", { name: "zz-last" });
        await basic("POST", `/api/serviceaccounts/${last.id}/tokens`, { name: "on-page-two" });
        const keys = await listGrafanaApiKeys({ endpoint: emulator.url });
        expect(keys.map((key) => key.name)).toEqual(["on-page-two"]);
        expect(emulator.requests.filter((request) => request.path === "/api/serviceaccounts/search").length).toBe(2);
    }, 60_000);

    test("legacy keys are listed where the server still has them", async () => {
        emulator = await startEmulator({ profile: "10.4" });
        process.env.GRAFANA_AUTH = emulator.credentials.adminBasic;
        await basic("POST", "/api/auth/keys", { name: "old-key", role: "Editor", secondsToLive: 3600 });
        expect(await listGrafanaApiKeys({ endpoint: emulator.url })).toEqual([
            expect.objectContaining({
                kind: "apiKey",
                name: "old-key",
                role: "Editor",
                expired: false,
                serviceAccountId: null,
                serviceAccountDisabled: null,
                usable: true,
            }),
        ]);
    });

    test("bad arguments are refused with the field and the allowed form", async () => {
        emulator = await startEmulator({ profile: "12.1" });
        await expect(listGrafanaApiKeys({ endpoint: "http://grafana.example.com" })).rejects.toThrow(
            /endpoint "http:\/\/grafana.example.com" is not allowed \(plain http is allowed only for loopback addresses\)/,
        );
        await expect(listGrafanaApiKeys({})).rejects.toThrow(/endpoint is required/);
    });

    test("getGrafanaApiKeys is the same list as an Output in a Pulumi program", async () => {
        emulator = await startEmulator({ profile: "12.1" });
        process.env.GRAFANA_AUTH = emulator.credentials.adminBasic;
        const bot = await basic("POST", "/api/serviceaccounts", { name: "bot" });
        await basic("POST", `/api/serviceaccounts/${bot.id}/tokens`, { name: "bot-1" });
        await pulumi.runtime.setMocks(
            { newResource: (args) => ({ id: args.name, state: args.inputs as Record<string, unknown> }), call: () => ({}) },
            "project",
            "stack",
            false,
        );
        const names = await new Promise((resolve) =>
            getGrafanaApiKeys({ endpoint: emulator.url }).apply((keys) => resolve(keys.map((key) => key.name))),
        );
        expect(names).toEqual(["bot-1"]);
    });
});
