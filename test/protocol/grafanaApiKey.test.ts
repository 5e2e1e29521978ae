import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { GrafanaApiKey, GrafanaApiKeyArgs } from "pulumi-azure-grafana-keys";
import { Emulator, GrafanaProfile, startEmulator } from "azure-managed-grafana-emulator";
import { Engine } from "../harness/engine";
import { DynamicProviderHost, HostError, REPO_ROOT } from "../harness/host";
import { register, Registration } from "../harness/program";
import { findLeaks } from "../harness/leaks";

/**
 * The `pulumi up` / `refresh` / `destroy` path of a GrafanaApiKey: the real dynamic-provider host over
 * gRPC, with the `__provider` text and inputs the real resource class produces, against the emulator.
 */

const TYPE = "pulumi-nodejs:dynamic/azure-grafana-keys:GrafanaApiKey";

async function program(name: string, args: GrafanaApiKeyArgs): Promise<Registration> {
    const [registration] = await register(() => [new GrafanaApiKey(name, args)]);
    return registration;
}

function hostEnv(emulator: Emulator): NodeJS.ProcessEnv {
    return {
        PATH: process.env.PATH,
        GRAFANA_AUTH: emulator.credentials.adminBasic,
        AZURE_GRAFANA_KEYS_MIN_RETRY_DELAY_MS: "5",
    };
}

describe.each<[GrafanaProfile, RegExp, string]>([
    ["12.1", /^glsa_[A-Za-z0-9]{32}_[0-9a-f]{8}$/, "serviceAccount"],
    ["13.0", /^glsa_[A-Za-z0-9]{32}_[0-9a-f]{8}$/, "serviceAccount"],
    ["10.4", /^eyJr/, "apiKey"],
])("through the real host, Grafana %s", (profile, keyShape, mode) => {
    let emulator: Emulator;
    let host: DynamicProviderHost;
    let engine: Engine;

    beforeAll(async () => {
        emulator = await startEmulator({ profile });
        host = await DynamicProviderHost.start({ env: hostEnv(emulator) });
        await host.configure();
        engine = new Engine(host);
    });
    afterAll(async () => {
        await host.stop();
        await emulator.close();
    });

    test("up, up again, refresh, change, refresh after an outside delete, destroy", async () => {
        const args: GrafanaApiKeyArgs = { endpoint: emulator.url, name: "api-key-1", role: "Editor", timeToLive: "7d" };
        const resource = await program("ci", args);
        expect(resource.type).toBe(TYPE);
        expect(resource.additionalSecretOutputs).toEqual(["key", "previousKey"]);

        const created = await engine.up(resource);
        expect(created.outputs).toMatchObject({
            name: "api-key-1",
            keyName: "api-key-1",
            role: "Editor",
            mode,
            expired: false,
            schemaVersion: 5,
        });
        expect(created.outputs.key).toMatch(keyShape);
        expect(created.outputs.__provider).toBe(resource.inputs.__provider);

        // A second `up` with the same program changes nothing, and preview says so.
        expect(await engine.preview(await program("ci", args))).toEqual({ step: "same", replaces: [] });
        await engine.up(await program("ci", args));

        const refreshed = await engine.refresh(resource.urn);
        expect(refreshed!.outputs).toMatchObject({ key: created.outputs.key, expired: false });

        const promoted = await program("ci", { ...args, role: "Admin" });
        let changed;
        if (mode === "serviceAccount") {
            // The account's role changes in place: the same key, and whoever holds it, now act as Admin.
            expect(await engine.preview(promoted)).toEqual({ step: "update", replaces: [] });
            changed = await engine.up(promoted);
            expect(changed.outputs).toMatchObject({ key: created.outputs.key, role: "Admin" });
            expect(emulator.state.serviceAccounts()).toEqual([expect.objectContaining({ name: "api-key-1", role: "Admin" })]);
        } else {
            // A legacy key's role is fixed: same name, so the old key must go first (Grafana refuses a second one).
            expect(await engine.preview(promoted)).toEqual({ step: "delete-before-replace", replaces: ["role"] });
            changed = await engine.up(promoted);
            expect(changed.outputs.key).not.toBe(created.outputs.key);
        }
        expect(emulator.state.apiKeys().length + emulator.state.serviceAccounts().length).toBe(1);

        const outputs = changed.outputs as { keyId: number; serviceAccountId: number };
        if (mode === "apiKey") emulator.state.deleteApiKey(outputs.keyId);
        else emulator.state.deleteServiceAccount(outputs.serviceAccountId);
        expect(await engine.refresh(resource.urn)).toBeUndefined();
        const recreated = await engine.up(promoted);
        expect(recreated.outputs.key).toMatch(keyShape);

        await engine.destroy(resource.urn);
        expect(emulator.state.apiKeys()).toEqual([]);
        expect(emulator.state.serviceAccounts()).toEqual([]);
        expect(engine.steps.map((step) => step.step)).toEqual([
            "create",
            "same",
            "refresh",
            mode === "serviceAccount" ? "update" : "delete-before-replace",
            "gone",
            "create",
            "delete",
        ]);

        expect(findLeaks(emulator.state.secrets(), { printed: host.printed, state: [...engine.state.values()], resource })).toEqual([]);
    });

    test("an autonamed key keeps its name across updates and rotations, and gets a new one when replaced", async () => {
        const resource = await program("autonamed", { endpoint: emulator.url, timeToLive: "1d" });
        const first = await engine.up(resource);
        expect(first.outputs.name).toMatch(/^autonamed-[a-z0-9]{6}$/);

        const respelled = await engine.up(await program("autonamed", { endpoint: emulator.url, timeToLive: "24h" }));
        expect(engine.steps.at(-1)!.step).toBe("update");
        expect(respelled.outputs).toMatchObject({ name: first.outputs.name, timeToLive: "24h", key: first.outputs.key });

        // Another time to live is a new key in place; the first keeps working as the previous key.
        const longer = await engine.up(await program("autonamed", { endpoint: emulator.url, timeToLive: "2d" }));
        expect(engine.steps.at(-1)!.step).toBe("update");
        expect(longer.outputs).toMatchObject({
            name: first.outputs.name,
            keyName: `${first.outputs.name as string}-r2`,
            previousKey: first.outputs.key,
        });
        expect(longer.outputs.key).not.toBe(first.outputs.key);
        expect([await home(emulator, first.outputs.key), await home(emulator, longer.outputs.key)]).toEqual([200, 200]);

        const moved = await engine.up(await program("autonamed", { endpoint: emulator.url, timeToLive: "2d", orgId: 2 }));
        expect(engine.steps.at(-1)!.step).toBe("replace");
        expect(moved.outputs.name).toMatch(/^autonamed-[a-z0-9]{6}$/);
        expect(moved.outputs.name).not.toBe(first.outputs.name);
        expect([await home(emulator, first.outputs.key), await home(emulator, longer.outputs.key)]).toEqual([401, 401]);

        await engine.destroy(resource.urn);
        expect(emulator.state.apiKeys().length + emulator.state.serviceAccounts().length).toBe(0);
    });
});

