import {
    GrafanaServiceAccount,
    GrafanaServiceAccountArgs,
    GrafanaServiceAccountToken,
    GrafanaServiceAccountTokenArgs,
} from "pulumi-azure-grafana-keys";
import { Emulator } from "azure-managed-grafana-emulator";
import { Engine } from "../harness/engine";
import { EngineLogServer } from "../harness/engineLog";
import { DynamicProviderHost } from "../harness/host";
import { HostSession, startHostSession } from "../harness/session";
import { findLeaks } from "../harness/leaks";
import { register } from "../harness/program";

/**
 * A service account with two rotating tokens through the real dynamic-provider host, with the engine's
 * Log service listening: the rotation plan shows in preview with its reason, `up` carries it out, and
 * the person running Pulumi is told why.
 */

const DAY = 86_400;

let session: HostSession;
let emulator: Emulator;
let engineLog: EngineLogServer;
let host: DynamicProviderHost;
let engine: Engine;

beforeAll(async () => {
    session = await startHostSession("12.1");
    ({ emulator, engineLog, host, engine } = session);
});
afterAll(() => session.stop());

const serviceAccount = async (args: GrafanaServiceAccountArgs) => (await register(() => [new GrafanaServiceAccount("ci-bot", args)]))[0];
const token = async (name: string, args: GrafanaServiceAccountTokenArgs) =>
    (await register(() => [new GrafanaServiceAccountToken(name, args)]))[0];

test("one account, two tokens rotating a week before they expire", async () => {
    const accountResource = await serviceAccount({ endpoint: emulator.url, role: "Editor" });
    const account = await engine.up(accountResource);
    const serviceAccountId = account.outputs.serviceAccountId as number;
    const tokenArgs = { endpoint: emulator.url, serviceAccountId, timeToLive: "30d", rotateBefore: "7d" };
    const autonamed = await token("deploy", tokenArgs);
    const named = await token("ci", { ...tokenArgs, name: "ci-token" });
    const firstAutonamed = await engine.up(autonamed);
    const firstNamed = await engine.up(named);
    expect(autonamed.additionalSecretOutputs).toEqual(["key", "previousKey"]);
    expect(firstAutonamed.outputs).toMatchObject({ serviceAccountId, rotateBefore: "7d", expired: false });
    expect(await engine.preview(autonamed)).toEqual({ step: "same", replaces: [] });

    // 24 days on, Grafana counts 6 days left: inside the 7-day window. Both rotate in place, on the same account.
    emulator.clock.advance(24 * DAY);
    await engine.refresh(autonamed.urn);
    await engine.refresh(named.urn);
    expect(await engine.preview(autonamed)).toEqual({ step: "update", replaces: [] });
    expect(await engine.preview(named)).toEqual({ step: "update", replaces: [] });
    await engineLog.waitFor("info", /GrafanaServiceAccountToken ".+" will be rotated: its key expires at .*, within rotateBefore 7d\./);

    const rotatedAutonamed = await engine.up(autonamed);
    const rotatedNamed = await engine.up(named);
    expect(engine.steps.slice(-2).map((step) => step.step)).toEqual(["update", "update"]);
    expect(rotatedAutonamed.outputs).toMatchObject({
        name: firstAutonamed.outputs.name,
        keyName: `${firstAutonamed.outputs.name as string}-r2`,
    });
    expect(rotatedNamed.outputs).toMatchObject({ name: "ci-token", keyName: "ci-token-r2", previousKey: firstNamed.outputs.key });
    // Until the first tokens expire, stacks still holding them keep working.
    for (const [old, fresh] of [
        [firstAutonamed, rotatedAutonamed],
        [firstNamed, rotatedNamed],
    ]) {
        expect(await home(old.outputs.key as string)).toBe(200);
        expect(await home(fresh.outputs.key as string)).toBe(200);
    }
    expect(
        emulator.state
            .serviceAccounts()[0]
            .tokens.map((entry) => entry.name)
            .sort(),
    ).toEqual([firstAutonamed.outputs.name, rotatedAutonamed.outputs.keyName, "ci-token", "ci-token-r2"].sort());

    // The account is renamed and promoted in place: same id, its tokens live on. Grafana keeps its login through a
    // rename (UpdateServiceAccount writes only the name), so one PATCH is all it takes and the login stays as it was.
    const loginBefore = engine.state.get(accountResource.urn)!.outputs.login;
    const before = emulator.requests.length;
    const renamed = await engine.up(await serviceAccount({ endpoint: emulator.url, role: "Admin", name: "deploy-bot" }));
    expect(emulator.requests.slice(before).map((request) => `${request.method} ${request.path}`)).toEqual([
        `PATCH /api/serviceaccounts/${serviceAccountId}`,
    ]);
    expect(engine.steps.at(-1)!.step).toBe("update");
    expect(renamed.outputs).toMatchObject({ serviceAccountId, name: "deploy-bot", role: "Admin", login: loginBefore });
    expect(emulator.state.serviceAccounts()[0]).toMatchObject({ name: "deploy-bot", login: loginBefore });
    expect(await home(rotatedNamed.outputs.key as string)).toBe(200);

    for (const resource of [autonamed, named]) await engine.destroy(resource.urn);
    await engine.destroy(accountResource.urn);
    expect(emulator.state.serviceAccounts()).toEqual([]);
    expect(findLeaks(emulator.state.secrets(), { printed: host.printed, state: [...engine.state.values()] })).toEqual([]);
    expect(findLeaks(emulator.state.secrets(), { errors: engineLog.entries.map((entry) => entry.message) })).toEqual([]);
});

test("a token deleted outside Pulumi: refresh drops it with a warning, up mints it again", async () => {
    const account = await engine.up(await serviceAccount({ endpoint: emulator.url }));
    const resource = await token("lost", { endpoint: emulator.url, serviceAccountId: account.outputs.serviceAccountId as number });
    const created = await engine.up(resource);
    emulator.state.deleteToken(account.outputs.serviceAccountId as number, created.outputs.tokenId as number);
    expect(await engine.refresh(resource.urn)).toBeUndefined();
    expect(await engineLog.waitFor("warning", /was deleted outside Pulumi/)).toBe(
        `GrafanaServiceAccountToken "${created.outputs.name as string}" was deleted outside Pulumi; the next \`pulumi up\` creates a new one ` +
            'under a new name, "lost-" and 6 new random characters (an autoname is drawn when the object is created).',
    );
    const recreated = await engine.up(resource);
    expect(recreated.outputs.key).toMatch(/^glsa_/);
    expect(recreated.outputs.name).toMatch(/^lost-[a-z0-9]{6}$/);
    expect(recreated.outputs.name).not.toBe(created.outputs.name);
});

const home = (key: unknown) => session.home(key);
