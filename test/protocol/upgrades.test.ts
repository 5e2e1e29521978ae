import { expect } from "@jest/globals";
import { GrafanaApiKey, GrafanaApiKeyArgs } from "pulumi-azure-grafana-keys";
import { Emulator, GrafanaProfile } from "azure-managed-grafana-emulator";
import { Engine } from "../harness/engine";
import { EngineLogServer } from "../harness/engineLog";
import { findLeaks } from "../harness/leaks";
import { register, Registration } from "../harness/program";
import { HostSession, startHostSession } from "../harness/session";

/**
 * A key made the way Microsoft's how-to describes (a legacy API key, Grafana 10.4, default mode) while Azure
 * upgrades the workspace in place under it, through the real dynamic-provider host. A consumer stack holds the key it
 * read through a StackReference at its last deploy and is never redeployed; every check calls Grafana with the key.
 * Grafana's clock moves through a 30-day key's life: the upgrade on day 1, the rotation window on day 24 (7d
 * rotateBefore), the first key expired on day 31.
 */

const DAY = 86_400;

/** Upgrade paths from 10.4, as Azure has taken workspaces. */
const PATHS = (["11.3", "12.1", "13.0"] as const).map((to: GrafanaProfile) => ({
    to,
    /** From 12.0 Grafana's start-up migration moves each legacy key into an `sa-autogen-<name>` account. */
    migrates: to !== "11.3",
}));
const NAMINGS = [
    { naming: "named", name: "ci-key" as string | undefined },
    { naming: "autonamed", name: undefined },
];
const CASES = PATHS.flatMap((path) => NAMINGS.map((naming) => ({ ...path, ...naming })));

const key = async (args: GrafanaApiKeyArgs): Promise<Registration> => (await register(() => [new GrafanaApiKey("ci", args)]))[0];

/** Everything Grafana holds, by name: legacy keys, and each account with its tokens. */
function remote(emulator: Emulator): string[] {
    return [
        ...emulator.state.apiKeys().map((entry) => `legacy key ${entry.name}`),
        ...emulator.state.serviceAccounts().map((sa) => `account ${sa.name} [${sa.tokens.map((token) => token.name).join(", ")}]`),
    ];
}

