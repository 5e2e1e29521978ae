import { PROFILES } from "azure-managed-grafana-emulator";
import { describeRun, LiveRun, runLiveSuite } from "./emulatorRun";

/**
 * CI's proof that the live suite works: for each Grafana profile the emulator has among 10.4, 12.1 and 13.0, start
 * the emulator as its own process and run `npm run test:live` against its URL with its admin credential; and on 13.0
 * once more with the emulator's clock 1 day and 25 days ahead of the runner's (the README's quickstart moves it so),
 * since the suite measures its waits on Grafana's clock. A skipped suite fails here.
 */

const WANTED_PROFILES = ["10.4", "12.1", "13.0"];
const DAY_SECONDS = 86_400;
const SKEWED: LiveRun[] = [
    { profile: "13.0", clockAheadSeconds: DAY_SECONDS },
    { profile: "13.0", clockAheadSeconds: 25 * DAY_SECONDS },
];

async function main(): Promise<void> {
    const profiles = WANTED_PROFILES.filter((profile) => Object.prototype.hasOwnProperty.call(PROFILES, profile));
    const missing = WANTED_PROFILES.filter((profile) => !profiles.includes(profile));
    if (missing.length > 0) console.log(`live suite: the emulator has no profile ${missing.join(", ")}; not run on it`);
    const runs: LiveRun[] = [...profiles.map((profile) => ({ profile })), ...SKEWED.filter((run) => profiles.includes(run.profile))];
    let failures = 0;
    const lines: string[] = [];
    for (const run of runs) {
        const started = Date.now();
        const outcome = await runLiveSuite(run);
        const seconds = ((Date.now() - started) / 1000).toFixed(1);
        lines.push(
            `live suite on ${describeRun(run)}: ${outcome.passed} passed, ${outcome.failed} failed, ${outcome.skipped} skipped (${seconds}s)`,
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
