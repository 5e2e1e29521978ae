import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expect } from "@jest/globals";
import { startEmulator, type Emulator } from "azure-managed-grafana-emulator";
import { copyExampleBeforePackageAdd, missingCommands, PLUGIN_LANGUAGE_NEEDS, type PluginLanguage } from "../harness/examplePrograms";
import { REPO_ROOT } from "../harness/host";

/**
 * The provider plugin from other languages through the real Pulumi CLI: examples/python, examples/yaml and
 * examples/go, each copied to a temporary folder, get the plugin with `pulumi package add <plugin folder>` (which
 * generates and installs the SDK), then `pulumi up` (under the shipped policy pack), `stack output`, `stack export` (the key only encrypted),
 * `refresh` after the key's token was deleted by hand, `preview --diff` of a role-only change, `import` of a service
 * account and of a token, and `destroy`, against the emulator started in this process. Runs where `pulumi` and the
 * language's host and toolchain (PLUGIN_LANGUAGE_NEEDS) are on PATH; otherwise says why and Jest reports the tests
 * as skipped.
 */

/** Where each example sets the key's role, and the same line asking for Editor instead of Viewer. */
const ROLE_IN_PROGRAM: Record<PluginLanguage, { file: string; viewer: string; editor: string }> = {
    python: { file: "__main__.py", viewer: "role=grafana_keys.GrafanaRole.VIEWER", editor: "role=grafana_keys.GrafanaRole.EDITOR" },
    yaml: { file: "Pulumi.yaml", viewer: "role: Viewer", editor: "role: Editor" },
    go: { file: "main.go", viewer: "azuregrafanakeys.GrafanaRoleViewer", editor: "azuregrafanakeys.GrafanaRoleEditor" },
};

for (const language of Object.keys(PLUGIN_LANGUAGE_NEEDS) as PluginLanguage[]) {
    const absent = missingCommands(language);
    if (absent.length > 0) {
        console.warn(`e2e (${language}): skipped: not on PATH: ${absent.join(", ")} (install the Pulumi CLI to run the real-CLI tests)`);
        // Reported as skipped, never as a pass: nothing here ran.
        test.skip(`${language}: the real-CLI tests: skipped because ${absent.join(", ")} is not on PATH`, () => undefined);
    } else {
        describeLanguage(language);
    }
}

interface Run {
    command: string;
    code: number | null;
    stdout: string;
    stderr: string;
}

