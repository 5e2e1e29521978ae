import { GrafanaApiKey, GrafanaApiKeyArgs, GrafanaServiceAccount, GrafanaServiceAccountToken } from "pulumi-azure-grafana-keys";
import { Emulator } from "azure-managed-grafana-emulator";
import { Engine } from "../harness/engine";
import { EngineLogServer } from "../harness/engineLog";
import { HostSession, startHostSession } from "../harness/session";
import { register, Registration } from "../harness/program";

/**
 * Changes made in Grafana behind Pulumi's back, through the real dynamic-provider host: what refresh says,
 * what the next `up` does, and what the key's holders see.
 */

let session: HostSession;
let emulator: Emulator;
let engineLog: EngineLogServer;
let engine: Engine;

beforeAll(async () => {
    session = await startHostSession("12.1");
    ({ emulator, engineLog, engine } = session);
});
afterAll(() => session.stop());
afterEach(() => {
    emulator.reset();
    engine.state.clear();
});

const key = async (args: GrafanaApiKeyArgs = {}): Promise<Registration> =>
    (await register(() => [new GrafanaApiKey("ci", { endpoint: emulator.url, timeToLive: "30d", ...args })]))[0];
const home = (secret: unknown) => session.home(secret);
const admin = { authorization: `Basic ${Buffer.from("admin:admin").toString("base64")}`, "content-type": "application/json" };
const since = (count: number) => emulator.requests.slice(count).map((request) => `${request.method} ${request.path}`);
const grafana = (method: string, path: string, body?: unknown) =>
    fetch(`${emulator.url}${path}`, { method, headers: admin, body: body === undefined ? undefined : JSON.stringify(body) });

test("the key's account promoted to Admin and disabled outside Pulumi: refresh warns, up puts both back, the same key works", async () => {
    const resource = await key({ name: "ci-key", role: "Viewer" });
    const created = await engine.up(resource);
    const accountId = created.outputs.serviceAccountId as number;
    await grafana("PATCH", `/api/serviceaccounts/${accountId}`, { name: "ci-key", role: "Admin", isDisabled: true });
    expect(await home(created.outputs.key)).toBe(401);

    const refreshed = await engine.refresh(resource.urn);
    expect(refreshed!.outputs).toMatchObject({ role: "Admin", accountDisabled: true });
    await engineLog.waitFor(
        "warning",
        /GrafanaApiKey "ci-key": its service account's role was changed from Viewer to Admin outside Pulumi/,
    );
    await engineLog.waitFor("warning", /GrafanaApiKey "ci-key": its service account was disabled outside Pulumi/);
    expect(await engine.preview(resource)).toEqual({ step: "update", replaces: [] });

    const fixed = await engine.up(resource);
    expect(fixed.outputs).toMatchObject({ key: created.outputs.key, role: "Viewer", accountDisabled: false, serviceAccountId: accountId });
    expect(emulator.state.serviceAccounts()).toEqual([expect.objectContaining({ id: accountId, role: "Viewer", isDisabled: false })]);
    expect(await home(created.outputs.key)).toBe(200);
    await engine.destroy(resource.urn);
});

test.each([
    ["a named key", { name: "ci-key" }],
    ["an autonamed key", {}],
])(
    "%s whose token was deleted outside Pulumi keeps its account; up mints a new token on it, destroy leaves nothing",
    async (_case, args) => {
        const resource = await key(args);
        const created = await engine.up(resource);
        const accountId = created.outputs.serviceAccountId as number;
        emulator.state.deleteToken(accountId, created.outputs.keyId as number);

        const refreshed = await engine.refresh(resource.urn);
        expect(refreshed!.outputs).toMatchObject({ key: "", keyId: 0, serviceAccountId: accountId });
        await engineLog.waitFor(
            "warning",
            /its key ".+" was deleted outside Pulumi; its service account \d+ remains, and the next `pulumi up` mints a new key on it\./,
        );
        expect(await engine.preview(resource)).toEqual({ step: "update", replaces: [] });

        const fixed = await engine.up(resource);
        expect(fixed.outputs).toMatchObject({
            serviceAccountId: accountId,
            previousKey: null,
            keyName: `${created.outputs.name as string}-r2`,
        });
        expect(await home(fixed.outputs.key)).toBe(200);
        await engine.destroy(resource.urn);
        expect(emulator.state.serviceAccounts()).toEqual([]);
    },
);

