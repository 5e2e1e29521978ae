import { register } from "../../test/harness/program";
import { ControlResource } from "./controlProvider";
import { mb } from "./stats";
import { MAIN_LATENCY_MS, SEQUENTIAL_CREATES } from "./settings";
import { batchRow } from "./report";
import { derive, derivedOps } from "./resources";
import { hostEnv, bareHostPeakKiB, runBatch, SequentialResult, runSequential } from "./hostRuns";

/** The no-op control: a dynamic provider that only waits, through the same host and driver. */

export interface ControlResults {
    sequential: SequentialResult;
    rows: Array<Array<string | number>>;
}

/** A no-op dynamic provider through the same host and driver: what the host itself costs. */
export async function benchControl(): Promise<ControlResults> {
    const latencyMs = MAIN_LATENCY_MS;
    const env = hostEnv({});
    const args = { createDelayMs: 2 * latencyMs, deleteDelayMs: latencyMs };
    const [template] = await register(() => [new ControlResource("template", args)], "bench", "dev");
    const bareKiB = await bareHostPeakKiB(env, derive(template, "bare"));
    const rows: Array<Array<string | number>> = [];
    // Shaped like a service-account create (2 round trips) and like a legacy one (1).
    for (const requests of [2, 1]) {
        const [shaped] = await register(
            () => [new ControlResource("template", { createDelayMs: requests * latencyMs, deleteDelayMs: latencyMs })],
            "bench",
            "dev",
        );
        for (const count of [100, 500]) {
            const run = await runBatch(
                `control ${requests}L N=${count}`,
                env,
                derivedOps(shaped, `control-${requests}-${count}`, count),
                latencyMs,
            );
            const row = batchRow(run, { requestsPerCreate: requests }, latencyMs, bareKiB);
            rows.push([
                `${requests} x L`,
                row[0],
                row[1],
                row[2],
                row[3],
                row[6],
                row[7],
                row[8],
                row[9],
                row[11],
                row[12],
                mb(bareKiB),
                row[13],
                row[14],
            ]);
        }
    }
    const sequential = await runSequential(
        "control sequential",
        env,
        derivedOps(template, "control-seq", SEQUENTIAL_CREATES + 1),
        latencyMs,
        {
            createMs: args.createDelayMs,
            deleteMs: args.deleteDelayMs,
        },
    );
    return { sequential, rows };
}
