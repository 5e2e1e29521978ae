import { GrafanaApiKey, GrafanaServiceAccount, GrafanaServiceAccountToken, WorkspaceApiKeyEnablement } from "pulumi-azure-grafana-keys";
import { Emulator, startEmulator, writeAzStandIn } from "azure-managed-grafana-emulator";
import { Engine } from "../harness/engine";
import { DynamicProviderHost } from "../harness/host";
import { register } from "../harness/program";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/**
 * A create that fails half-way and cannot undo itself: the host hands the engine exactly the properties the
 * error carries, and the engine stores them as the resource's outputs (pulumi/pulumi's CreateStep). The
 * harness stores just those, adding nothing. Refresh and destroy must then work from them alone.
 */

let emulator: Emulator;
let host: DynamicProviderHost;
let engine: Engine;
let azDir: string;

beforeAll(async () => {
    emulator = await startEmulator({ profile: "12.1" });
    azDir = fs.mkdtempSync(path.join(os.tmpdir(), "az-"));
    writeAzStandIn(azDir, emulator);
    host = await DynamicProviderHost.start({
        env: {
            PATH: `${azDir}:${process.env.PATH}`,
            GRAFANA_AUTH: emulator.credentials.adminBasic,
            AZURE_TOKEN_CREDENTIALS: "AzureCliCredential",
            AZURE_GRAFANA_KEYS_ARM_ENDPOINT: emulator.url,
            AZURE_GRAFANA_KEYS_MIN_RETRY_DELAY_MS: "5",
            AZURE_GRAFANA_KEYS_MAX_RETRY_DELAY_MS: "20",
            AZURE_GRAFANA_KEYS_POLL_INTERVAL_MS: "10",
        },
    });
    await host.configure();
    engine = new Engine(host);
});
afterAll(async () => {
    await host.stop();
    await emulator.close();
    fs.rmSync(azDir, { recursive: true, force: true });
});
afterEach(() => {
    emulator.reset();
    engine.state.clear();
});

const TOKEN_CREATE = /^\/api\/serviceaccounts\/\d+\/tokens$/;
const ACCOUNT = /^\/api\/serviceaccounts\/\d+$/;

test("a key whose token create and account clean-up both fail is tracked, refreshed, completed by up, and destroyed", async () => {
    const [resource] = await register(() => [new GrafanaApiKey("ci", { endpoint: emulator.url, name: "ci-key" })]);
    emulator.faults.failNext(1000, 503, { method: "POST", path: TOKEN_CREATE });
    emulator.faults.failNext(1000, 503, { method: "DELETE", path: ACCOUNT });
    await expect(engine.up(resource)).rejects.toThrow(/503.*could not be removed; Pulumi keeps tracking it/s);
    emulator.faults.reset();
    const tracked = engine.state.get(resource.urn)!;
    expect(tracked.outputs).toMatchObject({ key: "", keyId: 0, __provider: resource.inputs.__provider });
    const accountId = tracked.outputs.serviceAccountId as number;

    const refreshed = await engine.refresh(resource.urn);
    expect(refreshed!.outputs).toMatchObject({ serviceAccountId: accountId, key: "" });
    const completed = await engine.up(resource);
    expect(engine.steps.at(-1)!.step).toBe("update");
    expect(completed.outputs).toMatchObject({ serviceAccountId: accountId, previousKey: null });
    expect(
        (await fetch(`${emulator.url}/api/dashboards/home`, { headers: { authorization: `Bearer ${String(completed.outputs.key)}` } }))
            .status,
    ).toBe(200);
    await engine.destroy(resource.urn);
    expect(emulator.state.serviceAccounts()).toEqual([]);
});

test("the same failure, then destroy straight away, removes the account", async () => {
    const [resource] = await register(() => [new GrafanaApiKey("ci", { endpoint: emulator.url })]);
    emulator.faults.failNext(1000, 503, { method: "POST", path: TOKEN_CREATE });
    emulator.faults.failNext(1000, 503, { method: "DELETE", path: ACCOUNT });
    await expect(engine.up(resource)).rejects.toThrow(/could not be removed/);
    emulator.faults.reset();
    expect(emulator.state.serviceAccounts()).toHaveLength(1);
    await engine.destroy(resource.urn);
    expect(emulator.state.serviceAccounts()).toEqual([]);
});

test("a token that fails verification and cannot be deleted is tracked, and the next up replaces it with a working one", async () => {
    const [account] = await register(() => [new GrafanaServiceAccount("bot", { endpoint: emulator.url })]);
    const accountId = (await engine.up(account)).outputs.serviceAccountId as number;
    const [token] = await register(() => [new GrafanaServiceAccountToken("t", { endpoint: emulator.url, serviceAccountId: accountId })]);
    emulator.faults.failNext(3, 401, { method: "GET", path: "/api/search" });
    emulator.faults.failNext(1000, 503, { method: "DELETE", path: /\/tokens\/\d+$/ });
    await expect(engine.up(token)).rejects.toThrow(/did not work.*could not be removed/s);
    emulator.faults.reset();
    const tracked = engine.state.get(token.urn)!;
    expect(tracked.outputs).toMatchObject({ key: "", tokenId: 0, __provider: token.inputs.__provider });
    expect((tracked.outputs.retiredKeyIds as number[]).length).toBe(1);

    await engine.refresh(token.urn);
    const fixed = await engine.up(token);
    expect(fixed.outputs).toMatchObject({ retiredKeyIds: [], previousKey: null });
    expect(emulator.state.serviceAccounts()[0].tokens.map((entry) => entry.id)).toEqual([fixed.outputs.tokenId]);
    await engine.destroy(token.urn);
    await engine.destroy(account.urn);
});

test("an enablement whose PATCH answer is lost after Azure switched keys on is tracked; destroy switches them back", async () => {
    const workspaceId = emulator.arm.addWorkspace({
        subscriptionId: "00000000-0000-0000-0000-0000000000aa",
        resourceGroup: "rg-partial",
        name: "ws-partial",
        apiKey: "Disabled",
    });
    emulator.arm.setPatchBehaviour(workspaceId, "sync");
    const [resource] = await register(() => [new WorkspaceApiKeyEnablement("keys-on", { workspaceId })]);
    emulator.faults.dropNext(1000, { method: "PATCH", afterActing: true });
    await expect(engine.up(resource)).rejects.toThrow(/may have been changed all the same; Pulumi keeps tracking it/);
    emulator.faults.reset();
    expect(engine.state.get(resource.urn)!.outputs).toMatchObject({ previousApiKey: "Disabled", __provider: resource.inputs.__provider });
    expect(emulator.arm.workspace(workspaceId).properties.apiKey).toBe("Enabled");

    await engine.refresh(resource.urn);
    await engine.destroy(resource.urn);
    expect(emulator.arm.workspace(workspaceId).properties.apiKey).toBe("Disabled");
});
