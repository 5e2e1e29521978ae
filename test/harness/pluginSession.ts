import * as path from "node:path";
import { afterAll, beforeAll, expect } from "@jest/globals";
import { Emulator, GrafanaProfile, startEmulator } from "azure-managed-grafana-emulator";
import { EngineLogServer } from "./engineLog";
import { findLeaks } from "./leaks";
import { PluginHost, secret } from "./pluginHost";

/**
 * What a plugin-driven test needs (the gRPC twin of session.ts): an emulated Grafana, the engine's Log service, and
 * the real provider plugin signed in as Grafana's admin, with short retry delays and an Azure credential chain that
 * never leaves the machine. `stop` returns every leak it finds in what the plugin printed, its errors and the
 * engine's log, so a test file asserts none in one line.
 */
export interface PluginSession {
    grafana: Emulator;
    engineLog: EngineLogServer;
    host: PluginHost;
    /** What `GET /api/dashboards/home` answers a key: 200 while it works, 401 once it does not. */
    home(key: string): Promise<number>;
    /** Stops everything; returns the leaks found (empty when clean). */
    stop(): Promise<string[]>;
}

export async function startPluginSession(profile: GrafanaProfile = "12.1"): Promise<PluginSession> {
    const grafana = await startEmulator({ profile });
    const engineLog = await EngineLogServer.start();
    const host = await PluginHost.start({
        engineAddress: engineLog.address,
        env: {
            PATH: [path.dirname(process.execPath), "/usr/bin", "/bin"].join(path.delimiter),
            // DefaultAzureCredential restricted to the Azure CLI (not installed on PATH here): it never probes IMDS or login hosts.
            AZURE_TOKEN_CREDENTIALS: "AzureCliCredential",
            AZURE_GRAFANA_KEYS_MIN_RETRY_DELAY_MS: "5",
        },
    });
    await host.configure({ grafanaAuth: secret(grafana.credentials.adminBasic) });
    return {
        grafana,
        engineLog,
        host,
        async home(key) {
            const response = await fetch(`${grafana.url}/api/dashboards/home`, { headers: { authorization: `Bearer ${key}` } });
            await response.arrayBuffer();
            return response.status;
        },
        async stop() {
            const logged = engineLog.entries.map((entry) => entry.message).join("\n");
            const leaks = findLeaks([...grafana.state.secrets(), grafana.credentials.adminBasic], {
                printed: `${host.printed}\n${logged}`,
                errors: host.errors,
            });
            await host.stop();
            await engineLog.stop();
            await grafana.close();
            return leaks;
        },
    };
}

/**
 * The session for a whole test file (or describe block): started before its tests, handed to `bind` for the file's own
 * variables, stopped after them with no leak allowed.
 */
export function usePluginSession(profile: GrafanaProfile, bind: (session: PluginSession) => void): void {
    let session: PluginSession | undefined;
    beforeAll(async () => {
        session = await startPluginSession(profile);
        bind(session);
    });
    afterAll(async () => expect(await session?.stop()).toEqual([]));
}
