import { spawn } from "node:child_process";
import * as net from "node:net";
import * as path from "node:path";
import { startEmulator } from "azure-managed-grafana-emulator";
import { startEscSimulator } from "../../test/esc/escSimulator";
import { REPO_ROOT } from "../../test/harness/host";
import { median, ms, percentile } from "./stats";

/**
 * The ESC rotator's cost: a fresh adapter process (esc-rotator's `npm start`, as a Function App instance starts) from
 * spawn to its first rotation's answer (cold start), then rotation after rotation of one key against the emulator with
 * `latencyMs` added to every Grafana request, as ESC's schedule would send them (Grafana's clock an hour on each time).
 */

export interface EscRotatorResult {
    /** From spawn until the server listens (Node.js start and module load). */
    readyMs: number;
    /** From spawn until the first rotation's answer: what the first request after a cold start waits. */
    coldStartMs: number;
    firstRotationMs: number;
    laterRotationsMs: number[];
    /** Grafana requests of the first rotation, and of each later one. */
    requestsFirst: number;
    requestsLater: number[];
    errors: string[];
}

const LATER_ROTATIONS = 10;

export async function benchEscRotator(latencyMs: number, env: NodeJS.ProcessEnv): Promise<EscRotatorResult> {
    const emulator = await startEmulator({ profile: "12.1" });
    const esc = await startEscSimulator(env);
    const errors: string[] = [];
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/api/rotate`;
    const started = performance.now();
    const adapter = spawn(process.execPath, [path.join(REPO_ROOT, "esc-rotator", "dist", "main.js")], {
        env: {
            ...env,
            PATH: process.env.PATH,
            HOST: "127.0.0.1",
            PORT: String(port),
            GRAFANA_AUTH: emulator.credentials.adminBasic,
            ESC_ROTATOR_PUBLIC_URL: url,
            ESC_ROTATOR_JWKS_URL: esc.jwksUrl,
        },
        stdio: ["ignore", "pipe", "pipe"],
    });
    try {
        adapter.stderr.on("data", (chunk: Buffer) => void errors.push(...unexpected(chunk.toString("utf8"))));
        const readyMs = await new Promise<number>((resolve, reject) => {
            adapter.stdout.on("data", (chunk: Buffer) => {
                if (chunk.toString("utf8").includes("listening")) resolve(performance.now() - started);
            });
            adapter.on("exit", (code) => reject(new Error(`the adapter exited (${code}) before it listened`)));
        });
        emulator.faults.setLatency(latencyMs);
        const request = { endpoint: emulator.url, name: "bench", role: "Viewer", timeToLive: "2h" };
        const rotation = async (state: unknown) => {
            const before = emulator.requests.length;
            const at = performance.now();
            const answer = await esc.send(url, { request, state });
            if (answer.status !== 200) errors.push(`rotation answered ${answer.status}: ${String(answer.body.error)}`);
            return { answer: answer.body, ms: performance.now() - at, requests: emulator.requests.length - before };
        };
        const first = await rotation(null);
        const coldStartMs = performance.now() - started;
        const later = [];
        let state = first.answer;
        for (let index = 0; index < LATER_ROTATIONS; index++) {
            emulator.clock.advance(3600);
            const next = await rotation(state);
            later.push(next);
            state = next.answer;
        }
        return {
            readyMs,
            coldStartMs,
            firstRotationMs: first.ms,
            laterRotationsMs: later.map((one) => one.ms),
            requestsFirst: first.requests,
            requestsLater: later.map((one) => one.requests),
            errors,
        };
    } finally {
        adapter.kill();
        await esc.close();
        await emulator.close();
    }
}

/** A port free now: the adapter's URL (its tokens' audience) must be known before it starts. */
async function freePort(): Promise<number> {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const { port } = probe.address() as net.AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    return port;
}

/** The adapter logs its rotations (stdout) and the provider its notes (stderr); only errors count. */
function unexpected(text: string): string[] {
    return text.split("\n").filter((line) => /error|failed/i.test(line));
}

export function escRotatorRows(result: EscRotatorResult): Array<Array<string | number>> {
    const later = result.laterRotationsMs;
    return [
        ["adapter process ready (spawn to listening)", ms(result.readyMs)],
        ["cold start (spawn to the first rotation's answer)", ms(result.coldStartMs)],
        ["first rotation (create)", `${ms(result.firstRotationMs)}, ${result.requestsFirst} Grafana requests`],
        [
            `later rotations (${later.length})`,
            `p50 ${ms(median(later))}, p95 ${ms(percentile(later, 95))}, ${Math.min(...result.requestsLater)}-${Math.max(...result.requestsLater)} Grafana requests each`,
        ],
    ];
}
