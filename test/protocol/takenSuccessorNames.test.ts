import { GrafanaApiKey, GrafanaApiKeyArgs } from "pulumi-azure-grafana-keys";
import { Emulator } from "azure-managed-grafana-emulator";
import { Engine } from "../harness/engine";
import { EngineLogServer } from "../harness/engineLog";
import { asOtherAdmin } from "../harness/otherClient";
import { HostSession, startHostSession } from "../harness/session";
import { register, Registration } from "../harness/program";

/**
 * Grafana keeps key names unique in the whole org (legacy keys and every account's tokens share its `api_key` table),
 * so a successor's name `<name>-r<n>` may be taken by a key anywhere: a leftover of a run cut off mid-rotation that
 * Azure's upgrade moved into an `sa-autogen-*` account of its own, or a token of another account. Whatever holds it,
 * the rotation skips that name, through the real dynamic-provider host; it never locks the key until it expires.
 */

let session: HostSession;
let emulator: Emulator;
let engineLog: EngineLogServer;
let engine: Engine;

afterEach(async () => {
    await session.stop();
});

const grafana = <T>(method: string, path: string, body?: unknown): Promise<T> => asOtherAdmin<T>(emulator, method, path, body);
const key = async (args: GrafanaApiKeyArgs): Promise<Registration> =>
    (await register(() => [new GrafanaApiKey("ci", { endpoint: emulator.url, timeToLive: "30d", ...args })]))[0];
const since = (count: number) => emulator.requests.slice(count).map((request) => `${request.method} ${request.path}`);
const accounts = () =>
    emulator.state.serviceAccounts().map((account) => `${account.name} [${account.tokens.map((t) => t.name).join(", ")}]`);

describe.each([
    { naming: "a named key: the leftover is left alone and named in a warning", name: "ci-key" },
    { naming: "an autonamed key: the leftover is its own and is deleted with its sa-autogen account", name: undefined },
])("a leftover <name>-r2 legacy key migrated by the upgrade to 12.1 ($naming)", ({ name }) => {
    test("the next rotation skips the name, makes one account, and both keys work", async () => {
        session = await startHostSession("10.4");
        ({ emulator, engineLog, engine } = session);
        const resource = await key({ name, rotationTrigger: "v1" });
        const created = await engine.up(resource);
        expect(created.outputs).toMatchObject({ mode: "apiKey" });
        const keyName = created.outputs.name as string;
        // The run cut off on 10.4 right after Grafana minted the successor: a legacy key Pulumi never recorded.
        await grafana("POST", "/api/auth/keys", { name: `${keyName}-r2`, role: "Viewer", secondsToLive: 86_400 });
        emulator.upgrade("12.1");
        expect(accounts()).toEqual([`sa-autogen-${keyName} [${keyName}]`, `sa-autogen-${keyName}-r2 [${keyName}-r2]`]);

        const before = emulator.requests.length;
        const rotated = await engine.up(await key({ name, rotationTrigger: "v2" }));
        const cost = since(before);
        console.log(`leftover migrated (${name ? "named" : "autonamed"}): rotation ${JSON.stringify(cost)}`);

        expect(rotated.outputs).toMatchObject({ keyName: `${keyName}-r3`, previousKey: created.outputs.key, retiredKeyIds: [] });
        expect(await session.home(rotated.outputs.key)).toBe(200);
        expect(await session.home(created.outputs.key)).toBe(200);
        // One account for the successor, made once and kept: never created and deleted per name tried.
        expect(cost.filter((request) => request === "POST /api/serviceaccounts")).toHaveLength(1);
        const ownAccount = rotated.outputs.ownServiceAccountId as number;
        expect(cost).not.toContain(`DELETE /api/serviceaccounts/${ownAccount}`);
        expect(accounts()).toEqual([
            `sa-autogen-${keyName} [${keyName}]`,
            ...(name ? [`sa-autogen-${keyName}-r2 [${keyName}-r2]`] : []),
            `${keyName} [${keyName}-r3]`,
        ]);
        if (name) {
            await engineLog.waitFor("warning", new RegExp(`a token named "${keyName}-r2" \\(id \\d+\\) exists that Pulumi did not record`));
        }

        await engine.destroy(resource.urn);
        expect(await session.home(rotated.outputs.key)).toBe(401);
        expect(await session.home(created.outputs.key)).toBe(401);
        expect(accounts()).toEqual(name ? [`sa-autogen-${keyName}-r2 [${keyName}-r2]`] : []);
    });
});

test("a successor's name held by another account's token is skipped, and that token is left alone", async () => {
    session = await startHostSession("12.1");
    ({ emulator, engineLog, engine } = session);
    const resource = await key({ name: "ci-key", rotationTrigger: "v1" });
    const created = await engine.up(resource);
    const other = await grafana<{ id: number }>("POST", "/api/serviceaccounts", { name: "other", role: "Viewer" });
    const theirs = await grafana<{ key: string }>("POST", `/api/serviceaccounts/${other.id}/tokens`, { name: "ci-key-r2" });

    const before = emulator.requests.length;
    const rotated = await engine.up(await key({ name: "ci-key", rotationTrigger: "v2" }));
    console.log(`successor name held by another account: rotation ${JSON.stringify(since(before))}`);
    expect(rotated.outputs).toMatchObject({
        keyName: "ci-key-r3",
        previousKey: created.outputs.key,
        serviceAccountId: created.outputs.serviceAccountId,
    });
    expect(await session.home(rotated.outputs.key)).toBe(200);
    expect(await session.home(theirs.key)).toBe(200);
    await engineLog.waitFor("warning", /a key named "ci-key-r2" exists that Pulumi did not record/);
    await engine.destroy(resource.urn);
    expect(await session.home(theirs.key)).toBe(200);
});
