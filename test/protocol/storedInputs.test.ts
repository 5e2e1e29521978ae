import { GrafanaApiKey, GrafanaRole, GrafanaServiceAccount } from "pulumi-azure-grafana-keys";
import { HostSession, startHostSession } from "../harness/session";
import { register } from "../harness/program";

/**
 * The provider's bookkeeping inputs (resource name, who named the object) are stored under `__` keys, which the CLI
 * leaves out of `preview --diff` as it does `__provider`; the mode asked for stays under the user's input name, `mode`,
 * since the engine withholds `__` keys from a policy pack too. Stacks written by earlier versions hold them under plain
 * keys (the mode as `requestedMode`), or the mode as `__requestedMode`: through the real dynamic-provider host, such a
 * stack previews as unchanged and keeps working.
 */

let session: HostSession;

beforeAll(async () => {
    session = await startHostSession("12.1");
});
afterAll(() => session.stop());

const BOOKKEEPING = ["logicalName", "nameSource"];

/** The stored inputs as the earliest versions wrote them: the same values under the plain keys, the mode as requestedMode. */
function asEarliestVersionStored(inputs: Record<string, unknown>): Record<string, unknown> {
    const earlier = { ...inputs };
    for (const key of BOOKKEEPING) {
        if (`__${key}` in earlier) {
            earlier[key] = earlier[`__${key}`];
            delete earlier[`__${key}`];
        }
    }
    return moveMode(earlier, "requestedMode");
}

/** The stored inputs as the previous version wrote them: the mode asked for as `__requestedMode`. */
const asPreviousVersionStored = (inputs: Record<string, unknown>) => moveMode({ ...inputs }, "__requestedMode");

function moveMode(inputs: Record<string, unknown>, key: string): Record<string, unknown> {
    if ("mode" in inputs) {
        inputs[key] = inputs.mode;
        delete inputs.mode;
    }
    return inputs;
}

test("checked inputs hold the bookkeeping under __ keys only, and the mode asked for under mode", async () => {
    const { engine, emulator } = session;
    const [key] = await register(() => [new GrafanaApiKey("ci", { endpoint: emulator.url, timeToLive: "30d" })]);
    const created = await engine.up(key);
    expect(created.inputs).toMatchObject({ __logicalName: "ci", __nameSource: "auto", mode: "auto" });
    expect(created.inputs).not.toHaveProperty("__requestedMode");
    for (const plain of BOOKKEEPING) expect(created.inputs).not.toHaveProperty(plain);
    await engine.destroy(key.urn);
});

test.each([
    [
        "GrafanaApiKey",
        "earliest",
        asEarliestVersionStored,
        (role: GrafanaRole) => new GrafanaApiKey("old-key", { endpoint: session.emulator.url, timeToLive: "30d", role }),
    ],
    [
        "GrafanaApiKey",
        "previous",
        asPreviousVersionStored,
        (role: GrafanaRole) => new GrafanaApiKey("prev-key", { endpoint: session.emulator.url, timeToLive: "30d", role }),
    ],
    [
        "GrafanaServiceAccount",
        "earliest",
        asEarliestVersionStored,
        (role: GrafanaRole) => new GrafanaServiceAccount("old-account", { endpoint: session.emulator.url, role }),
    ],
] as const)(
    "a %s stored by the %s version previews as unchanged, and keeps its autoname through an update",
    async (_type, _version, asStored, make) => {
        const { engine } = session;
        const [resource] = await register(() => [make("Viewer")]);
        const created = await engine.up(resource);
        engine.state.set(resource.urn, { ...created, inputs: asStored(created.inputs) });

        expect(await engine.preview(resource)).toEqual({ step: "same", replaces: [] });
        const [changed] = await register(() => [make("Editor")]);
        expect(await engine.preview(changed)).toEqual({ step: "update", replaces: [] });
        const updated = await engine.up(changed);
        expect(updated.outputs).toMatchObject({ name: created.outputs.name, role: "Editor" });
        await engine.destroy(resource.urn);
    },
);
