import { Emulator } from "azure-managed-grafana-emulator";
import { EngineLogServer } from "../harness/engineLog";
import { PluginSession, usePluginSession } from "../harness/pluginSession";
import { isSecret, PluginHost, Props, urnOf } from "../harness/pluginHost";
import { asOtherAdmin } from "../harness/otherClient";

/**
 * What `pulumi import` hands over, through the real plugin over gRPC against the emulator, with the calls the engine
 * makes (pulumi/pulumi pkg/resource/deploy/step.go): ImportStep reads with the id alone, checks the inputs it read
 * (keeping only the failures) and stores those inputs as read; RefreshStep reads with the stored inputs and state,
 * then asks Diff with the refreshed outputs as the olds and the stored inputs as the news
 * (step_generator.go diffResource, called "as if `up` ran a no-change program").
 */

type ResourceType = "GrafanaApiKey" | "GrafanaServiceAccount" | "GrafanaServiceAccountToken";
interface Stored {
    type: ResourceType;
    name: string;
    id: string;
    inputs: Props;
    outputs: Props;
}

let grafana: Emulator;
let engineLog: EngineLogServer;
let host: PluginHost;
let session: PluginSession;

usePluginSession("12.1", (started) => {
    session = started;
    ({ grafana, engineLog, host } = started);
});
afterEach(() => grafana.reset());

/** Another team's client of the same Grafana. */
const someoneElse = <T>(method: string, apiPath: string, body?: unknown): Promise<T> => asOtherAdmin<T>(grafana, method, apiPath, body);

/** `pulumi import`: Read with the id alone, Check of what it read (failures only), the read inputs stored as they are. */
async function pulumiImport(type: ResourceType, name: string, importId: string): Promise<Stored> {
    const urn = urnOf(type, name);
    const read = await host.read(urn, importId);
    expect(read.inputs).toBeDefined();
    const checked = await host.check(urn, read.inputs!, read.inputs!);
    expect(checked.failures).toEqual([]);
    return { type, name, id: read.id, inputs: read.inputs!, outputs: read.properties };
}

/** `pulumi refresh`: Read with the stored inputs and state, then Diff(olds = refreshed outputs, news = stored inputs). */
async function pulumiRefresh(stored: Stored): Promise<{ state: Stored; changes: string }> {
    const urn = urnOf(stored.type, stored.name);
    const read = await host.read(urn, stored.id, stored.outputs, stored.inputs);
    const state = { ...stored, id: read.id, outputs: read.properties, inputs: read.inputs ?? stored.inputs };
    const diff = await host.diff(urn, state.id, state.outputs, stored.inputs, state.inputs);
    return { state, changes: diff.changes };
}

/** The program `pulumi import` printed, run by `pulumi up`: Check against the stored inputs, Diff, Update. */
async function pulumiUp(stored: Stored, program: Props): Promise<{ step: string; state: Stored }> {
    const urn = urnOf(stored.type, stored.name);
    const checked = await host.check(urn, stored.inputs, program);
    expect(checked.failures).toEqual([]);
    const diff = await host.diff(urn, stored.id, stored.outputs, checked.inputs, stored.inputs);
    if (diff.changes === "none") return { step: "same", state: stored };
    if (diff.replaces.length > 0) return { step: `replace ${diff.replaces.join(",")}`, state: stored };
    const outputs = await host.update(urn, stored.id, stored.outputs, checked.inputs);
    return { step: "update", state: { ...stored, inputs: checked.inputs, outputs } };
}

interface Account {
    id: number;
}
interface Token {
    id: number;
    key: string;
}

/** A service account of another team's with three pipelines' tokens on it. */
async function sharedAccount(): Promise<{ account: Account; tokens: Token[] }> {
    const account = await someoneElse<Account>("POST", "/api/serviceaccounts", { name: "pipelines", role: "Editor" });
    const tokens: Token[] = [];
    for (const pipeline of ["build", "deploy", "report"]) {
        tokens.push(await someoneElse<Token>("POST", `/api/serviceaccounts/${account.id}/tokens`, { name: pipeline }));
    }
    return { account, tokens };
}

