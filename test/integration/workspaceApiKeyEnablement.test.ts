import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expect } from "@jest/globals";
import { GrafanaApiKey, GrafanaApiKeyArgs, WorkspaceApiKeyEnablement, WorkspaceApiKeyEnablementArgs } from "pulumi-azure-grafana-keys";
import { Emulator, PatchBehaviour, readAzCalls, startEmulator, writeAzStandIn } from "azure-managed-grafana-emulator";
import { Engine } from "../harness/engine";
import { DynamicProviderHost } from "../harness/host";
import { findLeaks } from "../harness/leaks";
import { register } from "../harness/program";

/**
 * Azure's side through the real dynamic-provider host: the provider signs in with Microsoft Entra ID
 * (the real @azure/identity AzureCliCredential, calling a stand-in `az` that asks the emulator for
 * tokens), switches a workspace's API keys through ARM and mints keys with no bootstrap key anywhere.
 * In a child process because @azure/identity runs `az` with the real process environment.
 */

const SUBSCRIPTION = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
const ENTRA_TOKEN = /eyJ[\w-]{10,}\.[\w-]{10,}\.[\w-]{10,}/;
const GRAFANA_AUDIENCE = "ce34e7e5-485f-4d76-964f-b3d2b16d1e4f";

let emulator: Emulator;
let azDir: string;

beforeAll(async () => {
    emulator = await startEmulator({ profile: "12.1" });
    azDir = fs.mkdtempSync(path.join(os.tmpdir(), "az-stand-in-"));
    writeAzStandIn(azDir, emulator);
});
afterAll(async () => {
    await emulator.close();
    fs.rmSync(azDir, { recursive: true, force: true });
});

function entraEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return {
        PATH: [azDir, path.dirname(process.execPath), "/usr/bin", "/bin"].join(path.delimiter),
        // Only the Azure CLI credential: the full chain would probe 169.254.169.254 and Microsoft's hosts.
        AZURE_TOKEN_CREDENTIALS: "AzureCliCredential",
        AZURE_GRAFANA_KEYS_ARM_ENDPOINT: emulator.url,
        AZURE_GRAFANA_KEYS_POLL_INTERVAL_MS: "10",
        AZURE_GRAFANA_KEYS_MIN_RETRY_DELAY_MS: "5",
        AZURE_GRAFANA_KEYS_MAX_RETRIES: "2",
        ...extra,
    };
}

async function withHost<T>(env: NodeJS.ProcessEnv, run: (engine: Engine, host: DynamicProviderHost) => Promise<T>): Promise<T> {
    const host = await DynamicProviderHost.start({ env });
    try {
        await host.configure();
        const result = await run(new Engine(host), host);
        expect(findLeaks(emulator.state.secrets(), { printed: host.printed })).toEqual([]);
        expect(host.printed).not.toMatch(ENTRA_TOKEN);
        return result;
    } finally {
        await host.stop();
    }
}

const enablement = async (args: WorkspaceApiKeyEnablementArgs, name = "keys-on") =>
    (await register(() => [new WorkspaceApiKeyEnablement(name, args)]))[0];
const apiKey = async (args: GrafanaApiKeyArgs, name = "ci") => (await register(() => [new GrafanaApiKey(name, args)]))[0];

function addWorkspace(name: string, options: { apiKey?: "Enabled" | "Disabled"; patchBehaviour?: PatchBehaviour } = {}): string {
    return emulator.arm.addWorkspace({ subscriptionId: SUBSCRIPTION, resourceGroup: "rg-obs", name, ...options });
}

afterEach(() => emulator.reset());

