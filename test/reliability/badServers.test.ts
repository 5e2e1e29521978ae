import { randomBytes } from "node:crypto";
import { createServer, IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { configure, lifecycle } from "pulumi-azure-grafana-keys/impl";

/**
 * Endpoints that are not the Grafana they claim to be: tiny node:http servers on 127.0.0.1 answering
 * non-JSON, HTML error pages, missing or mistyped fields, bodies far too large or never ending, and
 * redirects to another server. A key's create and read, in process through lifecycle("GrafanaApiKey")
 * with GRAFANA_AUTH set, must fail with an error that says what is wrong, stays short, never contains
 * the credential, and the credential must never reach another server.
 */

const REQUEST_TIMEOUT_MS = 300;
const CANARY_PASSWORD = `canary-${randomBytes(12).toString("hex")}`;
const CANARY_CREDENTIAL = `ci-bot:${CANARY_PASSWORD}`;
const CANARY_HEADER_VALUE = Buffer.from(CANARY_CREDENTIAL).toString("base64");
const KEY_NAME = "bad-server-key";
const MAX_MESSAGE = 1_000;

interface Seen {
    method: string;
    url: string;
    headers: IncomingHttpHeaders;
}
interface FakeServer {
    url: string;
    seen: Seen[];
    close(): Promise<void>;
}
type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const servers: FakeServer[] = [];

async function fakeServer(handler: Handler): Promise<FakeServer> {
    const seen: Seen[] = [];
    const server = createServer((req, res) => {
        seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers });
        req.resume();
        req.on("end", () => handler(req, res));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const fake: FakeServer = {
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        seen,
        close: () =>
            new Promise<void>((resolve) => {
                server.closeAllConnections();
                server.close(() => resolve());
            }),
    };
    servers.push(fake);
    return fake;
}

function json(res: ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
    res.end(text);
}

function text(res: ServerResponse, status: number, body: string, type = "text/html"): void {
    res.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(body) });
    res.end(body);
}

/** A proxy's or login page's HTML, padded to `size` bytes. */
function html(title: string, size: number): string {
    const head = `<!DOCTYPE html><html><head><title>${title}</title></head><body><h1>${title}</h1>`;
    return `${head}${"<p>lorem ipsum dolor sit amet</p>".repeat(Math.ceil(size / 32))}</body></html>`;
}

/** Writes `chunk` for as long as the client keeps the connection; the body never ends. */
function endless(res: ServerResponse, status: number): void {
    res.writeHead(status, { "content-type": "application/json" });
    const chunk = Buffer.alloc(64 * 1024, "a");
    res.write('{"message":"');
    const pump = () => {
        while (!res.destroyed && res.write(chunk)) {
            /* until the socket's buffer is full */
        }
        if (!res.destroyed) res.once("drain", pump);
    };
    res.on("close", () => res.removeAllListeners("drain"));
    pump();
}

const apiKey = lifecycle("GrafanaApiKey");

beforeAll(async () => {
    process.env.GRAFANA_AUTH = CANARY_CREDENTIAL;
    const settings: Record<string, string> = {
        requestTimeoutMs: String(REQUEST_TIMEOUT_MS),
        maxRetries: "2",
        minRetryDelayMs: "5",
        maxRetryDelayMs: "20",
    };
    await configure({ config: { get: (key: string) => settings[key.replace(/^azure-grafana-keys:/, "")] } });
});
afterAll(async () => {
    delete process.env.GRAFANA_AUTH;
    await Promise.all(servers.map((server) => server.close()));
});

async function createOn(endpoint: string, mode: "auto" | "serviceAccount" = "serviceAccount") {
    const checked = await apiKey.check({}, { endpoint, name: KEY_NAME, logicalName: "ci", mode });
    expect(checked.failures ?? []).toEqual([]);
    return apiKey.create(checked.inputs!);
}