describe.each(CASES)("10.4 -> $to, $naming key in the default mode", ({ to, migrates, name }) => {
    let session: HostSession;
    let emulator: Emulator;
    let engineLog: EngineLogServer;
    let producer: Engine;

    beforeAll(async () => {
        session = await startHostSession("10.4");
        ({ emulator, engineLog, engine: producer } = session);
    });
    afterAll(() => session.stop());
    afterEach(() => {
        emulator.reset();
        producer.state.clear();
    });

    const home = (secret: unknown) => session.home(secret);
    const since = (count: number) => emulator.requests.slice(count).map((request) => `${request.method} ${request.path}`);
    const atDay = (day: number) => emulator.clock.set(Date.now() + day * DAY * 1000);
    const upgraded = () => {
        emulator.upgrade(to);
        atDay(1);
    };

    test("refresh finds the key where Grafana holds it; rotation, clean-up after expiry and destroy leave nothing", async () => {
        const resource = await key({ endpoint: emulator.url, name, timeToLive: "30d", rotateBefore: "7d" });
        const created = await producer.up(resource);
        const keyName = created.outputs.name as string;
        const consumerHolds = created.outputs.key as string;
        expect(created.outputs).toMatchObject({ mode: "apiKey", keyName });

        upgraded();
        let before = emulator.requests.length;
        const refreshed = await producer.refresh(resource.urn);
        const refreshCost = since(before);
        expect(refreshed!.outputs).toMatchObject({ key: consumerHolds, keyName, mode: migrates ? "serviceAccount" : "apiKey" });
        if (migrates) {
            const [migrated] = emulator.state.serviceAccounts();
            expect(migrated).toMatchObject({ name: `sa-autogen-${keyName}` });
            expect(refreshed!.outputs.serviceAccountId).toBe(migrated.id);
            await engineLog.waitFor("info", /Grafana moved its legacy key ".+" into service account \d+ \(sa-autogen-\*\)/);
        }
        expect(await producer.preview(resource)).toEqual({ step: "same", replaces: [] });
        expect(await home(consumerHolds)).toBe(200);
        // Known from then on: one list of where the key lives.
        before = emulator.requests.length;
        await producer.refresh(resource.urn);
        const laterRefreshCost = since(before);

        // Day 24: inside the window. The successor is a token of an account named after the resource.
        atDay(24);
        await producer.refresh(resource.urn);
        expect(await producer.preview(resource)).toEqual({ step: "update", replaces: [] });
        before = emulator.requests.length;
        const rotated = await producer.up(resource);
        const rotationCost = since(before);
        expect(producer.steps.at(-1)!.step).toBe("update");
        const successor = rotated.outputs.key as string;
        expect(successor).toMatch(/^glsa_/);
        expect(rotated.outputs).toMatchObject({ mode: "serviceAccount", keyName: `${keyName}-r2`, previousKey: consumerHolds });
        const own = emulator.state.serviceAccounts().find((sa) => sa.name === keyName)!;
        expect(own.tokens.map((token) => token.name)).toEqual([`${keyName}-r2`]);
        expect(rotated.outputs).toMatchObject({ serviceAccountId: own.id, ownServiceAccountId: own.id });
        // The consumer, not redeployed, still works; so does the successor.
        expect([await home(consumerHolds), await home(successor)]).toEqual([200, 200]);
        await producer.refresh(resource.urn);
        expect(await producer.preview(resource)).toEqual({ step: "same", replaces: [] });

        // Day 31: the migrated (or legacy) key expired; the next up deletes it, and its sa-autogen account with it.
        atDay(31);
        await producer.refresh(resource.urn);
        before = emulator.requests.length;
        const cleaned = await producer.up(resource);
        const cleanupCost = since(before);
        expect(cleaned.outputs).toMatchObject({ key: successor, previousKey: null, legacyKeys: [] });
        expect(remote(emulator)).toEqual([`account ${keyName} [${keyName}-r2]`]);
        expect(await home(successor)).toBe(200);

        before = emulator.requests.length;
        await producer.destroy(resource.urn);
        const destroyCost = since(before);
        expect(remote(emulator)).toEqual([]);
        expect(findLeaks(emulator.state.secrets(), { printed: session.host.printed, state: [cleaned], resource })).toEqual([]);
        expect(findLeaks(emulator.state.secrets(), { errors: engineLog.entries.map((entry) => entry.message) })).toEqual([]);
        console.log(
            `10.4 -> ${to} ${name ? "named" : "autonamed"}: refresh after upgrade ${JSON.stringify(refreshCost)}; later refresh ` +
                `${JSON.stringify(laterRefreshCost)}; rotation ${JSON.stringify(rotationCost)}; clean-up ${JSON.stringify(cleanupCost)}; ` +
                `destroy ${JSON.stringify(destroyCost)}`,
        );
    });

    test("destroy right after the upgrade, before any refresh, leaves nothing", async () => {
        const resource = await key({ endpoint: emulator.url, name, timeToLive: "30d" });
        const created = await producer.up(resource);
        upgraded();
        const before = emulator.requests.length;
        await producer.destroy(resource.urn);
        console.log(`10.4 -> ${to} ${name ? "named" : "autonamed"}: destroy right after upgrade ${JSON.stringify(since(before))}`);
        expect(remote(emulator)).toEqual([]);
        expect(await home(created.outputs.key)).toBe(401);
    });

    test('switching a legacy key to mode "serviceAccount" after the upgrade is a rotation, never a replacement', async () => {
        const resource = await key({ endpoint: emulator.url, name, timeToLive: "30d" });
        const created = await producer.up(resource);
        const consumerHolds = created.outputs.key as string;
        upgraded();
        await producer.refresh(resource.urn);
        const switched = await key({ endpoint: emulator.url, name, timeToLive: "30d", mode: "serviceAccount" });
        expect(await producer.preview(switched)).toEqual({ step: "update", replaces: [] });
        const after = await producer.up(switched);
        expect(after.outputs).toMatchObject({ mode: "serviceAccount", requestedMode: "serviceAccount" });
        // Grafana's migration already made it a service-account token: the same key, nothing minted.
        if (migrates) expect(after.outputs.key).toBe(consumerHolds);
        else expect(after.outputs).toMatchObject({ previousKey: consumerHolds, keyName: `${created.outputs.name as string}-r2` });
        expect([await home(consumerHolds), await home(after.outputs.key)]).toEqual([200, 200]);
        await producer.destroy(resource.urn);
        expect(remote(emulator)).toEqual([]);
    });

    // Only where Grafana migrates the key (from 12.0): 11.3 makes no sa-autogen account.
    (migrates ? test : () => undefined)("an sa-autogen account someone gave another token is left with it", async () => {
        const resource = await key({ endpoint: emulator.url, name, timeToLive: "30d", rotateBefore: "7d" });
        const created = await producer.up(resource);
        upgraded();
        await producer.refresh(resource.urn);
        const migrated = emulator.state.serviceAccounts()[0];
        const admin = `Basic ${Buffer.from(emulator.credentials.adminBasic).toString("base64")}`;
        const theirs = await fetch(`${emulator.url}/api/serviceaccounts/${migrated.id}/tokens`, {
            method: "POST",
            headers: { authorization: admin, "content-type": "application/json" },
            body: JSON.stringify({ name: "someone-elses" }),
        });
        const theirKey = ((await theirs.json()) as { key: string }).key;
        atDay(24);
        await producer.refresh(resource.urn);
        await producer.up(resource);
        atDay(31);
        await producer.refresh(resource.urn);
        await producer.up(resource);
        await producer.destroy(resource.urn);
        expect(remote(emulator)).toEqual([`account ${migrated.name} [someone-elses]`]);
        expect([await home(created.outputs.key), await home(theirKey)]).toEqual([401, 200]);
    });

    // Last: its preview asks Grafana's version anew, which the host then keeps for this endpoint across reset().
    test("an explicit mode apiKey: tracked after the upgrade; preview refuses to mint in one line; mode auto then rotates in place", async () => {
        const args: GrafanaApiKeyArgs = { endpoint: emulator.url, name, mode: "apiKey", timeToLive: "30d", rotateBefore: "7d" };
        const resource = await key(args);
        const created = await producer.up(resource);
        const urn = resource.urn;
        const consumerHolds = created.outputs.key as string;
        upgraded();
        await producer.refresh(urn);
        expect(await producer.preview(resource)).toEqual({ step: "same", replaces: [] });

        atDay(24);
        await producer.refresh(urn);
        const refusal = (await producer.preview(resource).catch((error: Error) => error)) as Error;
        expect(refusal.message).toMatch(/no longer creates legacy API keys, so mode "apiKey" cannot mint its next key: set mode: "auto"/);
        expect(await home(consumerHolds)).toBe(200);

        const auto = await key({ ...args, mode: "auto" });
        expect(await producer.preview(auto)).toEqual({ step: "update", replaces: [] });
        const rotated = await producer.up(auto);
        expect(rotated.outputs).toMatchObject({ requestedMode: "auto", mode: "serviceAccount", previousKey: consumerHolds });
        expect([await home(consumerHolds), await home(rotated.outputs.key)]).toEqual([200, 200]);
        await producer.destroy(urn);
        expect(remote(emulator)).toEqual([]);
    });
});

