import { GrafanaApiKey, GrafanaServiceAccount, GrafanaServiceAccountToken, WorkspaceApiKeyEnablement } from "pulumi-azure-grafana-keys";
import { CheckFailedError } from "../harness/engine";
import { asOtherAdmin } from "../harness/otherClient";
import { register, Registration } from "../harness/program";
import { HostSession, startHostSession } from "../harness/session";

/**
 * `adopt`: a TypeScript program takes over an existing key, token or service account, through the real
 * dynamic-provider host against the emulator, as `pulumi up`, `refresh`, `preview` and `destroy` drive it. The plugin's
 * import (`pulumi import`) cannot reach a dynamic resource (docs/import.md); this is how TypeScript gets the same.
 */

interface Account {
    id: number;
    name: string;
}
interface Token {
    id: number;
    name: string;
    key: string;
}

const secretOf = (output: unknown): string => String(output);
/** What `GET /api/dashboards/home` answers a key: 200 while it works, 401 once it does not. */
let home: (key: unknown) => Promise<number>;

describe("on Grafana 12.1", () => {
    let session: HostSession;
    beforeAll(async () => {
        session = await startHostSession("12.1");
        home = (key) => session.home(key);
    });
    afterAll(() => session.stop());
    afterEach(() => session.emulator.reset());

    const someoneElse = <T>(method: string, apiPath: string, body?: unknown): Promise<T> =>
        asOtherAdmin<T>(session.emulator, method, apiPath, body);

    /** Another team's service account with three pipelines' tokens on it. */
    async function sharedAccount(): Promise<{ account: Account; tokens: Token[] }> {
        const account = await someoneElse<Account>("POST", "/api/serviceaccounts", { name: "pipelines", role: "Editor" });
        const tokens: Token[] = [];
        for (const pipeline of ["build", "deploy", "report"]) {
            const token = await someoneElse<Omit<Token, "name">>("POST", `/api/serviceaccounts/${account.id}/tokens`, {
                name: pipeline,
                secondsToLive: 90 * 86_400,
            });
            tokens.push({ ...token, name: pipeline });
        }
        return { account, tokens };
    }

    async function program(make: () => GrafanaApiKey | GrafanaServiceAccount | GrafanaServiceAccountToken): Promise<Registration> {
        const [resource] = await register(() => [make()]);
        return resource;
    }

    test("a GrafanaApiKey adopting one token of a shared account: a working key at once, refresh and preview unchanged, rotation and destroy touch only its own tokens", async () => {
        const { engine, emulator, engineLog } = session;
        const { account, tokens } = await sharedAccount();
        const [build, deploy, report] = tokens;
        const adopt = `serviceaccount/${account.id}/token/${deploy.id}`;
        const args = { endpoint: emulator.url, name: "pipelines", role: "Editor" as const, timeToLive: "30d" };
        const adopting = await program(() => new GrafanaApiKey("deploy", { ...args, adopt }));

        emulator.requests.length = 0;
        const created = await engine.up(adopting);
        expect(created.id).toBe(adopt);
        // What adopting costs: the plugin import's reads, then one mint and its proof; nothing is deleted.
        expect(emulator.requests.map((request) => `${request.method} ${request.path.replace(/\d+/g, "<id>")}`)).toEqual([
            "GET /api/health",
            "GET /api/serviceaccounts/<id>",
            "GET /api/serviceaccounts/<id>/tokens",
            "POST /api/serviceaccounts/<id>/tokens",
            "GET /api/search",
        ]);
        const key = secretOf(created.outputs.key);
        // The key handed out works at once: a new token on the same account, since Grafana never shows the adopted one's secret.
        expect(key).toMatch(/^glsa_/);
        expect(key).not.toBe(deploy.key);
        expect(await home(key)).toBe(200);
        expect(created.outputs).toMatchObject({
            mode: "serviceAccount",
            serviceAccountId: account.id,
            ownServiceAccountId: null,
            grafanaOrgId: 1,
            role: "Editor",
            timeToLive: "30d",
            keyName: "pipelines-r2",
            previousKeyId: deploy.id,
            previousKeyName: "deploy",
            previousKey: "",
        });
        expect(created.outputs.previousKeyExpiresAt).toMatch(/^\d{4}-/);
        // The adopted token keeps working for whoever holds it; the account keeps its role and the others' tokens.
        expect([await home(build.key), await home(deploy.key), await home(report.key)]).toEqual([200, 200, 200]);
        await engineLog.waitFor("info", /adopted serviceaccount\/\d+\/token\/\d+ \(its service account \d+ stays its owner's/);

        await engine.refresh(adopting.urn);
        expect(engine.state.get(adopting.urn)?.outputs).toMatchObject({ keyId: created.outputs.keyId, previousKeyId: deploy.id });
        expect(await engine.preview(adopting)).toEqual({ step: "same", replaces: [] });
        // adopt is read only at create: taking it out of the program changes nothing.
        const adopted = await program(() => new GrafanaApiKey("deploy", args));
        expect(await engine.preview(adopted)).toEqual({ step: "same", replaces: [] });
        expect((await engine.up(adopted)).outputs.key).toBe(key);

        // A rotation: the new key is proven first; the adopted token, now the key before the previous one, goes.
        const rotated = await engine.up(await program(() => new GrafanaApiKey("deploy", { ...args, rotationTrigger: "1" })));
        const next = secretOf(rotated.outputs.key);
        expect([await home(next), await home(key), await home(deploy.key)]).toEqual([200, 200, 401]);

        await engine.destroy(adopting.urn);
        expect([await home(next), await home(key)]).toEqual([401, 401]);
        expect(emulator.state.serviceAccounts()).toEqual([
            expect.objectContaining({
                id: account.id,
                role: "Editor",
                tokens: [expect.objectContaining({ name: "build" }), expect.objectContaining({ name: "report" })],
            }),
        ]);
        expect([await home(build.key), await home(report.key)]).toEqual([200, 200]);
    });

    test("a GrafanaApiKey adopting a service account owns it: destroy deletes the account", async () => {
        const { engine, emulator } = session;
        const account = await someoneElse<Account>("POST", "/api/serviceaccounts", { name: "solo", role: "Viewer" });
        const token = await someoneElse<Omit<Token, "name">>("POST", `/api/serviceaccounts/${account.id}/tokens`, { name: "solo" });
        const adopting = await program(
            () => new GrafanaApiKey("solo", { endpoint: emulator.url, name: "solo", adopt: `serviceaccount/${account.id}` }),
        );
        const created = await engine.up(adopting);
        expect(created.outputs).toMatchObject({ ownServiceAccountId: account.id, previousKeyId: token.id, keyName: "solo-r2" });
        expect([await home(created.outputs.key), await home(token.key)]).toEqual([200, 200]);
        await engine.destroy(adopting.urn);
        expect(emulator.state.serviceAccounts()).toEqual([]);
    });

    test("a GrafanaServiceAccountToken adopting a token: a working token at once; destroy deletes its tokens, never the account", async () => {
        const { engine, emulator } = session;
        const { account, tokens } = await sharedAccount();
        const adopting = await program(
            () =>
                new GrafanaServiceAccountToken("report", {
                    endpoint: emulator.url,
                    serviceAccountId: account.id,
                    name: "report",
                    adopt: `serviceaccount/${account.id}/token/${tokens[2].id}`,
                }),
        );
        const created = await engine.up(adopting);
        expect(created.outputs).toMatchObject({ keyName: "report-r2", previousKeyId: tokens[2].id, timeToLive: null });
        // The adopted token expires and the program gives no timeToLive: the change of the key's life is said.
        await session.engineLog.waitFor(
            "warning",
            /"report": its current key expires at \S+, but no timeToLive is set, so its new key will never expire/,
        );
        expect([await home(created.outputs.key), await home(tokens[2].key)]).toEqual([200, 200]);
        expect(await engine.preview(adopting)).toEqual({ step: "same", replaces: [] });
        await engine.destroy(adopting.urn);
        expect(emulator.state.serviceAccounts()[0].tokens.map((token) => token.name)).toEqual(["build", "deploy"]);
    });

    test("an adopted token that has expired works for nobody: the adopting up deletes it once the new token works", async () => {
        const { engine, emulator } = session;
        const account = await someoneElse<Account>("POST", "/api/serviceaccounts", { name: "ci", role: "Viewer" });
        const old = await someoneElse<Token>("POST", `/api/serviceaccounts/${account.id}/tokens`, { name: "ci", secondsToLive: 60 });
        emulator.clock.advance(120);
        const created = await engine.up(
            await program(() => new GrafanaApiKey("ci", { endpoint: emulator.url, name: "ci", adopt: `serviceaccount/${account.id}` })),
        );
        expect(created.outputs).toMatchObject({ keyName: "ci-r2", previousKeyId: null });
        expect(await home(created.outputs.key)).toBe(200);
        expect(emulator.state.serviceAccounts()[0].tokens.map((token) => token.id)).toEqual([created.outputs.keyId]);
        expect(old.id).not.toBe(created.outputs.keyId);
        await engine.destroy((await program(() => new GrafanaApiKey("ci", { endpoint: emulator.url, name: "ci" }))).urn);
    });

    test("a GrafanaServiceAccount adopted as it is: nothing changed at create, preview unchanged, destroy deletes it", async () => {
        const { engine, emulator } = session;
        const account = await someoneElse<Account>("POST", "/api/serviceaccounts", { name: "ci-bot", role: "Admin" });
        const adopting = await program(
            () =>
                new GrafanaServiceAccount("ci", {
                    endpoint: emulator.url,
                    name: "ci-bot",
                    role: "Admin",
                    adopt: `serviceaccount/${account.id}`,
                }),
        );
        emulator.requests.length = 0;
        const created = await engine.up(adopting);
        expect(created).toMatchObject({ id: `serviceaccount/${account.id}`, outputs: { serviceAccountId: account.id, role: "Admin" } });
        expect(emulator.requests.map((request) => request.method)).toEqual(["GET"]);
        expect(await engine.preview(adopting)).toEqual({ step: "same", replaces: [] });
        await engine.destroy(adopting.urn);
        expect(emulator.state.serviceAccounts()).toEqual([]);
    });

    test("a program that declares the object otherwise than Grafana holds it fails naming the field and Grafana's value; nothing is changed", async () => {
        const { engine, emulator } = session;
        const { account, tokens } = await sharedAccount();
        // role omitted: Viewer, while the account is Editor.
        const adopting = await program(
            () =>
                new GrafanaApiKey("deploy", {
                    endpoint: emulator.url,
                    name: "pipelines",
                    adopt: `serviceaccount/${account.id}/token/${tokens[1].id}`,
                }),
        );
        await expect(engine.up(adopting)).rejects.toThrow(
            /cannot adopt "serviceaccount\/\d+\/token\/\d+" as the program declares it: role is "Editor" in Grafana, "Viewer" in the program\. Nothing was changed\. Declare role: "Editor"/,
        );
        expect(engine.state.has(adopting.urn)).toBe(false);
        expect(emulator.state.serviceAccounts()[0].tokens).toHaveLength(3);
    });

    test("an adopt id that names nothing fails saying so; nothing is changed", async () => {
        const { engine, emulator } = session;
        const adopting = await program(
            () =>
                new GrafanaServiceAccountToken("gone", {
                    endpoint: emulator.url,
                    serviceAccountId: 77,
                    name: "gone",
                    adopt: "serviceaccount/77/token/5",
                }),
        );
        await expect(engine.up(adopting)).rejects.toThrow(
            /cannot adopt "serviceaccount\/77\/token\/5": token 5 of service account 77 was not found on .*Nothing was changed/,
        );
        expect(engine.state.has(adopting.urn)).toBe(false);
    });

    test.each([
        [
            "GrafanaApiKey",
            () => new GrafanaApiKey("k", { endpoint: "https://g.example.com", name: "k", adopt: "token/5" }),
            "adopt",
            /adopt "token\/5" is not allowed \(it is not one of the forms\): use .*apikey\/<key id>.*serviceaccount\/<service account id>\/token\/<token id>/,
        ],
        [
            "GrafanaApiKey",
            () => new GrafanaApiKey("k", { endpoint: "https://g.example.com", name: "k", adopt: "https://g.example.com|serviceaccount/9" }),
            "adopt",
            /it names the Grafana too: give only what follows the last \|/,
        ],
        [
            "GrafanaApiKey",
            () => new GrafanaApiKey("k", { endpoint: "https://g.example.com", adopt: "serviceaccount/9" }),
            "name",
            /name is required with adopt: give the adopted object's name as Grafana shows it/,
        ],
        [
            "GrafanaServiceAccount",
            () => new GrafanaServiceAccount("a", { endpoint: "https://g.example.com", name: "a", adopt: "serviceaccount/9/token/1" }),
            "adopt",
            /use the id of the existing object to take over: serviceaccount\/<service account id>;/,
        ],
        [
            "GrafanaServiceAccountToken",
            () =>
                new GrafanaServiceAccountToken("t", {
                    endpoint: "https://g.example.com",
                    serviceAccountId: 8,
                    name: "t",
                    adopt: "serviceaccount/9/token/1",
                }),
            "adopt",
            /names a token of service account 9, but serviceAccountId is 8/,
        ],
    ] as const)("%s: check fails a bad adopt naming the field and the allowed form", async (_type, make, property, reason) => {
        const resource = await program(make);
        const failure = await session.engine.preview(resource).catch((error: unknown) => error);
        expect(failure).toBeInstanceOf(CheckFailedError);
        expect((failure as CheckFailedError).failures).toEqual([{ property, reason: expect.stringMatching(reason) as unknown }]);
    });

    test("a change that replaces an adopted key fails while the program still says adopt; without it, the replacement goes ahead", async () => {
        const { engine, emulator } = session;
        const account = await someoneElse<Account>("POST", "/api/serviceaccounts", { name: "solo", role: "Viewer" });
        await someoneElse("POST", `/api/serviceaccounts/${account.id}/tokens`, { name: "solo" });
        const adopt = `serviceaccount/${account.id}`;
        const created = await engine.up(await program(() => new GrafanaApiKey("solo", { endpoint: emulator.url, name: "solo", adopt })));

        const renamed = await program(() => new GrafanaApiKey("solo", { endpoint: emulator.url, name: "solo-2", adopt }));
        await expect(engine.preview(renamed)).rejects.toThrow(
            /This change replaces the resource \(name\), and its program still gives adopt "serviceaccount\/\d+": the replacement would adopt the very object the old resource then deletes\. Remove adopt/,
        );
        expect(await home(created.outputs.key)).toBe(200);

        const replaced = await engine.up(await program(() => new GrafanaApiKey("solo", { endpoint: emulator.url, name: "solo-2" })));
        expect(replaced.outputs.name).toBe("solo-2");
        expect(emulator.state.serviceAccounts().map((sa) => sa.name)).toEqual(["solo-2"]);
        await engine.destroy(renamed.urn);
        expect(emulator.state.serviceAccounts()).toEqual([]);
    });

    test("the import resource option fails in one line saying to use adopt, with the id to give it", () => {
        expect(
            () =>
                new GrafanaApiKey(
                    "ci",
                    { endpoint: "https://g.example.com" },
                    { import: "https://g.example.com|serviceaccount/9/token/10" },
                ),
        ).toThrow(
            /^GrafanaApiKey "ci": the import resource option cannot take over a dynamic resource .*give the input adopt: "serviceaccount\/9\/token\/10" instead/,
        );
        expect(
            () => new GrafanaServiceAccount("ci", { endpoint: "https://g.example.com" }, { import: "https://g.example.com|12" }),
        ).toThrow(/adopt: "serviceaccount\/12"/);
        const workspaceId =
            "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Dashboard/grafana/ws";
        expect(() => new WorkspaceApiKeyEnablement("keys", { workspaceId }, { import: workspaceId })).toThrow(
            /^WorkspaceApiKeyEnablement "keys": the import resource option cannot take over a dynamic resource .*; remove it: declared without it, the resource takes the workspace as it is/,
        );
    });
});

describe("on Grafana 10.4 (legacy API keys)", () => {
    let session: HostSession;
    beforeAll(async () => {
        session = await startHostSession("10.4");
        home = (key) => session.home(key);
    });
    afterAll(() => session.stop());

    test("a GrafanaApiKey adopting a legacy key: a new legacy key at once, the adopted one as the previous key; destroy deletes both and nothing else", async () => {
        const { engine, emulator } = session;
        const other = await asOtherAdmin<{ id: number; key: string }>(emulator, "POST", "/api/auth/keys", {
            name: "someone-elses",
            role: "Admin",
        });
        const old = await asOtherAdmin<{ id: number; key: string }>(emulator, "POST", "/api/auth/keys", {
            name: "grafana-ci",
            role: "Viewer",
            secondsToLive: 14 * 86_400,
        });
        const adopting = await register(() => [
            new GrafanaApiKey("ci", { endpoint: emulator.url, name: "grafana-ci", timeToLive: "14d", adopt: `apikey/${old.id}` }),
        ]);
        const created = await engine.up(adopting[0]);
        expect(created.id).toBe(`apikey/${old.id}`);
        expect(created.outputs).toMatchObject({ mode: "apiKey", keyName: "grafana-ci-r2", previousKeyId: old.id, timeToLive: "14d" });
        expect([await home(created.outputs.key), await home(old.key)]).toEqual([200, 200]);
        expect(await engine.preview(adopting[0])).toEqual({ step: "same", replaces: [] });
        await engine.destroy(adopting[0].urn);
        expect(emulator.state.apiKeys().map((key) => key.name)).toEqual(["someone-elses"]);
        expect(await home(other.key)).toBe(200);
    });
});
