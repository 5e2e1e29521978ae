import { afterAll, beforeAll, expect, jest, test } from "@jest/globals";
import { createServer } from "node:net";
import { configure, lifecycle } from "pulumi-azure-grafana-keys/impl";
import { startEmulator, type Emulator } from "azure-managed-grafana-emulator";

/**
 * What a user reads when the network fails: a retry loop says each retry with its reason and count, a request that
 * never got through says so and names the input to check, and a connection lost after the request was sent does not
 * claim the endpoint was never reached. Outside an engine the provider's log lines go to stderr, read here.
 */
const apiKey = lifecycle("GrafanaApiKey");
let emulator: Emulator;
let logged: string[];

beforeAll(async () => {
    emulator = await startEmulator({ profile: "12.1" });
    process.env.GRAFANA_AUTH = "admin:admin";
    const settings: Record<string, string> = { maxRetries: "2", minRetryDelayMs: "5", maxRetryDelayMs: "20" };
    await configure({ config: { get: (key: string) => settings[key.replace(/^azure-grafana-keys:/, "")] } });
});
afterAll(async () => {
    delete process.env.GRAFANA_AUTH;
    await emulator.close();
});

async function failureOf(endpoint: string): Promise<string> {
    logged = [];
    const spy = jest.spyOn(console, "error").mockImplementation((...args: unknown[]) => void logged.push(args.join(" ")));
    try {
        const checked = await apiKey.check({}, { endpoint, name: "net-key", logicalName: "ci", mode: "serviceAccount" });
        await apiKey.create(checked.inputs!);
    } catch (error) {
        return (error as Error).message;
    } finally {
        spy.mockRestore();
    }
    throw new Error("create succeeded");
}

async function closedPort(): Promise<number> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return port;
}

test("an unreachable endpoint: a line per retry with reason and count, then one message naming the endpoint input", async () => {
    const message = await failureOf(`http://127.0.0.1:${await closedPort()}`);
    expect(logged.filter((line) => /connection refused; retry \d of 2 \(setting maxRetries\)/.test(line))).toHaveLength(2);
    expect(message).toMatch(/could not be reached in 3 attempts/);
    expect(message).toMatch(/Check the endpoint input/);
    expect(message).not.toMatch(/lost its connection/);
});

test("Grafana stops answering after it acted: the message says the request was sent, never that the endpoint could not be reached", async () => {
    await fetch(`${emulator.url}/__emulator/faults`, {
        method: "POST",
        body: JSON.stringify({ dropNext: { count: 100, pathPattern: "^/api/", afterActing: true } }),
    });
    try {
        const message = await failureOf(emulator.url);
        expect(message).not.toMatch(/could not be reached|check that the endpoint/i);
        expect(message).toMatch(/lost its connection after the request was sent/);
        expect(message).toMatch(/pulumi refresh/);
    } finally {
        await fetch(`${emulator.url}/__emulator/faults`, { method: "POST", body: '{"reset": true}' });
    }
});
