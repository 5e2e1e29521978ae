import { GrafanaApiKey } from "pulumi-azure-grafana-keys";
import { Emulator, GrafanaProfile, startEmulator } from "../emulator";
import { Engine } from "../harness/engine";
import { DynamicProviderHost } from "../harness/host";
import { findLeaks } from "../harness/leaks";
import { register } from "../harness/program";

/**
 * `npm run demo`: no Azure account needed. Starts the bundled Grafana emulator and runs a GrafanaApiKey
 * through Pulumi's own dynamic-provider host, step by step as `pulumi up`, `refresh` and `destroy` do,
 * printing each step with the key masked. Once on Grafana 12.1 (what Azure Managed Grafana runs) and
 * once on 10.4 (legacy API keys), to show the provider detecting which API to use.
 */

const mask = (key: unknown) => (typeof key === "string" ? `${key.slice(0, 7)}…(${key.length} chars)` : String(key));
const say = (step: string, text: string) => console.log(`  ${step.padEnd(9)}${text}`);

async function demo(profile: GrafanaProfile): Promise<void> {
    const emulator = await startEmulator({ profile });
    const host = await DynamicProviderHost.start({ env: { PATH: process.env.PATH, GRAFANA_AUTH: emulator.credentials.adminBasic } });
    try {
        console.log(`\nGrafana ${profile} emulator at ${emulator.url}; Pulumi dynamic-provider host started`);
        await host.configure();
        const engine = new Engine(host);
        const program = () => register(() => [new GrafanaApiKey("ci", { endpoint: emulator.url, name: "api-key-1", role: "Editor", timeToLive: "7d" })]);
        const [resource] = await program();

        say("preview", `GrafanaApiKey "ci": ${(await engine.preview(resource)).step}`);
        const created = await engine.up(resource);
        const outputs = created.outputs;
        say("up", `created ${created.id}: name=${outputs.name} role=${outputs.role} mode=${outputs.mode} expiresAt=${outputs.expiresAt}`);
        say("", `key=${mask(outputs.key)} (a Pulumi secret: additionalSecretOutputs=${JSON.stringify(resource.additionalSecretOutputs)})`);
        say("verify", `GET /api/dashboards/home with the new key -> ${await homeStatus(emulator, outputs.key as string)}`);

        const refreshed = await engine.refresh(resource.urn);
        say("refresh", `still there: expired=${refreshed?.outputs.expired}`);
        const [again] = await program();
        say("preview", `same program again: ${(await engine.preview(again)).step}`);

        await engine.destroy(resource.urn);
        say("destroy", `deleted; Grafana now holds ${emulator.state.apiKeys().length} API keys and ${emulator.state.serviceAccounts().length} service accounts`);
        say("verify", `GET /api/dashboards/home with the old key -> ${await homeStatus(emulator, outputs.key as string)}`);

        const leaks = findLeaks(emulator.state.secrets(), { printed: host.printed, state: [created], resource });
        say("secrets", leaks.length === 0 ? "the key appears nowhere but the encrypted `key` output" : `LEAKED: ${leaks.join("; ")}`);
        if (leaks.length > 0) process.exitCode = 1;
    } finally {
        await host.stop();
        await emulator.close();
    }
}

async function homeStatus(emulator: Emulator, key: string): Promise<number> {
    const response = await fetch(`${emulator.url}/api/dashboards/home`, { headers: { authorization: `Bearer ${key}` } });
    return response.status;
}

async function main(): Promise<void> {
    await demo("12.1");
    await demo("10.4");
}

main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
});
