import { GrafanaApiKey, GrafanaApiKeyArgs } from "pulumi-azure-grafana-keys";
import { HostSession, startHostSession } from "../harness/session";
import { register, Registration } from "../harness/program";

/**
 * A role belongs to the service account, so a role change of a service-account key reaches every token on it: the
 * previous key that consumer stacks still hold after a rotation included. Through the real dynamic-provider host:
 * what preview and `up` say, and what each key may do afterwards.
 */

let session: HostSession;

beforeAll(async () => {
    session = await startHostSession("12.1");
});
afterAll(() => session.stop());
afterEach(() => {
    session.emulator.reset();
    session.engine.state.clear();
});

const key = async (args: GrafanaApiKeyArgs): Promise<Registration> =>
    (await register(() => [new GrafanaApiKey("ci", { endpoint: session.emulator.url, name: "ci-key", timeToLive: "30d", ...args })]))[0];

/** An admin-only call: 200 for an Admin key, 403 for a Viewer's. */
async function listAccounts(secret: unknown, grafanaUrl = session.emulator.url): Promise<number> {
    const response = await fetch(`${grafanaUrl}/api/serviceaccounts/search`, {
        headers: { authorization: `Bearer ${String(secret)}` },
    });
    await response.arrayBuffer();
    return response.status;
}

const REACHES_PREVIOUS =
    /GrafanaApiKey "ci-key": its role changes from Viewer to Admin on service account \d+, in place, so its previous key "ci-key" gets the role Admin too, not only the current key "ci-key-r2"/;

test("raised after a rotation: preview and up warn that the previous key gets the new role too, and it does", async () => {
    const { engine, engineLog } = session;
    await engine.up(await key({ role: "Viewer" }));
    const rotated = await engine.up(await key({ role: "Viewer", rotationTrigger: "1" }));
    const previous = rotated.outputs.previousKey;
    expect(await listAccounts(previous)).toBe(403);

    const raised = await key({ role: "Admin", rotationTrigger: "1" });
    expect(await engine.preview(raised)).toEqual({ step: "update", replaces: [] });
    await engineLog.waitFor("warning", REACHES_PREVIOUS);
    const before = engineLog.messages("warning").filter((message) => REACHES_PREVIOUS.test(message)).length;

    const updated = await engine.up(raised);
    await engineLog.waitFor("warning", REACHES_PREVIOUS);
    expect(engineLog.messages("warning").filter((message) => REACHES_PREVIOUS.test(message)).length).toBe(before + 1);
    // The rule as documented: in place, one PATCH, the same two keys.
    expect(updated.outputs).toMatchObject({ key: rotated.outputs.key, previousKey: previous, role: "Admin" });
    expect(await listAccounts(updated.outputs.key)).toBe(200);
    expect(await listAccounts(previous)).toBe(200);
    await engine.destroy(raised.urn);
});

test("with no previous key, the change is said as reaching the one key", async () => {
    const { engine, engineLog } = session;
    await engine.up(await key({ role: "Editor" }));
    await engine.preview(await key({ role: "Viewer" }));
    await engineLog.waitFor(
        "info",
        /its role changes from Editor to Viewer on service account \d+, in place: its key "ci-key" keeps working, with the new role/,
    );
    await engine.destroy((await key({})).urn);
});

describe.each([
    { to: "12.1" as const, migrated: true },
    { to: "11.3" as const, migrated: false },
])("after an upgrade and a rotation (10.4 -> $to)", ({ to, migrated }) => {
    let upgraded: HostSession;
    beforeAll(async () => (upgraded = await startHostSession("10.4")));
    afterAll(() => upgraded.stop());

    test("the previous key, minted as a legacy key, keeps its role: said as such, never as reaching it", async () => {
        const { emulator, engine, engineLog } = upgraded;
        const DAY_MS = 86_400_000;
        const legacyBorn = async (role: GrafanaApiKeyArgs["role"]) =>
            (
                await register(() => [
                    new GrafanaApiKey("ci", { endpoint: emulator.url, name: "ci-key", timeToLive: "30d", rotateBefore: "7d", role }),
                ])
            )[0];
        const created = await engine.up(await legacyBorn("Viewer"));
        emulator.upgrade(to);
        emulator.clock.set(Date.now() + 24 * DAY_MS); // inside rotateBefore: the next up mints a successor on an account of its own
        await engine.refresh((await legacyBorn("Viewer")).urn);
        const rotated = await engine.up(await legacyBorn("Viewer"));
        expect(rotated.outputs).toMatchObject({ previousKey: created.outputs.key, keyName: "ci-key-r2" });
        // From 12.0 Grafana moves the legacy key into an account of its own; 11.3 keeps it a legacy key.
        const autogen = emulator.state.serviceAccounts().find((sa) => sa.name === "sa-autogen-ci-key");
        expect(autogen?.role).toBe(migrated ? "Viewer" : undefined);

        const raised = await legacyBorn("Admin");
        const before = emulator.requests.length;
        expect(await engine.preview(raised)).toEqual({ step: "update", replaces: [] });
        const previewCost = emulator.requests.slice(before).map((request) => `${request.method} ${request.path}`);
        const said = await engineLog.waitFor("warning", /its role changes from Viewer to Admin/);
        const where = migrated
            ? `Grafana moved it into its own service account ${autogen!.id} \\(sa-autogen-ci-key\\) when it was upgraded, and the change leaves that account alone`
            : "it is a legacy API key, whose role is fixed";
        expect(said).toMatch(
            new RegExp(`its previous key "ci-key" keeps the role Viewer: ${where}\\. Only the current key "ci-key-r2" gets Admin`),
        );
        expect(said).not.toMatch(/gets the role Admin too/);

        const updated = await engine.up(raised);
        expect(updated.outputs).toMatchObject({ key: rotated.outputs.key, previousKey: created.outputs.key, role: "Admin" });
        // What was said is what Grafana holds: the successor may list accounts, the previous key still may not.
        expect([await listAccounts(updated.outputs.key, emulator.url), await listAccounts(created.outputs.key, emulator.url)]).toEqual([
            200, 403,
        ]);
        if (autogen) expect(emulator.state.serviceAccounts().find((sa) => sa.id === autogen.id)).toMatchObject({ role: "Viewer" });
        console.log(`role change after 10.4 -> ${to} and a rotation: preview ${JSON.stringify(previewCost)}`);
        await engine.destroy(raised.urn);
    });
});
