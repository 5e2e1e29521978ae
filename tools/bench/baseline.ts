import { spawn } from "node:child_process";

/**
 * How keys are minted today without this package: one `az`-like process per key, which signs in anew
 * (a token fetch), opens fresh connections (no keep-alive) and makes the two service-account calls.
 * Here that process is `node -e <SCRIPT>`, run `concurrency` at a time. The emulator's token endpoint
 * (/__emulator/entra/token) is a control endpoint without injected latency, so the script waits one
 * latency after it to stand for Entra's round trip; a real `az` also spends far longer starting Python.
 */

const SCRIPT = String.raw`
const http = require("node:http");
const { EMULATOR_URL, LATENCY_MS, KEY_NAME, AUDIENCE } = process.env;
function call(method, path, body, token) {
    return new Promise((resolve, reject) => {
        const payload = JSON.stringify(body);
        const headers = { "content-type": "application/json", "content-length": Buffer.byteLength(payload), connection: "close" };
        if (token) headers.authorization = "Bearer " + token;
        const req = http.request(EMULATOR_URL + path, { method, headers, agent: false }, (res) => {
            let text = "";
            res.setEncoding("utf8");
            res.on("data", (chunk) => (text += chunk));
            res.on("end", () => (res.statusCode >= 200 && res.statusCode < 300 ? resolve(JSON.parse(text)) : reject(new Error(method + " " + path + " answered " + res.statusCode))));
        });
        req.on("error", reject);
        req.end(payload);
    });
}
(async () => {
    const issued = await call("POST", "/__emulator/entra/token", { resource: AUDIENCE });
    await new Promise((resolve) => setTimeout(resolve, Number(LATENCY_MS)));
    const account = await call("POST", "/api/serviceaccounts", { name: KEY_NAME, role: "Viewer", isDisabled: false }, issued.accessToken);
    const token = await call("POST", "/api/serviceaccounts/" + account.id + "/tokens", { name: KEY_NAME, secondsToLive: 0 }, issued.accessToken);
    if (!token.key) throw new Error("no key");
})().catch((error) => {
    process.stderr.write(String(error && error.message) + "\n");
    process.exitCode = 1;
});
`;

export interface BaselineResult {
    wallMs: number;
    failures: string[];
}

export async function runBaseline(options: {
    emulatorUrl: string;
    latencyMs: number;
    audience: string;
    count: number;
    concurrency: number;
    namePrefix: string;
}): Promise<BaselineResult> {
    const failures: string[] = [];
    let next = 0;
    const one = (index: number) =>
        new Promise<void>((resolve) => {
            const child = spawn(process.execPath, ["-e", SCRIPT], {
                env: {
                    PATH: process.env.PATH,
                    EMULATOR_URL: options.emulatorUrl,
                    LATENCY_MS: String(options.latencyMs),
                    KEY_NAME: `${options.namePrefix}-${index}`,
                    AUDIENCE: options.audience,
                },
                stdio: ["ignore", "ignore", "pipe"],
            });
            let errors = "";
            child.stderr.on("data", (chunk: Buffer) => (errors += chunk.toString("utf8")));
            child.once("exit", (code) => {
                if (code !== 0) failures.push(`key ${index}: exit ${code}: ${errors.trim()}`);
                resolve();
            });
        });
    const worker = async () => {
        while (next < options.count) await one(next++);
    };
    const started = performance.now();
    await Promise.all(Array.from({ length: Math.min(options.concurrency, options.count) }, worker));
    return { wallMs: performance.now() - started, failures };
}
