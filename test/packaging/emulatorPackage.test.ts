import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { REPO_ROOT } from "../harness/host";

/**
 * The emulator as its users get it: `npm pack -w emulator`, installed from that tarball alone into a folder outside
 * the repository, started with `npx azure-managed-grafana-emulator`, and asked Grafana's health check.
 */

const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const npx = process.platform === "win32" ? "npx.cmd" : "npx";
let workDir: string;
let files: string[];

beforeAll(() => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), "emulator-packaged-"));
    const packed = JSON.parse(
        execFileSync(npm, ["pack", "--workspace", "emulator", "--pack-destination", workDir, "--json"], {
            cwd: REPO_ROOT,
            encoding: "utf8",
        }),
    ) as Array<{ filename: string; files: Array<{ path: string }> }>;
    files = packed[0].files.map((file) => file.path);
    const program = path.join(workDir, "user");
    fs.mkdirSync(program);
    fs.writeFileSync(path.join(program, "package.json"), JSON.stringify({ name: "emulator-user", private: true }));
    // The CI machine's npm cache already holds zod from the workspace's own install.
    execFileSync(
        npm,
        ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error", path.join(workDir, packed[0].filename)],
        {
            cwd: program,
            stdio: "pipe",
        },
    );
}, 180_000);
afterAll(() => {
    fs.rmSync(workDir, { recursive: true, force: true });
});

test("the tarball holds the command, the built code, its types, the README and package.json; no sources or tests", () => {
    const unexpected = files.filter(
        (file) => !/^(bin\/azure-managed-grafana-emulator\.js|dist\/.+\.(js|d\.ts)|README\.md|package\.json)$/.test(file),
    );
    expect(unexpected).toEqual([]);
    expect(files).toEqual(
        expect.arrayContaining(["bin/azure-managed-grafana-emulator.js", "dist/index.js", "dist/index.d.ts", "dist/main.js", "README.md"]),
    );
});

test("installed from the tarball alone, `npx azure-managed-grafana-emulator --profile 13.0` answers Grafana's health check", async () => {
    const program = path.join(workDir, "user");
    expect(fs.lstatSync(path.join(program, "node_modules", "azure-managed-grafana-emulator")).isSymbolicLink()).toBe(false);
    // Its own process group, so stopping it stops npx and the emulator under it.
    const child = spawn(npx, ["azure-managed-grafana-emulator", "--profile", "13.0", "--port", "0"], {
        cwd: program,
        detached: true,
        stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    try {
        const url = await new Promise<string>((resolve, reject) => {
            let printed = "";
            const timer = setTimeout(() => reject(new Error(`no URL printed:\n${printed}`)), 60_000);
            child.stdout.on("data", (chunk: Buffer) => {
                printed += chunk.toString("utf8");
                const found = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(printed)?.[1];
                if (found) {
                    clearTimeout(timer);
                    resolve(found);
                }
            });
            child.stderr.on("data", (chunk: Buffer) => (printed += chunk.toString("utf8")));
            child.once("exit", (code) => {
                clearTimeout(timer);
                reject(new Error(`exited (${code}) before listening:\n${printed}`));
            });
        });
        const health = await fetch(`${url}/api/health`);
        const body = (await health.json()) as Record<string, unknown>;
        expect({ status: health.status, database: body.database, version: body.version }).toEqual({
            status: 200,
            database: "ok",
            version: "13.0.1",
        });
    } finally {
        if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, "SIGTERM");
        await exited;
    }
}, 90_000);
