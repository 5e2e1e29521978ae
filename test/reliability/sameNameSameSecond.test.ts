import { GrafanaApiKey } from "pulumi-azure-grafana-keys";
import { HostSession, startHostSession } from "../harness/session";
import { register } from "../harness/program";

/**
 * Two creators of one name in the same second, and one answer lost after Grafana acted (it refused the second
 * account, and a 502 took the refusal's place). Grafana keeps creation times in whole seconds and has no request
 * ids, so the account found by name may be the other creator's. Through the real dynamic-provider host against the
 * emulator: an account is adopted only if it carries what was sent; an adopted account is never deleted by an undo;
 * the error names the account and what to do; the other creator's key keeps working.
 */

let session: HostSession;

beforeAll(async () => {
    session = await startHostSession("12.1");
    // The host loads the provider on its first call; loaded, a create takes milliseconds, well within one second.
    const [warmUp] = await register(() => [new GrafanaApiKey("warm-up", { endpoint: session.emulator.url })]);
    await session.engine.up(warmUp);
    await session.engine.destroy(warmUp.urn);
});
afterAll(() => session.stop());
afterEach(() => {
    session.emulator.reset();
    session.engine.state.clear();
});

/** Another stack (or team) of the same Grafana, with its own admin credential. */
async function otherStack<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${session.emulator.url}${path}`, {
        method,
        headers: {
            authorization: `Basic ${Buffer.from(session.emulator.credentials.adminBasic).toString("base64")}`,
            "content-type": "application/json",
        },
        body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(response.status).toBeLessThan(300);
    return (await response.json()) as T;
}

/** Grafana's clock just past a whole second, so that everything below happens within one second of it. */
function startOfASecond(): void {
    session.emulator.clock.set(Math.ceil(Date.now() / 1000) * 1000 + 20);
}

const sharedKey = async () =>
    (await register(() => [new GrafanaApiKey("ci", { endpoint: session.emulator.url, name: "shared", role: "Viewer" })]))[0];

test("someone's Admin account of the name, made in the same second: not adopted, no Viewer key on it, left as it was", async () => {
    startOfASecond();
    const theirs = await otherStack<{ id: number }>("POST", "/api/serviceaccounts", { name: "shared", role: "Admin" });
    session.emulator.faults.failNext(1, 502, { method: "POST", path: "/api/serviceaccounts", afterActing: true });

    await expect(session.engine.up(await sharedKey())).rejects.toThrow(
        new RegExp(
            `the name "shared" is taken: a service account of that name \\(id ${theirs.id}\\) does not carry what this attempt sent, so it was left alone.*import it or delete it`,
        ),
    );
    expect(session.emulator.state.serviceAccounts()).toEqual([expect.objectContaining({ id: theirs.id, role: "Admin", tokens: [] })]);
    // Theirs still works once they mint on it.
    const token = await otherStack<{ key: string }>("POST", `/api/serviceaccounts/${theirs.id}/tokens`, { name: "shared" });
    expect(await session.home(token.key)).toBe(200);
});

test("the other stack's matching account, adopted, then this create fails: the undo leaves it, and the other stack's key works", async () => {
    startOfASecond();
    // The other stack's create: its account answered, its token not minted yet.
    const winner = await otherStack<{ id: number }>("POST", "/api/serviceaccounts", { name: "shared", role: "Viewer" });
    session.emulator.faults.failNext(1, 502, { method: "POST", path: "/api/serviceaccounts", afterActing: true });
    // This create's token never comes: Grafana fails every mint on the account for the rest of this run.
    session.emulator.faults.failNext(100, 500, { method: "POST", path: `/api/serviceaccounts/${winner.id}/tokens` });

    await expect(session.engine.up(await sharedKey())).rejects.toThrow(
        new RegExp(
            `service account "shared" \\(id ${winner.id}\\) was left in place: it was found by name after a lost answer.*` +
                `import it \\(import id ${session.emulator.url.replace(/[.]/g, "\\.")}\\|serviceaccount/${winner.id}\\) or delete it in Grafana`,
        ),
    );
    expect(session.engine.state.size).toBe(0);
    session.emulator.faults.reset();

    // The other stack mints its token on its account and reports success: the key must work.
    const token = await otherStack<{ key: string }>("POST", `/api/serviceaccounts/${winner.id}/tokens`, { name: "shared" });
    expect(await session.home(token.key)).toBe(200);
    expect(session.emulator.state.serviceAccounts()).toEqual([expect.objectContaining({ id: winner.id, role: "Viewer" })]);
});

test("an account this create made, its token refused: the undo deletes it (nothing else is on it)", async () => {
    session.emulator.faults.failNext(100, 500, { method: "POST", path: /^\/api\/serviceaccounts\/\d+\/tokens$/ });
    await expect(session.engine.up(await sharedKey())).rejects.toThrow(/500/);
    session.emulator.faults.reset();
    expect(session.emulator.state.serviceAccounts()).toEqual([]);
});

test("an account this create made, on which another stack minted the name's token first: the undo leaves it, their key works", async () => {
    let theirs = "";
    // The other stack adopted this account after its own lost answer and mints its token just before this one.
    session.emulator.faults.beforeNext(
        () => {
            const account = session.emulator.state.serviceAccounts().find((candidate) => candidate.name === "shared")!;
            theirs = session.emulator.state.addToken(account.id, "shared");
        },
        { method: "POST", path: /^\/api\/serviceaccounts\/\d+\/tokens$/ },
    );
    await expect(session.engine.up(await sharedKey())).rejects.toThrow(
        /service account "shared" \(id \d+\), made by this attempt, was left in place: it holds a token this attempt did not mint \(id \d+\)/,
    );
    expect(session.emulator.state.serviceAccounts()).toEqual([
        expect.objectContaining({ name: "shared", tokens: [expect.objectContaining({ name: "shared" })] }),
    ]);
    expect(await session.home(theirs)).toBe(200);
});

test("the other stack's matching account, adopted, and this token's answer lost while theirs took the name: their token is left and works", async () => {
    startOfASecond();
    const winner = await otherStack<{ id: number }>("POST", "/api/serviceaccounts", { name: "shared", role: "Viewer" });
    session.emulator.faults.failNext(1, 502, { method: "POST", path: "/api/serviceaccounts", afterActing: true });
    // The other stack mints its token just before this one, which Grafana refuses (the name is taken) behind a 502.
    let theirs = "";
    const tokens = `/api/serviceaccounts/${winner.id}/tokens`;
    session.emulator.faults.beforeNext(() => (theirs = session.emulator.state.addToken(winner.id, "shared")), {
        method: "POST",
        path: tokens,
    });
    session.emulator.faults.failNext(1, 502, { method: "POST", path: tokens, afterActing: true });

    await expect(session.engine.up(await sharedKey())).rejects.toThrow(
        /a service account token named "shared" exists \(id \d+\) that this attempt cannot prove it made, so it was left alone/,
    );
    expect(session.engine.state.size).toBe(0);
    expect(await session.home(theirs)).toBe(200);
    expect(session.emulator.state.serviceAccounts()).toEqual([
        expect.objectContaining({ id: winner.id, tokens: [expect.objectContaining({ name: "shared" })] }),
    ]);
});
