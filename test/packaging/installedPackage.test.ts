import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Emulator, startEmulator } from "azure-managed-grafana-emulator";
import { Engine } from "../harness/engine";
import { DynamicProviderHost, REPO_ROOT } from "../harness/host";
import { findLeaks } from "../harness/leaks";
import { Registration } from "../harness/program";

/**
 * The package as users get it: `npm pack` of provider/, installed into a fresh program folder, and a
 * key's whole life run by that folder's own Pulumi host, which must find the implementation in the
 * folder's node_modules (the stub `require`s it at call time).
 */

const npm = process.platform === "win32" ? "npm.cmd" : "npm";
let workDir: string;
let tarball: string;
let emulator: Emulator;

beforeAll(async () => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), "packaged-"));
    const packed = JSON.parse(
        execFileSync(npm, ["pack", "./provider", "--pack-destination", workDir, "--json"], { cwd: REPO_ROOT, encoding: "utf8" }),
    ) as Array<{ filename: string; files: Array<{ path: string }> }>;
    tarball = path.join(workDir, packed[0].filename);
    fs.writeFileSync(path.join(workDir, "files.json"), JSON.stringify(packed[0].files.map((file) => file.path)));
    emulator = await startEmulator({ profile: "12.1" });
}, 120_000);
afterAll(async () => {
    await emulator?.close();
    fs.rmSync(workDir, { recursive: true, force: true });
});

test("the tarball holds only the built code, its types, README, LICENSE and package.json", () => {
    const files = JSON.parse(fs.readFileSync(path.join(workDir, "files.json"), "utf8")) as string[];
    const unexpected = files.filter((file) => !/^(dist\/.+\.(js|d\.ts)|README\.md|LICENSE|package\.json)$/.test(file));
    expect(unexpected).toEqual([]);
    expect(files).toEqual(expect.arrayContaining(["dist/index.js", "dist/index.d.ts", "dist/impl/index.js", "README.md", "LICENSE"]));
    expect(files.some((file) => file.startsWith("src/") || file.endsWith(".map") || file.includes("test"))).toBe(false);
});

test("installed into a fresh program, a key is created, refreshed and destroyed through that program's host", async () => {
    const program = path.join(workDir, "program");
    fs.mkdirSync(program);
    const pulumiPackage = fs.readFileSync(require.resolve("@pulumi/pulumi/package.json"), "utf8");
    const { version: pulumiVersion } = JSON.parse(pulumiPackage) as { version: string };
    fs.writeFileSync(
        path.join(program, "package.json"),
        JSON.stringify({
            name: "packaged-program",
            private: true,
            dependencies: { "@pulumi/pulumi": pulumiVersion, "pulumi-azure-grafana-keys": `file:${tarball}` },
        }),
    );
    // The CI machine's npm cache already holds every dependency from the workspace's own install.
    execFileSync(npm, ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: program, stdio: "pipe" });
    expect(fs.lstatSync(path.join(program, "node_modules", "pulumi-azure-grafana-keys")).isSymbolicLink()).toBe(false);

    const resource = registerFrom(program, emulator.url);
    expect(resource.inputs.__provider).toContain('require("pulumi-azure-grafana-keys/impl")');

    const host = await DynamicProviderHost.start({
        cwd: program,
        hostScript: path.join(program, "node_modules", "@pulumi", "pulumi", "cmd", "dynamic-provider", "index.js"),
        env: { PATH: process.env.PATH, GRAFANA_AUTH: emulator.credentials.adminBasic },
    });
    try {
        await host.configure();
        const engine = new Engine(host);
        const created = await engine.up(resource);
        expect(created.outputs.key).toMatch(/^glsa_/);
        expect((await engine.refresh(resource.urn))!.outputs.expired).toBe(false);
        expect(await engine.preview(resource)).toEqual({ step: "same", replaces: [] });
        await engine.destroy(resource.urn);
        expect(emulator.state.serviceAccounts()).toEqual([]);
        expect(findLeaks(emulator.state.secrets(), { printed: host.printed, state: [created], resource })).toEqual([]);
    } finally {
        await host.stop();
    }
}, 180_000);

/** Runs the resource's constructor in the program folder, with its own installed packages. */
function registerFrom(program: string, endpoint: string): Registration {
    const { type, name, inputs } = runProgram(program, endpoint, false);
    const previewInputs = runProgram(program, endpoint, true).inputs;
    return { type, name, inputs, previewInputs, urn: `urn:pulumi:dev::packaged::${type}::${name}`, additionalSecretOutputs: ["key"] };
}

/** What the installed package's resource sends, in a preview or in an update. */
function runProgram(program: string, endpoint: string, preview: boolean): Pick<Registration, "type" | "name" | "inputs"> {
    const script = `
const pulumi = require("@pulumi/pulumi");
const { GrafanaApiKey } = require("pulumi-azure-grafana-keys");
pulumi.runtime.setMocks({
    newResource: (args) => { process.stdout.write(JSON.stringify({ type: args.type, name: args.name, inputs: args.inputs })); return { id: args.name, state: args.inputs }; },
    call: () => ({}),
}, "packaged", "dev", ${preview});
new GrafanaApiKey("packaged", { endpoint: ${JSON.stringify(endpoint)}, role: "Viewer", timeToLive: "1d" });
`;
    const printed = execFileSync(process.execPath, ["-e", script], { cwd: program, encoding: "utf8" });
    return JSON.parse(printed) as Pick<Registration, "type" | "name" | "inputs">;
}
