import { GrafanaApiKey } from "pulumi-azure-grafana-keys";
import { HostSession, startHostSession } from "../harness/session";
import { register } from "../harness/program";

/**
 * The first rotation after Grafana migrated a legacy key makes the key a service account of its own. That create
 * meets the same race as a first create (sameNameSameSecond.test.ts): another stack's account of the name, made in the
 * same second, found by name after a lost answer. When the successor's token then cannot be minted, the undo must
 * leave that account, and the other stack's key on it must keep working. Through the real dynamic-provider host.
 */

let session: HostSession;

beforeAll(async () => {
    session = await startHostSession("10.4");
});
afterAll(() => session.stop());

test("the adopted account of the successor is left in place when its token fails, and the other stack's key works", async () => {
    const { engine, emulator } = session;
    const key = async (rotationTrigger?: string) =>
        (
            await register(() => [
                new GrafanaApiKey("ci", { endpoint: emulator.url, name: "shared", role: "Viewer", timeToLive: "30d", rotationTrigger }),
            ])
        )[0];
    const first = await engine.up(await key());
    emulator.upgrade("12.1");

    emulator.clock.set(Math.ceil(Date.now() / 1000) * 1000 + 20);
    const admin = `Basic ${Buffer.from(emulator.credentials.adminBasic).toString("base64")}`;
    const response = await fetch(`${emulator.url}/api/serviceaccounts`, {
        method: "POST",
        headers: { authorization: admin, "content-type": "application/json" },
        body: JSON.stringify({ name: "shared", role: "Viewer" }),
    });
    const winner = (await response.json()) as { id: number };
    emulator.faults.failNext(1, 502, { method: "POST", path: "/api/serviceaccounts", afterActing: true });
    emulator.faults.failNext(100, 500, { method: "POST", path: `/api/serviceaccounts/${winner.id}/tokens` });

    await expect(engine.up(await key("1"))).rejects.toThrow(
        new RegExp(`service account "shared" \\(id ${winner.id}\\) was left in place: it was found by name after a lost answer`),
    );
    emulator.faults.reset();

    const minted = await fetch(`${emulator.url}/api/serviceaccounts/${winner.id}/tokens`, {
        method: "POST",
        headers: { authorization: admin, "content-type": "application/json" },
        body: JSON.stringify({ name: "shared-token" }),
    });
    const theirs = (await minted.json()) as { key: string };
    expect(await session.home(theirs.key)).toBe(200);
    // The migrated key is still the stack's key, and still works.
    expect(engine.state.get((await key()).urn)?.outputs.key).toBe(first.outputs.key);
    expect(await session.home(first.outputs.key)).toBe(200);
});
