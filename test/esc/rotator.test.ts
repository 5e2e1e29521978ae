import { Emulator, GrafanaProfile, startEmulator } from "azure-managed-grafana-emulator";
import { EscAnswer, EscSimulator, startEscSimulator } from "./escSimulator";

/**
 * The ESC external rotator for Grafana keys, end to end on 127.0.0.1: ESC's signed POSTs (escSimulator.ts) to the
 * adapter's own handler and server, which rotates through the provider's GrafanaApiKey lifecycle against the
 * emulated Grafana over HTTP, signed in with GRAFANA_AUTH. A consumer is an application that read `current.key`
 * when it last opened the environment and calls Grafana with it.
 */

const HOUR = 3600;
const env: NodeJS.ProcessEnv = {
    ...process.env,
    AZURE_GRAFANA_KEYS_MIN_RETRY_DELAY_MS: "5",
    AZURE_GRAFANA_KEYS_MAX_RETRY_DELAY_MS: "20",
    AZURE_GRAFANA_KEYS_MAX_RETRIES: "2",
};
Object.assign(process.env, {
    AZURE_GRAFANA_KEYS_MIN_RETRY_DELAY_MS: "5",
    AZURE_GRAFANA_KEYS_MAX_RETRY_DELAY_MS: "20",
    AZURE_GRAFANA_KEYS_MAX_RETRIES: "2",
});

/** Everything the adapter and the provider wrote, for the leak check at the end. */
const emitted: string[] = [];
const logLine = (line: string) => void emitted.push(line);
for (const method of ["log", "error", "warn", "info"] as const) {
    jest.spyOn(console, method).mockImplementation((...args: unknown[]) => void emitted.push(args.map(String).join(" ")));
}

let esc: EscSimulator;
const emulators: Emulator[] = [];
beforeAll(async () => {
    esc = await startEscSimulator(env);
});
afterAll(async () => {
    await esc.close();
    for (const emulator of emulators) await emulator.close();
});

async function grafana(profile: GrafanaProfile): Promise<Emulator> {
    const emulator = await startEmulator({ profile });
    emulators.push(emulator);
    process.env.GRAFANA_AUTH = emulator.credentials.adminBasic;
    return emulator;
}

/** What an application holding `key` gets from Grafana. */
async function consumerStatus(emulator: Emulator, key: string): Promise<number> {
    const response = await fetch(`${emulator.url}/api/search?limit=1`, { headers: { authorization: `Bearer ${key}` } });
    await response.arrayBuffer();
    return response.status;
}

type Current = {
    key: string;
    keyId: number;
    keyName: string;
    expiresAt: string;
    previousKeyId: number | null;
    previousKeyExpiresAt: string | null;
};

function current(answer: EscAnswer): Current {
    expect({ status: answer.status, error: answer.body.error }).toEqual({ status: 200, error: undefined });
    return answer.body as unknown as Current;
}

function tokensOf(emulator: Emulator, accountName: string): string[] {
    return (emulator.state.serviceAccounts().find((account) => account.name === accountName)?.tokens ?? [])
        .map((token) => token.name)
        .sort();
}

const requestFor = (emulator: Emulator, name = "ci") => ({ endpoint: emulator.url, name, role: "Viewer", timeToLive: "2h" });

/** Grafana requests per rotation, for the report. */
const costs: Record<string, number[]> = {};
async function counted(label: string, emulator: Emulator, call: () => Promise<EscAnswer>): Promise<EscAnswer> {
    const before = emulator.requests.length;
    const answer = await call();
    (costs[label] ??= []).push(emulator.requests.length - before);
    return answer;
}
afterAll(() => {
    // One line for the report: Grafana requests per rotation.
    process.stdout.write(`ESC rotator Grafana requests per rotation: ${JSON.stringify(costs)}\n`);
});

