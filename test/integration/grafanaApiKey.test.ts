import { configure } from "pulumi-azure-grafana-keys/impl";
import { typedLifecycle } from "../harness/lifecycle";
import { Emulator, GrafanaProfile, startEmulator } from "azure-managed-grafana-emulator";

/**
 * The GrafanaApiKey lifecycle against the emulated Grafana data plane over real HTTP, for each version
 * profile: what a user sees after `up`, `refresh`, a replacement and `destroy`.
 */

const DAY_MS = 86_400_000;
// Read when the provider first configures itself, which the first lifecycle() call does.
process.env.AZURE_GRAFANA_KEYS_MIN_RETRY_DELAY_MS = "5";
process.env.AZURE_GRAFANA_KEYS_MAX_RETRIES = "3";
const apiKey = typedLifecycle("GrafanaApiKey");

async function checked(news: Record<string, unknown>, olds: Record<string, unknown> = {}) {
    const result = await apiKey.check(olds, { logicalName: "ci", ...news });
    expect(result.failures ?? []).toEqual([]);
    return result.inputs!;
}

async function home(emulator: Emulator, key: string): Promise<number> {
    const response = await fetch(`${emulator.url}/api/dashboards/home`, { headers: { authorization: `Bearer ${key}` } });
    return response.status;
}

function remoteObjects(emulator: Emulator) {
    return [...emulator.state.apiKeys(), ...emulator.state.serviceAccounts()];
}

