import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { GrafanaApiKey } from "pulumi-azure-grafana-keys";
import { GRAFANA_AUDIENCES, readAzCalls, startEmulator, writeAzStandIn } from "azure-managed-grafana-emulator";
import { register } from "../../test/harness/program";
import { ENTRA_KEYS, NO_SURPRISES } from "./settings";
import { errors, requestCounts } from "./report";
import { derive } from "./resources";
import { runBatch } from "./hostRuns";

/** Entra ID sign-in through the az stand-in: tokens fetched per host process. */

export interface EntraResult {
    createWallMs: number;
    deleteWallMs: number;
    requestsPerCreate: number;
    probes: number;
    armRequests: number;
    azCalls: string[];
    scopes: Array<{ label: string; resource: string }>;
}

/** Entra ID sign-in through the az stand-in: how many tokens one host process fetches. */
export async function benchEntra(latencyMs: number): Promise<EntraResult> {
    const emulator = await startEmulator({ profile: "12.1" });
    const azDir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-az-"));
    try {
        writeAzStandIn(azDir, emulator);
        const workspaceId = emulator.arm.addWorkspace({
            subscriptionId: "00000000-0000-0000-0000-0000000000be",
            resourceGroup: "rg-bench",
            name: "bench",
            apiKey: "Enabled",
        });
        emulator.faults.setLatency(latencyMs);
        const env: NodeJS.ProcessEnv = {
            ...NO_SURPRISES,
            PATH: [azDir, path.dirname(process.execPath), "/usr/bin", "/bin"].join(path.delimiter),
            // Only the Azure CLI credential: the full chain would probe 169.254.169.254 and Microsoft's hosts.
            AZURE_TOKEN_CREDENTIALS: "AzureCliCredential",
            AZURE_GRAFANA_KEYS_ARM_ENDPOINT: emulator.url,
        };
        const [byEndpoint, byWorkspace] = await register(
            () => [new GrafanaApiKey("by-endpoint", { endpoint: emulator.url }), new GrafanaApiKey("by-workspace", { workspaceId })],
            "bench",
            "dev",
        );
        const ops = Array.from({ length: ENTRA_KEYS }, (_, index) => derive(index % 2 === 0 ? byEndpoint : byWorkspace, `entra-${index}`));
        const run = await runBatch("Entra", env, ops, latencyMs, emulator, false);
        const creates = requestCounts(run.createRequests);
        if (run.leftovers > 0) errors.push("Entra: keys left behind");
        if (creates.failed > 0) errors.push(`Entra: ${creates.failed} non-2xx answers to creates`);
        return {
            createWallMs: run.createWallMs,
            deleteWallMs: run.deleteWallMs,
            requestsPerCreate: creates.work / ENTRA_KEYS,
            probes: creates.probes,
            armRequests: emulator.arm.requests.length,
            azCalls: readAzCalls(azDir),
            scopes: [
                { label: "Grafana (data plane)", resource: GRAFANA_AUDIENCES[0] },
                { label: "ARM", resource: emulator.url },
            ],
        };
    } finally {
        await emulator.close();
        fs.rmSync(azDir, { recursive: true, force: true });
    }
}
