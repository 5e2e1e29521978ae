import { Emulator } from "azure-managed-grafana-emulator";
import { PluginSession, usePluginSession } from "../harness/pluginSession";
import { isSecret, PluginHost, urnOf } from "../harness/pluginHost";

/**
 * A token Grafana revoked (its secret scanning found it leaked) stays in its list with `isRevoked: true` and is refused
 * with 401 `api-key.revoked` (docs/grafana-http-api.md, "Tokens"). The resources and the listing judge it by one rule
 * (keyLifetime.ts, `isDead`): through the real plugin over gRPC, a refresh of the resource holding it and
 * getGrafanaApiKeys both call it dead, and the listing leaves it out unless asked for every key.
 */

let grafana: Emulator;
let host: PluginHost;
let session: PluginSession;

usePluginSession("13.0", (started) => ({ grafana, host } = session = started));

interface ListedKey {
    name: string;
    expired: boolean;
    revoked: boolean;
    usable: boolean;
}

async function list(includeExpired: boolean): Promise<ListedKey[]> {
    const { result } = await host.invoke("azure-grafana-keys:index:getGrafanaApiKeys", { endpoint: grafana.url, includeExpired });
    return result.keys as ListedKey[];
}

test("a revoked token: refused by Grafana, expired on refresh, not usable and not in the default listing", async () => {
    const urn = urnOf("GrafanaApiKey", "leaky");
    const checked = await host.check(urn, {}, { endpoint: grafana.url, name: "leaky", role: "Viewer", timeToLive: "30d" });
    expect(checked.failures).toEqual([]);
    const created = await host.create(urn, checked.inputs);
    const outputs = created.properties;
    expect(isSecret(outputs.key)).toBe(true);
    const key = String((outputs.key as { value: unknown }).value);
    expect(await session.home(key)).toBe(200);

    expect(grafana.state.revokeToken(Number(outputs.serviceAccountId), Number(outputs.keyId))).toBe(true);
    expect(await session.home(key)).toBe(401);

    const refreshed = await host.read(urn, created.id, outputs, checked.inputs);
    expect(refreshed.properties).toMatchObject({ keyId: outputs.keyId, expired: true });

    expect((await list(false)).map((key) => key.name)).not.toContain("leaky");
    expect((await list(true)).find((key) => key.name === "leaky")).toEqual(
        expect.objectContaining({ expired: true, revoked: true, usable: false }),
    );
}, 60_000);