describe.each<[GrafanaProfile, "apiKey" | "serviceAccount", RegExp]>([
    ["10.4", "apiKey", /^eyJr/],
    ["11.3", "serviceAccount", /^glsa_[A-Za-z0-9]{32}_[0-9a-f]{8}$/],
    ["12.1", "serviceAccount", /^glsa_[A-Za-z0-9]{32}_[0-9a-f]{8}$/],
    ["13.0", "serviceAccount", /^glsa_[A-Za-z0-9]{32}_[0-9a-f]{8}$/],
])("Grafana %s", (profile, expectedMode, keyShape) => {
    let emulator: Emulator;

    beforeAll(async () => {
        emulator = await startEmulator({ profile });
        process.env.GRAFANA_AUTH = emulator.credentials.adminBasic;
    });
    afterEach(() => emulator.reset());
    afterAll(() => emulator.close());

    test(`create mints a working ${expectedMode} key with the asked role and expiry`, async () => {
        const inputs = await checked({ endpoint: emulator.url, name: "api-key-1", role: "Editor", timeToLive: "7d" });
        const { id, outs } = await apiKey.create(inputs);

        expect(outs).toMatchObject({
            name: "api-key-1",
            role: "Editor",
            timeToLive: "7d",
            secondsToLive: 604_800,
            expired: false,
            mode: expectedMode,
        });
        expect(outs.key).toMatch(keyShape);
        expect(Date.parse(outs.expiresAt!) - Date.now()).toBeGreaterThan(7 * DAY_MS - 60_000);
        expect(await home(emulator, outs.key)).toBe(200);
        const objects = remoteObjects(emulator);
        expect(objects).toHaveLength(1);
        expect(objects[0]).toMatchObject({ name: "api-key-1", role: "Editor" });
        if (expectedMode === "serviceAccount") {
            expect(id).toBe(`serviceaccount/${outs.serviceAccountId}/token/${outs.keyId}`);
            expect(emulator.state.serviceAccounts()[0].tokens).toEqual([expect.objectContaining({ name: "api-key-1" })]);
        }
    });

    test("read keeps a live key, and delete removes it (a second delete is harmless)", async () => {
        const { id, outs } = await apiKey.create(await checked({ endpoint: emulator.url, role: "Viewer" }));
        const read = await apiKey.read(id, outs);
        expect(read.id).toBe(id);
        expect(read.props).toMatchObject({ expired: false, key: outs.key });

        await apiKey.delete(id, outs);
        expect(remoteObjects(emulator)).toEqual([]);
        expect(await home(emulator, outs.key)).toBe(401);
        await expect(apiKey.delete(id, outs)).resolves.toBeUndefined();
    });

    test("refresh marks an expired key, and the next diff rotates it in place", async () => {
        emulator.clock.set(Date.now() - 8 * DAY_MS); // minted eight days ago with a week to live
        const inputs = await checked({ endpoint: emulator.url, timeToLive: "7d" });
        const { id, outs } = await apiKey.create(inputs);
        emulator.clock.set(Date.now());

        const read = await apiKey.read(id, { ...outs, expiresAt: new Date(Date.now() + DAY_MS).toISOString() });
        expect(read.props).toMatchObject({ expired: true });
        const diff = await apiKey.diff(id, read.props!, inputs);
        expect(diff).toMatchObject({ changes: true, replaces: [], deleteBeforeReplace: false });
    });

    test("refresh drops a key deleted outside Pulumi", async () => {
        const { id, outs } = await apiKey.create(await checked({ endpoint: emulator.url }));
        if (outs.mode === "apiKey") emulator.state.deleteApiKey(outs.keyId);
        else emulator.state.deleteServiceAccount(outs.serviceAccountId!);
        expect((await apiKey.read(id, outs)).id).toBe("");
    });

    test("replacing an autonamed key creates the new one before the old one goes", async () => {
        const first = await checked({ endpoint: emulator.url, orgId: 1 });
        const old = await apiKey.create(first);
        const changed = await checked({ endpoint: emulator.url, orgId: 2 }, first);
        const diff = await apiKey.diff(old.id, old.outs, changed);
        expect(diff).toMatchObject({ changes: true, replaces: ["orgId"], deleteBeforeReplace: false });

        const replacement = await apiKey.create(await checked({ endpoint: emulator.url, orgId: 2 }));
        expect(remoteObjects(emulator)).toHaveLength(2);
        await apiKey.delete(old.id, old.outs);
        expect(remoteObjects(emulator)).toEqual([expect.objectContaining({ name: replacement.outs.name, orgId: 2 })]);
        expect(await home(emulator, replacement.outs.key)).toBe(200);
    });

    test("a key in another org is created there", async () => {
        const { outs } = await apiKey.create(await checked({ endpoint: emulator.url, orgId: 2 }));
        expect(outs.orgId).toBe(2);
        expect(remoteObjects(emulator).map((object) => object.orgId)).toEqual([2]);
    });

    test("a name already taken in the org fails with what to do, and leaves nothing behind", async () => {
        const inputs = await checked({ endpoint: emulator.url, name: "taken" });
        await apiKey.create(inputs);
        await expect(apiKey.create(inputs)).rejects.toThrow(/already exists.*omit `name`/s);
        expect(remoteObjects(emulator)).toHaveLength(1);
    });

    test("a Viewer credential is refused with the role it needs", async () => {
        process.env.GRAFANA_AUTH = emulator.credentials.viewerBasic;
        try {
            await expect(apiKey.create(await checked({ endpoint: emulator.url }))).rejects.toThrow(/403.*Grafana Admin/s);
        } finally {
            process.env.GRAFANA_AUTH = emulator.credentials.adminBasic;
        }
    });
});

