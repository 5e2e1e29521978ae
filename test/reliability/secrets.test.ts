import { randomBytes } from "node:crypto";
import { createServer, IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { GrafanaApiKey, GrafanaApiKeyArgs } from "pulumi-azure-grafana-keys";
import { Emulator, GrafanaProfile, startEmulator } from "azure-managed-grafana-emulator";
import { Engine } from "../harness/engine";
import { DynamicProviderHost, HostError, Props } from "../harness/host";
import { findLeaks } from "../harness/leaks";
import { register, Registration } from "../harness/program";

/**
 * Secret hygiene with canaries, through the real dynamic-provider host: the Grafana credential
 * (GRAFANA_AUTH) and every key the emulator ever minted must never turn up in what the host printed
 * (which includes the provider's log messages: with no engine listening, they go to stderr), in any
 * error a user sees, in `__provider` or the program's inputs, or in any stored output but `key`
 * (which the engine encrypts). Successes and failures of create, read and delete, Grafana error bodies
 * that contain a key, and servers that echo the Authorization header back.
 *
 * The provider has info/warning log messages (sent to the engine's Log service, redacted) but no debug
 * logging to switch on, so there is no debug output to check.
 */

function hostEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
    return {
        PATH: process.env.PATH,
        AZURE_GRAFANA_KEYS_MIN_RETRY_DELAY_MS: "5",
        AZURE_GRAFANA_KEYS_MAX_RETRY_DELAY_MS: "20",
        AZURE_GRAFANA_KEYS_MAX_RETRIES: "2",
        AZURE_GRAFANA_KEYS_POLL_INTERVAL_MS: "10",
        ...extra,
    };
}

/**
 * Everything the host printed, once it stopped printing: Pulumi's host writes a failed read's or
 * delete's error (message and stack) to stderr, which arrives after the gRPC answer.
 */
async function settledOutput(host: DynamicProviderHost): Promise<string> {
    let seen = -1;
    while (host.printed.length !== seen) {
        seen = host.printed.length;
        await new Promise((resolve) => setTimeout(resolve, 150));
    }
    return host.printed;
}

async function failure(call: Promise<unknown>): Promise<HostError> {
    let caught: HostError | undefined;
    try {
        await call;
    } catch (error) {
        caught = error as HostError;
    }
    expect(caught?.message ?? "the call succeeded").not.toBe("the call succeeded");
    return caught!;
}

