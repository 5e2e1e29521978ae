import { Emulator } from "azure-managed-grafana-emulator";
import { EngineLogServer } from "../harness/engineLog";
import { usePluginSession } from "../harness/pluginSession";
import { PluginHost, Props, urnOf } from "../harness/pluginHost";
import { asOtherAdmin } from "../harness/otherClient";

/**
 * `pulumi import` of an expiring key through the real plugin over gRPC: the inputs Read returns (the program the
 * engine prints) carry the key's lifetime, so the first `up` rotates to a key that expires too; a program without
 * one is warned of at preview (Diff) before its new key never expires.
 */

const WEEK_SECONDS = 7 * 86_400;
const THREE_HOURS_MS = 3 * 3600 * 1000;

const asAdmin = asOtherAdmin;

describe("pulumi import of a key that expires", () => {
    let grafana: Emulator;
    let engineLog: EngineLogServer;
    let host: PluginHost;

    usePluginSession("12.1", (started) => ({ grafana, engineLog, host } = started));

    test("the printed program carries the token's timeToLive, and the first up's new key expires a week out on Grafana's clock", async () => {
        grafana.clock.set(Date.now() - THREE_HOURS_MS);
        const account = await asAdmin<{ id: number }>(grafana, "POST", "/api/serviceaccounts", { name: "weekly", role: "Viewer" });
        await asAdmin(grafana, "POST", `/api/serviceaccounts/${account.id}/tokens`, { name: "weekly", secondsToLive: WEEK_SECONDS });
        const urn = urnOf("GrafanaApiKey", "weekly");
        const read = await host.read(urn, `${grafana.url}|serviceaccount/${account.id}`);
        expect(read.inputs).toMatchObject({ timeToLive: "1w" });

        const checked = await host.check(urn, read.inputs!, read.inputs!);
        const outputs: Props = await host.update(urn, read.id, read.properties, checked.inputs);
        expect(outputs.expiresAt).not.toBeNull();
        const grafanaNow = Date.now() - THREE_HOURS_MS;
        const lifetimeMs = Date.parse(outputs.expiresAt as string) - grafanaNow;
        expect(Math.abs(lifetimeMs - WEEK_SECONDS * 1000)).toBeLessThan(5 * 60_000);
        await host.delete(urn, read.id, outputs);
    });

    test("a program without timeToLive is warned at preview that the new key would never expire", async () => {
        const account = await asAdmin<{ id: number }>(grafana, "POST", "/api/serviceaccounts", { name: "nolife", role: "Viewer" });
        await asAdmin(grafana, "POST", `/api/serviceaccounts/${account.id}/tokens`, { name: "nolife", secondsToLive: 3600 });
        const urn = urnOf("GrafanaApiKey", "nolife");
        const read = await host.read(urn, `${grafana.url}|serviceaccount/${account.id}`);
        const withoutLifetime = { ...read.inputs! };
        delete withoutLifetime.timeToLive;
        const checked = await host.check(urn, read.inputs!, withoutLifetime);
        await host.diff(urn, read.id, read.properties, checked.inputs, read.inputs);
        expect(await engineLog.waitFor("warning", /nolife.*never expire/)).toMatch(/set timeToLive/);
    });
});
