import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Emulator, startEmulator, writeAzStandIn } from "azure-managed-grafana-emulator";
import { findLeaks } from "../harness/leaks";
import { isSecret, PluginHost, Props, secret, UNKNOWN, urnOf } from "../harness/pluginHost";

/**
 * The provider plugin (plugin/) as `pulumi up`, `refresh`, `import` and `destroy` drive it: the real plugin process
 * over gRPC, the emulator over HTTP on 127.0.0.1, nothing of ours mocked. Each resource's Check, Diff, Create, Read,
 * Update and Delete; Read with an id alone (import); Invoke of the function; provider configuration; and the secrets
 * on the wire, which must leave the plugin marked as secrets and appear nowhere in plaintext.
 */

type ResourceType = "GrafanaApiKey" | "GrafanaServiceAccount" | "GrafanaServiceAccountToken" | "WorkspaceApiKeyEnablement";
interface State {
    type: ResourceType;
    name: string;
    id: string;
    inputs: Props;
    outputs: Props;
}

const SUBSCRIPTION = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
let grafana: Emulator;
let legacyGrafana: Emulator;
let azDir: string;
/** Every state the engine would have stored, for the secret scan. */
const stored: State[] = [];
const hosts: PluginHost[] = [];

beforeAll(async () => {
    grafana = await startEmulator({ profile: "12.1" });
    legacyGrafana = await startEmulator({ profile: "10.4" });
    azDir = fs.mkdtempSync(path.join(os.tmpdir(), "az-stand-in-"));
    writeAzStandIn(azDir, grafana);
});

afterAll(async () => {
    // Nothing secret reached the plugin's output, an error, or any stored value outside a secret envelope.
    const secrets = [...grafana.state.secrets(), ...legacyGrafana.state.secrets(), grafana.credentials.adminBasic];
    const leaks = hosts.flatMap((host) =>
        findLeaks(secrets, {
            printed: host.printed,
            errors: host.errors,
            state: stored.map((state) => ({ id: state.id, inputs: withoutSecrets(state.inputs), outputs: withoutSecrets(state.outputs) })),
        }),
    );
    await Promise.all(hosts.map((host) => host.stop()));
    await grafana.close();
    await legacyGrafana.close();
    fs.rmSync(azDir, { recursive: true, force: true });
    expect(leaks).toEqual([]);
});

/** What is stored in plaintext: every value outside a secret envelope. */
function withoutSecrets(props: Props): Props {
    return Object.fromEntries(Object.entries(props).map(([k, v]) => [k, plaintext(v)]));
}

function plaintext(value: unknown): unknown {
    if (isSecret(value)) return "[secret]";
    if (Array.isArray(value)) return value.map(plaintext);
    if (typeof value === "object" && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plaintext(v)]));
    return value;
}

const RETRIES_ENV = { AZURE_GRAFANA_KEYS_MIN_RETRY_DELAY_MS: "5", AZURE_GRAFANA_KEYS_MAX_RETRIES: "2" };

/**
 * A plugin that can reach Grafana only with the `grafanaAuth` of its configuration: the environment's GRAFANA_AUTH
 * may only view (so a key minted proves the configured one won), and Entra ID finds no `az`.
 */
async function grafanaPlugin(): Promise<PluginHost> {
    const host = await PluginHost.start({
        env: {
            PATH: [path.dirname(process.execPath), "/usr/bin", "/bin"].join(path.delimiter),
            AZURE_TOKEN_CREDENTIALS: "AzureCliCredential",
            GRAFANA_AUTH: grafana.credentials.viewerBasic,
            ...RETRIES_ENV,
        },
    });
    hosts.push(host);
    await host.configure({ grafanaAuth: secret(grafana.credentials.adminBasic) });
    return host;
}

/** A plugin signed in to Entra ID (a stand-in `az` asks the emulator for tokens), with ARM's address from its configuration. */
async function azurePlugin(): Promise<PluginHost> {
    const host = await PluginHost.start({
        env: {
            PATH: [azDir, path.dirname(process.execPath), "/usr/bin", "/bin"].join(path.delimiter),
            AZURE_TOKEN_CREDENTIALS: "AzureCliCredential",
            ...RETRIES_ENV,
        },
    });
    hosts.push(host);
    await host.configure({ armEndpoint: grafana.url, pollIntervalMs: 10 });
    return host;
}

