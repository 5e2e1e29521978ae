import { execFileSync } from "node:child_process";
import * as fs from "node:fs";

/**
 * What the benchmark reads of a dynamic-provider host process (the harness's DynamicProviderHost, by
 * its pid) from /proc: peak memory and CPU time.
 */

/** Peak resident set size of the process so far (VmHWM), in KiB. */
export function peakRssKiB(pid: number): number {
    return statusField(pid, "VmHWM");
}

/** CPU time (user + system) the process used so far, in ms (10 ms resolution). */
export function cpuMs(pid: number): number {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks();
}

let ticks: number | undefined;
function clockTicks(): number {
    if (ticks === undefined) {
        try {
            ticks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
        } catch {
            ticks = 100;
        }
    }
    return ticks;
}

function statusField(pid: number, field: string): number {
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, "m").exec(status);
    if (!match) throw new Error(`no ${field} in /proc/${pid}/status`);
    return Number(match[1]);
}
