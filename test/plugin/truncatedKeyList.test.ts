import { Emulator } from "azure-managed-grafana-emulator";
import { EngineLogServer } from "../harness/engineLog";
import { usePluginSession } from "../harness/pluginSession";
import { PluginHost } from "../harness/pluginHost";
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

    usePluginSession("12.1", (started) => ({ grafana, engineLog, host } = started));

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
