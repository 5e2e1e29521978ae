import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { GrafanaApiKey, WorkspaceApiKeyEnablement } from "pulumi-azure-grafana-keys";
import type { ApiKeyState } from "../../provider/src/schema/apiKeyState";
import type { EnablementState } from "../../provider/src/schema/enablementState";
import { Emulator, startEmulator, writeAzStandIn } from "azure-managed-grafana-emulator";
import { Engine } from "../../test/harness/engine";
import { DynamicProviderHost } from "../../test/harness/host";
import { findLeaks } from "../../test/harness/leaks";
import { register } from "../../test/harness/program";

/**
 * `npm run demo`: no Azure account needed. Starts the bundled emulator (Grafana's HTTP API, Azure
 * Resource Manager and an Entra ID token issuer on 127.0.0.1) and runs the resources through Pulumi's
 * own dynamic-provider host, step by step as `pulumi up`, `refresh` and `destroy` do, printing each step
 * with secrets masked:
 * 1. Azure Managed Grafana (Grafana 12.1): switch API keys on, then mint a key, signed in with Entra ID
 *    (a stand-in `az` plays `az login`), with no bootstrap key anywhere.
 * 2. Self-hosted Grafana 10.4 with a user:password: the provider detects it and mints a legacy key.
 */

const mask = (key: unknown) => (typeof key === "string" ? `${key.slice(0, 7)}…(${key.length} chars)` : String(key));
const say = (step: string, text: string) => console.log(`  ${step.padEnd(9)}${text}`);
const SUBSCRIPTION = "00000000-0000-0000-0000-000000000001";

async function azureManagedGrafana(): Promise<void> {
    const emulator = await startEmulator({ profile: "12.1" });
    const workspaceId = emulator.arm.addWorkspace({ subscriptionId: SUBSCRIPTION, resourceGroup: "rg-observability", name: "my-grafana" });
    emulator.arm.justEnabledWindowMs = 1500; // Azure refuses keys for a while after they are switched on
    const azDir = fs.mkdtempSync(path.join(os.tmpdir(), "demo-az-"));
    writeAzStandIn(azDir, emulator);
    const host = await DynamicProviderHost.start({
        env: {
            PATH: [azDir, path.dirname(process.execPath), process.env.PATH].join(path.delimiter),
            AZURE_TOKEN_CREDENTIALS: "AzureCliCredential",
            AZURE_GRAFANA_KEYS_ARM_ENDPOINT: emulator.url,
            AZURE_GRAFANA_KEYS_POLL_INTERVAL_MS: "250",
        },
    });
    try {
        console.log(`\nAzure Managed Grafana (Grafana 12.1), emulated at ${emulator.url}; signed in with Entra ID, no GRAFANA_AUTH`);
        await host.configure();
        const engine = new Engine(host);

        const [keysOn] = await register(() => [new WorkspaceApiKeyEnablement("keys-on", { workspaceId })]);
        say("preview", `WorkspaceApiKeyEnablement "keys-on": ${(await engine.preview(keysOn)).step}`);
        const enabled = await engine.up(keysOn);
        const enablement = enabled.outputs as EnablementState; // the state the host stored, in the provider's own shape
        say("up", `API keys ${enablement.previousApiKey} -> ${enablement.apiKey} on ${workspaceId} (PATCH of properties.apiKey only)`);
        say("", `endpoint=${enablement.endpoint} grafanaVersion=${enablement.grafanaVersion}`);

        const program = () =>
            register(() => [
                new GrafanaApiKey("ci", { endpoint: enablement.endpoint!, role: "Viewer", timeToLive: "30d", rotateBefore: "7d" }),
            ]);
        const [key] = await program();
        say("preview", `GrafanaApiKey "ci": ${(await engine.preview(key)).step}`);
        const minted = await engine.up(key);
        const mintedKey = minted.outputs as ApiKeyState;
        const refusals = emulator.requests.filter((request) => request.status === 403).length;
        say("up", `minted ${minted.id} after waiting out ${refusals} "enabled api key recently" refusals`);
        say("", `name=${mintedKey.name} role=${mintedKey.role} mode=${mintedKey.mode} expiresAt=${mintedKey.expiresAt}`);
        say("", `key=${mask(mintedKey.key)} (a Pulumi secret: additionalSecretOutputs=${JSON.stringify(key.additionalSecretOutputs)})`);
        say("verify", `GET /api/search?limit=1 with the new key -> ${await keyCheckStatus(emulator, mintedKey.key)}`);
        const refreshed = await engine.refresh(key.urn);
        say("refresh", `still there: expired=${(refreshed?.outputs as ApiKeyState | undefined)?.expired}`);
        say("preview", `same program again: ${(await engine.preview((await program())[0])).step}`);

        // 24 days on (Grafana's clock), the 30-day key is inside its 7-day window: `pulumi up --refresh` rotates it.
        emulator.clock.advance(24 * 86_400);
        await engine.refresh(key.urn);
        say("day 24", `preview: ${(await engine.preview(key)).step} (inside rotateBefore 7d: rotate in place)`);
        const rotation = await engine.up(key);
        const rotated = rotation.outputs as ApiKeyState;
        say("up", `rotated to ${rotated.keyName}: key=${mask(rotated.key)}, same service account ${rotated.serviceAccountId}`);
        say(
            "",
            `a consumer still holding the first key: ${await keyCheckStatus(emulator, mintedKey.key)} until ${rotated.previousKeyExpiresAt}; the new key: ${await keyCheckStatus(emulator, rotated.key)}`,
        );
        emulator.clock.advance(7 * 86_400);
        await engine.refresh(key.urn);
        const cleanup = await engine.up(key);
        const cleaned = cleanup.outputs as ApiKeyState;
        say(
            "day 31",
            `the first key expired; up deleted it (previousKey=${String(cleaned.previousKey)}); the new key: ${await keyCheckStatus(emulator, cleaned.key)}`,
        );

        await engine.destroy(key.urn);
        await engine.destroy(keysOn.urn);
        say(
            "destroy",
            `key deleted (it now gets ${await keyCheckStatus(emulator, mintedKey.key)}); API keys put back to ${emulator.arm.workspace(workspaceId).properties.apiKey}`,
        );
        reportLeaks(emulator, host, [minted, rotation, cleanup]);
    } finally {
        await host.stop();
        await emulator.close();
        fs.rmSync(azDir, { recursive: true, force: true });
    }
}

