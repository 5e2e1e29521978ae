import { spawn } from "node:child_process";

/**
 * The wire's share of the per-operation overhead: a separate process that makes exactly the requests
 * one create and one delete make (as the emulator logs them), one after the other, with a plain
 * keep-alive client (node:http, one connection), and reports how long each took beyond requests x L.
 * What is left there (the emulator's work, its latency timer firing late, loopback) is not the
 * provider's, and no client can avoid it. Run concurrently, it shows the same for the batches.
 */

const SCRIPT = String.raw`
const http = require("node:http");
const { EMULATOR_URL, AUTH, LATENCY_MS, MODE, VERIFY, COUNT, CONCURRENCY } = process.env;
const agent = new http.Agent({ keepAlive: true, maxSockets: Number(CONCURRENCY) });
const basic = "Basic " + Buffer.from(AUTH).toString("base64");
function call(method, path, body, authorization) {
    return new Promise((resolve, reject) => {
        const payload = body === undefined ? undefined : JSON.stringify(body);
        const headers = { accept: "application/json", authorization: authorization || basic };
        if (payload !== undefined) { headers["content-type"] = "application/json"; headers["content-length"] = Buffer.byteLength(payload); }
        const req = http.request(EMULATOR_URL + path, { method, headers, agent }, (res) => {
            let text = "";
            res.setEncoding("utf8");
            res.on("data", (chunk) => (text += chunk));
            res.on("end", () => (res.statusCode >= 200 && res.statusCode < 300 ? resolve(text ? JSON.parse(text) : {}) : reject(new Error(method + " " + path + " answered " + res.statusCode))));
        });
        req.on("error", reject);
        req.end(payload);
    });
}
async function createOne(name) {
    let requests = 0;
    let key, remove;
    if (MODE === "apiKey") {
        const created = await call("POST", "/api/auth/keys", { name, role: "Viewer", secondsToLive: 0 }); requests++;
        key = created.key;
        remove = () => call("DELETE", "/api/auth/keys/" + created.id);
    } else {
        const account = await call("POST", "/api/serviceaccounts", { name, role: "Viewer", isDisabled: false }); requests++;
        const token = await call("POST", "/api/serviceaccounts/" + account.id + "/tokens", { name, secondsToLive: 0 }); requests++;
        key = token.key;
        remove = () => call("DELETE", "/api/serviceaccounts/" + account.id);
    }
    if (VERIFY === "true") { await call("GET", "/api/search?limit=1", undefined, "Bearer " + key); requests++; }
    return { requests, remove };
}
async function concurrently() {
    let next = 0;
    const removes = [];
    const pool = (count, task) => Promise.all(Array.from({ length: Number(CONCURRENCY) }, async () => { while (next < count) await task(next++); }));
    let t = performance.now();
    await pool(Number(COUNT), async (i) => removes.push((await createOne("raw-" + process.pid + "-" + i)).remove));
    const createWall = performance.now() - t;
    next = 0;
    t = performance.now();
    await pool(removes.length, (i) => removes[i]());
    return { createWall, deleteWall: performance.now() - t };
}
(async () => {
    await call("GET", "/api/health", undefined, "");
    if (Number(CONCURRENCY) > 1) {
        process.stdout.write(JSON.stringify(await concurrently()));
        agent.destroy();
        return;
    }
    const creates = [], deletes = [];
    for (let i = 0; i < Number(COUNT); i++) {
        let t = performance.now();
        const { requests, remove } = await createOne("raw-" + process.pid + "-" + i);
        creates.push(performance.now() - t - requests * Number(LATENCY_MS));
        t = performance.now();
        await remove();
        deletes.push(performance.now() - t - Number(LATENCY_MS));
    }
    process.stdout.write(JSON.stringify({ creates, deletes }));
    agent.destroy();
})().catch((error) => {
    process.stderr.write(String(error && error.message) + "\n");
    process.exitCode = 1;
});
`;

export interface RawClientResult {
    /** Per create, ms beyond requests x L (the first, which opened the connection, excluded). */
    createOverheadMs: number[];
    deleteOverheadMs: number[];
}

interface RawClientOptions {
    emulatorUrl: string;
    auth: string;
    latencyMs: number;
    mode: "apiKey" | "serviceAccount";
    verify: boolean;
    count: number;
}

/** One create after the other: the overhead of each beyond requests x L. */
export async function runRawClient(options: RawClientOptions): Promise<RawClientResult> {
    const parsed = (await runScript({ ...options, count: options.count + 1 }, 1)) as { creates: number[]; deletes: number[] };
    return { createOverheadMs: parsed.creates.slice(1), deleteOverheadMs: parsed.deletes.slice(1) };
}

/** `concurrency` creates at a time, then deletes: wall times, as the host's batches measure them. */
export async function runRawClientConcurrently(
    options: RawClientOptions,
    concurrency: number,
): Promise<{ createWallMs: number; deleteWallMs: number }> {
    const parsed = (await runScript(options, concurrency)) as { createWall: number; deleteWall: number };
    return { createWallMs: parsed.createWall, deleteWallMs: parsed.deleteWall };
}

function runScript(options: RawClientOptions, concurrency: number): Promise<unknown> {
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, ["-e", SCRIPT], {
            env: {
                PATH: process.env.PATH,
                EMULATOR_URL: options.emulatorUrl,
                AUTH: options.auth,
                LATENCY_MS: String(options.latencyMs),
                MODE: options.mode,
                VERIFY: String(options.verify),
                COUNT: String(options.count),
                CONCURRENCY: String(concurrency),
            },
            stdio: ["ignore", "pipe", "pipe"],
        });
        let out = "";
        let errors = "";
        child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString("utf8")));
        child.stderr.on("data", (chunk: Buffer) => (errors += chunk.toString("utf8")));
        child.once("exit", (code) => {
            if (code !== 0) return reject(new Error(`raw client exited with ${code}: ${errors.trim()}`));
            resolve(JSON.parse(out));
        });
    });
}