describe("a GrafanaApiKey imported as one token of a shared service account owns that token, not the account", () => {
    test("destroy deletes only its token: the account and the other pipelines' tokens keep working", async () => {
        const { account, tokens } = await sharedAccount();
        const stored = await pulumiImport("GrafanaApiKey", "deploy", `${grafana.url}|serviceaccount/${account.id}/token/${tokens[1].id}`);
        expect(stored.outputs).toMatchObject({ mode: "serviceAccount", serviceAccountId: account.id, ownServiceAccountId: null });

        await host.delete(urnOf("GrafanaApiKey", "deploy"), stored.id, stored.outputs);

        expect(grafana.state.serviceAccounts()).toEqual([
            expect.objectContaining({
                id: account.id,
                tokens: [expect.objectContaining({ name: "build" }), expect.objectContaining({ name: "report" })],
            }),
        ]);
        expect(await session.home(tokens[0].key)).toBe(200);
        expect(await session.home(tokens[2].key)).toBe(200);
        expect(await session.home(tokens[1].key)).toBe(401);
    });

    test("after a rotation, destroy deletes its tokens, the imported one and its successor, and nothing else", async () => {
        const { account, tokens } = await sharedAccount();
        const stored = await pulumiImport("GrafanaApiKey", "deploy", `${grafana.url}|serviceaccount/${account.id}/token/${tokens[1].id}`);
        const rotated = await pulumiUp(stored, { ...stored.inputs, timeToLive: "30d" });
        expect(rotated.step).toBe("update");
        const successor = (rotated.state.outputs.key as { value: string }).value;
        expect(await session.home(successor)).toBe(200);

        await host.delete(urnOf("GrafanaApiKey", "deploy"), rotated.state.id, rotated.state.outputs);
        expect(await session.home(successor)).toBe(401);
        expect(await session.home(tokens[0].key)).toBe(200);
        expect(await session.home(tokens[2].key)).toBe(200);
        expect(grafana.state.serviceAccounts()[0].tokens.map((token) => token.name)).toEqual(["build", "report"]);
    });

    test("a role change does not touch the shared account: it is planned as a replacement, and said so", async () => {
        const { account, tokens } = await sharedAccount();
        const stored = await pulumiImport("GrafanaApiKey", "deploy", `${grafana.url}|serviceaccount/${account.id}/token/${tokens[1].id}`);
        const planned = await pulumiUp(stored, { ...stored.inputs, role: "Admin" });
        expect(planned.step).toBe("replace role");
        expect(grafana.state.serviceAccounts()[0].role).toBe("Editor");
        await engineLog.waitFor("info", /is not its own \(the key was imported as one of its tokens\), so the role Admin is not set on it/);
    });

    test("imported by its account, the key owns the account: destroy deletes it", async () => {
        const account = await someoneElse<Account>("POST", "/api/serviceaccounts", { name: "solo", role: "Viewer" });
        const token = await someoneElse<Token>("POST", `/api/serviceaccounts/${account.id}/tokens`, { name: "solo" });
        const stored = await pulumiImport("GrafanaApiKey", "solo", `${grafana.url}|serviceaccount/${account.id}`);
        expect(stored.outputs).toMatchObject({ ownServiceAccountId: account.id });
        await host.delete(urnOf("GrafanaApiKey", "solo"), stored.id, stored.outputs);
        expect(grafana.state.serviceAccounts()).toEqual([]);
        expect(await session.home(token.key)).toBe(401);
    });
});

describe("refresh straight after an import", () => {
    test.each([
        ["GrafanaServiceAccount", (account: Account) => `${grafana.url}|${account.id}`],
        ["GrafanaApiKey", (account: Account) => `${grafana.url}|serviceaccount/${account.id}`],
        ["GrafanaServiceAccountToken", (account: Account, token: Token) => `${grafana.url}|serviceaccount/${account.id}/token/${token.id}`],
    ] as const)(
        "%s: refresh works on the inputs the import stored, and the printed program then changes nothing it should not",
        async (type, importId) => {
            const account = await someoneElse<Account>("POST", "/api/serviceaccounts", { name: "imported", role: "Editor" });
            const token = await someoneElse<Token>("POST", `/api/serviceaccounts/${account.id}/tokens`, { name: "imported" });
            const stored = await pulumiImport(type, "adopted", importId(account, token));

            const refreshed = await pulumiRefresh(stored);
            expect(refreshed.state.id).toBe(stored.id);
            // A service account matches the printed program; a key whose secret is unknown is due to rotate.
            expect(refreshed.changes).toBe(type === "GrafanaServiceAccount" ? "none" : "some");
            expect(host.errors.filter((error) => /pulumi up/.test(error))).toEqual([]);

            const next = await pulumiUp(refreshed.state, stored.inputs);
            expect(next.step).toBe(type === "GrafanaServiceAccount" ? "same" : "update");
            expect(grafana.state.serviceAccounts()).toEqual([expect.objectContaining({ id: account.id, role: "Editor" })]);
        },
    );
});

describe("adopt, the plugin's schema carrying the TypeScript input", () => {
    test("a GrafanaApiKey created with adopt takes over one token of a shared account and hands out a working key, secret", async () => {
        const { account, tokens } = await sharedAccount();
        const urn = urnOf("GrafanaApiKey", "deploy");
        const program = {
            endpoint: grafana.url,
            name: "pipelines",
            role: "Editor",
            adopt: `serviceaccount/${account.id}/token/${tokens[1].id}`,
        };
        const checked = await host.check(urn, {}, program);
        expect(checked.failures).toEqual([]);
        const created = await host.create(urn, checked.inputs);
        expect(created.id).toBe(program.adopt);
        expect(created.properties).toMatchObject({ ownServiceAccountId: null, previousKeyId: tokens[1].id, keyName: "pipelines-r2" });
        const key = created.properties.key;
        if (!isSecret(key)) throw new Error("the key is not marked secret");
        const minted = String(key.value);
        expect(minted).toMatch(/^glsa_/);
        expect([await session.home(minted), await session.home(tokens[1].key)]).toEqual([200, 200]);
        // adopt is read only at create: the program without it previews as no change, and shows no property as changed.
        const afterwards: Props = { ...program };
        delete afterwards.adopt;
        const rechecked = await host.check(urn, checked.inputs, afterwards);
        expect(await host.diff(urn, created.id, created.properties, rechecked.inputs, checked.inputs)).toEqual({
            changes: "none",
            replaces: [],
            deleteBeforeReplace: false,
            detailedDiff: {},
        });
        await host.delete(urn, created.id, created.properties);
        expect(grafana.state.serviceAccounts()[0].tokens.map((token) => token.name)).toEqual(["build", "report"]);
    });
});
