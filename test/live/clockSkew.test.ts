import { describeRun, LiveRun, runLiveSuite } from "../../tools/live/emulatorRun";

/**
 * The live suite against a Grafana whose clock is not the runner's: the emulator started as its own process, its clock
 * moved ahead over its URL (`POST /__emulator/clock`, as the README's quickstart does), then `npm run test:live` run
 * against it as against any remote Grafana. The suite's waits are measured on Grafana's clock, so it passes at any
 * skew: neither a 32-bit timer overflow (25 days ahead) nor a day's sleep (1 day ahead).
 */

const DAY_SECONDS = 86_400;
/** One whole live suite, with its rotation wait of about half a minute, on a shared machine. */
const RUN_TIMEOUT_MS = 8 * 60_000;

test.each<LiveRun>([
    { profile: "13.0", clockAheadSeconds: 25 * DAY_SECONDS },
    { profile: "13.0", clockAheadSeconds: DAY_SECONDS },
])(
    "the live suite passes on %j",
    async (run) => {
        const outcome = await runLiveSuite(run);
        expect({ on: describeRun(run), failed: outcome.failed, skipped: outcome.skipped }).toEqual({
            on: describeRun(run),
            failed: 0,
            skipped: 0,
        });
        expect(outcome.passed).toBeGreaterThan(0);
    },
    RUN_TIMEOUT_MS,
);