describe("rotation with overlap, on ESC's schedule", () => {
    test("a first rotation and five more: a consumer holding the previous current keeps working until that key's expiry", async () => {
        const emulator = await grafana("12.1");
        // Someone else's account, named like a successor, and its token on the same Grafana: never touched. (Token names are
        // unique per org, so a token of theirs named like a successor would stop the rotation: the provider's rule.)
        const theirs = await fetch(`${emulator.url}/api/serviceaccounts`, {
            method: "POST",
            headers: {
                authorization: `Basic ${Buffer.from(emulator.credentials.adminBasic).toString("base64")}`,
                "content-type": "application/json",
            },
            body: JSON.stringify({ name: "ci-r2", role: "Admin" }),
        }).then((response) => response.json() as Promise<{ id: number }>);
        emulator.state.addToken(theirs.id, "deploy");
        const adapter = await esc.startAdapter(logLine);
        const request = requestFor(emulator);

        let state = current(await counted("first", emulator, () => adapter.rotate({ request, state: null })));
        expect(state).toMatchObject({ keyName: "ci", previousKeyId: null });
        expect(await consumerStatus(emulator, state.key)).toBe(200);
        const held: Current[] = [state];

        for (let rotation = 2; rotation <= 6; rotation++) {
            emulator.clock.advance(HOUR);
            const next = current(await counted("later", emulator, () => adapter.rotate({ request, state })));
            expect(next).toMatchObject({ keyName: `ci-r${rotation}`, previousKeyId: state.keyId });
            // The previous key's expiry as Grafana lists it (the answer that minted it had it from Grafana's clock, to the second).
            expect(Math.abs(Date.parse(next.previousKeyExpiresAt!) - Date.parse(state.expiresAt))).toBeLessThanOrEqual(1000);
            // The consumer that read `current` before this rotation, and the one that reads it now.
            expect(await consumerStatus(emulator, state.key)).toBe(200);
            expect(await consumerStatus(emulator, next.key)).toBe(200);
            // Superseded twice: gone. Grafana holds the current key and the previous one, nothing more.
            if (held.length >= 2) expect(await consumerStatus(emulator, held[held.length - 2].key)).toBe(401);
            expect(tokensOf(emulator, "ci")).toEqual(
                [`ci-r${rotation - 1}`, `ci-r${rotation}`].map((name) => name.replace(/-r1$/, "")).sort(),
            );
            held.push(next);
            state = next;
        }
        // The previous key keeps working up to its own expiry on Grafana's clock, and not past it.
        const previous = held[held.length - 2];
        const untilExpiry = (Date.parse(previous.expiresAt) - emulator.clock.now()) / 1000;
        emulator.clock.advance(untilExpiry - 60);
        expect(await consumerStatus(emulator, previous.key)).toBe(200);
        emulator.clock.advance(61);
        expect(await consumerStatus(emulator, previous.key)).toBe(401);
        expect(await consumerStatus(emulator, state.key)).toBe(200);
        // Someone else's objects, named like successors, are as they were.
        expect(tokensOf(emulator, "ci-r2")).toEqual(["deploy"]);
    });

    test("a Grafana upgrade between rotations (10.4 legacy key, then 12.1): the key moves to a token, the consumer never sees a 401", async () => {
        const emulator = await grafana("10.4");
        const adapter = await esc.startAdapter(logLine);
        const request = requestFor(emulator, "legacy");
        const first = current(await adapter.rotate({ request, state: null }));
        expect(first.key).toMatch(/^eyJ/);
        emulator.upgrade("12.1");
        expect(await consumerStatus(emulator, first.key)).toBe(200);
        emulator.clock.advance(HOUR);
        const second = current(await counted("after upgrade", emulator, () => adapter.rotate({ request, state: first })));
        expect(second.key).toMatch(/^glsa_/);
        expect(second.previousKeyId).toBe(first.keyId);
        expect(await consumerStatus(emulator, first.key)).toBe(200);
        expect(await consumerStatus(emulator, second.key)).toBe(200);
        emulator.clock.advance(HOUR / 2);
        const third = current(await adapter.rotate({ request, state: second }));
        expect(await consumerStatus(emulator, second.key)).toBe(200);
        expect(await consumerStatus(emulator, third.key)).toBe(200);
        expect(await consumerStatus(emulator, first.key)).toBe(401);
    });
});