async function selfHostedGrafana(): Promise<void> {
    const emulator = await startEmulator({ profile: "10.4" });
    const host = await DynamicProviderHost.start({ env: { PATH: process.env.PATH, GRAFANA_AUTH: emulator.credentials.adminBasic } });
    try {
        console.log(`\nSelf-hosted Grafana 10.4, emulated at ${emulator.url}; GRAFANA_AUTH=admin:***`);
        await host.configure();
        const engine = new Engine(host);
        const [key] = await register(() => [
            new GrafanaApiKey("ci", { endpoint: emulator.url, name: "api-key-1", role: "Editor", timeToLive: "7d" }),
        ]);
        const minted = await engine.up(key);
        const mintedKey = minted.outputs as ApiKeyState;
        say("up", `minted ${minted.id}: name=${mintedKey.name} role=${mintedKey.role} mode=${mintedKey.mode} key=${mask(mintedKey.key)}`);
        say("verify", `GET /api/search?limit=1 with the new key -> ${await keyCheckStatus(emulator, mintedKey.key)}`);
        await engine.destroy(key.urn);
        say("destroy", `deleted; Grafana now holds ${emulator.state.apiKeys().length} API keys`);
        reportLeaks(emulator, host, [minted]);
    } finally {
        await host.stop();
        await emulator.close();
    }
}

function reportLeaks(emulator: Emulator, host: DynamicProviderHost, state: Parameters<typeof findLeaks>[1]["state"]): void {
    const leaks = findLeaks(emulator.state.secrets(), { printed: host.printed, state });
    say(
        "secrets",
        leaks.length === 0 ? "no key appears anywhere but the encrypted `key` and `previousKey` outputs" : `LEAKED: ${leaks.join("; ")}`,
    );
    if (leaks.length > 0) process.exitCode = 1;
}

async function keyCheckStatus(emulator: Emulator, key: string): Promise<number> {
    const response = await fetch(`${emulator.url}/api/search?limit=1`, { headers: { authorization: `Bearer ${key}` } });
    return response.status;
}

async function main(): Promise<void> {
    await azureManagedGrafana();
    await selfHostedGrafana();
}

main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
});
