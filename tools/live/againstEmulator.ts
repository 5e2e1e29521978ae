import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { PROFILES } from "azure-managed-grafana-emulator";
import { REPO_ROOT as ROOT } from "../../test/harness/host";

/**
 * CI's proof that the live suite works: for each Grafana profile the emulator has among 10.4, 12.1 and 13.0, start
 * the emulator as its own process, as a remote Grafana would be, and run `npm run test:live` against its URL with
 * its admin credential. The suite sees an address and a credential only, no test hook. A skipped suite fails here.
 */

const WANTED_PROFILES = ["10.4", "12.1", "13.0"];
/** The package's own command, as a user runs it. */
const EMULATOR = emulatorBin();

function emulatorBin(): string {
    const manifestPath = require.resolve("azure-managed-grafana-emulator/package.json");
    const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as { bin: Record<string, string> };
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

interface Outcome {
    passed: number;
    failed: number;
    skipped: number;
}

async function runAgainst(profile: string): Promise<Outcome> {
    const grafana = await startEmulatorProcess(profile);
    const results = path.join(ROOT, "build", `jest-live-${profile}.json`);
    try {
        const run = spawnSync("npx", ["jest", "test/live/acceptance.test.ts", "--verbose", "--json", `--outputFile=${results}`], {
            cwd: ROOT,
            stdio: "inherit",
            env: { ...process.env, LIVE_GRAFANA_URL: grafana.url, GRAFANA_AUTH: grafana.adminBasic, LIVE_GRAFANA_WORKSPACE_ID: "" },
        });
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- Jest's JSON report, written just now
        const report = require(results) as {
            numPassedTests: number;
            numFailedTests: number;
            numPendingTests: number;
            numRuntimeErrorTestSuites: number;
        };
        const failed = report.numFailedTests + report.numRuntimeErrorTestSuites + (run.status === 0 ? 0 : 1);
        return { passed: report.numPassedTests, failed, skipped: report.numPendingTests };
    } finally {
        await grafana.stop();
    }
}

async function main(): Promise<void> {
    const profiles = WANTED_PROFILES.filter((profile) => Object.prototype.hasOwnProperty.call(PROFILES, profile));
    const missing = WANTED_PROFILES.filter((profile) => !profiles.includes(profile));
    if (missing.length > 0) console.log(`live suite: the emulator has no profile ${missing.join(", ")}; not run on it`);
    let failures = 0;
    const lines: string[] = [];
    for (const profile of profiles) {
        const started = Date.now();
        const outcome = await runAgainst(profile);
        const seconds = ((Date.now() - started) / 1000).toFixed(1);
        lines.push(
            `live suite on emulated Grafana ${profile}: ${outcome.passed} passed, ${outcome.failed} failed, ${outcome.skipped} skipped (${seconds}s)`,
        );
        if (outcome.failed > 0 || outcome.skipped > 0 || outcome.passed === 0) failures++;
    }
    for (const line of lines) console.log(line);
    process.exitCode = failures > 0 ? 1 : 0;
}

main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
});