describe.each<[GrafanaProfile, string]>([
    ["12.1", "service-account tokens"],
    ["13.0", "service-account tokens"],
    ["10.4", "legacy keys"],
])("Grafana %s (%s), GRAFANA_AUTH = the emulator's admin service-account token", (profile) => {
    let emulator: Emulator;
    let host: DynamicProviderHost;
    let engine: Engine;
    const mode = profile === "10.4" ? "apiKey" : "serviceAccount";

    const program = async (name: string, args: GrafanaApiKeyArgs) =>
        (await register(() => [new GrafanaApiKey(name, { mode, ...args })]))[0];

    /**
     * This scenario's traces hold no canary: what the host printed (its log messages and error reports
     * included), the error the user saw, the program's inputs and __provider, every stored output but the keys.
     */
    async function expectNoCanary(places: { error?: HostError; resource?: Registration }): Promise<void> {
        const printed = await settledOutput(host);
        const canaries = [emulator.credentials.adminToken, ...emulator.state.secrets()];
        const errors = places.error ? [places.error.message] : [];
        expect(findLeaks(canaries, { printed, state: [...engine.state.values()], errors, resource: places.resource })).toEqual([]);
    }
    /** A key the emulator minted earlier, to plant in Grafana's error bodies. */
    const someKey = () => emulator.state.secrets()[0];

    beforeAll(async () => {
        emulator = await startEmulator({ profile });
        host = await DynamicProviderHost.start({ env: hostEnv({ GRAFANA_AUTH: emulator.credentials.adminToken }) });
        await host.configure();
        engine = new Engine(host);
    });
    afterAll(async () => {
        await host.stop();
        await emulator.close();
    });
    afterEach(() => emulator.faults.reset());

    test("create, no-op up, refresh, update in place, rotation, replace, refresh after an outside delete, destroy", async () => {
        const resource = await program("ci", { endpoint: emulator.url, name: "canary-key", role: "Editor", timeToLive: "1d" });
        const created = await engine.up(resource);
        expect(String(created.outputs.key)).toMatch(profile === "10.4" ? /^eyJr/ : /^glsa_/);
        await engine.up(resource);
        await engine.refresh(resource.urn);
        await engine.up(await program("ci", { endpoint: emulator.url, name: "canary-key", role: "Editor", timeToLive: "24h" }));
        // A rotation keeps the first key as previousKey: two secrets in state at once, both encrypted.
        const rotated = await engine.up(
            await program("ci", { endpoint: emulator.url, name: "canary-key", role: "Editor", timeToLive: "2d" }),
        );
        expect(rotated.outputs.previousKey).toBe(created.outputs.key);
        const replaced = await engine.up(
            await program("ci", { endpoint: emulator.url, name: "canary-key-2", role: "Admin", timeToLive: "2d" }),
        );
        const outs = replaced.outputs as { keyId: number; serviceAccountId: number };
        if (profile === "10.4") emulator.state.deleteApiKey(outs.keyId);
        else emulator.state.deleteServiceAccount(outs.serviceAccountId);
        expect(await engine.refresh(resource.urn)).toBeUndefined(); // dropped, with a warning in the log
        const again = await engine.up(resource);
        expect(again.outputs.key).not.toBe(created.outputs.key);
        await engine.destroy(resource.urn);
        expect(emulator.state.secrets().length).toBeGreaterThanOrEqual(3);
        // The provider's log messages were part of what was scanned (no engine listens: they went to stderr).
        expect(await settledOutput(host)).toMatch(/GrafanaApiKey "canary-key-2" was deleted outside Pulumi/);
        await expectNoCanary({ resource });
    });

    test("a create refused with a key and the credential in Grafana's error body", async () => {
        emulator.faults.failNext(1, 400, {
            method: "POST",
            body: { message: `the name is taken by key ${someKey()}; your credential was Bearer ${emulator.credentials.adminToken}` },
        });
        const resource = await program("taken", { endpoint: emulator.url, name: "taken" });
        const error = await failure(engine.up(resource));
        expect(error.message).toMatch(/400/);
        await expectNoCanary({ error, resource });
    });

    test("a read refused with a key in the body", async () => {
        const resource = await program("read-refused", { endpoint: emulator.url });
        await engine.up(resource);
        emulator.faults.failNext(10, 403, {
            method: "GET",
            body: { message: `access denied for ${someKey()} (${emulator.credentials.adminToken})` },
        });
        const error = await failure(engine.refresh(resource.urn));
        expect(error.message).toMatch(/403/);
        emulator.faults.reset();
        await engine.destroy(resource.urn);
        await expectNoCanary({ error, resource });
    });

    test("a delete refused with a key in the body, then retried", async () => {
        const resource = await program("delete-refused", { endpoint: emulator.url });
        await engine.up(resource);
        const minted = String(engine.state.get(resource.urn)!.outputs.key);
        emulator.faults.failNext(10, 400, { method: "DELETE", body: { message: `cannot delete ${minted}` } });
        const error = await failure(engine.destroy(resource.urn));
        emulator.faults.reset();
        await engine.destroy(resource.urn);
        expect(emulator.state.apiKeys().length + emulator.state.serviceAccounts().length).toBe(0);
        await expectNoCanary({ error, resource });
    });

    test("a create whose server keeps failing (the outcome unknown, looked up, retried)", async () => {
        emulator.faults.failNext(10, 500, { method: "POST", body: { message: `internal error near ${someKey()}` } });
        const resource = await program("failing", { endpoint: emulator.url, name: "failing" });
        const error = await failure(engine.up(resource));
        await expectNoCanary({ error, resource });
    });

    if (profile === "12.1") {
        test("a partial failure: the token cannot be minted and the account not removed", async () => {
            emulator.faults.failNext(1, 400, { method: "POST", path: /\/tokens$/, body: { message: `token ${someKey()} already exists` } });
            emulator.faults.failNext(10, 400, { method: "DELETE", body: { message: `cannot delete, key ${someKey()} in use` } });
            const resource = await program("half", { endpoint: emulator.url, name: "half" });
            const checked = await host.check(resource.urn, {}, resource.inputs);
            const error = await failure(host.create(resource.urn, checked.inputs));
            expect(error.partialId).toMatch(/^serviceaccount\/\d+\/token\/0$/);
            emulator.faults.reset();
            for (const account of emulator.state.serviceAccounts()) emulator.state.deleteServiceAccount(account.id);
            expect(
                findLeaks([emulator.credentials.adminToken, ...emulator.state.secrets()], {
                    state: [{ id: error.partialId!, inputs: {}, outputs: error.partialProperties ?? {} }],
                }),
            ).toEqual([]);
            await expectNoCanary({ error, resource });
        });
    }
});