/** The engine's step logic for one resource: Check, then Create, or Diff and Update (or replace). */
async function up(host: PluginHost, type: ResourceType, name: string, news: Props, old?: State): Promise<State & { step: string }> {
    const urn = urnOf(type, name);
    const checked = await host.check(urn, old?.inputs ?? {}, news);
    expect(checked.failures).toEqual([]);
    let step = "create";
    if (old) {
        const diff = await host.diff(urn, old.id, old.outputs, checked.inputs);
        if (diff.changes === "none") return { ...old, step: "same" };
        if (diff.replaces.length === 0) {
            const outputs = await host.update(urn, old.id, old.outputs, checked.inputs);
            return record({ type, name, id: old.id, inputs: checked.inputs, outputs }, "update");
        }
        await host.delete(urn, old.id, old.outputs);
        step = "replace";
    }
    const created = await host.create(urn, checked.inputs);
    return record({ type, name, id: created.id, inputs: checked.inputs, outputs: created.properties }, step);
}

async function refresh(host: PluginHost, state: State): Promise<State> {
    const read = await host.read(urnOf(state.type, state.name), state.id, state.outputs, state.inputs);
    return record({ ...state, id: read.id, outputs: read.properties }, "refresh");
}

async function destroy(host: PluginHost, state: State): Promise<void> {
    await host.delete(urnOf(state.type, state.name), state.id, state.outputs);
}

function record<T extends State>(state: T, step: string): T & { step: string } {
    stored.push(state);
    return { ...state, step };
}

function revealed(value: unknown): unknown {
    expect(isSecret(value)).toBe(true);
    return (value as { value: unknown }).value;
}

describe("the plugin process", () => {
    test("tells its version and serves its schema, and answers Configure as a provider that accepts secrets", async () => {
        const host = await grafanaPlugin();
        const { version } = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "plugin", "package.json"), "utf8")) as {
            version: string;
        };
        expect(await host.pluginInfo()).toBe(version);
        const schema = JSON.parse(await host.schema()) as { name: string; resources: object; functions: object };
        expect(schema.name).toBe("azure-grafana-keys");
        expect(Object.keys(schema.resources).sort()).toEqual([
            "azure-grafana-keys:index:GrafanaApiKey",
            "azure-grafana-keys:index:GrafanaServiceAccount",
            "azure-grafana-keys:index:GrafanaServiceAccountToken",
            "azure-grafana-keys:index:WorkspaceApiKeyEnablement",
        ]);
        expect(Object.keys(schema.functions)).toEqual(["azure-grafana-keys:index:getGrafanaApiKeys"]);
        expect(await host.configure({ grafanaAuth: secret(grafana.credentials.adminBasic) })).toEqual({ acceptSecrets: true });
    });

    test("CheckConfig names a bad or unknown setting, and hands the settings back with grafanaAuth still a secret", async () => {
        const host = await grafanaPlugin();
        const checked = await host.checkConfig({
            grafanaAuth: secret("admin:admin"),
            armEndpoint: "http://management.example.com",
            maxRetries: "many",
            armEndpont: "https://management.azure.com",
            requestTimeoutMs: 1000,
            version: "0.1.0",
        });
        expect(checked.failures.map((failure) => failure.property).sort()).toEqual(["armEndpoint", "armEndpont", "maxRetries"]);
        expect(checked.failures.find((failure) => failure.property === "armEndpoint")!.reason).toMatch(/must be an https URL/);
        expect(checked.failures.find((failure) => failure.property === "armEndpont")!.reason).toMatch(
            /not a setting of this provider: use grafanaAuth, /,
        );
        expect(checked.inputs.grafanaAuth).toEqual(secret("admin:admin"));
        expect(
            (await host.checkConfig({ grafanaAuth: secret("admin:admin"), pollIntervalMs: "10", environment: UNKNOWN })).failures,
        ).toEqual([]);
    });

    test("Configure refuses a bad setting with its key and environment variable", async () => {
        const host = await grafanaPlugin();
        await expect(host.configure({ operationDeadlineSeconds: "-1" })).rejects.toThrow(
            /azure-grafana-keys:operationDeadlineSeconds \(or AZURE_GRAFANA_KEYS_OPERATION_DEADLINE_SECONDS\) must be a whole number/,
        );
    });
});