/** The state a service-account key minted on `endpoint` would have, as `read` gets it from Pulumi. */
function stateOn(endpoint: string): Record<string, unknown> {
    return {
        schemaVersion: 2,
        endpoint,
        workspaceId: null,
        name: KEY_NAME,
        nameSource: "user",
        logicalName: "ci",
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
}

/** The error a call ends with, checked for what every error must be: short and free of the credential. */
async function failure(call: Promise<unknown>): Promise<string> {
    let message: string | undefined;
    try {
        await call;
    } catch (error) {
        message = error instanceof Error ? error.message : String(error);
    }
    expect(message ?? "the call succeeded").not.toBe("the call succeeded");
    expect(message!.length).toBeLessThan(MAX_MESSAGE);
    expect(message).not.toContain(CANARY_PASSWORD);
    expect(message).not.toContain(CANARY_HEADER_VALUE);
    return message!;
}

describe("bodies that are not what Grafana sends", () => {
    test("a 200 whose body is not JSON: says so and asks whether this is Grafana", async () => {
        const server = await fakeServer((_req, res) => text(res, 200, "OK, created", "text/plain"));
        const message = await failure(createOn(server.url));
        expect(message).toMatch(/POST \/api\/serviceaccounts on .* answered with a body that is not JSON \(starts with "OK, created"\)/);
        expect(message).toMatch(/Is the endpoint a Grafana instance, and not a proxy or login page\?/);
    });

    test("a login page answered with 200 (an auth proxy in front): not JSON, quoted only briefly", async () => {
        const server = await fakeServer((_req, res) => text(res, 200, html("Sign in to your account", 50_000)));
        const message = await failure(createOn(server.url));
        expect(message).toMatch(/not JSON \(starts with "<!DOCTYPE html>/);
        expect(message).not.toMatch(/lorem ipsum/);
    });

    test("a proxy's 502 HTML error page on every request: names the status, quotes the page briefly", async () => {
        const server = await fakeServer((_req, res) => text(res, 502, html("502 Bad Gateway", 30_000)));
        const message = await failure(createOn(server.url));
        expect(message).toMatch(/\b502\b/);
        expect(message.match(/lorem ipsum/g)?.length ?? 0).toBeLessThan(12); // at most the 300-character excerpt
    });

    test("a 500 whose JSON message is 100 KB: the server's message is cut short", async () => {
        const server = await fakeServer((_req, res) => json(res, 500, { message: `database is locked ${"x".repeat(100_000)}` }));
        const message = await failure(apiKey.read("serviceaccount/7/token/11", stateOn(server.url)));
        expect(message).toMatch(/answered 500/);
    });

    test("a created service account without an id: an unexpected shape, naming the field", async () => {
        const server = await fakeServer((_req, res) => json(res, 201, { name: KEY_NAME, login: "sa-1-bad-server-key" }));
        const message = await failure(createOn(server.url));
        expect(message).toMatch(/POST \/api\/serviceaccounts on .* answered 201 with a body of an unexpected shape \(id: /);
    });

    test("a created service account with mistyped fields: an unexpected shape", async () => {
        const server = await fakeServer((_req, res) => json(res, 201, { id: "7", name: 7 }));
        const message = await failure(createOn(server.url));
        expect(message).toMatch(/unexpected shape \(id: .*name: /);
    });

    test("a token answered without a usable key: unexpected shape, and the new account is deleted again", async () => {
        const server = await fakeServer((req, res) => {
            if (req.method === "POST" && req.url === "/api/serviceaccounts") return json(res, 201, { id: 7, name: KEY_NAME });
            if (req.method === "POST") return json(res, 200, { id: 11, name: KEY_NAME, key: 42 });
            if (req.method === "DELETE") return json(res, 200, { message: "Service account deleted" });
            json(res, 404, { message: "Not found" });
        });
        const message = await failure(createOn(server.url));
        expect(message).toMatch(/POST \/api\/serviceaccounts\/7\/tokens on .* unexpected shape \(key: /);
        expect(server.seen.map((request) => `${request.method} ${request.url}`)).toContain("DELETE /api/serviceaccounts/7");
    });

    test("a token list that is not a list: read fails with an unexpected shape", async () => {
        const server = await fakeServer((req, res) =>
            req.url === "/api/serviceaccounts/7"
                ? json(res, 200, { id: 7, name: KEY_NAME, role: "Viewer" })
                : json(res, 200, { tokens: [] }),
        );
        const message = await failure(apiKey.read("serviceaccount/7/token/11", stateOn(server.url)));
        expect(message).toMatch(/GET \/api\/serviceaccounts\/7\/tokens on .* unexpected shape/);
    });

    test("a health answer with a mistyped version: the error names /api/health", async () => {
        const server = await fakeServer((_req, res) => json(res, 200, { database: "ok", version: 12 }));
        const message = await failure(createOn(server.url, "auto"));
        expect(message).toMatch(/\/api\/health.*unexpected shape \(version: /);
    });

    test("a body that stops arriving after the headers: the read gives up after the request timeout", async () => {
        const server = await fakeServer((_req, res) => {
            res.writeHead(200, { "content-type": "application/json", "content-length": 1_000 });
            res.write("[");
        });
        const message = await failure(apiKey.read("serviceaccount/7/token/11", stateOn(server.url)));
        // undici cannot tell a silent connection from a cut one once the answer has begun; both are named.
        expect(message).toMatch(
            /did not answer within 300 ms|could not be reached|lost its connection|broke off in the middle of its answer: the connection closed or went silent/,
        );
    });

    test("a connection cut in the middle of the body: the read names the cut", async () => {
        const server = await fakeServer((req, res) => {
            res.writeHead(200, { "content-type": "application/json", "content-length": 1_000 });
            res.write('[{"id": 11,');
            setTimeout(() => req.socket.destroy(), 5);
        });
        const message = await failure(apiKey.read("serviceaccount/7/token/11", stateOn(server.url)));
        // The server did answer 200; what failed is the connection, and that is what the user must read.
        expect(message).not.toMatch(/answered 200/);
        expect(message).toMatch(/could not be reached|connection|closed/i);
    });
});

describe("bodies far too large", () => {
    test("a 5 MB answer to a create is refused unread", async () => {
        const big = JSON.stringify({ id: 7, name: KEY_NAME, padding: "p".repeat(5 * 1024 * 1024) });
        const server = await fakeServer((_req, res) => text(res, 201, big, "application/json"));
        const message = await failure(createOn(server.url));
        expect(message).toMatch(/answered with a body larger than 1048576 bytes; it was not read/);
    });

    test("a 5 MB error page is refused unread, not quoted", async () => {
        const server = await fakeServer((_req, res) => text(res, 403, html("Forbidden", 5 * 1024 * 1024)));
        const message = await failure(apiKey.read("serviceaccount/7/token/11", stateOn(server.url)));
        expect(message).toMatch(/larger than 1048576 bytes; it was not read/);
    });

    test("a 5 MB page with a status that is retried: dropped unread by the retries, the error names the status", async () => {
        const server = await fakeServer((_req, res) => text(res, 500, html("Internal error", 5 * 1024 * 1024)));
        const message = await failure(apiKey.read("serviceaccount/7/token/11", stateOn(server.url)));
        expect(message).toMatch(/answered 500 \(after \d+ tries\)/);
        expect(message).not.toMatch(/lorem ipsum/);
    });

    test("a body that never ends is refused after the limit: the client stops reading (this test would never finish otherwise)", async () => {
        const server = await fakeServer((_req, res) => endless(res, 200));
        const message = await failure(apiKey.read("serviceaccount/7/token/11", stateOn(server.url)));
        expect(message).toMatch(/larger than 1048576 bytes; it was not read/);
        const before = process.memoryUsage().heapUsed;
        // Repeating it does not pile anything up: each answer is dropped at the limit.
        for (let round = 0; round < 5; round++) await failure(apiKey.read("serviceaccount/7/token/11", stateOn(server.url)));
        expect(process.memoryUsage().heapUsed - before).toBeLessThan(64 * 1024 * 1024);
    });

    test("an endless error body on a create is refused as well", async () => {
        const server = await fakeServer((_req, res) => endless(res, 500));
        const message = await failure(createOn(server.url));
        expect(message).toMatch(/larger than 1048576 bytes; it was not read/);
    });
});

describe("redirects to another server", () => {
    test.each<[string, number, "create" | "read"]>([
        ["a create redirected with 307", 307, "create"],
        ["a create redirected with 308", 308, "create"],
        ["a read redirected with 302", 302, "read"],
        ["a read redirected with 301", 301, "read"],
    ])("%s: not followed, the other server gets nothing, the error names the target", async (_what, status, step) => {
        const elsewhere = await fakeServer((_req, res) => json(res, 200, []));
        const server = await fakeServer((req, res) => {
            res.writeHead(status, { location: `${elsewhere.url}${req.url}`, "content-length": 0 });
            res.end();
        });
        const call = step === "create" ? createOn(server.url) : apiKey.read("serviceaccount/7/token/11", stateOn(server.url));
        const message = await failure(call);
        expect(message).toMatch(new RegExp(`\\b${status}\\b`));
        expect(message).toMatch(/redirects are not followed, so the credential is never sent elsewhere/);
        expect(message).toContain(elsewhere.url);
        expect(elsewhere.seen).toEqual([]);
        // The credential went only where it was meant to go.
        expect(server.seen.length).toBeGreaterThan(0);
        expect(server.seen.every((request) => request.headers.authorization === `Basic ${CANARY_HEADER_VALUE}`)).toBe(true);
    });

    test("a redirect to a URL with a password in it: the error names the target without the password", async () => {
        const password = "Tr0ub/4dor?3x#yz";
        const server = await fakeServer((req, res) => {
            res.writeHead(307, { location: `https://sso-bot:${password}@login.example.com${req.url}`, "content-length": 0 });
            res.end();
        });
        const message = await failure(createOn(server.url));
        expect(message).toContain("https://***@login.example.com/api/serviceaccounts");
        for (const part of ["sso-bot", ...password.split(/[/?#]/)]) expect(message).not.toContain(part);
    });

    test("a health probe redirected to another server: that server gets no credential", async () => {
        const elsewhere = await fakeServer((_req, res) => json(res, 200, { version: "12.1.0" }));
        const server = await fakeServer((req, res) => {
            res.writeHead(302, { location: `${elsewhere.url}${req.url}`, "content-length": 0 });
            res.end();
        });
        await failure(createOn(server.url, "auto"));
        expect(elsewhere.seen.filter((request) => request.headers.authorization !== undefined)).toEqual([]);
    });
});