describe("GRAFANA_AUTH = user:password, against servers that echo the credential back", () => {
    const password = `canary-${randomBytes(12).toString("hex")}`;
    const credential = `ci-bot:${password}`;
    const basic = Buffer.from(credential).toString("base64");
    const canaries = [credential, password, basic];

    let host: DynamicProviderHost;
    let server: ReturnType<typeof createServer>;
    let url: string;
    let answer: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end();

    beforeAll(async () => {
        server = createServer((req, res) => {
            req.resume();
            req.on("end", () => answer(req, res));
        });
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        host = await DynamicProviderHost.start({ env: hostEnv({ GRAFANA_AUTH: credential }) });
        await host.configure();
    });
    afterAll(async () => {
        await host.stop();
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
    });

    const json = (res: ServerResponse, status: number, body: unknown) => {
        const text = JSON.stringify(body);
        res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
        res.end(text);
    };
    const plain = (res: ServerResponse, status: number, text: string) => {
        res.writeHead(status, { "content-type": "text/plain", "content-length": Buffer.byteLength(text) });
        res.end(text);
    };
    const headerDump = (req: IncomingMessage) =>
        Object.entries(req.headers)
            .map(([name, value]) => `${name}: ${String(value)}`)
            .join("\n");
    const decoded = (req: IncomingMessage) =>
        Buffer.from(String(req.headers.authorization).replace(/^Basic /, ""), "base64").toString("utf8");

    async function createAgainst(name: string): Promise<{ error: HostError; resource: Registration }> {
        const [resource] = await register(() => [new GrafanaApiKey(name, { endpoint: url, name, mode: "serviceAccount" })]);
        return { error: await failure(new Engine(host).up(resource)), resource };
    }

    /** The stored state of a key on the echoing server, as read and delete get it from Pulumi. */
    async function storedKey(name: string): Promise<{ urn: string; id: string; props: Props; resource: Registration }> {
        const [resource] = await register(() => [new GrafanaApiKey(name, { endpoint: url, name })]);
        const props: Props = {
            __provider: resource.inputs.__provider,
            schemaVersion: 2,
            endpoint: url,
            workspaceId: null,
            name,
            nameSource: "user",
            logicalName: name,
            role: "Viewer",
            timeToLive: null,
            orgId: null,
            requestedMode: "serviceAccount",
            key: "glsa_00000000000000000000000000000000_00000000",
            keyId: 11,
            secondsToLive: null,
            expiresAt: null,
            expired: false,
            mode: "serviceAccount",
            serviceAccountId: 7,
            grafanaVersion: "12.1.0",
        };
        return { urn: resource.urn, id: "serviceaccount/7/token/11", props, resource };
    }

    /** Neither the error nor anything the host printed (its own error reports included), the inputs or __provider. */
    const expectClean = async ({ error, resource }: { error: HostError; resource: Registration }) => {
        const printed = await settledOutput(host);
        expect(findLeaks(canaries, { printed, errors: [error.message], resource })).toEqual([]);
    };

    test("401 whose JSON message quotes the Authorization header", async () => {
        answer = (req, res) => json(res, 401, { message: `invalid credentials in header "${req.headers.authorization}"` });
        await expectClean(await createAgainst("echo-header"));
    });

    test("401 whose plain-text body dumps every request header", async () => {
        answer = (req, res) => plain(res, 401, `request rejected\n${headerDump(req)}`);
        await expectClean(await createAgainst("echo-dump"));
    });

    test("200 that is not JSON and starts with the header (the error quotes the body's start)", async () => {
        answer = (req, res) => plain(res, 200, `Authorization: ${req.headers.authorization}`);
        await expectClean(await createAgainst("echo-not-json"));
    });

    test("400 whose message quotes the credential without its scheme", async () => {
        answer = (req, res) =>
            json(res, 400, { message: `unknown credential ${String(req.headers.authorization).replace(/^Basic /, "")}` });
        await expectClean(await createAgainst("echo-bare"));
    });

    test("400 whose message quotes the decoded user:password", async () => {
        answer = (req, res) => json(res, 400, { message: `login failed for ${decoded(req)}` });
        await expectClean(await createAgainst("echo-decoded"));
    });

    test("a read answered 403 quoting the header", async () => {
        answer = (req, res) => json(res, 403, { message: `forbidden: ${req.headers.authorization}` });
        const { urn, id, props, resource } = await storedKey("echo-read");
        await expectClean({ error: await failure(host.read(urn, id, props)), resource });
    });

    test("a delete answered 400 quoting the decoded user:password", async () => {
        answer = (req, res) => json(res, 400, { message: `cannot delete as ${decoded(req)}` });
        const { urn, id, props, resource } = await storedKey("echo-delete");
        await expectClean({ error: await failure(host.delete(urn, id, props)), resource });
    });
});