describe("GrafanaApiKey", () => {
    test("check refuses bad input naming the field, and lets unknown values of a preview through", async () => {
        const host = await grafanaPlugin();
        const urn = urnOf("GrafanaApiKey", "ci");
        const bad = await host.check(urn, {}, { endpoint: grafana.url, role: "viewer", timeToLive: "7x", ttl: "1d" });
        expect(bad.failures.map((failure) => failure.property).sort()).toEqual(["role", "timeToLive", "ttl"]);
        expect(bad.failures.find((failure) => failure.property === "role")!.reason).toMatch(/one of Viewer, Editor, Admin, None/);
        const preview = await host.check(urn, {}, { endpoint: UNKNOWN, role: "Viewer" });
        expect(preview.failures).toEqual([]);
        expect(preview.inputs).toMatchObject({ endpoint: UNKNOWN, __logicalName: "ci", __nameSource: "auto" });
    });

    test("up mints a service-account key as a secret, refresh reads it, a role change updates in place, a trigger rotates it, destroy deletes it", async () => {
        const host = await grafanaPlugin();
        const created = await up(host, "GrafanaApiKey", "ci", { endpoint: grafana.url, role: "Viewer", timeToLive: "30d" });
        const key = revealed(created.outputs.key) as string;
        expect(key).toMatch(/^glsa_/);
        expect(created.id).toMatch(/^serviceaccount\/\d+\/token\/\d+$/);
        expect(created.outputs).toMatchObject({ mode: "serviceAccount", role: "Viewer", timeToLive: "30d", endpoint: grafana.url });
        expect(created.outputs.keyName).toMatch(/^ci-[a-z0-9]{6}$/);
        expect(grafana.state.serviceAccounts().map((account) => account.name)).toEqual([created.outputs.name]);

        const refreshed = await refresh(host, created);
        expect(refreshed.id).toBe(created.id);
        expect(revealed(refreshed.outputs.key)).toBe(key);
        expect((await up(host, "GrafanaApiKey", "ci", { endpoint: grafana.url, role: "Viewer", timeToLive: "30d" }, refreshed)).step).toBe(
            "same",
        );

        const editor = await up(host, "GrafanaApiKey", "ci", { endpoint: grafana.url, role: "Editor", timeToLive: "30d" }, refreshed);
        expect(editor.step).toBe("update");
        expect(revealed(editor.outputs.key)).toBe(key);
        expect(grafana.state.serviceAccounts()[0].role).toBe("Editor");

        const rotated = await up(
            host,
            "GrafanaApiKey",
            "ci",
            { endpoint: grafana.url, role: "Editor", timeToLive: "30d", rotationTrigger: "2" },
            editor,
        );
        expect(rotated.step).toBe("update");
        expect(revealed(rotated.outputs.key)).not.toBe(key);
        expect(revealed(rotated.outputs.previousKey)).toBe(key);

        await destroy(host, rotated);
        expect(grafana.state.serviceAccounts()).toEqual([]);
    });

    test("a legacy key on Grafana 10.4: minted, refreshed, deleted", async () => {
        const host = await grafanaPlugin();
        const created = await up(host, "GrafanaApiKey", "legacy", { endpoint: legacyGrafana.url, name: "legacy-key", role: "Admin" });
        expect(created.outputs).toMatchObject({ mode: "apiKey", name: "legacy-key", role: "Admin" });
        expect(revealed(created.outputs.key)).toMatch(/^eyJ/);
        expect((await refresh(host, created)).id).toBe(created.id);
        await destroy(host, created);
        expect(legacyGrafana.state.apiKeys()).toEqual([]);
    });

    test("a legacy key through Azure's in-place upgrade 10.4 -> 12.1: refreshed as the migrated token, rotated in the window, cleaned up, destroyed", async () => {
        const workspace = await startEmulator({ profile: "10.4" });
        try {
            const home = async (key: unknown) =>
                (await fetch(`${workspace.url}/api/dashboards/home`, { headers: { authorization: `Bearer ${String(key)}` } })).status;
            const atDay = (day: number) => workspace.clock.set(Date.now() + day * 86_400_000);
            const host = await grafanaPlugin();
            const inputs = { endpoint: workspace.url, name: "legacy-ci", timeToLive: "30d", rotateBefore: "7d" };
            const created = await up(host, "GrafanaApiKey", "upgraded", inputs);
            const consumerHolds = revealed(created.outputs.key) as string;
            expect(created.outputs).toMatchObject({ mode: "apiKey" });

            workspace.upgrade("12.1");
            atDay(1);
            const refreshed = await refresh(host, created);
            expect(refreshed.outputs).toMatchObject({ mode: "serviceAccount", key: secret(consumerHolds) });
            expect((await up(host, "GrafanaApiKey", "upgraded", inputs, refreshed)).step).toBe("same");

            atDay(24);
            const rotated = await up(host, "GrafanaApiKey", "upgraded", inputs, await refresh(host, refreshed));
            expect(rotated.step).toBe("update");
            expect(rotated.outputs).toMatchObject({ keyName: "legacy-ci-r2", previousKey: secret(consumerHolds) });
            expect([await home(consumerHolds), await home(revealed(rotated.outputs.key))]).toEqual([200, 200]);

            atDay(31);
            const cleaned = await up(host, "GrafanaApiKey", "upgraded", inputs, await refresh(host, rotated));
            expect(cleaned.outputs).toMatchObject({ previousKey: null, legacyKeys: [] });
            expect(workspace.state.serviceAccounts().map((sa) => sa.name)).toEqual(["legacy-ci"]);
            await destroy(host, cleaned);
            expect([...workspace.state.apiKeys(), ...workspace.state.serviceAccounts()]).toEqual([]);
            expect(
                findLeaks(workspace.state.secrets(), {
                    printed: host.printed,
                    errors: host.errors,
                    state: [refreshed, rotated, cleaned].map((state) => ({
                        id: state.id,
                        inputs: withoutSecrets(state.inputs),
                        outputs: withoutSecrets(state.outputs),
                    })),
                }),
            ).toEqual([]);
        } finally {
            await workspace.close();
        }
    });

    test("an input given as a secret comes back as a secret, in the checked inputs and in the outputs", async () => {
        const host = await grafanaPlugin();
        const created = await up(host, "GrafanaApiKey", "hidden", { endpoint: grafana.url, name: secret("team-secret-name") });
        expect(created.inputs.name).toEqual(secret("team-secret-name"));
        expect(created.outputs.name).toEqual(secret("team-secret-name"));
        expect(created.outputs.endpoint).toBe(grafana.url);
        await destroy(host, created);
    });
});

