import { Emulator, GrafanaProfile, startEmulator } from "azure-managed-grafana-emulator";
import { Engine } from "./engine";
import { EngineLogServer } from "./engineLog";
import { DynamicProviderHost } from "./host";

/**
 * What a host-driven test of a stack needs: an emulated Grafana, the engine's Log service, and a real
 * dynamic-provider host signed in as Grafana's admin (GRAFANA_AUTH), with short retry delays, played by an Engine.
 */
export interface HostSession {
    emulator: Emulator;
    engineLog: EngineLogServer;
    host: DynamicProviderHost;
    engine: Engine;
    /** What `GET /api/dashboards/home` answers a key: 200 while it works, 401 once it does not. */
    home(key: unknown): Promise<number>;
    stop(): Promise<void>;
}

export async function startHostSession(profile: GrafanaProfile = "12.1"): Promise<HostSession> {
    const emulator = await startEmulator({ profile });
    const engineLog = await EngineLogServer.start();
    const host = await DynamicProviderHost.start({
        env: { PATH: process.env.PATH, GRAFANA_AUTH: emulator.credentials.adminBasic, AZURE_GRAFANA_KEYS_MIN_RETRY_DELAY_MS: "5" },
        engineAddress: engineLog.address,
    });
    await host.configure();
    return {
        emulator,
        engineLog,
        host,
        engine: new Engine(host),
        home: async (key) =>
            (await fetch(`${emulator.url}/api/dashboards/home`, { headers: { authorization: `Bearer ${String(key)}` } })).status,
        stop: async () => {
            await host.stop();
            await engineLog.stop();
            await emulator.close();
        },
    };
}
