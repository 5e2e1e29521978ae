import { listGrafanaApiKeys } from "pulumi-azure-grafana-keys";
import { Emulator, startEmulator } from "azure-managed-grafana-emulator";
import { PluginSession, usePluginSession } from "../harness/pluginSession";
import { PluginHost, Props, urnOf } from "../harness/pluginHost";
import { asOtherAdmin } from "../harness/otherClient";

/**
 * Expiry judged on Grafana's clock when the runner's is hours ahead: `pulumi import` through the real plugin over
 * gRPC (Read with the id alone, then the Update the printed program's first `up` sends), and the listing function.
 */

const THREE_HOURS_MS = 3 * 3600 * 1000;

const asAdmin = asOtherAdmin;

describe("pulumi import, with the runner's clock 3 h ahead of Grafana's", () => {
    let grafana: Emulator;
    let host: PluginHost;
    let session: PluginSession;

    usePluginSession("12.1", (started) => {
        session = started;
        ({ grafana, host } = started);
    });

    test("a token Grafana lists as live for another hour is imported live, and the first up keeps it as the previous key", async () => {
        grafana.clock.set(Date.now() - THREE_HOURS_MS);
        const account = await asAdmin<{ id: number }>(grafana, "POST", "/api/serviceaccounts", { name: "deploy", role: "Viewer" });
        const token = await asAdmin<{ id: number; key: string }>(grafana, "POST", `/api/serviceaccounts/${account.id}/tokens`, {
            name: "deploy",
            secondsToLive: 3600,
        });
        const urn = urnOf("GrafanaApiKey", "deploy");
        const read = await host.read(urn, `${grafana.url}|serviceaccount/${account.id}`);
        expect(read.properties).toMatchObject({ keyId: token.id, expired: false });

        const checked = await host.check(urn, read.inputs!, read.inputs!);
        const outputs: Props = await host.update(urn, read.id, read.properties, checked.inputs);
        expect(outputs).toMatchObject({ previousKeyId: token.id, previousKeyExpired: false });
        expect(await session.home(token.key)).toBe(200);
        await host.delete(urn, read.id, outputs);
    });
});

describe("listGrafanaApiKeys, with the runner's clock 3 h ahead of Grafana's", () => {
    let grafana: Emulator;
    beforeAll(async () => {
        grafana = await startEmulator({ profile: "10.4" });
        process.env.GRAFANA_AUTH = grafana.credentials.adminBasic;
    });
    afterAll(async () => {
        delete process.env.GRAFANA_AUTH;
        await grafana.close();
    });

    test("a legacy key with an hour left on Grafana's clock is listed as live and usable", async () => {
        grafana.clock.set(Date.now() - THREE_HOURS_MS);
        await asAdmin(grafana, "POST", "/api/auth/keys", { name: "old-pipeline", role: "Viewer", secondsToLive: 3600 });
        const listed = await listGrafanaApiKeys({ endpoint: grafana.url });
        expect(listed).toEqual([expect.objectContaining({ kind: "apiKey", name: "old-pipeline", expired: false, usable: true })]);
    });
});