describe("GrafanaServiceAccount and GrafanaServiceAccountToken", () => {
    test("an account and its token: created, refreshed, renamed and rotated in place, deleted", async () => {
        const host = await grafanaPlugin();
        const account = await up(host, "GrafanaServiceAccount", "ci-bot", { endpoint: grafana.url, name: "ci-bot", role: "Editor" });
        expect(account.id).toMatch(/^serviceaccount\/\d+$/);
        const serviceAccountId = account.outputs.serviceAccountId as number;
        const token = await up(host, "GrafanaServiceAccountToken", "deploy", { endpoint: grafana.url, serviceAccountId, timeToLive: "7d" });
        const first = revealed(token.outputs.key) as string;
        expect(first).toMatch(/^glsa_/);
        expect((await refresh(host, token)).outputs.tokenId).toBe(token.outputs.tokenId);

        const renamed = await up(
            host,
            "GrafanaServiceAccount",
            "ci-bot",
            { endpoint: grafana.url, name: "ci-robot", role: "Editor" },
            account,
        );
        expect(renamed.step).toBe("update");
        expect(grafana.state.serviceAccounts()[0].name).toBe("ci-robot");

        const longer = await up(
            host,
            "GrafanaServiceAccountToken",
            "deploy",
            { endpoint: grafana.url, serviceAccountId, timeToLive: "14d" },
            token,
        );
        expect(longer.step).toBe("update");
        expect(revealed(longer.outputs.key)).not.toBe(first);
        expect(revealed(longer.outputs.previousKey)).toBe(first);

        const missing = await host.check(urnOf("GrafanaServiceAccountToken", "orphan"), {}, { endpoint: grafana.url });
        expect(missing.failures).toEqual([expect.objectContaining({ property: "serviceAccountId" })]);

        await destroy(host, longer);
        expect(grafana.state.serviceAccounts()[0].tokens).toEqual([]);
        await destroy(host, renamed);
        expect(grafana.state.serviceAccounts()).toEqual([]);
    });
});