test("a state written into the environment by hand is not the rotator's: the first rotation mints on an account of its own", async () => {
    const emulator = await grafana("12.1");
    const adapter = await esc.startAdapter(logLine);
    const first = current(await adapter.rotate({ request: requestFor(emulator), state: { apiKey: "existing-key-123", keyId: 1 } }));
    expect(first).toMatchObject({ keyName: "ci", previousKeyId: null });
    expect(emulator.state.serviceAccounts().map((account) => account.name)).toEqual(["ci"]);
    // One that claims to be the rotator's but is not readable is refused, rather than taken for a first rotation.
    const broken = await adapter.rotate({ request: requestFor(emulator), state: { ...first, resource: { type: "GrafanaApiKey" } } });
    expect(broken.status).toBe(400);
    expect(String(broken.body.error)).toMatch(
        /state\.resource is there but the state is not this rotator's answer \(fields: resource\.id, resource\.outputs\)/,
    );
    expect(tokensOf(emulator, "ci")).toEqual(["ci"]);
});

test("a key pinned to org 2: each rotation mints and cleans up there, and nothing in org 1", async () => {
    const emulator = await grafana("12.1");
    const adapter = await esc.startAdapter(logLine);
    const request = { ...requestFor(emulator, "org-two"), orgId: 2 };
    let state = current(await adapter.rotate({ request, state: null }));
    for (let rotation = 2; rotation <= 3; rotation++) {
        emulator.clock.advance(HOUR);
        state = current(await adapter.rotate({ request, state }));
    }
    expect(emulator.state.serviceAccounts(1)).toEqual([]);
    expect(emulator.state.serviceAccounts(2).map((account) => account.tokens.map((token) => token.name).sort())).toEqual([
        ["org-two-r2", "org-two-r3"],
    ]);
    expect(await consumerStatus(emulator, state.key)).toBe(200);
});

describe("a request that is not proven to be ESC's for this adapter and body: 401, nothing minted", () => {
    test.each([
        ["a wrong audience", { audience: "https://someone-else.example.com/rotate" }],
        ["an expired token", { expiresInSeconds: -120 }],
        ["an unknown key id", { unknownKey: true }],
        ["a tampered body", { hashedBody: JSON.stringify({ request: {}, state: null }) }],
        ["alg: none", { unsigned: true }],
        ["another issuer", { issuer: "https://api.example.com" }],
    ])("%s", async (_label, options) => {
        const emulator = await grafana("12.1");
        const adapter = await esc.startAdapter(logLine);
        const answer = await adapter.rotate({ request: requestFor(emulator), state: null }, options);
        expect(answer.status).toBe(401);
        expect(String(answer.body.error)).toMatch(/^unauthorized: /);
        expect(emulator.requests).toEqual([]);
        expect(emulator.state.serviceAccounts()).toEqual([]);
    });

    test("a request without a token", async () => {
        const emulator = await grafana("12.1");
        const adapter = await esc.startAdapter(logLine);
        const response = await fetch(adapter.url, { method: "POST", body: JSON.stringify({ request: requestFor(emulator), state: null }) });
        expect(response.status).toBe(401);
        expect(emulator.requests).toEqual([]);
    });

    test("a proven request with a field the rotator does not take: 400 naming it, nothing minted", async () => {
        const emulator = await grafana("12.1");
        const adapter = await esc.startAdapter(logLine);
        const answer = await adapter.rotate({ request: { ...requestFor(emulator), verify: false }, state: null });
        expect(answer.status).toBe(400);
        expect(String(answer.body.error)).toMatch(/request\.verify is not a field of this rotator: use workspaceId, endpoint, name/);
        expect(emulator.state.serviceAccounts()).toEqual([]);
    });
});