test("a token beyond the 300 Grafana lists is not taken for deleted: refresh confirms it by signing in", async () => {
    const account = (await register(() => [new GrafanaServiceAccount("bot", { endpoint: emulator.url })]))[0];
    const accountId = (await engine.up(account)).outputs.serviceAccountId as number;
    const token = (
        await register(() => [
            new GrafanaServiceAccountToken("last", { endpoint: emulator.url, serviceAccountId: accountId, name: "zz-last" }),
        ])
    )[0];
    const created = await engine.up(token);
    // Grafana sorts by name and stops at 300: these push "zz-last" off the list.
    for (let index = 0; index < 300; index++) {
        await grafana("POST", `/api/serviceaccounts/${accountId}/tokens`, { name: `a${String(index).padStart(3, "0")}` });
    }
    const listed = (await (await grafana("GET", `/api/serviceaccounts/${accountId}/tokens`)).json()) as Array<{ name: string }>;
    expect([listed.length, listed.some((entry) => entry.name === "zz-last")]).toEqual([300, false]);

    const refreshed = await engine.refresh(token.urn);
    expect(refreshed!.outputs).toMatchObject({ key: created.outputs.key, tokenId: created.outputs.tokenId });
    expect(engineLog.messages("warning").filter((message) => message.includes("zz-last"))).toEqual([]);
    expect(await engine.preview(token)).toEqual({ step: "same", replaces: [] });

    // Gone for real, it is still noticed.
    emulator.state.deleteToken(accountId, created.outputs.tokenId as number);
    expect(await engine.refresh(token.urn)).toBeUndefined();
    await engine.destroy(account.urn);
});

test("an expired token beyond the 300 Grafana lists is judged expired by signing in, as Grafana answers (api-key.expired), and rotated", async () => {
    const account = (await register(() => [new GrafanaServiceAccount("bot", { endpoint: emulator.url })]))[0];
    const accountId = (await engine.up(account)).outputs.serviceAccountId as number;
    const args = { endpoint: emulator.url, serviceAccountId: accountId, name: "zz-last", timeToLive: "1h" };
    const token = (await register(() => [new GrafanaServiceAccountToken("last", args)]))[0];
    const created = await engine.up(token);
    for (let index = 0; index < 300; index++) {
        await grafana("POST", `/api/serviceaccounts/${accountId}/tokens`, { name: `a${String(index).padStart(3, "0")}` });
    }
    emulator.clock.set(Date.parse(created.outputs.expiresAt as string) + 60_000);
    expect(await home(created.outputs.key)).toBe(401);

    const before = emulator.requests.length;
    const warningsBefore = engineLog.messages("warning").length;
    const refreshed = await engine.refresh(token.urn);
    expect(since(before)).toEqual([`GET /api/serviceaccounts/${accountId}/tokens`, "GET /api/search"]);
    expect(refreshed!.outputs).toMatchObject({ key: created.outputs.key, tokenId: created.outputs.tokenId, expired: true });
    expect(engineLog.messages("warning").slice(warningsBefore)).toEqual([]);
    expect(await engine.preview(token)).toEqual({ step: "update", replaces: [] });
    const rotated = await engine.up(token);
    expect(rotated.outputs).toMatchObject({ keyName: "zz-last-r2", expired: false });
    expect(await home(rotated.outputs.key)).toBe(200);
    await engine.destroy(account.urn);
});

test("pinning a service account's orgId to the org it is already in changes nothing in Grafana", async () => {
    const unpinned = (await register(() => [new GrafanaServiceAccount("bot", { endpoint: emulator.url, name: "bot" })]))[0];
    const created = await engine.up(unpinned);
    const pinned = (await register(() => [new GrafanaServiceAccount("bot", { endpoint: emulator.url, name: "bot", orgId: 1 })]))[0];
    expect(await engine.preview(pinned)).toEqual({ step: "update", replaces: [] });
    const updated = await engine.up(pinned);
    expect(updated.id).toBe(created.id);
    expect(updated.outputs).toMatchObject({ orgId: 1, serviceAccountId: created.outputs.serviceAccountId });
    // Another org is another account; the same name may not collide there, so it is made first.
    const moved = (await register(() => [new GrafanaServiceAccount("bot", { endpoint: emulator.url, name: "bot", orgId: 2 })]))[0];
    expect(await engine.preview(moved)).toEqual({ step: "replace", replaces: ["orgId"] });
    await engine.destroy(pinned.urn);
});

test("an account deleted outside Pulumi and then changed: the error says to run pulumi refresh", async () => {
    const resource = (await register(() => [new GrafanaServiceAccount("bot", { endpoint: emulator.url, name: "bot" })]))[0];
    const created = await engine.up(resource);
    emulator.state.deleteServiceAccount(created.outputs.serviceAccountId as number);
    const promoted = (await register(() => [new GrafanaServiceAccount("bot", { endpoint: emulator.url, name: "bot", role: "Admin" })]))[0];
    await expect(engine.up(promoted)).rejects.toThrow(/no longer exists.*Run `pulumi refresh`/s);
});