async function home(emulator: Emulator, key: unknown): Promise<number> {
    return (await fetch(`${emulator.url}/api/dashboards/home`, { headers: { authorization: `Bearer ${String(key)}` } })).status;
}

describe("the host keeps serving, and says what is wrong", () => {
    let emulator: Emulator;
    let host: DynamicProviderHost;

    beforeAll(async () => {
        emulator = await startEmulator({ profile: "12.1" });
        host = await DynamicProviderHost.start({ env: hostEnv(emulator) });
        await host.configure();
    });
    afterAll(async () => {
        await host.stop();
        await emulator.close();
    });

    test("bad inputs fail at check time, naming each field", async () => {
        const resource = await program("bad", { endpoint: "http://grafana.example.com", role: "editor" as never, timeToLive: "7x" });
        const { failures } = await host.check(resource.urn, {}, resource.inputs);
        expect(failures.map((failure) => failure.property).sort()).toEqual(["endpoint", "role", "timeToLive"]);
        expect(failures.find((failure) => failure.property === "role")!.reason).toMatch(/use one of Viewer, Editor, Admin, None/);
        expect(host.alive).toBe(true);
        expect(findLeaks(emulator.state.secrets(), { printed: host.printed })).toEqual([]);
    });

    test("a failed create reports Grafana's answer and the host goes on", async () => {
        emulator.faults.failNext(1, 403, {
            method: "POST",
            body: { message: "You'll need additional permissions to perform this action." },
        });
        const engine = new Engine(host);
        await expect(engine.up(await program("denied", { endpoint: emulator.url }))).rejects.toThrow(
            /Grafana answered 403 .*Grafana Admin/s,
        );
        expect(host.alive).toBe(true);
        const ok = await engine.up(await program("allowed", { endpoint: emulator.url }));
        expect(ok.outputs.key).toMatch(/^glsa_/);
        expect(findLeaks(emulator.state.secrets(), { printed: host.printed, state: [...engine.state.values()] })).toEqual([]);
    });

    test("a service account that cannot be cleaned up is reported as a partial failure, so Pulumi keeps tracking it", async () => {
        emulator.faults.failNext(1, 400, { method: "POST", path: /\/tokens$/, body: { message: "invalid SecondsToLive value" } });
        emulator.faults.failNext(10, 500, { method: "DELETE" });
        const resource = await program("half", { endpoint: emulator.url, name: "half" });
        const checked = await host.check(resource.urn, {}, resource.inputs);
        const error = (await host.create(resource.urn, checked.inputs).catch((caught: unknown) => caught)) as HostError;
        const account = emulator.state.serviceAccounts().find((candidate) => candidate.name === "half")!;
        expect(error.partialId).toBe(`serviceaccount/${account.id}/token/0`);
        expect(error.message).toMatch(/could not be removed; Pulumi keeps tracking it/);
        emulator.faults.reset();
        expect(findLeaks(emulator.state.secrets(), { printed: host.printed, errors: [error.message] })).toEqual([]);
    });

    test("an expected error is said once: the engine gets it whole, the host prints no copy (the CLI would show it on the stack too)", async () => {
        const engine = new Engine(host);
        const resource = await program("refused", { endpoint: emulator.url });
        await engine.up(resource);
        const before = host.printed.length;
        emulator.faults.failNext(1, 403, { method: "GET", body: { message: "Access denied to this org" } });
        await expect(engine.refresh(resource.urn)).rejects.toThrow(
            /^Grafana answered 403 to GET \/api\/serviceaccounts\/\d+ .*Grafana Admin/,
        );
        await new Promise((resolve) => setTimeout(resolve, 200)); // stderr travels on its own
        expect(host.printed.slice(before)).not.toMatch(/Grafana answered 403/);
        await engine.destroy(resource.urn);
    });

    test("the credential can come from the stack's secret config instead of the environment", async () => {
        const configured = await DynamicProviderHost.start({ env: { PATH: process.env.PATH } });
        try {
            await configured.configure({ "azure-grafana-keys:grafanaAuth": emulator.credentials.adminToken });
            const created = await new Engine(configured).up(await program("from-config", { endpoint: emulator.url }));
            expect(created.outputs.key).toMatch(/^glsa_/);
            expect(configured.printed).not.toContain(emulator.credentials.adminToken);
        } finally {
            await configured.stop();
        }
    });

    /** What `up` answers without any credential: the message as the engine shows it under the resource. */
    async function withoutCredential(args: GrafanaApiKeyArgs): Promise<string> {
        // Only the Azure CLI may be tried (and there is no `az` here): the full chain would probe the
        // instance metadata address and Microsoft's login hosts.
        const bare = await DynamicProviderHost.start({ env: { PATH: "/usr/bin:/bin", AZURE_TOKEN_CREDENTIALS: "AzureCliCredential" } });
        try {
            await bare.configure();
            const failed = (await new Engine(bare).up(await program("no-auth", args)).catch((error: unknown) => error)) as Error;
            return failed.message;
        } finally {
            await bare.stop();
        }
    }

    test("without any credential, a plain Grafana URL: the error leads with GRAFANA_AUTH and grafanaAuth, the Entra failure follows", async () => {
        const before = emulator.requests.length;
        const message = await withoutCredential({ endpoint: emulator.url });
        expect(message).toMatch(
            new RegExp(
                `^No Grafana credential for ${emulator.url.replace(/\./g, "\\.")}, which is not an Azure Managed Grafana workspace: ` +
                    "set GRAFANA_AUTH \\(a service account token, or user:password\\), or the stack's secret config azure-grafana-keys:grafanaAuth",
            ),
        );
        expect(message).toMatch(
            /Without one the provider signs in with Microsoft Entra ID, as Azure Managed Grafana expects, and that failed: ".+"/,
        );
        expect(message).not.toContain("\n");
        // Nothing reached Grafana but its anonymous health check (mode "auto" asks the version first).
        expect(emulator.requests.slice(before).map((request) => `${request.method} ${request.path}`)).toEqual(["GET /api/health"]);
    });

    test("without any credential, a workspace's URL: the error leads with the Entra sign-in, and names GRAFANA_AUTH as the other way", async () => {
        // An explicit mode sends nothing anonymous, and the sign-in fails before any request: nothing leaves this machine.
        const message = await withoutCredential({ endpoint: "https://my-ws-abcd.wus.grafana.azure.com", mode: "serviceAccount" });
        expect(message).toMatch(
            /^Could not sign in to Microsoft Entra ID for ce34e7e5-485f-4d76-964f-b3d2b16d1e4f\/\.default.*az login.*GRAFANA_AUTH/s,
        );
    });
});