describe("WorkspaceApiKeyEnablement", () => {
    test.each<[PatchBehaviour]>([["sync"], ["asyncOperation"], ["locationOnly"], ["noHeaders"]])(
        "switches API keys on through a %s PATCH of apiKey alone, and puts them back off on delete",
        async (patchBehaviour) => {
            const workspaceId = addWorkspace("ws-1", { patchBehaviour });
            await withHost(entraEnv(), async (engine) => {
                const resource = await enablement({ workspaceId });
                const created = await engine.up(resource);
                expect(created.outputs).toMatchObject({
                    workspaceId,
                    endpoint: emulator.url,
                    apiKey: "Enabled",
                    previousApiKey: "Disabled",
                    grafanaVersion: "12.1.0",
                    grafanaMajorVersion: "12",
                    location: "westeurope",
                });
                expect(emulator.arm.workspace(workspaceId).properties).toMatchObject({ apiKey: "Enabled", provisioningState: "Succeeded" });
                expect(emulator.arm.patches).toEqual([{ id: workspaceId, body: { properties: { apiKey: "Enabled" } } }]);

                await engine.destroy(resource.urn);
                expect(emulator.arm.workspace(workspaceId).properties.apiKey).toBe("Disabled");
            });
        },
    );

    // Azure allows letters and digits of any script in a resource group's name.
    test.each([["rg-café"], ["リソース"]])(
        "a workspace in resource group %s is switched on, by id and by parts, and keyed",
        async (group) => {
            const workspaceId = emulator.arm.addWorkspace({ subscriptionId: SUBSCRIPTION, resourceGroup: group, name: "ws-unicode" });
            await withHost(entraEnv(), async (engine) => {
                const byId = await enablement({ workspaceId });
                expect((await engine.up(byId)).outputs).toMatchObject({ workspaceId, apiKey: "Enabled" });
                const byParts = await enablement(
                    { subscriptionId: SUBSCRIPTION, resourceGroupName: group, workspaceName: "ws-unicode" },
                    "again",
                );
                expect((await engine.up(byParts)).outputs).toMatchObject({ workspaceId, apiKey: "Enabled" });
                const key = await apiKey({ workspaceId, role: "Viewer" });
                expect((await engine.up(key)).outputs).toMatchObject({ workspaceId, endpoint: emulator.url });
                for (const urn of [key.urn, byParts.urn, byId.urn]) await engine.destroy(urn);
            });
        },
    );

    test("an operation that fails ends with Azure's code and message, and the workspace is left as it was", async () => {
        const workspaceId = addWorkspace("ws-2", { patchBehaviour: "failingOperation" });
        await withHost(entraEnv(), async (engine) => {
            await expect(engine.up(await enablement({ workspaceId }))).rejects.toThrow(
                /ended Failed with InternalServerError\. Server said: "The operation failed: emulated failure\."/,
            );
            expect(emulator.arm.workspace(workspaceId).properties.apiKey).toBe("Disabled");
        });
    });

    test("an enabled workspace is not patched, and one that was enabled before is left enabled on delete", async () => {
        const workspaceId = addWorkspace("ws-3", { apiKey: "Enabled" });
        await withHost(entraEnv(), async (engine) => {
            const resource = await enablement({ subscriptionId: SUBSCRIPTION, resourceGroupName: "rg-obs", workspaceName: "ws-3" });
            expect((await engine.up(resource)).outputs).toMatchObject({ workspaceId, previousApiKey: "Enabled", apiKey: "Enabled" });
            await engine.destroy(resource.urn);
            expect(emulator.arm.patches).toEqual([]);
            expect(emulator.arm.workspace(workspaceId).properties.apiKey).toBe("Enabled");
        });
    });

    test("restoreOnDelete: false leaves the workspace as the resource set it", async () => {
        const workspaceId = addWorkspace("ws-4");
        await withHost(entraEnv(), async (engine) => {
            const resource = await enablement({ workspaceId, restoreOnDelete: false });
            await engine.up(resource);
            await engine.destroy(resource.urn);
            expect(emulator.arm.workspace(workspaceId).properties.apiKey).toBe("Enabled");
        });
    });

    test("switched off by hand: refresh reports it, the next up switches it on again; enabled: false switches it off", async () => {
        const workspaceId = addWorkspace("ws-5");
        await withHost(entraEnv(), async (engine) => {
            const resource = await enablement({ workspaceId });
            await engine.up(resource);
            emulator.arm.setApiKey(workspaceId, "Disabled");

            expect((await engine.refresh(resource.urn))!.outputs.apiKey).toBe("Disabled");
            expect(await engine.preview(resource)).toEqual({ step: "update", replaces: [] });
            expect((await engine.up(resource)).outputs.apiKey).toBe("Enabled");
            expect(emulator.arm.workspace(workspaceId).properties.apiKey).toBe("Enabled");

            const off = await engine.up(await enablement({ workspaceId, enabled: false }));
            expect(off.outputs).toMatchObject({ apiKey: "Disabled", previousApiKey: "Disabled", enabled: false });
            expect(engine.steps.at(-1)!.step).toBe("update");
        });
    });

    test("throttling (429 + Retry-After) and another operation in progress (409) are waited out", async () => {
        const workspaceId = addWorkspace("ws-6");
        emulator.faults.failNext(1, 429, { method: "GET", path: /grafana\/ws-6$/, retryAfterSeconds: 0 });
        emulator.faults.failNext(2, 409, {
            method: "PATCH",
            body: {
                error: { code: "AnotherOperationInProgress", message: "Another operation on this or dependent resource is in progress." },
            },
        });
        await withHost(entraEnv(), async (engine) => {
            expect((await engine.up(await enablement({ workspaceId }))).outputs.apiKey).toBe("Enabled");
        });
        expect(emulator.arm.requests.map((request) => request.status)).toEqual(expect.arrayContaining([429, 409, 409]));
    });

    test("a missing workspace and a missing role fail with what to do", async () => {
        const workspaceId = addWorkspace("ws-7");
        await withHost(entraEnv(), async (engine) => {
            await expect(engine.up(await enablement({ workspaceId: workspaceId.replace("ws-7", "ws-none") }, "missing"))).rejects.toThrow(
                /answered 404 ResourceNotFound.*Check the workspace id/s,
            );
            emulator.arm.denyPrincipal("00000000-0000-0000-0000-00000000a11e");
            await expect(engine.up(await enablement({ workspaceId }, "denied"))).rejects.toThrow(
                /answered 403 AuthorizationFailed.*lacks the Azure permission Microsoft\.Dashboard\/grafana\/(read|write)/s,
            );
        });
    });

    test("bad inputs fail at check time through the host, which keeps serving", async () => {
        await withHost(entraEnv(), async (engine, host) => {
            const resource = await enablement({
                workspaceId: `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.Web/sites/app`,
            });
            const { failures } = await host.check(resource.urn, {}, resource.inputs);
            expect(failures).toEqual([
                {
                    property: "workspaceId",
                    reason: expect.stringMatching(/Microsoft\.Web\/sites, not of a Microsoft\.Dashboard\/grafana workspace/),
                },
            ]);
            expect(host.alive).toBe(true);
            await engine.preview(await enablement({ workspaceId: addWorkspace("ws-8") }));
        });
    });
});

