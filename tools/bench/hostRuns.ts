import { Emulator, RequestRecord } from "azure-managed-grafana-emulator";
import { DynamicProviderHost, Props } from "../../test/harness/host";
import { cpuMs, peakRssKiB } from "./benchHost";
import { pool } from "./stats";
import { CONCURRENCY, NO_SURPRISES } from "./settings";
import { errors } from "./report";
import { Op } from "./resources";

/** Runs of the real dynamic-provider host: a bare host, a batch of creates and deletes, sequential creates. */

export function hostEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
    return { PATH: process.env.PATH, ...NO_SURPRISES, ...extra };
}

/** A host that got Configure and one Check (which loads the provider), and its peak RSS then. */
export async function bareHostPeakKiB(env: NodeJS.ProcessEnv, op: Op): Promise<number> {
    const host = await DynamicProviderHost.start({ env });
    try {
        await host.configure();
        const checked = await host.check(op.urn, {}, op.inputs);
        if (checked.failures.length > 0)
            throw new Error(
                `bare host check failed: ${checked.failures.map((failure) => `${failure.property}: ${failure.reason}`).join("; ")}`,
            );
        return peakRssKiB(host.pid);
    } finally {
        await host.stop();
    }
}

export interface BatchResult {
    count: number;
    createWallMs: number;
    deleteWallMs: number;
    createOpMs: number[];
    createRequests: RequestRecord[];
    deleteRequests: RequestRecord[];
    createCpuMs: number;
    deleteCpuMs: number;
    /** CPU of this process (the emulator and the engine's side of gRPC) during the creates. */
    driverCreateCpuMs: number;
    errors: string[];
    peakRssKiB: number;
    leftovers: number;
}

/** One host: Configure, then every Check + Create, 16 at a time, then every Delete, 16 at a time. */
export async function runBatch(
    label: string,
    env: NodeJS.ProcessEnv,
    ops: Op[],
    latencyMs: number,
    emulator?: Emulator,
    reset = true,
    nodeArgs: string[] = [],
): Promise<BatchResult> {
    if (emulator && reset) {
        emulator.reset();
        emulator.faults.setLatency(latencyMs);
    }
    const host = await DynamicProviderHost.start({ env, nodeArgs });
    const failures: string[] = [];
    const created: Array<{ op: Op; id: string; outputs: Props } | undefined> = [];
    const createOpMs: number[] = [];
    const requestsBefore = emulator ? emulator.requests.length : 0;
    try {
        await host.configure();
        const cpuStart = cpuMs(host.pid);
        const driverCpuStart = process.cpuUsage();
        let started = performance.now();
        await pool(ops.length, CONCURRENCY, async (index) => {
            const op = ops[index];
            const opStarted = performance.now();
            try {
                const checked = await host.check(op.urn, {}, op.inputs);
                if (checked.failures.length > 0)
                    throw new Error(`check: ${checked.failures.map((failure) => `${failure.property}: ${failure.reason}`).join("; ")}`);
                const reply = await host.create(op.urn, checked.inputs);
                created[index] = { op, id: reply.id, outputs: reply.properties };
                createOpMs.push(performance.now() - opStarted);
            } catch (error) {
                failures.push(`create ${op.urn.split("::").pop()}: ${(error as Error).message}`);
            }
        });
        const createWallMs = performance.now() - started;
        const cpuCreated = cpuMs(host.pid);
        const driverCpu = process.cpuUsage(driverCpuStart);
        const createRequests = emulator ? emulator.requests.slice(requestsBefore) : [];

        const toDelete = created.filter((entry) => entry !== undefined);
        started = performance.now();
        await pool(toDelete.length, CONCURRENCY, async (index) => {
            const { op, id, outputs } = toDelete[index];
            try {
                await host.delete(op.urn, id, outputs);
            } catch (error) {
                failures.push(`delete ${op.urn.split("::").pop()}: ${(error as Error).message}`);
            }
        });
        const deleteWallMs = performance.now() - started;
        const result: BatchResult = {
            count: ops.length,
            createWallMs,
            deleteWallMs,
            createOpMs,
            createRequests,
            deleteRequests: emulator ? emulator.requests.slice(requestsBefore + createRequests.length) : [],
            createCpuMs: cpuCreated - cpuStart,
            deleteCpuMs: cpuMs(host.pid) - cpuCreated,
            driverCreateCpuMs: (driverCpu.user + driverCpu.system) / 1000,
            errors: failures,
            peakRssKiB: peakRssKiB(host.pid),
            leftovers: emulator ? emulator.state.serviceAccounts().length + emulator.state.apiKeys().length : 0,
        };
        errors.push(...failures.map((failure) => `${label}: ${failure}`));
        if (host.printed.trim() !== "") errors.push(`${label}: the host printed: ${host.printed.trim().slice(0, 300)}`);
        return result;
    } finally {
        await host.stop();
    }
}