describe("retries and races", () => {
    test("a repeat after a lost answer, to the same instance: the same successor, one key for the generation", async () => {
        const emulator = await grafana("12.1");
        const adapter = await esc.startAdapter(logLine);
        const request = requestFor(emulator);
        const first = current(await adapter.rotate({ request, state: null }));
        const lost = current(await adapter.rotate({ request, state: first }));
        const repeat = current(await counted("repeat, same instance", emulator, () => adapter.rotate({ request, state: first })));
        expect(repeat).toEqual(lost);
        expect(tokensOf(emulator, "ci")).toEqual(["ci", "ci-r2"]);
        expect(await consumerStatus(emulator, repeat.key)).toBe(200);
    });

    test("a repeat after a lost answer, to another instance: refused while the first may be under way, then the generation minted again", async () => {
        const emulator = await grafana("12.1");
        const request = requestFor(emulator);
        const first = current(await (await esc.startAdapter(logLine)).rotate({ request, state: null }));
        const lost = current(await (await esc.startAdapter(logLine)).rotate({ request, state: first }));

        const coldInstance = await esc.startAdapter(logLine);
        const tooSoon = await coldInstance.rotate({ request, state: first });
        expect(tooSoon.status).toBe(409);
        expect(String(tooSoon.body.error)).toMatch(/a rotation of this key may be under way: its successor "ci-r2"/);
        expect(tokensOf(emulator, "ci")).toEqual(["ci", "ci-r2"]);
        expect(await consumerStatus(emulator, first.key)).toBe(200);

        // Past the longest a rotation can run (the provider's 900 s deadline and a minute), it was a lost answer.
        emulator.clock.advance(20 * 60);
        const repeat = current(await counted("repeat, another instance", emulator, () => coldInstance.rotate({ request, state: first })));
        expect(repeat.keyName).toBe("ci-r2");
        expect(repeat.previousKeyId).toBe(first.keyId);
        expect(tokensOf(emulator, "ci")).toEqual(["ci", "ci-r2"]);
        expect(await consumerStatus(emulator, lost.key)).toBe(401);
        expect(await consumerStatus(emulator, repeat.key)).toBe(200);
        expect(await consumerStatus(emulator, first.key)).toBe(200);
    });

    test("two concurrent rotations of one environment: both answers hold a working key", async () => {
        const emulator = await grafana("12.1");
        const request = requestFor(emulator);
        const adapter = await esc.startAdapter(logLine);
        const first = current(await adapter.rotate({ request, state: null }));
        const other = await esc.startAdapter(logLine);
        const answers = await Promise.all([
            adapter.rotate({ request, state: first }),
            adapter.rotate({ request, state: first }),
            other.rotate({ request, state: first }),
        ]);
        // Whichever answer ESC stores, its current key works, and so does the key it replaced.
        for (const answer of answers.filter((candidate) => candidate.status === 200)) {
            expect(await consumerStatus(emulator, (answer.body as unknown as Current).key)).toBe(200);
        }
        expect(answers.filter((answer) => answer.status === 200).length).toBeGreaterThanOrEqual(2);
        for (const answer of answers.filter((candidate) => candidate.status !== 200)) expect(answer.status).toBe(409);
        expect(await consumerStatus(emulator, first.key)).toBe(200);
    });
});

test("no key in any log line, answer or error", () => {
    const secrets = emulators.flatMap((emulator) => emulator.state.secrets());
    expect(secrets.length).toBeGreaterThan(10);
    const leaks = emitted.filter((line) => secrets.some((secret) => line.includes(secret)));
    expect(leaks).toEqual([]);
    expect(emitted.some((line) => line.startsWith("rotated "))).toBe(true);
});
