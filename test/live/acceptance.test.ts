import { GrafanaApiKey, GrafanaApiKeyArgs, listGrafanaApiKeys, WorkspaceApiKeyEnablement } from "pulumi-azure-grafana-keys";
import { deleteLegacyKey } from "../../provider/src/grafana/apiKeys";
import { deleteServiceAccount } from "../../provider/src/grafana/serviceAccounts";
import { GrafanaTarget } from "../../provider/src/grafana/client";
import { grafanaNow, waitUntilOnGrafanasClock } from "../../tools/live/grafanaClock";
import { deleteLeftover, findLeftovers, grafanaTargetOf } from "../../tools/live/leftovers";
import { liveTarget, newRunPrefix, NO_TARGET_REASON } from "../../tools/live/liveTarget";
import { Engine } from "../harness/engine";
import { DynamicProviderHost, Props } from "../harness/host";
import { register } from "../harness/program";

/**
 * The live acceptance suite (`npm run test:live`): against the Grafana or Azure Managed Grafana workspace named in
 * LIVE_GRAFANA_URL / LIVE_GRAFANA_WORKSPACE_ID, signed in as the provider signs in (GRAFANA_AUTH, else Entra ID),
 * through the real dynamic-provider host, as `pulumi up` drives it. No test hook: whatever answers at that address
 * is treated as the real thing. Every object is named with this run's prefix and removed at the end, whatever failed.
 */

const target = liveTarget();
const prefix = newRunPrefix();
// A user's stack runs with the provider's default retries; the suite does too.
const describeLive = target ? describe : describe.skip;

