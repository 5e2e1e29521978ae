import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { GrafanaApiKey, GrafanaApiKeyArgs } from "pulumi-azure-grafana-keys";
import { Emulator, readAzCalls, startEmulator, writeAzStandIn } from "azure-managed-grafana-emulator";
import { Engine } from "../harness/engine";
import { DynamicProviderHost } from "../harness/host";
import { findLeaks } from "../harness/leaks";
import { register, Registration } from "../harness/program";

/**
 * Fifty keys created and then deleted at once through ONE dynamic-provider host process, as `pulumi up`
 * with a high `--parallel` does: every create and delete succeeds, autonames never collide (all fifty
 * keys share one logical name, in fifty stacks on the same Grafana org), the emulator ends empty, and
 * signed in with Microsoft Entra ID the host asks for one token per scope, not one per resource.
 */

const COUNT = 50;
const GRAFANA_SCOPE_RESOURCE = "ce34e7e5-485f-4d76-964f-b3d2b16d1e4f";
const SUBSCRIPTION = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";

/** The same program ("ci", autonamed) in `COUNT` stacks: the URNs differ, the inputs are the same. */
async function fiftyStacks(args: GrafanaApiKeyArgs): Promise<Registration[]> {
    const [resource] = await register(() => [new GrafanaApiKey("ci", args)]);
    return Array.from({ length: COUNT }, (_, index) => ({
        ...resource,
        urn: resource.urn.replace("urn:pulumi:dev::", `urn:pulumi:stack-${index}::`),
    }));
}

async function home(emulator: Emulator, key: string): Promise<number> {
    const response = await fetch(`${emulator.url}/api/dashboards/home`, { headers: { authorization: `Bearer ${key}` } });
    await response.arrayBuffer();
    return response.status;
}

/** Up all at once, check what Grafana holds, destroy all at once, check it is empty. */
async function upAndDestroyAll(emulator: Emulator, host: DynamicProviderHost, resources: Registration[]): Promise<void> {
    const engine = new Engine(host);
    const created = await Promise.allSettled(resources.map((resource) => engine.up(resource)));
    const failed = created.flatMap((result) => (result.status === "rejected" ? [String(result.reason)] : []));
    expect(failed).toEqual([]);

    const states = [...engine.state.values()];
    const names = states.map((state) => String(state.outputs.name));
    expect(names).toHaveLength(COUNT);
    for (const name of names) expect(name).toMatch(/^ci-[a-z0-9]{6}$/);
    expect(new Set(names).size).toBe(COUNT);
    expect(new Set(states.map((state) => state.id)).size).toBe(COUNT);

    // Grafana holds exactly these fifty: one account each, with one token of its name, each key working.
    const accounts = emulator.state.serviceAccounts();
    expect(accounts.map((account) => account.name).sort()).toEqual([...names].sort());
    for (const account of accounts) expect(account.tokens.map((token) => token.name)).toEqual([account.name]);
    const statuses = await Promise.all(states.map((state) => home(emulator, String(state.outputs.key))));
    expect(statuses.filter((status) => status !== 200)).toEqual([]);

    const deleted = await Promise.allSettled(resources.map((resource) => engine.destroy(resource.urn)));
    expect(deleted.flatMap((result) => (result.status === "rejected" ? [String(result.reason)] : []))).toEqual([]);
    expect(engine.state.size).toBe(0);
    expect({ accounts: emulator.state.serviceAccounts(), keys: emulator.state.apiKeys() }).toEqual({ accounts: [], keys: [] });

    expect(host.alive).toBe(true);
    expect(findLeaks(emulator.state.secrets(), { printed: host.printed })).toEqual([]);
}