describe("keys with Microsoft Entra ID sign-in and no bootstrap key", () => {
    test("enable, then mint on the enablement's endpoint through the just-enabled window, one token fetch per scope", async () => {
        const workspaceId = addWorkspace("ws-10");
        // Long enough that a loaded machine still reaches the key routes inside the window (400 ms did not,
        // under load); short enough that the provider's backoff (10 ms doubling) waits it out in seconds.
        emulator.arm.justEnabledWindowMs = 3_000;
        fs.writeFileSync(path.join(azDir, "az-calls.log"), "");
        await withHost(entraEnv(), async (engine) => {
            const keysOn = await engine.up(await enablement({ workspaceId }));
            const key = await engine.up(await apiKey({ endpoint: keysOn.outputs.endpoint as string, role: "Viewer", timeToLive: "30d" }));
            expect(key.outputs).toMatchObject({ mode: "serviceAccount", role: "Viewer", endpoint: emulator.url });
            expect(key.outputs.key).toMatch(/^glsa_/);
            expect(emulator.requests.filter((request) => request.status === 403).length).toBeGreaterThan(0);
            const second = await engine.up(await apiKey({ endpoint: emulator.url }, "second"));
            expect(second.outputs.key).toMatch(/^glsa_/);
            expect(readAzCalls(azDir).sort()).toEqual([emulator.url, "ce34e7e5-485f-4d76-964f-b3d2b16d1e4f"].sort());
        });
    });

    test("tokens Azure refuses although this machine thinks them valid (Azure's clock ahead): one new token each, and on", async () => {
        const workspaceId = addWorkspace("ws-12");
        fs.writeFileSync(path.join(azDir, "az-calls.log"), "");
        await withHost(entraEnv(), async (engine) => {
            const keysOnResource = await enablement({ workspaceId });
            const keysOn = await engine.up(keysOnResource);
            const resource = await apiKey({ endpoint: keysOn.outputs.endpoint as string, timeToLive: "30d" });
            await engine.up(resource);
            expect(readAzCalls(azDir)).toHaveLength(2);
            // A day on by Azure's clock: both cached tokens (an hour long) are expired there, not here.
            emulator.clock.advance(86_400);
            expect((await engine.refresh(resource.urn))!.outputs.key).toMatch(/^glsa_/);
            expect((await engine.refresh(keysOnResource.urn))!.outputs.apiKey).toBe("Enabled");
            expect(readAzCalls(azDir).sort()).toEqual([emulator.url, emulator.url, GRAFANA_AUDIENCE, GRAFANA_AUDIENCE].sort());
            expect(emulator.requests.filter((request) => request.status === 401)).toHaveLength(1);
            expect(emulator.arm.requests.filter((request) => request.status === 401)).toHaveLength(1);
            await engine.destroy(resource.urn);
            await engine.destroy(keysOnResource.urn);
        });
    });

    test("a key addressed by workspaceId finds its endpoint through ARM", async () => {
        const workspaceId = addWorkspace("ws-11", { apiKey: "Enabled" });
        await withHost(entraEnv(), async (engine) => {
            const resource = await apiKey({ workspaceId: workspaceId.toUpperCase().replace("/SUBSCRIPTIONS/", "/subscriptions/") });
            const key = await engine.up(resource);
            expect(key.outputs).toMatchObject({ endpoint: emulator.url, mode: "serviceAccount" });
            expect(await engine.preview(resource)).toEqual({ step: "same", replaces: [] });
            // Moving from workspaceId to the same workspace's endpoint keeps the key.
            const byEndpoint = await engine.up(await apiKey({ endpoint: emulator.url }));
            expect(engine.steps.at(-1)!.step).toBe("update");
            expect(byEndpoint.outputs.key).toBe(key.outputs.key);
            await engine.destroy(resource.urn);
            expect(emulator.state.serviceAccounts()).toEqual([]);
        });
    });

    test("keys switched off on the workspace: the error says to enable them", async () => {
        addWorkspace("ws-12");
        await withHost(entraEnv(), async (engine) => {
            await expect(engine.up(await apiKey({ endpoint: emulator.url }))).rejects.toThrow(/403.*WorkspaceApiKeyEnablement/s);
        });
    });

    test("past the just-enabled deadline the error says what happened and what to do", async () => {
        const workspaceId = addWorkspace("ws-13");
        emulator.arm.justEnabledWindowMs = 60_000;
        await withHost(entraEnv({ AZURE_GRAFANA_KEYS_JUST_ENABLED_TIMEOUT_SECONDS: "1" }), async (engine) => {
            await engine.up(await enablement({ workspaceId }));
            await expect(engine.up(await apiKey({ endpoint: emulator.url }))).rejects.toThrow(
                /still refused \d+ s after the workspace's API keys were switched on.*raise azure-grafana-keys:justEnabledTimeoutSeconds/s,
            );
        });
    });

    test("a token for the wrong audience is refused by Grafana, and the error points at the audience setting", async () => {
        addWorkspace("ws-14", { apiKey: "Enabled" });
        await withHost(entraEnv({ AZURE_GRAFANA_KEYS_GRAFANA_AUDIENCE: "https://management.azure.com" }), async (engine) => {
            await expect(engine.up(await apiKey({ endpoint: emulator.url }))).rejects.toThrow(/answered 401.*grafanaAudience/s);
        });
    });

    test("GRAFANA_AUTH, when set, wins over Entra ID for the data plane", async () => {
        addWorkspace("ws-15", { apiKey: "Enabled" });
        fs.writeFileSync(path.join(azDir, "az-calls.log"), "");
        await withHost(entraEnv({ GRAFANA_AUTH: emulator.credentials.adminBasic }), async (engine) => {
            expect((await engine.up(await apiKey({ endpoint: emulator.url }))).outputs.key).toMatch(/^glsa_/);
            expect(readAzCalls(azDir)).toEqual([]);
        });
    });
});
