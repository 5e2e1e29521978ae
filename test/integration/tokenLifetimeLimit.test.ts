import { GrafanaApiKey } from "pulumi-azure-grafana-keys";
import { Emulator, startEmulator } from "azure-managed-grafana-emulator";
import { Engine } from "../harness/engine";
import { DynamicProviderHost } from "../harness/host";
import { register } from "../harness/program";

/**
 * A Grafana that caps token lifetimes (`[service_accounts] token_expiration_day_limit`, docs/grafana-http-api.md
 * "Tokens"): it refuses a longer `secondsToLive` with 400 and a plain-text body, and tells its limit in
 * /api/frontend/settings/. Through the real dynamic-provider host: a timeToLive above it fails with one line naming
 * the limit and the setting, and leaves nothing behind; one within it is minted.
 */

const DAY_LIMIT = 30;
const TOKENS = /^\/api\/serviceaccounts\/\d+\/tokens$/;

let grafana: Emulator;
let host: DynamicProviderHost;

beforeAll(async () => {
    grafana = await startEmulator({ profile: "13.0", tokenExpirationDayLimit: DAY_LIMIT });
    host = await DynamicProviderHost.start({
        env: { PATH: process.env.PATH, GRAFANA_AUTH: grafana.credentials.adminBasic, AZURE_GRAFANA_KEYS_MIN_RETRY_DELAY_MS: "5" },
    });
    await host.configure();
});
afterAll(async () => {
    await host.stop();
    await grafana.close();
});

test("the emulated Grafana refuses as Grafana does: 400, the plain-text sentence, and the limit in its frontend settings", async () => {
    const auth = {
        authorization: `Basic ${Buffer.from(grafana.credentials.adminBasic).toString("base64")}`,
        "content-type": "application/json",
    };
    const account = (await (
        await fetch(`${grafana.url}/api/serviceaccounts`, { method: "POST", headers: auth, body: JSON.stringify({ name: "limited" }) })
    ).json()) as { id: number };
    const tooLong = await fetch(`${grafana.url}/api/serviceaccounts/${account.id}/tokens`, {
        method: "POST",
        headers: auth,
        body: JSON.stringify({ name: "long", secondsToLive: (DAY_LIMIT + 2) * 86_400 }),
    });
    expect(tooLong.status).toBe(400);
    expect(tooLong.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(await tooLong.text()).toBe("The expiration date input exceeds the limit for service account access tokens expiration date");
    const settings = await fetch(`${grafana.url}/api/frontend/settings/`, { headers: auth });
    expect(await settings.json()).toEqual({ tokenExpirationDayLimit: DAY_LIMIT });
    grafana.reset();
});

test("a timeToLive above Grafana's limit fails in one line naming the limit and the setting, and leaves no account", async () => {
    const [key] = await register(() => [new GrafanaApiKey("long", { endpoint: grafana.url, name: "long-lived", timeToLive: "60d" })]);
    const engine = new Engine(host);

    const failure = await engine.up(key).then(
        () => undefined,
        (error: unknown) => error as Error,
    );

    expect(failure?.message).toMatch(
        new RegExp(
            `timeToLive 60d is longer than Grafana at ${grafana.url} lets a token live: ` +
                `its setting \\[service_accounts\\] token_expiration_day_limit is ${DAY_LIMIT} days \\(${DAY_LIMIT}d\\)\\. ` +
                `Set timeToLive to at most ${DAY_LIMIT}d`,
        ),
    );
    expect(failure?.message.trim().split("\n")).toHaveLength(1);
    expect(grafana.requests.filter((request) => request.method === "POST" && TOKENS.test(request.path))).toHaveLength(1);
    expect(grafana.state.serviceAccounts()).toEqual([]);
});

test("a timeToLive within the limit is minted", async () => {
    const [key] = await register(() => [
        new GrafanaApiKey("within", { endpoint: grafana.url, name: "within-limit", timeToLive: `${DAY_LIMIT}d` }),
    ]);
    const { outputs } = await new Engine(host).up(key);
    expect(outputs).toMatchObject({ timeToLive: `${DAY_LIMIT}d`, expired: false });
    const home = await fetch(`${grafana.url}/api/search?limit=1`, { headers: { authorization: `Bearer ${String(outputs.key)}` } });
    expect(home.status).toBe(200);
});