describe("import: a Read with the id alone", () => {
    test("adopts a service account by <endpoint>|<id>: its state, and inputs under which the next up changes nothing", async () => {
        const host = await grafanaPlugin();
        const made = await up(host, "GrafanaServiceAccount", "made", {
            endpoint: grafana.url,
            name: "made-elsewhere",
            role: "Admin",
            orgId: 1,
        });
        const serviceAccountId = made.outputs.serviceAccountId as number;
        const urn = urnOf("GrafanaServiceAccount", "adopted");

        const imported = await host.read(urn, `${grafana.url}|1|${serviceAccountId}`);
        expect(imported.id).toBe(`serviceaccount/${serviceAccountId}`);
        expect(imported.inputs).toEqual({ endpoint: grafana.url, orgId: 1, name: "made-elsewhere", role: "Admin", isDisabled: false });
        expect(imported.properties).toMatchObject({
            serviceAccountId,
            name: "made-elsewhere",
            role: "Admin",
            logicalName: "adopted",
            orgId: 1,
        });
        const state = record(
            { type: "GrafanaServiceAccount", name: "adopted", id: imported.id, inputs: imported.inputs!, outputs: imported.properties },
            "import",
        );
        // The program `pulumi import` prints declares exactly these inputs.
        expect((await up(host, "GrafanaServiceAccount", "adopted", imported.inputs!, state)).step).toBe("same");
        await destroy(host, state);
        expect(grafana.state.serviceAccounts()).toEqual([]);
    });

    test("a token is tracked without its secret, and the next up rotates it so the stack gets a usable key", async () => {
        const host = await grafanaPlugin();
        const account = await up(host, "GrafanaServiceAccount", "holder", { endpoint: grafana.url, name: "holder" });
        const serviceAccountId = account.outputs.serviceAccountId as number;
        const made = await up(host, "GrafanaServiceAccountToken", "made", {
            endpoint: grafana.url,
            serviceAccountId,
            name: "deploy",
            timeToLive: "30d",
        });
        const elsewhere = revealed(made.outputs.key) as string;

        const imported = await host.read(
            urnOf("GrafanaServiceAccountToken", "adopted"),
            `${grafana.url}|serviceaccount/${serviceAccountId}/token/${made.outputs.tokenId as number}`,
        );
        expect(imported.inputs).toEqual({ endpoint: grafana.url, serviceAccountId, name: "deploy", timeToLive: "30d" });
        expect(imported.properties.key).toEqual(secret(""));
        const state = record(
            {
                type: "GrafanaServiceAccountToken",
                name: "adopted",
                id: imported.id,
                inputs: imported.inputs!,
                outputs: imported.properties,
            },
            "import",
        );

        const next = await up(host, "GrafanaServiceAccountToken", "adopted", { ...imported.inputs, timeToLive: "30d" }, state);
        expect(next.step).toBe("update");
        const minted = revealed(next.outputs.key) as string;
        expect(minted).toMatch(/^glsa_/);
        expect(minted).not.toBe(elsewhere);
        expect(next.outputs).toMatchObject({ keyName: "deploy-r2", previousKey: secret("") });
        expect(
            grafana.state
                .serviceAccounts()[0]
                .tokens.map((token) => token.name)
                .sort(),
        ).toEqual(["deploy", "deploy-r2"]);
        await destroy(host, account);
    });

    test("a GrafanaApiKey by its service account, and a legacy key by apikey/<id>, each rotated by the next up", async () => {
        const host = await grafanaPlugin();
        const made = await up(host, "GrafanaApiKey", "made", { endpoint: grafana.url, name: "dashboards", role: "Editor" });
        const imported = await host.read(
            urnOf("GrafanaApiKey", "adopted"),
            `${grafana.url}|serviceaccount/${made.outputs.serviceAccountId as number}`,
        );
        expect(imported.id).toBe(made.id);
        expect(imported.inputs).toEqual({ endpoint: grafana.url, name: "dashboards", role: "Editor" });
        expect(imported.properties).toMatchObject({ mode: "serviceAccount", keyId: made.outputs.keyId, key: secret("") });
        const state = record(
            { type: "GrafanaApiKey", name: "adopted", id: imported.id, inputs: imported.inputs!, outputs: imported.properties },
            "import",
        );
        const next = await up(host, "GrafanaApiKey", "adopted", imported.inputs!, state);
        expect(revealed(next.outputs.key)).toMatch(/^glsa_/);
        await destroy(host, next);

        const legacy = await up(host, "GrafanaApiKey", "old", {
            endpoint: legacyGrafana.url,
            name: "old-key",
            role: "Viewer",
            timeToLive: "1d",
        });
        const legacyImport = await host.read(
            urnOf("GrafanaApiKey", "adopted-legacy"),
            `${legacyGrafana.url}|apikey/${legacy.outputs.keyId as number}`,
        );
        expect(legacyImport.id).toBe(legacy.id);
        expect(legacyImport.properties).toMatchObject({ mode: "apiKey", name: "old-key", role: "Viewer", key: secret(""), expired: false });
        expect(typeof legacyImport.properties.expiresAt).toBe("string");
        await destroy(host, legacy);
    });

    test("a bad import id, or one naming nothing, fails saying which form to use or what was not found", async () => {
        const host = await grafanaPlugin();
        const urn = urnOf("GrafanaServiceAccount", "nothing");
        await expect(host.read(urn, "12")).rejects.toThrow(/import id "12" is not valid .*use <grafana>\|\[<orgId>\|\]<serviceAccountId>/);
        await expect(host.read(urn, `${grafana.url}|serviceaccount/1/token/2`)).rejects.toThrow(/names another kind of object/);
        await expect(host.read(urn, "https://user:pw@grafana.example.com|1")).rejects.toThrow(/https:\/\/\*\*\*@grafana\.example\.com/);
        await expect(host.read(urn, `${grafana.url}|424242`)).rejects.toThrow(/service account 424242 was not found on/);
        expect(host.alive).toBe(true);
    });
});