test(`${COUNT} autonamed keys created and deleted at once through one host, with GRAFANA_AUTH`, async () => {
    const emulator = await startEmulator({ profile: "12.1" });
    const host = await DynamicProviderHost.start({
        env: { PATH: process.env.PATH, GRAFANA_AUTH: emulator.credentials.adminBasic, AZURE_GRAFANA_KEYS_MIN_RETRY_DELAY_MS: "5" },
    });
    try {
        await host.configure();
        await upAndDestroyAll(emulator, host, await fiftyStacks({ endpoint: emulator.url, role: "Viewer", timeToLive: "1d" }));
        // Nothing was made twice along the way.
        const creates = emulator.requests.filter((request) => request.method === "POST" && request.path === "/api/serviceaccounts");
        expect(creates.length).toBe(COUNT);
    } finally {
        await host.stop();
        await emulator.close();
    }
});

test(`${COUNT} keys addressed by workspace, signed in with Entra ID: one token fetch per scope`, async () => {
    const emulator = await startEmulator({ profile: "12.1" });
    const azDir = fs.mkdtempSync(path.join(os.tmpdir(), "concurrency-az-"));
    writeAzStandIn(azDir, emulator);
    const workspaceId = emulator.arm.addWorkspace({
        subscriptionId: SUBSCRIPTION,
        resourceGroup: "rg-obs",
        name: "ws-many",
        apiKey: "Enabled",
    });
    const host = await DynamicProviderHost.start({
        env: {
            PATH: [azDir, path.dirname(process.execPath), "/usr/bin", "/bin"].join(path.delimiter),
            AZURE_TOKEN_CREDENTIALS: "AzureCliCredential",
            AZURE_GRAFANA_KEYS_ARM_ENDPOINT: emulator.url,
            AZURE_GRAFANA_KEYS_MIN_RETRY_DELAY_MS: "5",
        },
    });
    try {
        await host.configure();
        await upAndDestroyAll(emulator, host, await fiftyStacks({ workspaceId, role: "Viewer" }));
        // One `az account get-access-token` per scope for the whole run: ARM (the endpoint lookup) and Grafana.
        expect(readAzCalls(azDir).sort()).toEqual([emulator.url, GRAFANA_SCOPE_RESOURCE].sort());
    } finally {
        await host.stop();
        await emulator.close();
        fs.rmSync(azDir, { recursive: true, force: true });
    }
});

test("a name already in use, 19 more creates of it at once and one answer lost: the key that holds the name keeps working", async () => {
    const emulator = await startEmulator({ profile: "12.1" });
    const host = await DynamicProviderHost.start({
        env: { PATH: process.env.PATH, GRAFANA_AUTH: emulator.credentials.adminBasic, AZURE_GRAFANA_KEYS_MIN_RETRY_DELAY_MS: "5" },
    });
    try {
        await host.configure();
        const engine = new Engine(host);
        const [resource] = await register(() => [new GrafanaApiKey("ci", { endpoint: emulator.url, name: "shared", role: "Viewer" })]);
        const stacks = Array.from({ length: 20 }, (_, index) => ({
            ...resource,
            urn: resource.urn.replace("urn:pulumi:dev::", `urn:pulumi:stack-${index}::`),
        }));
        const holder = await engine.up(stacks[0]);
        expect(await home(emulator, String(holder.outputs.key))).toBe(200);

        // The first of the others to reach Grafana loses its answer at a gateway; the rest are told the name exists.
        emulator.faults.failNext(1, 502, { method: "POST", path: "/api/serviceaccounts" });
        const others = await Promise.allSettled(stacks.slice(1).map((stack) => engine.up(stack)));
        const reasons = others.map((result) => (result.status === "rejected" ? String(result.reason) : "created"));
        expect(reasons.filter((reason) => /already exists/.test(reason))).toHaveLength(18);
        expect(reasons.filter((reason) => /the name "shared" is taken/.test(reason))).toHaveLength(1);

        expect(emulator.state.serviceAccounts()).toEqual([
            expect.objectContaining({
                id: holder.outputs.serviceAccountId,
                name: "shared",
                tokens: [expect.objectContaining({ name: "shared" })],
            }),
        ]);
        expect(await home(emulator, String(holder.outputs.key))).toBe(200);
        expect(host.alive).toBe(true);
    } finally {
        await host.stop();
        await emulator.close();
    }
});
