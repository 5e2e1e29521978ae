import { GrafanaApiKey } from "pulumi-azure-grafana-keys";
import { GRAFANA_AUDIENCES, GrafanaProfile, startEmulator } from "azure-managed-grafana-emulator";
import { register } from "../../test/harness/program";
import { runBaseline } from "./baseline";
import { runRawClient, runRawClientConcurrently } from "./rawClient";
import { mb, ms, num } from "./stats";
import { MAIN_LATENCY_MS, LATENCIES, COUNTS, CONCURRENCY, SEQUENTIAL_CREATES, RAW_CLIENT_CREATES, TARGET } from "./settings";
import { errors, notes, say, sayTable, expect, floorMs, requestCounts, BATCH_HEADER, batchRow } from "./report";
import { derive, derivedOps, verifyDerivation } from "./resources";
import { hostEnv, bareHostPeakKiB, runBatch, SequentialResult, runSequential } from "./hostRuns";

/** The provider's own runs, per mode (service account on 12.1, legacy key on 10.4), with their controls. */

export interface ModeSpec {
    label: string;
    short: string;
    profile: GrafanaProfile;
    /** The `mode` input. */
    mode: "auto" | "apiKey";
    /** What the emulator serves: the API that mints the key. */
    api: "serviceAccount" | "apiKey";
    /**
     * Round trips a create cannot do without (issue 7): 2 for a service account and its token, 1 for a
     * legacy key, each +1 for the verification that is on by default. The floor is built from them.
     */
    requestsPerCreate: number;
    /** Round trips of the version probe each process waits for before its first create (auto mode). */
    probeRoundTrips: number;
}

export const MODES: ModeSpec[] = [
    {
        label: "service account (Grafana 12.1, mode auto)",
        short: "SA 12.1",
        profile: "12.1",
        mode: "auto",
        api: "serviceAccount",
        requestsPerCreate: 3,
        probeRoundTrips: 1,
    },
    {
        label: "legacy API key (Grafana 10.4, mode apiKey)",
        short: "legacy 10.4",
        profile: "10.4",
        mode: "apiKey",
        api: "apiKey",
        requestsPerCreate: 2,
        probeRoundTrips: 0,
    },
];

export interface ModeResults {
    spec: ModeSpec;
    sequential: SequentialResult;
    sequentialNoVerify: SequentialResult;
    raw: { createOverheadMs: number[]; deleteOverheadMs: number[]; requests: number };
    rawNoVerify: { createOverheadMs: number[]; deleteOverheadMs: number[]; requests: number };
}