describeLive(`live acceptance (${target ? (target.workspaceId ?? target.endpoint) : `skipped: ${NO_TARGET_REASON}`})`, () => {
    // Jest runs a skipped describe's body too: nothing here may assume a target until a test runs.
    const address = target?.workspaceId ? { workspaceId: target.workspaceId } : { endpoint: target?.endpoint };
    let host: DynamicProviderHost;
    let engine: Engine;
    let grafana: GrafanaTarget;
    let mode: string;

    async function up(name: string, args: Omit<GrafanaApiKeyArgs, "endpoint" | "workspaceId">): Promise<Props> {
        const [resource] = await register(() => [new GrafanaApiKey(name, { ...address, name: `${prefix}${name}`, ...args })], "live");
        return (await engine.up(resource)).outputs;
    }
    const urnOf = (name: string) => `urn:pulumi:dev::live::pulumi-nodejs:dynamic/azure-grafana-keys:GrafanaApiKey::${name}`;
    /** Does a key work: the provider's own key check (docs/grafana-upgrades.md), not deprecated in Grafana 13. */
    async function home(key: unknown): Promise<number> {
        const response = await fetch(new URL("/api/search?limit=1", grafana.endpoint), {
            headers: { authorization: `Bearer ${String(key)}` },
        });
        return response.status;
    }

    beforeAll(async () => {
        console.log(`live suite: run prefix ${prefix}`);
        host = await DynamicProviderHost.start({ env: process.env });
        await host.configure();
        engine = new Engine(host);
        grafana = await grafanaTargetOf(target!);
    });

    afterAll(async () => {
        // Clean up whatever a failed step left: first as Pulumi would (destroy), then anything still named with the prefix.
        grafana ??= await grafanaTargetOf(target!);
        for (const urn of [...(engine?.state.keys() ?? [])].reverse()) {
            await engine.destroy(urn).catch((error: unknown) => console.log(`cleanup: destroy ${urn} failed: ${String(error)}`));
        }
        for (const leftover of await findLeftovers(grafana, prefix)) {
            console.log(`cleanup: deleting leftover ${leftover.kind} ${leftover.name}`);
            await deleteLeftover(grafana, leftover);
        }
        await host?.stop();
    });

    if (target?.workspaceId) {
        test("switch API keys and service accounts on (Azure)", async () => {
            const [resource] = await register(
                () => [new WorkspaceApiKeyEnablement(`${prefix}enablement`, { workspaceId: target.workspaceId, enabled: true })],
                "live",
            );
            const created = await engine.up(resource);
            expect(created.outputs).toMatchObject({ enabled: true });
        });
    }

    test("a key: minted, working, and the Grafana version and mode it found", async () => {
        const outputs = await up("viewer-minutes", { role: "Viewer", timeToLive: "30m" });
        mode = String(outputs.mode);
        const version = typeof outputs.grafanaVersion === "string" ? outputs.grafanaVersion : "(version hidden)";
        console.log(`live suite: Grafana ${version}, mode ${mode}`);
        expect(await home(outputs.key)).toBe(200);
        // Grafana sets the expiry by its own clock, which may be days from the runner's.
        expect(Date.parse(String(outputs.expiresAt)) - (await grafanaNow(grafana.endpoint))).toBeGreaterThan(29 * 60_000);
    });

    test("a key per role and per time-to-live unit, each working", async () => {
        const cases: Array<[string, GrafanaApiKeyArgs["role"], string]> = [
            ["editor-hours", "Editor", "2h"],
            ["admin-days", "Admin", "1d"],
            // None exists for service accounts only (Grafana >= 10.3); a legacy key gets Viewer instead.
            ["none-weeks", mode === "apiKey" ? "Viewer" : "None", "1w"],
            ["viewer-months", "Viewer", "1M"],
            ["editor-years", "Editor", "1y"],
        ];
        for (const [name, role, timeToLive] of cases) {
            const outputs = await up(name, { role, timeToLive });
            expect(outputs).toMatchObject({ role, timeToLive, expired: false });
            expect(await home(outputs.key)).toBe(200);
        }
    });

    test("listing shows every key of the run", async () => {
        const listed = await listGrafanaApiKeys(address);
        const names = listed.map((key) => key.name).filter((name) => name.startsWith(prefix));
        const expected = [...engine.state.values()].map((state) => state.outputs.keyName).filter((name) => name !== undefined);
        expect(names.sort()).toEqual(expect.arrayContaining(expected as string[]));
    });

    test("refresh after a delete outside Pulumi drops the key from state", async () => {
        const outputs = await up("deleted-outside", { timeToLive: "10m" });
        if (outputs.mode === "apiKey") await deleteLegacyKey(grafana, Number(outputs.keyId));
        else await deleteServiceAccount(grafana, Number(outputs.serviceAccountId));
        expect(await engine.refresh(urnOf("deleted-outside"))).toBeUndefined();
    });

    test("rotation with a short lifetime: a new key, and the previous one still working until its expiry", async () => {
        const lifetime = { timeToLive: "90s", rotateBefore: "88s" } as const;
        const first = await up("rotating", lifetime);
        // Into the rotation window: 88s before expiry is 2s after minting, on Grafana's clock (as the provider reads it).
        const windowOpens = Date.parse(String(first.expiresAt)) - 88_000;
        await waitUntilOnGrafanasClock(grafana.endpoint, windowOpens);
        const rotated = await up("rotating", lifetime);
        expect(rotated.keyName).not.toBe(first.keyName);
        expect(rotated.previousKey).toBe(first.key);
        expect(rotated.previousKeyExpiresAt).toBe(first.expiresAt);
        expect(await home(rotated.key)).toBe(200);
        expect(await home(rotated.previousKey)).toBe(200);
    });

    test("revoke now: the previous key stops working at once, the current one keeps working", async () => {
        const before = engine.state.get(urnOf("rotating"))!.outputs;
        const revoked = await up("rotating", { timeToLive: "90s", rotateBefore: "88s", revokePrevious: true });
        expect(await home(before.previousKey)).toBe(401);
        expect(await home(revoked.key)).toBe(200);
    });

    test("destroy leaves nothing of the run on Grafana", async () => {
        expect((await findLeftovers(grafana, prefix)).length).toBeGreaterThan(0);
        for (const urn of [...engine.state.keys()].reverse()) {
            if (urn.includes(":GrafanaApiKey::")) await engine.destroy(urn);
        }
        expect(await findLeftovers(grafana, prefix)).toEqual([]);
    });

    if (target?.workspaceId) {
        test("switch the setting back (Azure): destroying the enablement restores it", async () => {
            for (const urn of [...engine.state.keys()]) await engine.destroy(urn);
            expect(engine.state.size).toBe(0);
        });
    }
});