describe("__provider", () => {
    test("is a small stub that holds no code of the provider and is byte-identical across two builds", async () => {
        const resource = await program("stub", { endpoint: "https://g.example.com" });
        const stub = resource.inputs.__provider as string;
        expect(stub).toContain('require("pulumi-azure-grafana-keys/impl")');
        expect(stub.length).toBeLessThan(4000);
        expect(stub).not.toMatch(/undici|zod|GRAFANA_AUTH|process\.env/);

        const builds = ["a", "b"].map((build) => {
            const outDir = path.join(REPO_ROOT, "build", `stub-build-${build}`);
            fs.rmSync(outDir, { recursive: true, force: true });
            execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", "provider/tsconfig.json", "--outDir", outDir], {
                cwd: REPO_ROOT,
            });
            return execFileSync(process.execPath, ["-e", serializeStubFrom(outDir)], { cwd: REPO_ROOT, encoding: "utf8" });
        });
        expect(builds[0]).toBe(builds[1]);
        expect(builds[0]).toBe(stub);
    }, 120_000);
});

/** A script that serializes the stub of one build exactly as `pulumi.dynamic.Resource` does. */
function serializeStubFrom(outDir: string): string {
    return `
const { serializeFunction } = require("@pulumi/pulumi/runtime/closure/serializeClosure");
const provider = require(${JSON.stringify(path.join(outDir, "resources", "stub.js"))}).createStub("GrafanaApiKey");
serializeFunction(() => provider, { allowSecrets: true }).then((serialized) => process.stdout.write(serialized.text));
`;
}