export async function benchMode(spec: ModeSpec): Promise<ModeResults> {
    const emulator = await startEmulator({ profile: spec.profile });
    try {
        const env = hostEnv({ GRAFANA_AUTH: emulator.credentials.adminBasic });
        const make = (name: string, verify?: boolean) =>
            new GrafanaApiKey(name, {
                endpoint: emulator.url,
                role: "Viewer",
                mode: spec.mode,
                ...(verify === undefined ? {} : { verify }),
            });
        const registerStarted = performance.now();
        const [template] = await register(() => [make("template")], "bench", "dev");
        const registerOneMs = performance.now() - registerStarted;
        const [noVerify] = await register(() => [make("template", false)], "bench", "dev");
        const verified = await verifyDerivation(template, make, 50);
        notes.push(
            `${spec.short}: register() of 1 resource took ${ms(registerOneMs)}, of 50 ${ms(verified.elapsedMs)} (about ${ms((verified.elapsedMs / 50) * 500)} for 500), ` +
                `so one is registered and the others derived (__logicalName and URN changed); derived inputs and URNs ` +
                `${verified.mismatches.length === 0 ? "are identical to those of 50 registered resources" : `DIFFER for ${verified.mismatches.join(", ")}`}.`,
        );
        expect(
            `${spec.short}: derived resources equal registered ones`,
            verified.mismatches.length === 0,
            `${verified.mismatches.length} differ`,
            "0 differ",
            true,
        );

        for (const latencyMs of LATENCIES) {
            const bareKiB = await bareHostPeakKiB(env, derive(template, "bare"));
            const rows: Array<Array<string | number>> = [];
            for (const count of COUNTS) {
                const where = `${spec.short} N=${count} L=${latencyMs}`;
                const run = await runBatch(where, env, derivedOps(template, `k${latencyMs}n${count}`, count), latencyMs, emulator);
                const creates = requestCounts(run.createRequests);
                const deletes = requestCounts(run.deleteRequests);
                const createRatio = run.createWallMs / floorMs(count, spec.requestsPerCreate, latencyMs, spec.probeRoundTrips);
                const deleteRatio = run.deleteWallMs / floorMs(count, 1, latencyMs);
                const extraKiB = run.peakRssKiB - bareKiB;
                const row = batchRow(run, spec, latencyMs, bareKiB);

                expect(
                    `${spec.short}: requests per create (version probe apart)`,
                    creates.work === spec.requestsPerCreate * count,
                    `${num(creates.work / count)} (N=${count}, L=${latencyMs}; ${creates.verifies} of them GET /api/search?limit=1)`,
                    `${spec.requestsPerCreate}`,
                    true,
                );
                expect(
                    `${where}: version probes per process`,
                    creates.probes + deletes.probes === 1,
                    `${creates.probes + deletes.probes}`,
                    "1",
                    true,
                );
                expect(`${where}: requests per delete`, deletes.work === count, num(deletes.work / count), "1", true);
                expect(
                    `${where}: failed operations, non-2xx answers, keys left behind`,
                    creates.failed + deletes.failed + run.errors.length + run.leftovers === 0,
                    `${run.errors.length} failed, ${creates.failed + deletes.failed} non-2xx, ${run.leftovers} left`,
                    "0",
                    true,
                );
                if (latencyMs === 100 && count >= 100) {
                    expect(`${where}: create wall / floor`, createRatio <= TARGET.wallRatio, num(createRatio), `<= ${TARGET.wallRatio}`);
                    expect(`${where}: delete wall / floor`, deleteRatio <= TARGET.wallRatio, num(deleteRatio), `<= ${TARGET.wallRatio}`);
                }
                if (count === 500) {
                    expect(
                        `${where}: host peak RSS above a bare host`,
                        extraKiB < TARGET.extraRssMiB * 1024,
                        mb(extraKiB),
                        `< ${TARGET.extraRssMiB} MB`,
                    );
                }
                // The az-like way, on the same emulator and latency, for service-account keys (at the short
                // latency only up to N = 100: 500 processes there measure process spawning, and take long).
                if (spec.api === "serviceAccount" && (latencyMs === MAIN_LATENCY_MS || count <= 100)) {
                    emulator.reset();
                    emulator.faults.setLatency(latencyMs);
                    const baseline = await runBaseline({
                        emulatorUrl: emulator.url,
                        latencyMs,
                        audience: GRAFANA_AUDIENCES[0],
                        count,
                        concurrency: CONCURRENCY,
                        namePrefix: `az-${latencyMs}-${count}`,
                    });
                    const minted = emulator.state.serviceAccounts().length;
                    if (baseline.failures.length > 0 || minted !== count) {
                        errors.push(`az-like N=${count} L=${latencyMs}: ${minted} minted; ${baseline.failures.slice(0, 3).join("; ")}`);
                    }
                    row.push(`${ms(baseline.wallMs)} (ours ${num(run.createWallMs / baseline.wallMs)}x)`);
                }
                if (spec.api === "serviceAccount" && row.length < BATCH_HEADER.length + 1) row.push("not run");
                rows.push(row);
            }
            say();
            say(`## ${spec.label}, L = ${latencyMs} ms`);
            say();
            say(`Bare host (Configure + one Check): peak RSS ${mb(bareKiB)}.`);
            say();
            sayTable(spec.api === "serviceAccount" ? [...BATCH_HEADER, "az-like, process per key (ours / it)"] : BATCH_HEADER, rows);
        }

        // What `verify` (default true) costs: the same runs with verify: false, at the main latency.
        {
            const bareKiB = await bareHostPeakKiB(env, derive(noVerify, "bare"));
            const rows: Array<Array<string | number>> = [];
            for (const count of [100, 500]) {
                const where = `${spec.short} verify:false N=${count}`;
                const run = await runBatch(where, env, derivedOps(noVerify, `nv${count}`, count), MAIN_LATENCY_MS, emulator);
                rows.push(batchRow(run, { ...spec, requestsPerCreate: spec.requestsPerCreate - 1 }, MAIN_LATENCY_MS, bareKiB));
            }
            say();
            say(`### The same with \`verify: false\` (not the default), L = ${MAIN_LATENCY_MS} ms: what the verification round trip costs`);
            say();
            sayTable(BATCH_HEADER, rows);
        }

        // Where the peak RSS above a bare host comes from: the same run with the host's V8 told not to
        // optimise WebAssembly, whose only user here is undici's HTTP parser (llhttp).
        if (spec.api === "serviceAccount") {
            const bareKiB = await bareHostPeakKiB(env, derive(template, "bare"));
            const plain = await runBatch(`${spec.short} RSS N=100`, env, derivedOps(template, "rss", 100), 20, emulator);
            const liftoff = await runBatch(
                `${spec.short} RSS N=100 --liftoff-only`,
                env,
                derivedOps(template, "rss-liftoff", 100),
                20,
                emulator,
                true,
                ["--liftoff-only"],
            );
            notes.push(
                `${spec.short}, peak RSS: N=100 at L=20 puts the host ${mb(plain.peakRssKiB - bareKiB)} above a bare host (${mb(bareKiB)}); the same run with the host ` +
                    `started with \`node --liftoff-only\` (no optimising compile of WebAssembly, i.e. of undici's llhttp parser) ${mb(liftoff.peakRssKiB - bareKiB)}.`,
            );
        }

        // Cold start and warm overhead, one operation at a time; and the wire's share of it.
        const sequential = await runSequential(
            `${spec.short} sequential`,
            env,
            derivedOps(template, "seq", SEQUENTIAL_CREATES + 1),
            MAIN_LATENCY_MS,
            {
                emulator,
            },
        );
        const sequentialNoVerify = await runSequential(
            `${spec.short} sequential verify:false`,
            env,
            derivedOps(noVerify, "seqnv", SEQUENTIAL_CREATES + 1),
            MAIN_LATENCY_MS,
            { emulator },
        );
        const rawRun = async (verify: boolean) => {
            emulator.reset();
            emulator.faults.setLatency(MAIN_LATENCY_MS);
            const result = await runRawClient({
                emulatorUrl: emulator.url,
                auth: emulator.credentials.adminBasic,
                latencyMs: MAIN_LATENCY_MS,
                mode: spec.api,
                verify,
                count: RAW_CLIENT_CREATES,
            });
            return { ...result, requests: spec.requestsPerCreate - (verify ? 0 : 1) };
        };
        const raw = await rawRun(true);
        const rawNoVerify = await rawRun(false);

        // The wire alone, 16 at a time: a plain keep-alive client making only the unavoidable requests.
        {
            const count = 500;
            emulator.reset();
            emulator.faults.setLatency(MAIN_LATENCY_MS);
            const wire = await runRawClientConcurrently(
                {
                    emulatorUrl: emulator.url,
                    auth: emulator.credentials.adminBasic,
                    latencyMs: MAIN_LATENCY_MS,
                    mode: spec.api,
                    verify: false,
                    count,
                },
                CONCURRENCY,
            );
            const createRatio = wire.createWallMs / floorMs(count, spec.requestsPerCreate - 1, MAIN_LATENCY_MS);
            const deleteRatio = wire.deleteWallMs / floorMs(count, 1, MAIN_LATENCY_MS);
            notes.push(
                `${spec.short}: a plain keep-alive node:http client (its own process, ${CONCURRENCY} sockets) making only the unavoidable requests ` +
                    `for N=${count} at L=${MAIN_LATENCY_MS}, ${CONCURRENCY} at a time, against the same emulator: creates ${ms(wire.createWallMs)} ` +
                    `(ratio ${num(createRatio)}), deletes ${ms(wire.deleteWallMs)} (ratio ${num(deleteRatio)}): what the emulator and the wire cost without any host.`,
            );
        }

        const cold = sequential.coldCheckMs + sequential.coldCreateMs - sequential.coldWaitMs;
        expect(
            `${spec.short}: cold start beyond its round trips (first Check + Create)`,
            cold < TARGET.coldStartMs,
            ms(cold, 1),
            `< ${TARGET.coldStartMs} ms`,
        );
        return { spec, sequential, sequentialNoVerify, raw, rawNoVerify };
    } finally {
        await emulator.close();
    }
}
