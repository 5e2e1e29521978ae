import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { REPO_ROOT as ROOT } from "../../test/harness/host";

/**
 * One run of the live suite (`npm run test:live`) against the emulator started as its own process, as a remote Grafana
 * would be: the suite sees an address and a credential only, no test hook. The emulator's clock may first be moved
 * ahead through its clock control (`POST /__emulator/clock`), as the README's quickstart does, so that the suite runs
 * against a Grafana whose clock is not the runner's.
 */

/** The package's own command, as a user runs it. */
const EMULATOR = emulatorBin();

function emulatorBin(): string {
    const manifestPath = require.resolve("azure-managed-grafana-emulator/package.json");
    const manifest = JSON.parse(fs.readFileSync(manifestPath, "utf8")) as { bin: Record<string, string> };
    return path.join(path.dirname(manifestPath), manifest.bin["azure-managed-grafana-emulator"]);
}

interface RemoteGrafana {
    url: string;
    adminBasic: string;
    stop(): Promise<void>;
}

function startEmulatorProcess(profile: string): Promise<RemoteGrafana> {
    const child = spawn(process.execPath, [EMULATOR, "--profile", profile, "--port", "0"], { stdio: ["ignore", "pipe", "inherit"] });
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    return new Promise((resolve, reject) => {
        let printed = "";
        child.once("exit", (code) => reject(new Error(`emulator ${profile} exited (${code}) before it listened:\n${printed}`)));
        child.stdout.on("data", (chunk: Buffer) => {
            printed += chunk.toString("utf8");
            const url = /listening on (http:\/\/\S+)/.exec(printed)?.[1];
            const adminBasic = /Admin\s+basic (\S+)/.exec(printed)?.[1];
            if (url && adminBasic) {
                child.stdout.removeAllListeners("data");
                child.stdout.resume();
                resolve({
                    url,
                    adminBasic,
                    stop: async () => {
                        child.kill("SIGTERM");
                        await exited;
                    },
                });
            }
        });
    });
}

/** Moves the emulated Grafana's clock on, over its URL, as a user of the emulator does. */
async function moveClockAhead(url: string, seconds: number): Promise<void> {
    const response = await fetch(`${url}/__emulator/clock`, { method: "POST", body: JSON.stringify({ advanceSeconds: seconds }) });
    if (response.status !== 200) throw new Error(`POST /__emulator/clock answered ${response.status}: ${await response.text()}`);
}

export interface LiveRun {
    profile: string;
    /** How far the emulated Grafana's clock runs ahead of the runner's; 0 by default. */
    clockAheadSeconds?: number;
}

export interface Outcome {
    passed: number;
    failed: number;
    skipped: number;
}

export function describeRun(run: LiveRun): string {
    const ahead = run.clockAheadSeconds ?? 0;
    return `emulated Grafana ${run.profile}${ahead === 0 ? "" : `, its clock ${ahead / 86_400} days ahead`}`;
}

export async function runLiveSuite(run: LiveRun): Promise<Outcome> {
    const grafana = await startEmulatorProcess(run.profile);
    const results = path.join(ROOT, "build", `jest-live-${run.profile}-${run.clockAheadSeconds ?? 0}.json`);
    try {
        if (run.clockAheadSeconds) await moveClockAhead(grafana.url, run.clockAheadSeconds);
        fs.rmSync(results, { force: true });
        const code = await new Promise<number | null>((resolve) => {
            const child = spawn("npx", ["jest", "test/live/acceptance.test.ts", "--verbose", "--json", `--outputFile=${results}`], {
                cwd: ROOT,
                stdio: "inherit",
                env: { ...process.env, LIVE_GRAFANA_URL: grafana.url, GRAFANA_AUTH: grafana.adminBasic, LIVE_GRAFANA_WORKSPACE_ID: "" },
            });
            child.once("close", resolve);
        });
        if (!fs.existsSync(results)) return { passed: 0, failed: 1, skipped: 0 };
        const report = JSON.parse(fs.readFileSync(results, "utf8")) as {
            numPassedTests: number;
            numFailedTests: number;
            numPendingTests: number;
            numRuntimeErrorTestSuites: number;
        };
        const failed = report.numFailedTests + report.numRuntimeErrorTestSuites + (code === 0 ? 0 : 1);
        return { passed: report.numPassedTests, failed, skipped: report.numPendingTests };
    } finally {
        await grafana.stop();
    }
}