describe("version detection and fallbacks", () => {
    let emulator: Emulator | undefined;
    afterEach(async () => {
        await emulator?.close();
        emulator = undefined;
    });

    async function start(options: Parameters<typeof startEmulator>[0]) {
        emulator = await startEmulator(options);
        process.env.GRAFANA_AUTH = emulator.credentials.adminBasic;
        return emulator;
    }

    test("a hidden version means service accounts", async () => {
        const grafana = await start({ profile: "10.4", hideVersion: true });
        const { outs } = await apiKey.create(await checked({ endpoint: grafana.url }));
        expect(outs.mode).toBe("serviceAccount");
    });

    test("a legacy create answered 410 falls back to a service account, leaving no legacy key", async () => {
        const grafana = await start({ profile: "10.4" });
        grafana.faults.failNext(1, 410, { method: "POST", path: "/api/auth/keys", body: { message: "this endpoint has been removed" } });
        const { outs } = await apiKey.create(await checked({ endpoint: grafana.url }));
        expect(outs.mode).toBe("serviceAccount");
        expect(grafana.state.apiKeys()).toEqual([]);
        expect(grafana.state.serviceAccounts()).toHaveLength(1);
    });

    test.each<[GrafanaProfile, RegExp]>([
        ["11.3", /no longer creates legacy API keys \(it answered 410\).*Use mode "auto" or "serviceAccount"/s],
        ["12.1", /no longer creates legacy API keys \(it answered 404\)/],
    ])("mode apiKey on Grafana %s says why and what to use instead", async (profile, message) => {
        const grafana = await start({ profile });
        await expect(apiKey.create(await checked({ endpoint: grafana.url, mode: "apiKey" }))).rejects.toThrow(message);
        expect(remoteObjects(grafana)).toEqual([]);
    });

    test("someone else's legacy key of the same name is left alone after a lost answer", async () => {
        const grafana = await start({ profile: "10.4" });
        const auth = {
            authorization: `Basic ${Buffer.from(grafana.credentials.adminBasic).toString("base64")}`,
            "content-type": "application/json",
        };
        await fetch(`${grafana.url}/api/auth/keys`, { method: "POST", headers: auth, body: JSON.stringify({ name: "ci", role: "Admin" }) });
        grafana.faults.failNext(1, 502, { method: "POST", path: "/api/auth/keys" });
        await expect(apiKey.create(await checked({ endpoint: grafana.url, name: "ci", mode: "apiKey", timeToLive: "1d" }))).rejects.toThrow(
            /the name "ci" is taken: a legacy API key of that name \(id \d+\) existed before this attempt, so it was left alone/s,
        );
        expect(grafana.state.apiKeys()).toEqual([expect.objectContaining({ name: "ci", role: "Admin" })]);
    });

    test("a legacy key that Grafana 12 moved into sa-autogen-<name> is still found on refresh, and deleted with its account", async () => {
        const grafana = await start({ profile: "10.4" });
        const { id, outs } = await apiKey.create(await checked({ endpoint: grafana.url, name: "old-key", mode: "apiKey" }));
        expect(grafana.state.migrateLegacyKeys()).toBe(1);
        expect(grafana.state.apiKeys()).toEqual([]);
        expect(grafana.state.serviceAccounts()).toEqual([expect.objectContaining({ name: "sa-autogen-old-key" })]);
        expect(await home(grafana, outs.key)).toBe(200);

        expect((await apiKey.read(id, outs)).id).toBe(id);
        await apiKey.delete(id, outs);
        expect(grafana.state.serviceAccounts()).toEqual([]);
        expect(await home(grafana, outs.key)).toBe(401);
    });

    test("mode serviceAccount on Grafana 10.4 skips the version probe", async () => {
        const grafana = await start({ profile: "10.4" });
        const { outs } = await apiKey.create(await checked({ endpoint: grafana.url, mode: "serviceAccount" }));
        expect(outs.mode).toBe("serviceAccount");
        expect(grafana.requests.map((request) => request.path)).not.toContain("/api/health");
    });
});

