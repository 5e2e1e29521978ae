import { GrafanaApiKey, GrafanaApiKeyArgs } from "pulumi-azure-grafana-keys";
import { Emulator } from "azure-managed-grafana-emulator";
import { Engine } from "../harness/engine";
import { EngineLogServer } from "../harness/engineLog";
import { HostSession, startHostSession } from "../harness/session";
import { register, Registration } from "../harness/program";

/**
 * Rotations that went wrong halfway, and keys deleted behind Pulumi's back, through the real dynamic-provider host:
 * the next `up` must not lock on a leftover's name, and must not take the previous key that consumers hold with it.
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
const grafana = (method: string, path: string, body?: unknown) =>
    fetch(`${emulator.url}${path}`, { method, headers: admin, body: body === undefined ? undefined : JSON.stringify(body) });
const tokenNames = (accountId: number) =>
    emulator.state
        .serviceAccounts()
        .find((account) => account.id === accountId)!
        .tokens.map((token) => token.name)
        .sort();

describe("a rotation Grafana carried out but Pulumi did not record does not lock the key", () => {
    test.each([
        ["a named key: the leftover is left alone and named in a warning", { name: "ci-key" }, true],
        ["an autonamed key: the leftover is provably its own and is deleted", {}, false],
    ])("run killed after Grafana minted <name>-r2 (%s)", async (_case, args, leftoverStays) => {
        const resource = await key({ ...args, rotationTrigger: "v1" });
        const created = await engine.up(resource);
        const accountId = created.outputs.serviceAccountId as number;
        const name = created.outputs.name as string;
        // What Grafana holds when the run is killed right after it answered the successor's POST.
        expect(
            (await grafana("POST", `/api/serviceaccounts/${accountId}/tokens`, { name: `${name}-r2`, secondsToLive: 3600 })).status,
        ).toBe(200);

        const rotated = await engine.up(await key({ ...args, rotationTrigger: "v2" }));
        expect(rotated.outputs).toMatchObject({ keyName: `${name}-r3`, previousKey: created.outputs.key, retiredKeyIds: [] });
        expect(await home(rotated.outputs.key)).toBe(200);
        expect(await home(created.outputs.key)).toBe(200);
        expect(tokenNames(accountId)).toEqual([name, ...(leftoverStays ? [`${name}-r2`] : []), `${name}-r3`].sort());
        if (leftoverStays) {
            await engineLog.waitFor("warning", new RegExp(`a token named "${name}-r2" \\(id \\d+\\) exists that Pulumi did not record`));
        }
        await engine.destroy(resource.urn);
    });

    test("a successor that fails verification and cannot be deleted: the next up deletes it first and rotates", async () => {
        const resource = await key({ name: "ci-key", rotationTrigger: "v1" });
        const created = await engine.up(resource);
        const accountId = created.outputs.serviceAccountId as number;
        emulator.faults.failNext(3, 401, { method: "GET", path: "/api/search" });
        emulator.faults.failNext(1, 403, { method: "DELETE", path: /\/tokens\/\d+$/ });
        const trigger = await key({ name: "ci-key", rotationTrigger: "v2" });
        await expect(engine.up(trigger)).rejects.toThrow(/did not work.*could not be removed/s);
        emulator.faults.reset();
        expect(engine.state.get(resource.urn)!.outputs).toMatchObject({ generation: 1, retiredKeyIds: [expect.any(Number)] });
        expect(tokenNames(accountId)).toEqual(["ci-key", "ci-key-r2"]);

        const rotated = await engine.up(trigger);
        expect(rotated.outputs).toMatchObject({ keyName: "ci-key-r2", previousKey: created.outputs.key, retiredKeyIds: [] });
        expect(await home(rotated.outputs.key)).toBe(200);
        expect(tokenNames(accountId)).toEqual(["ci-key", "ci-key-r2"]);
        await engine.destroy(resource.urn);
    });
});

test("a current key deleted outside Pulumi after a rotation: up mints a new one and the previous key stays", async () => {
    const resource = await key({ name: "ci-key", rotationTrigger: "v1" });
    const first = await engine.up(resource);
    const accountId = first.outputs.serviceAccountId as number;
    const rotated = await engine.up(await key({ name: "ci-key", rotationTrigger: "v2" }));
    expect(rotated.outputs).toMatchObject({ keyName: "ci-key-r2", previousKey: first.outputs.key });
    emulator.state.deleteToken(accountId, rotated.outputs.keyId as number);

    await engine.refresh(resource.urn);
    const fixed = await engine.up(await key({ name: "ci-key", rotationTrigger: "v2" }));
    expect(fixed.outputs).toMatchObject({ keyName: "ci-key-r3", previousKey: first.outputs.key, previousKeyName: "ci-key" });
    // A consumer that has not redeployed since the first key still works, for the weeks it has left.
    expect(await home(first.outputs.key)).toBe(200);
    expect(await home(fixed.outputs.key)).toBe(200);
    await engineLog.waitFor("info", /the previous key "ci-key" stays and keeps working until/);
    expect(tokenNames(accountId)).toEqual(["ci-key", "ci-key-r3"]);
    await engine.destroy(resource.urn);
});

test("the previous key is not called expired before Grafana's clock says so, with Grafana's clock 45 s ahead", async () => {
    const resource = await key({ name: "ci-key", timeToLive: "1m", rotationTrigger: "v1" });
    const first = await engine.up(resource);
    const rotated = await engine.up(await key({ name: "ci-key", timeToLive: "1m", rotationTrigger: "v2" }));
    expect(rotated.outputs).toMatchObject({ previousKey: first.outputs.key });
    // Ten seconds before the first key's expiry by Grafana's clock, which now runs some 45 s ahead of the runner's.
    emulator.clock.set(Date.parse(first.outputs.expiresAt as string) - 10_000);
    const offsetMs = Date.parse(first.outputs.expiresAt as string) - 10_000 - Date.now();
    expect(offsetMs).toBeGreaterThan(31_000);
    expect(offsetMs).toBeLessThan(59_000);

    const refreshed = await engine.refresh(resource.urn);
    expect(refreshed!.outputs).toMatchObject({ previousKeyExpired: false });
    expect(await engine.preview(await key({ name: "ci-key", timeToLive: "1m", rotationTrigger: "v2" }))).toEqual({
        step: "same",
        replaces: [],
    });
    expect(await home(first.outputs.key)).toBe(200);
    await engine.destroy(resource.urn);
});