export interface SequentialResult {
    coldCheckMs: number;
    coldCreateMs: number;
    coldWaitMs: number;
    coldRequests: number;
    warmCheckMs: number[];
    warmCreateOverheadMs: number[];
    warmOperationOverheadMs: number[];
    deleteOverheadMs: number[];
}

/**
 * A fresh host, then creates one after the other: the first (Check + Create) is the cold start, the
 * others give the warm per-operation overhead, the time beyond the round trips the operation made
 * (counted in the emulator's log, each worth L) or, for the control, beyond its sleep.
 */
export async function runSequential(
    label: string,
    env: NodeJS.ProcessEnv,
    ops: Op[],
    latencyMs: number,
    wait: { emulator: Emulator } | { createMs: number; deleteMs: number },
): Promise<SequentialResult> {
    const emulator = "emulator" in wait ? wait.emulator : undefined;
    if (emulator) {
        emulator.reset();
        emulator.faults.setLatency(latencyMs);
    }
    const requestsSoFar = () => (emulator ? emulator.requests.length : 0);
    const waitedMs = (requestsBefore: number, kind: "create" | "delete") =>
        "emulator" in wait ? (requestsSoFar() - requestsBefore) * latencyMs : kind === "create" ? wait.createMs : wait.deleteMs;

    const host = await DynamicProviderHost.start({ env });
    const result: SequentialResult = {
        coldCheckMs: NaN,
        coldCreateMs: NaN,
        coldWaitMs: NaN,
        coldRequests: NaN,
        warmCheckMs: [],
        warmCreateOverheadMs: [],
        warmOperationOverheadMs: [],
        deleteOverheadMs: [],
    };
    const created: Array<{ op: Op; id: string; outputs: Props }> = [];
    try {
        await host.configure();
        for (const [index, op] of ops.entries()) {
            try {
                const requestsBefore = requestsSoFar();
                const t0 = performance.now();
                const checked = await host.check(op.urn, {}, op.inputs);
                const t1 = performance.now();
                if (checked.failures.length > 0)
                    throw new Error(`check: ${checked.failures.map((failure) => `${failure.property}: ${failure.reason}`).join("; ")}`);
                const reply = await host.create(op.urn, checked.inputs);
                const t2 = performance.now();
                created.push({ op, id: reply.id, outputs: reply.properties });
                const waited = waitedMs(requestsBefore, "create");
                if (index === 0) {
                    result.coldCheckMs = t1 - t0;
                    result.coldCreateMs = t2 - t1;
                    result.coldWaitMs = waited;
                    result.coldRequests = requestsSoFar() - requestsBefore;
                } else {
                    result.warmCheckMs.push(t1 - t0);
                    result.warmCreateOverheadMs.push(t2 - t1 - waited);
                    result.warmOperationOverheadMs.push(t2 - t0 - waited);
                }
            } catch (error) {
                errors.push(`${label}: create ${op.urn.split("::").pop()}: ${(error as Error).message}`);
            }
        }
        for (const { op, id, outputs } of created) {
            try {
                const requestsBefore = requestsSoFar();
                const t0 = performance.now();
                await host.delete(op.urn, id, outputs);
                result.deleteOverheadMs.push(performance.now() - t0 - waitedMs(requestsBefore, "delete"));
            } catch (error) {
                errors.push(`${label}: delete ${op.urn.split("::").pop()}: ${(error as Error).message}`);
            }
        }
        return result;
    } finally {
        await host.stop();
    }
}
