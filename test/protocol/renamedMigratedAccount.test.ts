import { GrafanaApiKey } from "pulumi-azure-grafana-keys";
import { Emulator } from "azure-managed-grafana-emulator";
import { Engine } from "../harness/engine";
import { EngineLogServer } from "../harness/engineLog";
import { asOtherAdmin } from "../harness/otherClient";
import { HostSession, startHostSession } from "../harness/session";
import { register, Registration } from "../harness/program";

/**
 * After Azure's upgrade moved a legacy key into Grafana's `sa-autogen-<name>` account, an admin renames that account,
 * or gives another account its name (Grafana keeps a renamed account's login and lets names repeat). The key still
 * works; through the real dynamic-provider host, refresh must keep it, not call it deleted, and destroy must delete
 * it wherever it lives now: afterwards its secret no longer signs in. Each test starts from a state taken before the
 * upgrade, so Pulumi has not yet learnt the account's id.
 */

let session: HostSession;
let emulator: Emulator;
let engineLog: EngineLogServer;
let engine: Engine;

beforeEach(async () => {
    session = await startHostSession("10.4");
    ({ emulator, engineLog, engine } = session);
});
afterEach(() => session.stop());

const grafana = <T>(method: string, path: string, body?: unknown): Promise<T> => asOtherAdmin<T>(emulator, method, path, body);
const key = async (): Promise<Registration> =>
    (await register(() => [new GrafanaApiKey("ci", { endpoint: emulator.url, name: "ci-key", timeToLive: "30d" })]))[0];
const since = (count: number) => emulator.requests.slice(count).map((request) => `${request.method} ${request.path}`);

/** What an admin may do to the account after the upgrade; `migrated` is the account Grafana made for the key. */
const CHANGES = [
    {
        change: "renames the sa-autogen account",
        apply: async (migrated: number) =>
            void (await grafana("PATCH", `/api/serviceaccounts/${migrated}`, { name: "ci-pipeline", role: "Viewer" })),
    },
    {
        change: "gives another account the sa-autogen account's name",
        apply: async () => void (await grafana("POST", "/api/serviceaccounts", { name: "sa-autogen-ci-key", role: "Viewer" })),
    },
];

async function upgradedAndChanged(
    apply: (migrated: number) => Promise<void>,
): Promise<{ resource: Registration; secret: string; migrated: number }> {
    const resource = await key();
    const created = await engine.up(resource);
    expect(created.outputs).toMatchObject({ mode: "apiKey" });
    emulator.upgrade("12.1");
    const migrated = emulator.state.serviceAccounts().find((account) => account.name === "sa-autogen-ci-key")!.id;
    await apply(migrated);
    const secret = created.outputs.key as string;
    expect(await session.home(secret)).toBe(200);
    return { resource, secret, migrated };
}

describe.each(CHANGES)("an admin $change", ({ apply }) => {
    test("refresh keeps the key where it lives and does not call it deleted", async () => {
        const { resource, secret, migrated } = await upgradedAndChanged(apply);
        const before = emulator.requests.length;
        const refreshed = await engine.refresh(resource.urn);
        console.log(`refresh after the admin's change: ${JSON.stringify(since(before))}`);
        expect(refreshed?.outputs).toMatchObject({ key: secret, mode: "serviceAccount", serviceAccountId: migrated, expired: false });
        expect(engineLog.messages("warning").filter((message) => /deleted outside Pulumi/.test(message))).toEqual([]);

        await engine.destroy(resource.urn);
        expect(await session.home(secret)).toBe(401);
    });

    test("destroy deletes the key wherever it lives now: its secret no longer signs in", async () => {
        const { resource, secret } = await upgradedAndChanged(apply);
        const before = emulator.requests.length;
        await engine.destroy(resource.urn);
        console.log(`destroy after the admin's change: ${JSON.stringify(since(before))}`);
        expect(await session.home(secret)).toBe(401);
    });
});

test("a migrated key deleted for real is still found gone, with one sign-in to be sure", async () => {
    const { resource, migrated } = await upgradedAndChanged(CHANGES[0].apply);
    emulator.state.deleteServiceAccount(migrated);
    const before = emulator.requests.length;
    expect(await engine.refresh(resource.urn)).toBeUndefined();
    console.log(`refresh of a key deleted for real: ${JSON.stringify(since(before))}`);
    await engineLog.waitFor("warning", /GrafanaApiKey "ci-key" was deleted outside Pulumi/);
});

test("a key whose name the state does not hold (states before version 5 kept none for retired keys) is found by an org-wide search, since its secret still signs in", async () => {
    const { resource, secret, migrated } = await upgradedAndChanged(CHANGES[0].apply);
    const stored = engine.state.get(resource.urn)!;
    const legacyKeys = stored.outputs.legacyKeys as Array<{ id: number; name: string; serviceAccountId: number | null }>;
    engine.state.set(resource.urn, {
        ...stored,
        outputs: { ...stored.outputs, legacyKeys: legacyKeys.map((record) => ({ ...record, name: "" })) },
    });

    const before = emulator.requests.length;
    const refreshed = await engine.refresh(resource.urn);
    console.log(`refresh with the key's name unknown: ${JSON.stringify(since(before))}`);
    expect(refreshed?.outputs).toMatchObject({ key: secret, serviceAccountId: migrated });
    expect(since(before)).toContain("GET /api/search");

    engine.state.set(resource.urn, {
        ...stored,
        outputs: { ...stored.outputs, legacyKeys: legacyKeys.map((record) => ({ ...record, name: "" })) },
    });
    await engine.destroy(resource.urn);
    expect(await session.home(secret)).toBe(401);
});