test("a token of an account with role None is accepted when Grafana answers it 403", async () => {
    const account = (await register(() => [new GrafanaServiceAccount("bot", { endpoint: emulator.url, role: "None" })]))[0];
    const accountId = (await engine.up(account)).outputs.serviceAccountId as number;
    emulator.faults.failNext(3, 403, { method: "GET", path: "/api/search" });
    const token = (
        await register(() => [new GrafanaServiceAccountToken("none", { endpoint: emulator.url, serviceAccountId: accountId })])
    )[0];
    const created = await engine.up(token);
    expect(created.outputs.key).toMatch(/^glsa_/);
    await engine.destroy(token.urn);
    await engine.destroy(account.urn);
});

test("a key Grafana revoked (secret scanning, Grafana 13 lists it with isRevoked): refresh reads it as dead, up mints a working one and never keeps the revoked one", async () => {
    const resource = await key({ name: "ci-key" });
    const created = await engine.up(resource);
    const accountId = created.outputs.serviceAccountId as number;
    expect(emulator.state.revokeToken(accountId, created.outputs.keyId as number)).toBe(true);
    expect(await home(created.outputs.key)).toBe(401);

    const refreshed = await engine.refresh(resource.urn);
    expect(refreshed!.outputs).toMatchObject({ expired: true, key: created.outputs.key });
    expect(await engine.preview(resource)).toEqual({ step: "update", replaces: [] });
    const fixed = await engine.up(resource);
    expect(fixed.outputs.key).not.toBe(created.outputs.key);
    expect(fixed.outputs.previousKey ?? null).toBeNull();
    expect(await home(fixed.outputs.key)).toBe(200);
    await engine.destroy(resource.urn);
});

/**
 * A key deleted outside Pulumi leaves Pulumi's state with refresh, and its name with it: an autonamed key comes back
 * under a freshly drawn name, and refresh says so, naming neither the old name as the one `up` makes nor a new one it cannot know.
 */
async function deletedThenCreated(on: HostSession, remove: (created: Record<string, unknown>) => void): Promise<void> {
    const resource = (await register(() => [new GrafanaApiKey("ci", { endpoint: on.emulator.url, timeToLive: "30d" })]))[0];
    const created = await on.engine.up(resource);
    const oldName = created.outputs.name as string;
    remove(created.outputs);

    expect(await on.engine.refresh(resource.urn)).toBeUndefined();
    const said = await on.engineLog.waitFor("warning", new RegExp(`GrafanaApiKey "${oldName}" was deleted outside Pulumi`));
    expect(said).not.toMatch(/creates it again/);
    expect(said).toMatch(/the next `pulumi up` creates a new one under a new name, "ci-" and 6 new random characters/);

    const recreated = await on.engine.up(resource);
    expect(recreated.outputs.name).toMatch(/^ci-[a-z0-9]{6}$/);
    expect(recreated.outputs.name).not.toBe(oldName);
    await on.engine.destroy(resource.urn);
}

test("an autonamed key whose account was deleted outside Pulumi: refresh says up makes a new name, and up does", async () => {
    await deletedThenCreated(session, (outputs) => emulator.state.deleteServiceAccount(outputs.serviceAccountId as number));
});

describe("on Grafana 10.4", () => {
    let legacy: HostSession;
    beforeAll(async () => (legacy = await startHostSession("10.4")));
    afterAll(() => legacy.stop());

    test("an autonamed legacy key deleted outside Pulumi: refresh says up makes a new name, and up does", async () => {
        await deletedThenCreated(legacy, (outputs) => {
            expect(outputs.mode).toBe("apiKey");
            legacy.emulator.state.deleteApiKey(outputs.keyId as number);
        });
    });

    test("a named key deleted outside Pulumi is created again under its name", async () => {
        const resource = (await register(() => [new GrafanaApiKey("ci", { endpoint: legacy.emulator.url, name: "ci-key" })]))[0];
        const created = await legacy.engine.up(resource);
        legacy.emulator.state.deleteApiKey(created.outputs.keyId as number);
        expect(await legacy.engine.refresh(resource.urn)).toBeUndefined();
        await legacy.engineLog.waitFor(
            "warning",
            /GrafanaApiKey "ci-key" was deleted outside Pulumi; the next `pulumi up` creates it again\./,
        );
        expect((await legacy.engine.up(resource)).outputs.name).toBe("ci-key");
        await legacy.engine.destroy(resource.urn);
    });
});
