import { GrafanaApiKey, GrafanaRole, GrafanaServiceAccount } from "pulumi-azure-grafana-keys";
import { HostSession, startHostSession } from "../harness/session";
import { register } from "../harness/program";

/**
 * The provider's bookkeeping inputs (resource name, who named the object, the mode asked for) are stored under `__`
 * keys, which the CLI leaves out of `preview --diff` as it does `__provider`. Stacks written by earlier versions hold
 * them under plain keys: through the real dynamic-provider host, such a stack previews as unchanged and keeps working.
 */

let session: HostSession;

beforeAll(async () => {
    session = await startHostSession("12.1");
});
afterAll(() => session.stop());

const BOOKKEEPING = ["logicalName", "nameSource", "requestedMode"];

/** The stored inputs as an earlier version wrote them: the same values under the plain keys. */
function asEarlierVersionStored(inputs: Record<string, unknown>): Record<string, unknown> {
    const earlier = { ...inputs };
    for (const key of BOOKKEEPING) {
        if (`__${key}` in earlier) {
            earlier[key] = earlier[`__${key}`];
            delete earlier[`__${key}`];
        }
    }
    return earlier;
}

test("checked inputs hold the bookkeeping under __ keys only", async () => {
    const { engine, emulator } = session;
    const [key] = await register(() => [new GrafanaApiKey("ci", { endpoint: emulator.url, timeToLive: "30d" })]);
    const created = await engine.up(key);
    expect(created.inputs).toMatchObject({ __logicalName: "ci", __nameSource: "auto", __requestedMode: "auto" });
    for (const plain of BOOKKEEPING) expect(created.inputs).not.toHaveProperty(plain);
    await engine.destroy(key.urn);
});

test.each([
    ["GrafanaApiKey", (role: GrafanaRole) => new GrafanaApiKey("old-key", { endpoint: session.emulator.url, timeToLive: "30d", role })],
    ["GrafanaServiceAccount", (role: GrafanaRole) => new GrafanaServiceAccount("old-account", { endpoint: session.emulator.url, role })],
] as const)("a %s stored by an earlier version previews as unchanged, and keeps its autoname through an update", async (_type, make) => {
    const { engine } = session;
    const [resource] = await register(() => [make("Viewer")]);
    const created = await engine.up(resource);
    engine.state.set(resource.urn, { ...created, inputs: asEarlierVersionStored(created.inputs) });

    expect(await engine.preview(resource)).toEqual({ step: "same", replaces: [] });
    const [changed] = await register(() => [make("Editor")]);
    expect(await engine.preview(changed)).toEqual({ step: "update", replaces: [] });
    const updated = await engine.up(changed);
    expect(updated.outputs).toMatchObject({ name: created.outputs.name, role: "Editor" });
    await engine.destroy(resource.urn);
});
