import { configure } from "pulumi-azure-grafana-keys/impl";
import { SomeLifecycle, TypedLifecycle, typedLifecycle } from "../harness/lifecycle";
import { Emulator, GrafanaProfile, startEmulator } from "azure-managed-grafana-emulator";
import { asOtherAdmin } from "../harness/otherClient";

/**
 * After a create whose answer was lost, the provider looks the object up by name. What it finds is
 * adopted (a service account) or deleted and minted again (a token or legacy key, whose secret went with
 * the lost answer) only if it is provably this attempt's: made no earlier than the attempt began, by
 * Grafana's own clock (its Date header and the object's creation time), or, for a legacy key that has no
 * creation time, holding an id above every one the org had before the attempt. Anything else of that
 * name is someone else's: left alone, and the error says the name is taken.
 *
 * In process, through lifecycle(...) against the emulator over real HTTP, signed in with GRAFANA_AUTH;
 * "someone else" is another client calling the same Grafana API.
 */

const MINUTE_MS = 60_000;
const apiKey = typedLifecycle("GrafanaApiKey");
const account = typedLifecycle("GrafanaServiceAccount");
const token = typedLifecycle("GrafanaServiceAccountToken");

beforeAll(async () => {
    const settings: Record<string, string> = { minRetryDelayMs: "5", maxRetryDelayMs: "20", maxRetries: "2" };
    await configure({ config: { get: (key: string) => settings[key.replace(/^azure-grafana-keys:/, "")] } });
});

const emulators = new Map<GrafanaProfile, Emulator>();
async function grafana(profile: GrafanaProfile): Promise<Emulator> {
    let emulator = emulators.get(profile);
    if (!emulator) {
        emulator = await startEmulator({ profile });
        emulators.set(profile, emulator);
    }
    emulator.reset();
    process.env.GRAFANA_AUTH = emulator.credentials.adminBasic;
    return emulator;
}
afterAll(async () => {
    for (const emulator of emulators.values()) await emulator.close();
});

const someoneElse = asOtherAdmin;

async function home(emulator: Emulator, key: string): Promise<number> {
    const response = await fetch(`${emulator.url}/api/dashboards/home`, { headers: { authorization: `Bearer ${key}` } });
    await response.arrayBuffer();
    return response.status;
}

async function checkedFor(resource: SomeLifecycle, news: Record<string, unknown>): Promise<Record<string, unknown>> {
    const result = await resource.check({}, { logicalName: "ci", ...news });
    expect(result.failures ?? []).toEqual([]);
    return result.inputs as Record<string, unknown>;
}

/** What a create hands back to Pulumi. */
function create<State>(resource: TypedLifecycle<State>, inputs: Record<string, unknown>): Promise<{ id: string; outs: State }> {
    return resource.create(inputs);
}

const TAKEN = (kind: string, name: string) =>
    new RegExp(`the name "${name}" is taken: a ${kind} of that name \\(id \\d+\\) existed before this attempt.*left alone`, "s");

describe("someone else's object of the same name is never adopted or deleted", () => {
    // Grafana's clock on time, ahead of ours, behind ours: only Grafana's own clock decides.
    test.each([
        ["on time", 0],
        ["10 minutes ahead", 10 * MINUTE_MS],
        ["10 minutes behind", -10 * MINUTE_MS],
    ])(
        "an Admin service account made seconds before, Grafana's clock %s: a Viewer key of its name leaves it as it was",
        async (_clock, skewMs) => {
            const emulator = await grafana("12.1");
            emulator.clock.set(Date.now() + skewMs);
            const theirs = await someoneElse<{ id: number }>(emulator, "POST", "/api/serviceaccounts", { name: "X", role: "Admin" });
            const theirToken = await someoneElse<{ key: string }>(emulator, "POST", `/api/serviceaccounts/${theirs.id}/tokens`, {
                name: "x-ops",
            });
            emulator.clock.advance(5);
            emulator.faults.failNext(1, 502, { method: "POST", path: "/api/serviceaccounts" });

            await expect(apiKey.create(await checkedFor(apiKey, { endpoint: emulator.url, name: "X", role: "Viewer" }))).rejects.toThrow(
                TAKEN("service account", "X"),
            );
            expect(emulator.state.serviceAccounts()).toEqual([
                expect.objectContaining({ id: theirs.id, name: "X", role: "Admin", tokens: [expect.objectContaining({ name: "x-ops" })] }),
            ]);
            expect(await home(emulator, theirToken.key)).toBe(200);
        },
    );

    test.each([
        ["on time", 0],
        ["10 minutes ahead", 10 * MINUTE_MS],
    ])("a GrafanaServiceAccount of a taken name neither adopts nor re-roles the account, Grafana's clock %s", async (_clock, skewMs) => {
        const emulator = await grafana("12.1");
        emulator.clock.set(Date.now() + skewMs);
        await someoneElse(emulator, "POST", "/api/serviceaccounts", { name: "X", role: "Admin" });
        emulator.clock.advance(5);
        emulator.faults.failNext(1, 502, { method: "POST", path: "/api/serviceaccounts" });

        await expect(account.create(await checkedFor(account, { endpoint: emulator.url, name: "X", role: "Viewer" }))).rejects.toThrow(
            TAKEN("service account", "X"),
        );
        expect(emulator.state.serviceAccounts()).toEqual([expect.objectContaining({ name: "X", role: "Admin" })]);
    });

    test("a token of a taken name on the same account is not deleted", async () => {
        const emulator = await grafana("12.1");
        const bot = await someoneElse<{ id: number }>(emulator, "POST", "/api/serviceaccounts", { name: "bot" });
        const theirs = await someoneElse<{ key: string }>(emulator, "POST", `/api/serviceaccounts/${bot.id}/tokens`, { name: "T" });
        emulator.clock.advance(5);
        emulator.faults.failNext(1, 502, { method: "POST", path: `/api/serviceaccounts/${bot.id}/tokens` });

        await expect(
            token.create(await checkedFor(token, { endpoint: emulator.url, serviceAccountId: bot.id, name: "T" })),
        ).rejects.toThrow(TAKEN("service account token", "T"));
        expect(emulator.state.serviceAccounts()[0].tokens).toEqual([expect.objectContaining({ name: "T" })]);
        expect(await home(emulator, theirs.key)).toBe(200);
    });

    test.each([
        ["with the same time to live", 86_400, "1d"],
        ["living longer than ours", 30 * 86_400, "7d"],
        ["that never expires", 0, "1d"],
    ])("Grafana 10.4: someone else's legacy key %s is not deleted", async (_case, theirSeconds, ours) => {
        const emulator = await grafana("10.4");
        const theirs = await someoneElse<{ key: string }>(emulator, "POST", "/api/auth/keys", {
            name: "X",
            role: "Admin",
            secondsToLive: theirSeconds,
        });
        emulator.faults.failNext(1, 502, { method: "POST", path: "/api/auth/keys" });

        await expect(
            apiKey.create(await checkedFor(apiKey, { endpoint: emulator.url, name: "X", mode: "apiKey", timeToLive: ours })),
        ).rejects.toThrow(TAKEN("legacy API key", "X"));
        expect(emulator.state.apiKeys()).toEqual([expect.objectContaining({ name: "X", role: "Admin" })]);
        expect(await home(emulator, theirs.key)).toBe(200);
    });
});