describe("10.4 -> 12.1, a rotation that fails midway", () => {
    let session: HostSession;
    beforeAll(async () => (session = await startHostSession("10.4")));
    afterAll(() => session.stop());

    test("a successor that fails verification takes its new account with it; when that delete fails too, the account is tracked and the next up uses it", async () => {
        const { emulator, engine } = session;
        const resource = await key({ endpoint: emulator.url, name: "ci-key", timeToLive: "30d", rotateBefore: "7d" });
        const created = await engine.up(resource);
        emulator.upgrade("12.1");
        emulator.clock.set(Date.now() + 24 * DAY * 1000);
        await engine.refresh(resource.urn);
        const [migrated] = emulator.state.serviceAccounts();

        // Refused by Grafana: the successor's account goes again, the migrated key stays current.
        emulator.faults.failNext(3, 401, { method: "GET", path: "/api/search" });
        await expect(engine.up(resource)).rejects.toThrow(/did not work/);
        emulator.faults.reset();
        expect(remote(emulator)).toEqual([`account ${migrated.name} [ci-key]`]);

        // Refused, and the account cannot be deleted: Pulumi keeps tracking it, and the next up mints on it.
        emulator.faults.failNext(3, 401, { method: "GET", path: "/api/search" });
        emulator.faults.failNext(1000, 503, { method: "DELETE", path: /^\/api\/serviceaccounts\/\d+$/ });
        await expect(engine.up(resource)).rejects.toThrow(/did not work.*could not be removed/s);
        emulator.faults.reset();
        const tracked = engine.state.get(resource.urn)!.outputs;
        const own = emulator.state.serviceAccounts().find((sa) => sa.name === "ci-key")!;
        expect(tracked).toMatchObject({ key: created.outputs.key, ownServiceAccountId: own.id });

        await engine.refresh(resource.urn);
        const rotated = await engine.up(resource);
        expect(rotated.outputs).toMatchObject({ serviceAccountId: own.id, previousKey: created.outputs.key, retiredKeyIds: [] });
        expect([await session.home(created.outputs.key), await session.home(rotated.outputs.key)]).toEqual([200, 200]);
        await engine.destroy(resource.urn);
        expect(remote(emulator)).toEqual([]);
    });
});

