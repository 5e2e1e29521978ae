import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { REPO_ROOT } from "../harness/host";

/**
 * The policy pack (policy/) under the real Pulumi CLI: `pulumi preview --policy-pack policy` on a TypeScript program
 * (the dynamic resources) and a Python program (the plugin's resources, by type token): a violation stops the
 * preview and names the fix, a compliant program passes, and --policy-pack-config changes a limit. Preview only
 * checks inputs, so no Grafana is contacted. Runs where `pulumi` (and, for Python, `pulumi-language-python` with
 * `python3`) is on PATH.
 */

function onPath(command: string): boolean {
    return (process.env.PATH ?? "").split(path.delimiter).some((dir) => fs.existsSync(path.join(dir, command)));
}

const POLICY_DIR = path.join(REPO_ROOT, "policy");
// Inside the repository (build/ is ignored), so the TypeScript program resolves this workspace's packages.
const SCRATCH = path.join(REPO_ROOT, "build", `policy-e2e-${randomBytes(4).toString("hex")}`);
const ENV: NodeJS.ProcessEnv = {
    ...process.env,
    PULUMI_HOME: path.join(SCRATCH, "home"),
    PULUMI_BACKEND_URL: `file://${path.join(SCRATCH, "state")}`,
    PULUMI_CONFIG_PASSPHRASE: "policy-e2e",
    PULUMI_SKIP_UPDATE_CHECK: "true",
};

interface Run {
    code: number | null;
    output: string;
}

function pulumi(cwd: string, args: string[]): Promise<Run> {
    return new Promise((resolve, reject) => {
        const child = spawn("pulumi", [...args, "--non-interactive", "--color", "never"], {
            cwd,
            env: ENV,
            stdio: ["ignore", "pipe", "pipe"],
        });
        let output = "";
        child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
        child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
        child.on("error", reject);
        child.on("close", (code) => resolve({ code, output }));
    });
}

async function ok(cwd: string, args: string[]): Promise<Run> {
    const run = await pulumi(cwd, args);
    if (run.code !== 0) throw new Error(`pulumi ${args.join(" ")} exited ${run.code}\n${run.output}`);
    return run;
}

const preview = (cwd: string, ...extra: string[]) => pulumi(cwd, ["preview", "--stack", "dev", "--policy-pack", POLICY_DIR, ...extra]);

function writeConfig(name: string, config: object): string {
    const file = path.join(SCRATCH, name);
    fs.writeFileSync(file, JSON.stringify(config));
    return file;
}

/** The three cases, for a program whose role and timeToLive come from its stack config. */
function describeProgram(language: string, setUp: () => Promise<string>): void {
    let dir: string;
    beforeAll(async () => {
        fs.mkdirSync(path.join(SCRATCH, "state"), { recursive: true });
        dir = await setUp();
        await ok(dir, ["stack", "init", "dev"]);
    }, 300_000);

    test(`${language}: an Admin key stops the preview, saying which role to use`, async () => {
        await ok(dir, ["config", "set", "role", "Admin", "--stack", "dev"]);
        const run = await preview(dir);
        expect(run.code).not.toBe(0);
        expect(run.output).toMatch(/\[mandatory\]\s+grafana-key-allowed-roles/);
        expect(run.output).toContain('GrafanaApiKey "ci" has role Admin; set role to one of None, Viewer, Editor.');
    });

    test(`${language}: a compliant key passes every policy`, async () => {
        await ok(dir, ["config", "set", "role", "Viewer", "--stack", "dev"]);
        await ok(dir, ["config", "set", "timeToLive", "30d", "--stack", "dev"]);
        const run = await preview(dir);
        expect(run.output).not.toMatch(/\[(mandatory|advisory)\]/);
        expect(run.code).toBe(0);
    });

    test(`${language}: --policy-pack-config lowers the maximum time to live`, async () => {
        const stricter = writeConfig(`${language}-stricter.json`, { "grafana-key-max-time-to-live": { maxTimeToLive: "14d" } });
        const run = await preview(dir, "--policy-pack-config", stricter);
        expect(run.code).not.toBe(0);
        expect(run.output).toContain('GrafanaApiKey "ci" lives 30d; set timeToLive to at most 14d.');
    });
}

const describeWithCli = onPath("pulumi") ? describe : describe.skip;

afterAll(() => fs.rmSync(SCRATCH, { recursive: true, force: true }));

describeWithCli(`policy pack, TypeScript program${onPath("pulumi") ? "" : " (skipped: pulumi is not on PATH)"}`, () => {
    describeProgram("TypeScript", async () => {
        const dir = path.join(SCRATCH, "typescript");
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: policy-e2e-ts\nruntime: nodejs\n");
        fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "policy-e2e-ts", main: "index.ts" }));
        fs.writeFileSync(
            path.join(dir, "index.ts"),
            [
                'import * as pulumi from "@pulumi/pulumi";',
                'import { GrafanaApiKey, GrafanaRole } from "pulumi-azure-grafana-keys";',
                "const config = new pulumi.Config();",
                'new GrafanaApiKey("ci", {',
                '    endpoint: "http://127.0.0.1:9",',
                '    role: config.require("role") as GrafanaRole,',
                '    timeToLive: config.get("timeToLive") ?? "30d",',
                '    rotateBefore: "7d",',
                "});",
                "",
            ].join("\n"),
        );
        return Promise.resolve(dir);
    });
});

const pythonReady = ["pulumi", "pulumi-language-python", "python3"].every(onPath);
const describeWithPython = pythonReady ? describe : describe.skip;
describeWithPython(
    `policy pack, Python program${pythonReady ? "" : " (skipped: needs pulumi, pulumi-language-python and python3 on PATH)"}`,
    () => {
        describeProgram("Python", async () => {
            const dir = path.join(SCRATCH, "python");
            fs.mkdirSync(dir, { recursive: true });
            // The plugin from this repository, as `pulumi package add plugin` records it; the resource by its type token.
            const project = [
                "name: policy-e2e-py",
                "runtime:",
                "  name: python",
                "  options:",
                "    toolchain: pip",
                "    virtualenv: venv",
            ];
            fs.writeFileSync(
                path.join(dir, "Pulumi.yaml"),
                [...project, "packages:", `  azure-grafana-keys: ${path.join(REPO_ROOT, "plugin")}`, ""].join("\n"),
            );
            fs.writeFileSync(path.join(dir, "requirements.txt"), "pulumi>=3.200,<4\n");
            fs.writeFileSync(
                path.join(dir, "__main__.py"),
                [
                    "import pulumi",
                    "",
                    "config = pulumi.Config()",
                    "pulumi.CustomResource(",
                    '    "azure-grafana-keys:index:GrafanaApiKey",',
                    '    "ci",',
                    '    {"endpoint": "http://127.0.0.1:9", "role": config.require("role"), "timeToLive": config.get("timeToLive") or "30d", "rotateBefore": "7d"},',
                    ")",
                    "",
                ].join("\n"),
            );
            await ok(dir, ["install"]);
            return dir;
        });
    },
);
