import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import { RequestRecord } from "azure-managed-grafana-emulator";
import { REPO_ROOT } from "../../test/harness/host";
import { mb, ms, num, percentile, table } from "./stats";
import { CONCURRENCY } from "./settings";
import type { BatchResult } from "./hostRuns";

/** The benchmark's report: what it says, the targets it checks, and the rows and counts the tables are made of. */

export interface Target {
    name: string;
    measured: string;
    target: string;
    met: boolean;
    bookkeeping?: boolean;
}

export const targets: Target[] = [];
export const lines: string[] = [];
export const errors: string[] = [];
export const notes: string[] = [];

export function say(text = ""): void {
    console.log(text);
    lines.push(text);
}

export function sayTable(header: string[], rows: Array<Array<string | number>>): void {
    for (const line of table(header, rows)) say(line);
}

export function expect(name: string, met: boolean, measured: string, target: string, bookkeeping = false): void {
    targets.push({ name, measured, target, met, bookkeeping });
}

export const floorMs = (count: number, requestsPerOperation: number, latencyMs: number, probeRoundTrips = 0) =>
    (Math.ceil(count / CONCURRENCY) * requestsPerOperation + probeRoundTrips) * latencyMs;

export function requestCounts(records: RequestRecord[]) {
    const probes = records.filter((record) => record.path === "/api/health").length;
    const verifies = records.filter((record) => record.path === "/api/search").length;
    const failed = records.filter((record) => record.status === "dropped" || record.status < 200 || record.status >= 300).length;
    return { probes, verifies, work: records.length - probes, failed };
}

export function machine(): string[] {
    const cpuinfo = fs.existsSync("/proc/cpuinfo") ? fs.readFileSync("/proc/cpuinfo", "utf8") : "";
    const model = /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? "unknown";
    let commit = "unknown";
    try {
        commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], {
            cwd: REPO_ROOT,
            encoding: "utf8",
            stdio: ["ignore", "pipe", "ignore"],
        }).trim();
    } catch {
        // not a git checkout
    }
    const pulumiPackage = fs.readFileSync(require.resolve("@pulumi/pulumi/package.json"), "utf8");
    const { version: pulumiVersion } = JSON.parse(pulumiPackage) as { version: string };
    return [
        `- CPU: ${model}, ${os.cpus().length} cores (available parallelism ${os.availableParallelism()})`,
        `- Node.js ${process.version}; @pulumi/pulumi ${pulumiVersion} (its dynamic-provider host); ${os.platform()} ${os.release()}`,
        `- memory ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB; load average at start ${os
            .loadavg()
            .map((load) => load.toFixed(2))
            .join(" ")}`,
        `- commit ${commit} (plus whatever the working tree holds), ${new Date().toISOString()}`,
    ];
}

export const BATCH_HEADER = [
    "N",
    "create wall",
    "floor",
    "ratio",
    "req/create",
    "/api/health",
    "op p50 / p95",
    "delete wall",
    "floor",
    "ratio",
    "req/delete",
    "host CPU per create / delete",
    "bench process CPU per create",
    "host peak RSS",
    "above bare",
    "errors",
];

export function batchRow(
    run: BatchResult,
    spec: { requestsPerCreate: number; probeRoundTrips?: number },
    latencyMs: number,
    bareKiB: number,
): Array<string | number> {
    const creates = requestCounts(run.createRequests);
    const deletes = requestCounts(run.deleteRequests);
    return [
        run.count,
        ms(run.createWallMs),
        ms(floorMs(run.count, spec.requestsPerCreate, latencyMs, spec.probeRoundTrips)),
        num(run.createWallMs / floorMs(run.count, spec.requestsPerCreate, latencyMs, spec.probeRoundTrips)),
        num(creates.work / run.count),
        creates.probes,
        `${ms(percentile(run.createOpMs, 50))} / ${ms(percentile(run.createOpMs, 95))}`,
        ms(run.deleteWallMs),
        ms(floorMs(run.count, 1, latencyMs)),
        num(run.deleteWallMs / floorMs(run.count, 1, latencyMs)),
        num(deletes.work / run.count),
        `${ms(run.createCpuMs / run.count, 1)} / ${ms(run.deleteCpuMs / run.count, 1)}`,
        ms(run.driverCreateCpuMs / run.count, 1),
        mb(run.peakRssKiB),
        mb(run.peakRssKiB - bareKiB),
        creates.failed + deletes.failed + run.errors.length + run.leftovers,
    ];
}
