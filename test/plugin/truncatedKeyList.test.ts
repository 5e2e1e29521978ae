import * as path from "node:path";
import { Emulator, startEmulator } from "../emulator";
import { EngineLogServer } from "../harness/engineLog";
import { PluginHost, secret } from "../harness/pluginHost";
import { asOtherAdmin } from "../harness/otherClient";

/**
 * getGrafanaApiKeys through the real plugin over gRPC, against an account holding more tokens than Grafana lists
 * (`maxRetrievedTokens`, 300, with no paging): the cut is said per key and in a warning naming the account.
 */

const GRAFANA_TOKEN_LIST_LIMIT = 300;

const asAdmin = asOtherAdmin;

describe("getGrafanaApiKeys past Grafana's 300-token cut", () => {
    let grafana: Emulator;
    let engineLog: EngineLogServer;
    let host: PluginHost;

    beforeAll(async () => {
        grafana = await startEmulator({ profile: "12.1" });
        engineLog = await EngineLogServer.start();
        host = await PluginHost.start({
            engineAddress: engineLog.address,
            env: {
                PATH: [path.dirname(process.execPath), "/usr/bin", "/bin"].join(path.delimiter),
                AZURE_TOKEN_CREDENTIALS: "AzureCliCredential",
            },
        });
        await host.configure({ grafanaAuth: secret(grafana.credentials.adminBasic) });
    });
    afterAll(async () => {
        await host.stop();
        await engineLog.stop();
        await grafana.close();
    });

    test("keys of the cut account carry listTruncated, the others do not, and a warning names the account", async () => {
        const crowded = await asAdmin<{ id: number }>(grafana, "POST", "/api/serviceaccounts", { name: "crowded", role: "Viewer" });
        for (let index = 0; index <= GRAFANA_TOKEN_LIST_LIMIT; index++)
            await asAdmin(grafana, "POST", `/api/serviceaccounts/${crowded.id}/tokens`, { name: `pipeline-${index}` });
        const quiet = await asAdmin<{ id: number }>(grafana, "POST", "/api/serviceaccounts", { name: "quiet", role: "Viewer" });
        await asAdmin(grafana, "POST", `/api/serviceaccounts/${quiet.id}/tokens`, { name: "alone" });

        const { result } = await host.invoke("azure-grafana-keys:index:getGrafanaApiKeys", { endpoint: grafana.url });
        const keys = result.keys as Array<{ serviceAccountId: number; listTruncated: boolean }>;
        const ofCrowded = keys.filter((key) => key.serviceAccountId === crowded.id);
        expect(ofCrowded).toHaveLength(GRAFANA_TOKEN_LIST_LIMIT);
        expect(ofCrowded.every((key) => key.listTruncated)).toBe(true);
        expect(keys.filter((key) => key.serviceAccountId === quiet.id)).toEqual([expect.objectContaining({ listTruncated: false })]);
        expect(await engineLog.waitFor("warning", new RegExp(`service account ${crowded.id} \\("crowded"\\)`))).toMatch(/first 300 tokens/);
    }, 60_000);
});