describe("10.4 -> 11.3 -> 12.1, rotated on 11.3", () => {
    let session: HostSession;
    beforeAll(async () => (session = await startHostSession("10.4")));
    afterAll(() => session.stop());

    test("the legacy previous key that 12.1 then migrates is still found, kept while it works, and deleted with its sa-autogen account", async () => {
        const { emulator, engine } = session;
        const resource = await key({ endpoint: emulator.url, name: "ci-key", timeToLive: "30d", rotateBefore: "7d" });
        const created = await engine.up(resource);
        emulator.upgrade("11.3");
        emulator.clock.set(Date.now() + 24 * DAY * 1000);
        await engine.refresh(resource.urn);
        const rotated = await engine.up(resource);
        expect(rotated.outputs).toMatchObject({ mode: "serviceAccount", previousKey: created.outputs.key });

        emulator.upgrade("12.1");
        const refreshed = await engine.refresh(resource.urn);
        expect(refreshed!.outputs).toMatchObject({ key: rotated.outputs.key, previousKey: created.outputs.key });
        expect(await engine.preview(resource)).toEqual({ step: "same", replaces: [] });
        expect(remote(emulator)).toEqual(["account ci-key [ci-key-r2]", "account sa-autogen-ci-key [ci-key]"]);
        expect([await session.home(created.outputs.key), await session.home(rotated.outputs.key)]).toEqual([200, 200]);

        emulator.clock.set(Date.now() + 31 * DAY * 1000);
        await engine.refresh(resource.urn);
        await engine.up(resource);
        expect(remote(emulator)).toEqual(["account ci-key [ci-key-r2]"]);
        await engine.destroy(resource.urn);
        expect(remote(emulator)).toEqual([]);
    });
});