describe("this attempt's own object is found again, whatever Grafana's clock says", () => {
    test.each([
        ["on time", 0],
        ["10 minutes ahead", 10 * MINUTE_MS],
        ["10 minutes behind", -10 * MINUTE_MS],
    ])("a service account Grafana made despite a 500 is adopted, Grafana's clock %s", async (_clock, skewMs) => {
        const emulator = await grafana("12.1");
        emulator.clock.set(Date.now() + skewMs);
        emulator.faults.failNext(1, 500, { method: "POST", path: "/api/serviceaccounts", afterActing: true });

        const { outs } = await create(apiKey, await checkedFor(apiKey, { endpoint: emulator.url, name: "mine" }));
        expect(emulator.state.serviceAccounts()).toEqual([
            expect.objectContaining({ id: outs.serviceAccountId, name: "mine", tokens: [expect.objectContaining({ id: outs.keyId })] }),
        ]);
        expect(await home(emulator, outs.key)).toBe(200);
    });

    test.each([
        ["on time", 0],
        ["10 minutes behind", -10 * MINUTE_MS],
    ])("a token whose answer was lost is replaced by one whose secret we hold, Grafana's clock %s", async (_clock, skewMs) => {
        const emulator = await grafana("12.1");
        emulator.clock.set(Date.now() + skewMs);
        const bot = await someoneElse<{ id: number }>(emulator, "POST", "/api/serviceaccounts", { name: "bot" });
        emulator.faults.dropNext(1, { method: "POST", path: `/api/serviceaccounts/${bot.id}/tokens`, afterActing: true });

        const { outs } = await create(token, await checkedFor(token, { endpoint: emulator.url, serviceAccountId: bot.id, name: "T" }));
        expect(emulator.state.serviceAccounts()[0].tokens).toEqual([expect.objectContaining({ id: outs.tokenId, name: "T" })]);
        expect(await home(emulator, outs.key)).toBe(200);
    });

    test.each<[string, number | undefined, "500-after-acting" | "reset-after-acting"]>([
        ["without a time to live, answered 500 after acting", undefined, "500-after-acting"],
        ["without a time to live, its connection reset after acting", undefined, "reset-after-acting"],
        ["with a time to live, Grafana's clock 10 minutes behind", -10 * MINUTE_MS, "500-after-acting"],
    ])("Grafana 10.4: a named legacy key %s is deleted and minted again, and the next up is clean", async (_case, skewMs, fault) => {
        const emulator = await grafana("10.4");
        if (skewMs !== undefined) emulator.clock.set(Date.now() + skewMs);
        const where = { method: "POST", path: "/api/auth/keys", afterActing: true };
        if (fault === "500-after-acting") emulator.faults.failNext(1, 500, where);
        else emulator.faults.dropNext(1, where);
        const inputs = await checkedFor(apiKey, {
            endpoint: emulator.url,
            name: "legacy",
            mode: "apiKey",
            ...(skewMs === undefined ? {} : { timeToLive: "1d" }),
        });

        const { id, outs } = await create(apiKey, inputs);
        expect(emulator.state.apiKeys()).toEqual([expect.objectContaining({ id: outs.keyId, name: "legacy" })]);
        expect(await home(emulator, outs.key)).toBe(200);
        // What `pulumi destroy` and the next `pulumi up` then do: nothing is left to collide with.
        await apiKey.delete(id, outs);
        expect(emulator.state.apiKeys()).toEqual([]);
        const again = await create(apiKey, inputs);
        expect(emulator.state.apiKeys()).toEqual([expect.objectContaining({ id: again.outs.keyId, name: "legacy" })]);
    });
});
