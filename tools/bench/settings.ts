import * as path from "node:path";
import { REPO_ROOT } from "../../test/harness/host";

/** What the benchmark runs (counts, latencies, concurrency) and the targets it holds the provider to. */

export const MAIN_LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 100);
export const LATENCIES = [MAIN_LATENCY_MS, 20].filter((value, index, all) => all.indexOf(value) === index);
export const COUNTS = [1, 10, 100, 500];
export const CONCURRENCY = 16;
export const SEQUENTIAL_CREATES = 20; // warm creates after the cold one
export const RAW_CLIENT_CREATES = 15;
export const ENTRA_KEYS = 32;
export const RESULTS_FILE = path.join(REPO_ROOT, "build", "bench-results.md");

export const TARGET = { wallRatio: 1.25, extraRssMiB: 60, coldStartMs: 200, warmOverheadMs: 5 };

/** Retries and waits of the provider made short or off, so none can hide in the numbers. */
export const NO_SURPRISES: NodeJS.ProcessEnv = {
    AZURE_GRAFANA_KEYS_MAX_RETRIES: "0",
    AZURE_GRAFANA_KEYS_MIN_RETRY_DELAY_MS: "5",
    AZURE_GRAFANA_KEYS_MAX_RETRY_DELAY_MS: "50",
    AZURE_GRAFANA_KEYS_POLL_INTERVAL_MS: "10",
    AZURE_GRAFANA_KEYS_JUST_ENABLED_TIMEOUT_SECONDS: "1",
    AZURE_GRAFANA_KEYS_REQUEST_TIMEOUT_MS: "30000",
};
