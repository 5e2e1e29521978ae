import { GrafanaApiKey, GrafanaApiKeyArgs } from "pulumi-azure-grafana-keys";
import { Emulator } from "azure-managed-grafana-emulator";
import { Engine } from "../harness/engine";
import { EngineLogServer } from "../harness/engineLog";
import { HostSession, startHostSession } from "../harness/session";
import { register, Registration } from "../harness/program";

/**
 * Rotating at once, and revoking a leaked key at once, through the real dynamic-provider host: what the
 * person running Pulumi asks for, what preview says, and which keys still sign in afterwards.
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
afterEach(() => emulator.reset());

const program = async (args: GrafanaApiKeyArgs): Promise<Registration> =>
    (await register(() => [new GrafanaApiKey("ci", { endpoint: emulator.url, name: "ci-key", timeToLive: "30d", ...args })]))[0];
const home = (secret: unknown) => session.home(secret);
const tokenNames = () => emulator.state.serviceAccounts().flatMap((account) => account.tokens.map((token) => token.name));

test("a new rotationTrigger rotates at once; the previous key keeps working", async () => {
    const first = await engine.up(await program({ rotationTrigger: "2026-11" }));
    const changed = await program({ rotationTrigger: "2026-12" });
    expect(await engine.preview(changed)).toEqual({ step: "update", replaces: [] });
    await engineLog.waitFor("info", /GrafanaApiKey "ci-key" will be rotated: rotationTrigger changed\./);
    const rotated = await engine.up(changed);
    expect(rotated.outputs).toMatchObject({ rotationTrigger: "2026-12", previousKey: first.outputs.key, keyName: "ci-key-r2" });
    expect([await home(first.outputs.key), await home(rotated.outputs.key)]).toEqual([200, 200]);
    expect(await engine.preview(changed)).toEqual({ step: "same", replaces: [] });
    await engine.destroy(changed.urn);
    expect(emulator.state.serviceAccounts()).toEqual([]);
});

test("a leaked key: revokePrevious with a new trigger replaces it in one up, and the leaked key stops working", async () => {
    const first = await engine.up(await program({}));
    const leaked = first.outputs.key;
    const revoke = await program({ rotationTrigger: "leak-2026-11-30", revokePrevious: true });
    expect(await engine.preview(revoke)).toEqual({ step: "update", replaces: [] });
    const rotated = await engine.up(revoke);
    expect(rotated.outputs).toMatchObject({ previousKey: null, revokePrevious: true, keyName: "ci-key-r2" });
    expect([await home(leaked), await home(rotated.outputs.key)]).toEqual([401, 200]);
    expect(tokenNames()).toEqual(["ci-key-r2"]);
    await engine.destroy(revoke.urn);
});

test("revokePrevious set while a previous key still works deletes it on the next up, without a new key", async () => {
    const first = await engine.up(await program({ rotationTrigger: "1" }));
    const second = await engine.up(await program({ rotationTrigger: "2" }));
    expect(await home(first.outputs.key)).toBe(200);
    const revoke = await program({ rotationTrigger: "2", revokePrevious: true });
    expect(await engine.preview(revoke)).toEqual({ step: "update", replaces: [] });
    await engineLog.waitFor("info", /its previous key will be deleted: revokePrevious is set\./);
    const after = await engine.up(revoke);
    expect(after.outputs).toMatchObject({ key: second.outputs.key, previousKey: null });
    expect([await home(first.outputs.key), await home(second.outputs.key)]).toEqual([401, 200]);
    await engine.destroy(revoke.urn);
});

test("a second rotation inside the overlap keeps one previous key: the oldest goes", async () => {
    const first = await engine.up(await program({ rotationTrigger: "1" }));
    const second = await engine.up(await program({ rotationTrigger: "2" }));
    const third = await engine.up(await program({ rotationTrigger: "3" }));
    expect(third.outputs).toMatchObject({ previousKey: second.outputs.key, keyName: "ci-key-r3" });
    expect([await home(first.outputs.key), await home(second.outputs.key), await home(third.outputs.key)]).toEqual([401, 200, 200]);
    expect(tokenNames().sort()).toEqual(["ci-key-r2", "ci-key-r3"]);
    await engine.destroy((await program({})).urn);
    expect(emulator.state.serviceAccounts()).toEqual([]);
});

test("another time to live rotates in place; changing only verify is recorded without a new key", async () => {
    const first = await engine.up(await program({}));
    const longer = await engine.up(await program({ timeToLive: "60d" }));
    expect(longer.outputs).toMatchObject({ timeToLive: "60d", secondsToLive: 60 * 86_400, previousKey: first.outputs.key });
    const quiet = await program({ timeToLive: "60d", verify: false });
    expect(await engine.preview(quiet)).toEqual({ step: "update", replaces: [] });
    const recorded = await engine.up(quiet);
    expect(recorded.outputs).toMatchObject({ verify: false, key: longer.outputs.key });
    await engine.destroy(quiet.urn);
});

test("one message per event: the preview says what up will do, up says what it did, never the plan again", async () => {
    const said = (pattern: RegExp, from: number) => engineLog.entries.slice(from).filter((entry) => pattern.test(entry.message)).length;
    await engine.up(await program({ rotationTrigger: "1" }));
    const rotating = await program({ rotationTrigger: "2" });
    const before = engineLog.entries.length;
    expect(await engine.preview(rotating)).toEqual({ step: "update", replaces: [] });
    await engineLog.waitFor("info", /GrafanaApiKey "ci-key" will be rotated: rotationTrigger changed\./);
    await engine.up(rotating);
    await engineLog.waitFor("info", /GrafanaApiKey "ci-key" rotated: rotationTrigger changed\. Its new key is "ci-key-r2"/);

    const revoking = await program({ rotationTrigger: "2", revokePrevious: true });
    expect(await engine.preview(revoking)).toEqual({ step: "update", replaces: [] });
    await engineLog.waitFor("info", /its previous key will be deleted: revokePrevious is set\./);
    await engine.up(revoking);
    await engineLog.waitFor("info", /deleted its previous key "ci-key" \(revokePrevious is set\)/);
    await new Promise((resolve) => setTimeout(resolve, 300)); // log requests travel on their own: give any repeat the time to arrive
    expect([said(/will be rotated/, before), said(/"ci-key" rotated: /, before)]).toEqual([1, 1]);
    expect([said(/previous key will be deleted/, before), said(/deleted its previous key/, before)]).toEqual([1, 1]);
    await engine.destroy(revoking.urn);
});