describe("getGrafanaApiKeys", () => {
    test("Invoke lists the org's keys (metadata only), and names a bad argument", async () => {
        const host = await grafanaPlugin();
        const key = await up(host, "GrafanaApiKey", "listed", { endpoint: grafana.url, name: "listed-key" });
        const { result } = await host.invoke("azure-grafana-keys:index:getGrafanaApiKeys", { endpoint: grafana.url });
        expect(result.keys).toEqual([
            expect.objectContaining({ kind: "serviceAccountToken", name: "listed-key", role: "Viewer", expired: false }),
        ]);
        expect(JSON.stringify(result)).not.toContain(revealed(key.outputs.key) as string);
        await expect(host.invoke("azure-grafana-keys:index:getGrafanaApiKeys", { endpoint: grafana.url, orgId: -1 })).rejects.toThrow(
            /orgId -1 is not allowed/,
        );
        await expect(host.invoke("azure-grafana-keys:index:nothing", {})).rejects.toThrow(/has no function/);
        await destroy(host, key);
    });
});

describe("WorkspaceApiKeyEnablement", () => {
    test("switches API keys on through ARM and back on delete; imported by its workspace id, deleting it leaves the setting as found", async () => {
        const workspaceId = grafana.arm.addWorkspace({
            subscriptionId: SUBSCRIPTION,
            resourceGroup: "rg-obs",
            name: "ws-plugin",
            apiKey: "Disabled",
        });
        const host = await azurePlugin();
        const created = await up(host, "WorkspaceApiKeyEnablement", "keys-on", { workspaceId });
        expect(created.outputs).toMatchObject({ workspaceId, apiKey: "Enabled", previousApiKey: "Disabled", endpoint: grafana.url });
        expect((await refresh(host, created)).outputs.apiKey).toBe("Enabled");
        const off = await up(host, "WorkspaceApiKeyEnablement", "keys-on", { workspaceId, enabled: false }, created);
        expect(off.step).toBe("update");
        expect(grafana.arm.workspace(workspaceId).properties.apiKey).toBe("Disabled");
        await destroy(host, off);

        grafana.arm.setApiKey(workspaceId, "Enabled");
        const imported = await host.read(urnOf("WorkspaceApiKeyEnablement", "adopted"), workspaceId);
        expect(imported.id).toBe(workspaceId);
        expect(imported.inputs).toEqual({ workspaceId, enabled: true });
        const state = record(
            { type: "WorkspaceApiKeyEnablement", name: "adopted", id: imported.id, inputs: imported.inputs!, outputs: imported.properties },
            "import",
        );
        expect((await up(host, "WorkspaceApiKeyEnablement", "adopted", imported.inputs!, state)).step).toBe("same");
        await destroy(host, state);
        expect(grafana.arm.workspace(workspaceId).properties.apiKey).toBe("Enabled");
    });
});