describe("nothing orphaned, nothing twice", () => {
    let emulator: Emulator;
    beforeAll(async () => {
        emulator = await startEmulator({ profile: "12.1" });
        process.env.GRAFANA_AUTH = emulator.credentials.adminBasic;
    });
    afterEach(() => emulator.reset());
    afterAll(() => emulator.close());

    test("a token that cannot be minted takes its new service account with it", async () => {
        emulator.faults.failNext(1, 400, { method: "POST", path: /\/tokens$/, body: { message: "invalid SecondsToLive value" } });
        await expect(apiKey.create(await checked({ endpoint: emulator.url }))).rejects.toThrow(/400.*invalid SecondsToLive/s);
        expect(emulator.state.serviceAccounts()).toEqual([]);
    });

    test("a service account created although Grafana answered 500 is adopted, not made twice", async () => {
        emulator.faults.failNext(1, 500, { method: "POST", path: "/api/serviceaccounts", afterActing: true });
        const { outs } = await apiKey.create(await checked({ endpoint: emulator.url, name: "once" }));
        expect(emulator.state.serviceAccounts()).toEqual([
            expect.objectContaining({ name: "once", tokens: [expect.objectContaining({ name: "once" })] }),
        ]);
        expect(await home(emulator, outs.key)).toBe(200);
    });

    test("a token whose answer was lost is replaced by one whose secret we hold", async () => {
        emulator.faults.dropNext(1, { method: "POST", path: /\/tokens$/, afterActing: true });
        const { outs } = await apiKey.create(await checked({ endpoint: emulator.url, name: "lost-answer" }));
        expect(emulator.state.serviceAccounts()[0].tokens).toHaveLength(1);
        expect(await home(emulator, outs.key)).toBe(200);
    });

    test("someone else's service account of the same name is never adopted or deleted after a lost answer", async () => {
        emulator.clock.set(Date.now() - 3_600_000); // made an hour ago, by someone else
        const auth = {
            authorization: `Basic ${Buffer.from(emulator.credentials.adminBasic).toString("base64")}`,
            "content-type": "application/json",
        };
        await fetch(`${emulator.url}/api/serviceaccounts`, {
            method: "POST",
            headers: auth,
            body: JSON.stringify({ name: "ci", role: "Admin" }),
        });
        emulator.clock.set(Date.now());
        emulator.faults.failNext(1, 502, { method: "POST", path: "/api/serviceaccounts" });
        await expect(apiKey.create(await checked({ endpoint: emulator.url, name: "ci", role: "Viewer" }))).rejects.toThrow(
            /the name "ci" is taken: a service account of that name \(id \d+\) existed before this attempt, so it was left alone.*Choose another name/s,
        );
        expect(emulator.state.serviceAccounts()).toEqual([expect.objectContaining({ name: "ci", role: "Admin" })]);
    });

    test("an autoname drawn from a very long resource name still makes a login that fits Grafana's 190 characters", async () => {
        const inputs = await checked({ endpoint: emulator.url, logicalName: "r".repeat(200) });
        const { outs } = await apiKey.create(inputs);
        const [account] = emulator.state.serviceAccounts();
        expect(account).toMatchObject({ name: outs.name, login: `sa-1-${outs.name}` });
        expect(account.login.length).toBeLessThanOrEqual(190);
        expect(await home(emulator, outs.key)).toBe(200);
    });

    test("throttling and brief outages on reads are retried", async () => {
        const { id, outs } = await apiKey.create(await checked({ endpoint: emulator.url }));
        emulator.faults.failNext(2, 503, { method: "GET" });
        expect((await apiKey.read(id, outs)).id).toBe(id);
        emulator.faults.failNext(1, 429, { method: "DELETE", retryAfterSeconds: 0 });
        await apiKey.delete(id, outs);
        expect(emulator.state.serviceAccounts()).toEqual([]);
    });

    test("a read that keeps failing says how often it tried", async () => {
        const { id, outs } = await apiKey.create(await checked({ endpoint: emulator.url }));
        emulator.faults.failNext(10, 502, { method: "GET" });
        await expect(apiKey.read(id, outs)).rejects.toThrow(/answered 502 \(after 4 tries\)/);
    });

    test("an operation that outlasts its deadline stops, says so, and says what to do", async () => {
        const { id, outs } = await apiKey.create(await checked({ endpoint: emulator.url }));
        const settings: Record<string, string> = { "azure-grafana-keys:operationDeadlineSeconds": "1" };
        await configure({ config: { get: (key: string) => settings[key] } });
        emulator.faults.setLatency(3000);
        try {
            await expect(apiKey.read(id, outs)).rejects.toThrow(
                /read of GrafanaApiKey did not finish within its deadline of 1 s.*Run again/s,
            );
        } finally {
            emulator.faults.setLatency(0);
            await configure({ config: { get: () => undefined } });
        }
    });
});