function describeLanguage(language: PluginLanguage): void {
    const PLUGIN_DIR = path.join(REPO_ROOT, "plugin");
    const STACK = `e2e-${language}-${randomBytes(4).toString("hex")}`;
    let emulator: Emulator;
    let tmp: string;
    let programDir: string;
    let env: NodeJS.ProcessEnv;
    const runs: Run[] = [];

    function pulumi(args: string[], options: { timeoutMs?: number; secretOutput?: boolean } = {}): Promise<Run> {
        const command = `pulumi ${args.join(" ")}`;
        return new Promise((resolve, reject) => {
            // Asynchronous: the emulator answering the plugin lives in this process.
            const child = spawn("pulumi", [...args, "--non-interactive", "--color", "never"], {
                cwd: programDir,
                env,
                stdio: ["ignore", "pipe", "pipe"],
            });
            let stdout = "";
            let stderr = "";
            child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
            child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
            const timer = setTimeout(() => child.kill("SIGINT"), options.timeoutMs ?? 240_000);
            child.on("error", reject);
            child.on("close", (code) => {
                clearTimeout(timer);
                const run = { command, code, stdout, stderr };
                if (!options.secretOutput) runs.push(run);
                resolve(run);
            });
        });
    }

    async function ok(args: string[], options: { timeoutMs?: number; secretOutput?: boolean } = {}): Promise<Run> {
        const run = await pulumi(args, options);
        if (run.code !== 0) throw new Error(`$ ${run.command} exited ${run.code}\n${run.stdout}\n${run.stderr}`);
        return run;
    }

    /** The stack's resources as `pulumi stack export` shows them (secrets encrypted). */
    async function exported(): Promise<Array<{ type: string; id?: string; outputs?: Record<string, unknown> }>> {
        return (
            (JSON.parse((await ok(["stack", "export", "--stack", STACK])).stdout) as { deployment: { resources?: [] } }).deployment
                .resources ?? []
        );
    }

    /** `Reply`: the JSON expected back, as far as the test reads it. */
    async function grafanaApi<Reply>(method: string, pathname: string, body?: unknown): Promise<Reply> {
        const response = await fetch(`${emulator.url}${pathname}`, {
            method,
            headers: {
                authorization: `Basic ${Buffer.from(emulator.credentials.adminBasic).toString("base64")}`,
                "content-type": "application/json",
            },
            body: body === undefined ? undefined : JSON.stringify(body),
        });
        return response.json() as Promise<Reply>;
    }

    beforeAll(async () => {
        emulator = await startEmulator({ profile: "12.1" });
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), `plugin-e2e-${language}-`));
        programDir = path.join(tmp, language);
        // The copy gets the plugin as a user would, with `pulumi package add`.
        copyExampleBeforePackageAdd(language, programDir);
        fs.mkdirSync(path.join(tmp, "state"));
        env = {
            ...process.env,
            PULUMI_HOME: path.join(tmp, "home"),
            PULUMI_BACKEND_URL: `file://${path.join(tmp, "state")}`,
            PULUMI_CONFIG_PASSPHRASE: "e2e",
            PULUMI_SKIP_UPDATE_CHECK: "true",
            // Only the stack's grafanaAuth signs in; Entra ID finds no `az`.
            AZURE_TOKEN_CREDENTIALS: "AzureCliCredential",
            GRAFANA_AUTH: "",
        };
    }, 60_000);

    afterAll(async () => {
        await pulumi(["stack", "rm", "--yes", "--force", "--stack", STACK]).catch(() => undefined);
        await emulator.close();
        // No key or credential in anything the CLI printed (but `stack output --show-secrets`).
        const secrets = [...emulator.state.secrets(), emulator.credentials.adminBasic];
        const leaks = runs.flatMap((run) =>
            secrets
                .filter((secret) => `${run.stdout}${run.stderr}`.includes(secret))
                .map((secret) => `${secret.slice(0, 7)}… in ${run.command}`),
        );
        fs.rmSync(tmp, { recursive: true, force: true });
        expect(leaks).toEqual([]);
    });

    test(`${language}: pulumi package add installs the plugin's SDK; up mints a key stored only encrypted; refresh sees an outside delete`, async () => {
        const added = await ok(["package", "add", PLUGIN_DIR], { timeoutMs: 400_000 });
        expect(`${added.stdout}${added.stderr}`).toMatch(/Added package/);
        expect(fs.readFileSync(path.join(programDir, "Pulumi.yaml"), "utf8")).toContain(`azure-grafana-keys: ${PLUGIN_DIR}`);

        await ok(["stack", "init", STACK]);
        await ok(["config", "set", "endpoint", emulator.url, "--stack", STACK]);
        await ok(["config", "set", "--secret", "azure-grafana-keys:grafanaAuth", emulator.credentials.adminBasic, "--stack", STACK]);
        // The shipped policy pack with its default configuration judges the example as it comes: no mandatory violation.
        const up = await ok(["up", "--yes", "--stack", STACK, "--policy-pack", path.join(REPO_ROOT, "policy")]);
        expect(up.stdout).toMatch(/azure-grafana-keys:index:GrafanaApiKey\s+ci\s+created/);
        expect(up.stdout).toMatch(/mintedAs\s*: "serviceAccount"/);

        const key = (await ok(["stack", "output", "apiKey", "--show-secrets", "--stack", STACK], { secretOutput: true })).stdout.trim();
        expect(key).toMatch(/^glsa_/);
        expect(emulator.state.secrets()).toContain(key);
        const resources = await exported();
        expect(JSON.stringify(resources)).not.toContain(key);
        const minted = resources.find((resource) => resource.type === "azure-grafana-keys:index:GrafanaApiKey")!;
        expect(minted.outputs!.key).toMatchObject({
            "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
            ciphertext: expect.any(String),
        });
        const provider = resources.find((resource) => resource.type === "pulumi:providers:azure-grafana-keys")!;
        expect(JSON.stringify(provider)).not.toContain(emulator.credentials.adminBasic);

        // Deleted by hand: refresh drops the key's token, and the next up mints a new one on the same account.
        const [serviceAccountId, tokenId] = minted
            .id!.split("/")
            .filter((part) => /^\d+$/.test(part))
            .map(Number);
        emulator.state.deleteToken(serviceAccountId, tokenId);
        const refreshed = await ok(["refresh", "--yes", "--stack", STACK]);
        expect(`${refreshed.stdout}${refreshed.stderr}`).toMatch(/was deleted outside Pulumi/);
        await ok(["up", "--yes", "--stack", STACK]);
        const again = (await ok(["stack", "output", "apiKey", "--show-secrets", "--stack", STACK], { secretOutput: true })).stdout.trim();
        expect(again).toMatch(/^glsa_/);
        expect(again).not.toBe(key);
    }, 600_000);

    test(`${language}: preview --diff of a role-only change shows the role change, and none of the provider's bookkeeping`, async () => {
        const { file, viewer, editor } = ROLE_IN_PROGRAM[language];
        const programFile = path.join(programDir, file);
        const program = fs.readFileSync(programFile, "utf8");
        expect(program.split(viewer)).toHaveLength(2);
        fs.writeFileSync(programFile, program.replace(viewer, editor));
        try {
            const preview = await ok(["preview", "--diff", "--stack", STACK]);
            // The key's block: `~ ...GrafanaApiKey: (update)`, its [id], [urn] and [provider], then what changes.
            const block =
                /~ azure-grafana-keys:index:GrafanaApiKey: \(update\)\n((?: {4,}.*\n)+)/.exec(preview.stdout)?.[1] ?? preview.stdout;
            const changes = block
                .split("\n")
                .map((line) => line.trim())
                .filter((line) => line && !line.startsWith("["));
            expect(changes).toEqual(['~ role: "Viewer" => "Editor"']);
            for (const internal of ["logicalName", "nameSource", "requestedMode", "__provider"])
                expect(preview.stdout).not.toContain(internal);
            expect(preview.stdout).toMatch(/~ 1 to update\n/);
        } finally {
            fs.writeFileSync(programFile, program);
        }
    }, 300_000);

    test(`${language}: pulumi import adopts a service account by <endpoint>|<id>, and a token without its secret, saying so`, async () => {
        const account = await grafanaApi<{ id: number }>("POST", "/api/serviceaccounts", {
            name: `made-by-hand-${language}`,
            role: "Editor",
        });
        const token = await grafanaApi<{ id: number }>("POST", `/api/serviceaccounts/${account.id}/tokens`, { name: `deploy-${language}` });
        const imported = await ok([
            "import",
            "azure-grafana-keys:index:GrafanaServiceAccount",
            "adopted",
            `${emulator.url}|${account.id}`,
            "--yes",
            "--protect=false",
            "--stack",
            STACK,
        ]);
        expect(imported.stdout).toMatch(/azure-grafana-keys:index:GrafanaServiceAccount\s+adopted\s+imported/);
        expect(imported.stdout).toContain(`made-by-hand-${language}`);
        const tokenImport = await ok([
            "import",
            "azure-grafana-keys:index:GrafanaServiceAccountToken",
            "adopted-token",
            `${emulator.url}|serviceaccount/${account.id}/token/${token.id}`,
            "--yes",
            "--protect=false",
            "--stack",
            STACK,
        ]);
        expect(tokenImport.stdout).toMatch(/was imported without its secret.*the next `pulumi up` mints a new token/s);
        const resources = await exported();
        expect(resources.find((resource) => resource.type === "azure-grafana-keys:index:GrafanaServiceAccount")).toMatchObject({
            id: `serviceaccount/${account.id}`,
            outputs: { name: `made-by-hand-${language}`, role: "Editor" },
        });
    }, 300_000);

    test(`${language}: destroy deletes every key and account, the imported ones too`, async () => {
        await ok(["destroy", "--yes", "--stack", STACK]);
        expect(emulator.state.serviceAccounts()).toEqual([]);
    }, 300_000);
}
