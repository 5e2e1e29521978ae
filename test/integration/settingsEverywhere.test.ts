import { spawn } from "node:child_process";
import * as path from "node:path";
import { Emulator, startEmulator } from "azure-managed-grafana-emulator";
import { REPO_ROOT } from "../harness/host";
import { asOtherAdmin } from "../harness/otherClient";
import { PluginHost } from "../harness/pluginHost";

/**
 * Every entry point applies the same settings, and refuses the same misspelt one. Each runs here as its user runs
 * it, in a process of its own: a script calling listGrafanaApiKeys with the settings in its environment, and a
 * TypeScript program given the stack's config as the Pulumi CLI's language host gives it (PULUMI_CONFIG), beside the
 * real plugin's CheckConfig.
 */

const TOKEN_LIST = /^\/api\/serviceaccounts\/\d+\/tokens$/;
/** Far slower than the provider's default 30 s per request: a whole token list (over a hundred bytes) takes a minute. */
const SLOW_DRIP = { bytesPerTick: 1, intervalMs: 500 };
/** Longer than one attempt under the settings below, far shorter than the defaults' 6 attempts of 30 s. */
const SCRIPT_LIMIT_MS = 20_000;

interface Finished {
    code: number | null;
    stdout: string;
    stderr: string;
    ms: number;
}

/** Runs `code` with Node.js from the repository root, as a user's script or program runs; stopped at `limitMs`. */
function runNode(code: string, env: NodeJS.ProcessEnv, limitMs: number): Promise<Finished> {
    return new Promise((resolve) => {
        const started = Date.now();
        const child = spawn(process.execPath, ["-e", code], {
            cwd: REPO_ROOT,
            env: { PATH: [path.dirname(process.execPath), "/usr/bin", "/bin"].join(path.delimiter), ...env },
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
        child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
        const timer = setTimeout(() => child.kill("SIGKILL"), limitMs);
        child.once("close", (code) => {
            clearTimeout(timer);
            resolve({ code, stdout, stderr, ms: Date.now() - started });
        });
    });
}

describe("listGrafanaApiKeys in a script", () => {
    let grafana: Emulator;
    beforeAll(async () => {
        grafana = await startEmulator({ profile: "13.0" });
    });
    afterAll(() => grafana.close());

    test("takes requestTimeoutMs and maxRetries from the environment: one attempt of 2 s, not six of 30 s", async () => {
        const account = await asOtherAdmin<{ id: number }>(grafana, "POST", "/api/serviceaccounts", { name: "pipelines", role: "Viewer" });
        await asOtherAdmin(grafana, "POST", `/api/serviceaccounts/${account.id}/tokens`, { name: "deploy" });
        grafana.faults.dripNext(100, { ...SLOW_DRIP, method: "GET", path: TOKEN_LIST });

        const script = `
            const { listGrafanaApiKeys } = require("pulumi-azure-grafana-keys");
            listGrafanaApiKeys({ endpoint: ${JSON.stringify(grafana.url)} }).then(
                () => console.log("listed"),
                (error) => { console.log(error.message); process.exitCode = 1; },
            );`;
        const run = await runNode(
            script,
            {
                GRAFANA_AUTH: grafana.credentials.adminBasic,
                AZURE_GRAFANA_KEYS_REQUEST_TIMEOUT_MS: "2000",
                AZURE_GRAFANA_KEYS_MAX_RETRIES: "0",
            },
            SCRIPT_LIMIT_MS,
        );

        expect(run.stdout).toMatch(
            new RegExp(`GET /api/serviceaccounts/${account.id}/tokens on ${grafana.url} did not answer within 2000 ms`),
        );
        expect(run.code).toBe(1);
        expect(grafana.requests.filter((request) => request.method === "GET" && TOKEN_LIST.test(request.path))).toHaveLength(1);
    }, 60_000);
});

describe("a misspelt setting (maxRetry for maxRetries)", () => {
    test("a TypeScript program refuses it with the plugin's CheckConfig message and list of settings", async () => {
        const plugin = await PluginHost.start({ env: { PATH: [path.dirname(process.execPath), "/usr/bin", "/bin"].join(path.delimiter) } });
        let pluginReason: string;
        try {
            const { failures } = await plugin.checkConfig({ maxRetry: "3" });
            expect(failures.map((failure) => failure.property)).toEqual(["maxRetry"]);
            pluginReason = failures[0].reason;
        } finally {
            await plugin.stop();
        }
        expect(pluginReason).toMatch(/^azure-grafana-keys:maxRetry is not a setting of this provider: use grafanaAuth, .*maxRetries/);

        const program = `
            const { GrafanaApiKey } = require("pulumi-azure-grafana-keys");
            try {
                new GrafanaApiKey("ci", { endpoint: "http://127.0.0.1:9", role: "Viewer" });
                console.log("constructed");
            } catch (error) {
                console.log(error.message);
            }`;
        const run = await runNode(program, { PULUMI_CONFIG: JSON.stringify({ "azure-grafana-keys:maxRetry": "3" }) }, 30_000);
        expect(run.stdout.trim()).toBe(`${pluginReason}.`);
    }, 60_000);
});
