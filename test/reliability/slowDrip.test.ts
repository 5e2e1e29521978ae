import * as path from "node:path";
import { GrafanaApiKey } from "pulumi-azure-grafana-keys";
import { Emulator, startEmulator } from "azure-managed-grafana-emulator";
import { Engine } from "../harness/engine";
import { EngineLogServer } from "../harness/engineLog";
import { DynamicProviderHost } from "../harness/host";
import { asOtherAdmin } from "../harness/otherClient";
import { PluginHost, secret } from "../harness/pluginHost";
import { register } from "../harness/program";

/**
 * A server that sends its answer a byte at a time is never quiet long enough for an idle timeout to fire, yet may take
 * minutes to finish. `requestTimeoutMs` bounds each request as a whole, headers and body: a read that runs past it is
 * retried (within maxRetries), a create is not (the object may exist) and is looked up instead. Against the emulator's
 * dripNext, through the real plugin over gRPC (a listing) and the real dynamic-provider host (a create).
 */

const REQUEST_TIMEOUT_MS = 1_000;
const MAX_RETRIES = 2;
/** Every gap far inside the timeout; a whole answer (well over a hundred bytes) ten seconds and more. */
const DRIP = { bytesPerTick: 1, intervalMs: 100 };
const TOKEN_LIST = /^\/api\/serviceaccounts\/\d+\/tokens$/;
const SHORT_RETRIES = { minRetryDelayMs: 5, maxRetryDelayMs: 20 };

describe("getGrafanaApiKeys through the plugin over gRPC, its token list dripping", () => {
    let grafana: Emulator;
    let engineLog: EngineLogServer;
    let host: PluginHost;

    beforeAll(async () => {
        grafana = await startEmulator({ profile: "12.1" });
        engineLog = await EngineLogServer.start();
        host = await PluginHost.start({
            engineAddress: engineLog.address,
            env: { PATH: [path.dirname(process.execPath), "/usr/bin", "/bin"].join(path.delimiter) },
        });
        await host.configure({
            grafanaAuth: secret(grafana.credentials.adminBasic),
            requestTimeoutMs: REQUEST_TIMEOUT_MS,
            maxRetries: MAX_RETRIES,
            ...SHORT_RETRIES,
        });
    });
    afterAll(async () => {
        await host.stop();
        await engineLog.stop();
        await grafana.close();
    });

    async function pipelineAccount(): Promise<number> {
        grafana.reset();
        const account = await asOtherAdmin<{ id: number }>(grafana, "POST", "/api/serviceaccounts", { name: "pipelines", role: "Viewer" });
        await asOtherAdmin(grafana, "POST", `/api/serviceaccounts/${account.id}/tokens`, { name: "deploy" });
        return account.id;
    }
    const tokenListRequests = () => grafana.requests.filter((request) => request.method === "GET" && TOKEN_LIST.test(request.path));
    const list = () => host.invoke("azure-grafana-keys:index:getGrafanaApiKeys", { endpoint: grafana.url });

    test("every answer drips: each request is given up at requestTimeoutMs and retried, then the listing fails naming the timeout", async () => {
        const accountId = await pipelineAccount();
        grafana.faults.dripNext(100, { ...DRIP, method: "GET", path: TOKEN_LIST });

        await expect(list()).rejects.toThrow(
            new RegExp(
                `GET /api/serviceaccounts/${accountId}/tokens on ${grafana.url} did not answer within ${REQUEST_TIMEOUT_MS} ms \\(after ${MAX_RETRIES + 1} tries\\)`,
            ),
        );
        expect(tokenListRequests()).toHaveLength(MAX_RETRIES + 1);
        // The person running Pulumi hears of each retry while it waits, with the setting that bounds it.
        for (let retry = 1; retry <= MAX_RETRIES; retry++)
            await engineLog.waitFor(
                "info",
                new RegExp(`tokens on .*: no answer in time \\(setting requestTimeoutMs\\); retry ${retry} of ${MAX_RETRIES}`),
            );
    }, 30_000);

    test("one answer drips: the retry gets the list, and the key is listed once", async () => {
        const accountId = await pipelineAccount();
        grafana.faults.dripNext(1, { ...DRIP, method: "GET", path: TOKEN_LIST });

        const { result } = await list();
        expect((result.keys as Array<{ name: string; serviceAccountId: number }>).map((key) => [key.name, key.serviceAccountId])).toEqual([
            ["deploy", accountId],
        ]);
        expect(tokenListRequests()).toHaveLength(2);
    }, 30_000);
});

describe("a key's create through the real dynamic-provider host, the account's answer dripping", () => {
    /** Far less than one dripped answer takes, so a create that waits for the drip to end fails on the deadline instead. */
    const DEADLINE_SECONDS = 8;
    let grafana: Emulator;
    let host: DynamicProviderHost;

    beforeAll(async () => {
        grafana = await startEmulator({ profile: "12.1" });
        host = await DynamicProviderHost.start({
            env: {
                PATH: process.env.PATH,
                GRAFANA_AUTH: grafana.credentials.adminBasic,
                AZURE_GRAFANA_KEYS_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
                AZURE_GRAFANA_KEYS_MAX_RETRIES: String(MAX_RETRIES),
                AZURE_GRAFANA_KEYS_MIN_RETRY_DELAY_MS: String(SHORT_RETRIES.minRetryDelayMs),
                AZURE_GRAFANA_KEYS_MAX_RETRY_DELAY_MS: String(SHORT_RETRIES.maxRetryDelayMs),
                AZURE_GRAFANA_KEYS_OPERATION_DEADLINE_SECONDS: String(DEADLINE_SECONDS),
            },
        });
        await host.configure();
    });
    afterAll(async () => {
        await host.stop();
        await grafana.close();
    });

    test("the create is not sent twice: given up at requestTimeoutMs, the account Grafana made is found and holds the one key", async () => {
        const [key] = await register(() => [new GrafanaApiKey("ci", { endpoint: grafana.url, name: "drip-key", role: "Viewer" })]);
        grafana.faults.dripNext(1, { ...DRIP, method: "POST", path: "/api/serviceaccounts" });

        const { outputs } = await new Engine(host).up(key);

        expect(grafana.requests.filter((request) => request.method === "POST" && request.path === "/api/serviceaccounts")).toHaveLength(1);
        const accounts = grafana.state.serviceAccounts();
        expect(accounts.map((account) => ({ id: account.id, tokens: account.tokens.map((token) => token.id) }))).toEqual([
            { id: outputs.serviceAccountId, tokens: [outputs.keyId] },
        ]);
        const home = await fetch(`${grafana.url}/api/dashboards/home`, { headers: { authorization: `Bearer ${String(outputs.key)}` } });
        expect(home.status).toBe(200);
    }, 30_000);
});
