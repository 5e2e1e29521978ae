import { execFile } from "node:child_process";
import * as path from "node:path";
import { promisify } from "node:util";
import { Emulator, startEmulator } from "azure-managed-grafana-emulator";
import { REPO_ROOT } from "../harness/host";

/** `npm run sweep -- <prefix> [--yes]` (build/tools/live/sweep.js) against an emulated Grafana over HTTP. */

const SWEEP = path.join(REPO_ROOT, "build", "tools", "live", "sweep.js");
let emulator: Emulator;

async function sweep(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const env = { PATH: process.env.PATH, LIVE_GRAFANA_URL: emulator.url, GRAFANA_AUTH: emulator.credentials.adminBasic };
    try {
        const { stdout, stderr } = await promisify(execFile)(process.execPath, [SWEEP, ...args], { env });
        return { code: 0, stdout, stderr };
    } catch (error) {
        const failed = error as { code: number; stdout: string; stderr: string };
        return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
}

const names = () => emulator.state.serviceAccounts().map((account) => account.name);

beforeAll(async () => {
    emulator = await startEmulator({ profile: "12.1" });
});
afterAll(() => emulator.close());

test("lists a run's leftovers without deleting them, then deletes only those with --yes", async () => {
    for (const name of ["pgklive-run1-key", "pgklive-run2-key", "someone-elses-key"]) {
        const created = await fetch(`${emulator.url}/api/serviceaccounts`, {
            method: "POST",
            headers: { authorization: `Bearer ${emulator.credentials.adminToken}`, "content-type": "application/json" },
            body: JSON.stringify({ name, role: "Viewer" }),
        });
        expect(created.status).toBe(201);
    }
    const listed = await sweep("pgklive-run1-");
    expect(listed.stdout).toMatch(
        /1 object\(s\) named pgklive-run1-… .*\n {2}serviceAccount \d+ pgklive-run1-key\nnothing deleted: run again with --yes/,
    );
    expect(names()).toHaveLength(3);

    expect((await sweep("pgklive-", "--yes")).code).toBe(0);
    expect(names()).toEqual(["someone-elses-key"]);
});

test("refuses a prefix that is not the suite's", async () => {
    const refused = await sweep("someone-", "--yes");
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("usage: npm run sweep -- <prefix starting with pgklive-> [--yes]");
    expect(names()).toContain("someone-elses-key");
});
