import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expect } from "@jest/globals";
import { commandBlocks } from "../docs/readmeCommands";
import { startEmulator, type Emulator, type GrafanaProfile } from "azure-managed-grafana-emulator";
import { asOtherAdmin } from "../harness/otherClient";

/**
 * The real Pulumi CLI end to end: `pulumi up`, `stack output`, `stack export`, `refresh`, `preview`,
 * `destroy` and `stack rm` of the repository's quickstart (the root Pulumi.yaml) and of
 * examples/consumer, which reads the quickstart's key through a StackReference, against the emulator
 * started in this process. Runs only where `pulumi` is on PATH.
 *
 * Nothing is written to the repository: the backend (`file://`), PULUMI_HOME and the stacks' config
 * files live in a temporary folder (`--config-file` on every command that takes it; `pulumi stack init`
 * does not, so it runs in a scratch folder holding a copy of the project's Pulumi.yaml).
 */

/** The first executable `command` on PATH (with PATHEXT on Windows), or null. */
function which(command: string): string | null {
    const extensions = process.platform === "win32" ? (process.env.PATHEXT ?? ".EXE;.CMD;.BAT").split(";") : [""];
    for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
        if (!dir) continue;
        for (const extension of extensions) {
            const candidate = path.join(dir, command + extension);
            try {
                fs.accessSync(candidate, fs.constants.X_OK);
                if (fs.statSync(candidate).isFile()) return candidate;
            } catch {
                // not here
            }
        }
    }
    return null;
}

const pulumi = which("pulumi");

if (!pulumi) {
    console.warn("e2e: skipped: no `pulumi` on PATH (install the Pulumi CLI to run the real-CLI tests)");
    // Reported as skipped, never as a pass: nothing here ran.
    test.skip("the real Pulumi CLI tests: skipped because no `pulumi` is on PATH", () => undefined);
} else {
    describeCli(pulumi);
}

function describeCli(pulumiPath: string): void {
    const TEST_TIMEOUT_MS = 240_000;
    /** A command still running after this is stopped, so its output reaches the failure message. */
    const COMMAND_TIMEOUT_MS = 200_000;
    const REPO_ROOT = findUp(
        __dirname,
        (dir) => fs.existsSync(path.join(dir, "Pulumi.yaml")) && fs.existsSync(path.join(dir, "provider", "package.json")),
    );
    const CONSUMER_DIR = path.join(REPO_ROOT, "examples", "consumer");
    const POLICY_DIR = path.join(REPO_ROOT, "policy");
    const PRODUCER_PROJECT = projectName(path.join(REPO_ROOT, "Pulumi.yaml"));
    const CONSUMER_PROJECT = projectName(path.join(CONSUMER_DIR, "Pulumi.yaml"));
    const SECRET_SIG = "4dabf18193072939515e22adb298388d";
    const SUFFIX = randomBytes(4).toString("hex");

    interface Stack {
        name: string;
        /** Where the program runs from: the repository root, or examples/consumer. */
        cwd: string;
        configFile: string;
    }
    interface Run {
        command: string;
        code: number | null;
        signal: NodeJS.Signals | null;
        stdout: string;
        stderr: string;
        ms: number;
        /** --show-secrets: the only output allowed to print a key. */
        showsSecrets: boolean;
    }
    interface Export {
        deployment: { resources?: Array<{ urn: string; type: string; id?: string; outputs?: Record<string, unknown> }> };
    }

    let emulator: Emulator;
    let tmp: string;
    let env: NodeJS.ProcessEnv;
    const runs: Run[] = [];
    const producer: Stack = { name: `e2e-${SUFFIX}`, cwd: REPO_ROOT, configFile: "" };
    const consumer: Stack = { name: `e2e-consumer-${SUFFIX}`, cwd: CONSUMER_DIR, configFile: "" };
    const serviceAccounts: Stack = { name: `e2e-sa-${SUFFIX}`, cwd: path.join(REPO_ROOT, "examples", "service-accounts"), configFile: "" };
    // Shared by the sequential tests below; each names the earlier test it needs.
    let firstKey: string | undefined;
    let currentKey: string | undefined;
    let producerDeployed = false;

    /** Runs `pulumi <args>` in `stack.cwd`; resolves whatever the exit code (see `ok`). */
    function run(stack: Stack, args: string[], options: { showsSecrets?: boolean; noStack?: boolean } = {}): Promise<Run> {
        const stackArgs = options.noStack ? [] : ["--stack", stack.name];
        const fullArgs = [...args, ...stackArgs, "--non-interactive", "--color", "never"];
        const where =
            stack.cwd === REPO_ROOT ? "" : `  (in ${stack.cwd.startsWith(tmp) ? stack.cwd : path.relative(REPO_ROOT, stack.cwd)})`;
        const command = `pulumi ${[...args, ...stackArgs].join(" ")}${where}`.split(tmp).join("$TMP");
        const started = Date.now();
        return new Promise((resolve, reject) => {
            // Asynchronous on purpose: the emulator answering the provider lives in this process.
            const child = spawn(pulumiPath, fullArgs, { cwd: stack.cwd, env, stdio: ["ignore", "pipe", "pipe"] });
            let stdout = "";
            let stderr = "";
            child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
            child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
            const timer = setTimeout(() => {
                stderr += `\n[e2e: stopped after ${COMMAND_TIMEOUT_MS / 1000} s]`;
                child.kill("SIGINT");
                setTimeout(() => child.kill("SIGKILL"), 10_000).unref();
            }, COMMAND_TIMEOUT_MS);
            child.on("error", (err) => {
                clearTimeout(timer);
                reject(err);
            });
            child.on("close", (code, signal) => {
                clearTimeout(timer);
                const result: Run = {
                    command,
                    code,
                    signal,
                    stdout,
                    stderr,
                    ms: Date.now() - started,
                    showsSecrets: options.showsSecrets ?? false,
                };
                runs.push(result);
                resolve(result);
            });
        });
    }

    /** A command's whole story, keys masked, for failure messages. */
    function story(result: Run): string {
        return mask(
            `$ ${result.command}\n(exit ${result.code ?? result.signal}, ${(result.ms / 1000).toFixed(1)} s; ` +
                `also --non-interactive --color never; $TMP = ${tmp}, removed after the run)\n` +
                `--- stdout ---\n${result.stdout}--- stderr ---\n${result.stderr}`,
        );
    }

    function mask(text: string): string {
        let masked = text;
        for (const secret of emulator.state.secrets()) masked = masked.split(secret).join(`${secret.slice(0, 5)}…(masked)`);
        return masked;
    }

    /**
     * How often the CLI said a message matching `pattern` in its Diagnostics, where it lists each message once per
     * phase (the progress lines above repeat them, prefixed by the resource they run under, and are not counted).
     */
    function saidIn(result: Run, pattern: RegExp): number {
        return result.stdout
            .split("\n")
            .filter((line) => /^ {4}\S/.test(line) && !/^ {4}pulumi(-nodejs)?:/.test(line) && pattern.test(line)).length;
    }

    /** Fails with the command's output unless it exited 0, and if it printed a key it must not. */
    function ok(result: Run): Run {
        if (result.code !== 0) throw new Error(`pulumi failed\n${story(result)}`);
        const leaks = leaksIn(result);
        if (leaks.length > 0) throw new Error(`a minted key was printed: ${leaks.join(", ")}\n${story(result)}`);
        return result;
    }

    function leaksIn(result: Run): string[] {
        if (result.showsSecrets) return [];
        return emulator.state
            .secrets()
            .filter((secret) => result.stdout.includes(secret) || result.stderr.includes(secret))
            .map((secret) => `${secret.slice(0, 7)}… in the output of \`${result.command}\``);
    }

    /** Every file under `dir` that holds a minted key in plain text. */
    function plaintextKeysUnder(dir: string): string[] {
        const secrets = emulator.state.secrets();
        const found: string[] = [];
        for (const file of filesUnder(dir)) {
            const text = fs.readFileSync(file, "latin1");
            for (const secret of secrets) if (text.includes(secret)) found.push(`${secret.slice(0, 7)}… in ${path.relative(tmp, file)}`);
        }
        return found;
    }

    async function exportOf(stack: Stack): Promise<{ text: string; json: Export }> {
        const result = ok(await run(stack, ["stack", "export"]));
        return { text: result.stdout, json: JSON.parse(result.stdout) as Export };
    }

    async function output(stack: Stack, name: string, options: { showSecrets?: boolean; json?: boolean } = {}): Promise<string> {
        const args = ["stack", "output", name, ...(options.showSecrets ? ["--show-secrets"] : []), ...(options.json ? ["--json"] : [])];
        return ok(await run(stack, args, { showsSecrets: options.showSecrets })).stdout.trim();
    }

    /** A new stack whose config file is `<tmp>/<file>`, never Pulumi.<stack>.yaml in the project folder. */
    async function initStack(stack: Stack, file: string, config: Record<string, string>): Promise<void> {
        // `pulumi stack init` has no --config-file and writes the passphrase's salt to Pulumi.<stack>.yaml
        // next to Pulumi.yaml: so it runs next to a copy of the project file, and the file is moved out.
        const scratch = fs.mkdtempSync(path.join(tmp, "init-"));
        fs.copyFileSync(path.join(stack.cwd, "Pulumi.yaml"), path.join(scratch, "Pulumi.yaml"));
        ok(await run({ ...stack, cwd: scratch }, ["stack", "init"]));
        stack.configFile = path.join(tmp, file);
        fs.renameSync(path.join(scratch, `Pulumi.${stack.name}.yaml`), stack.configFile);
        for (const [key, value] of Object.entries(config)) {
            ok(await run(stack, ["config", "set", key, value, "--config-file", stack.configFile]));
        }
    }

    function withConfig(stack: Stack, ...args: string[]): string[] {
        return [...args, "--config-file", stack.configFile];
    }

    async function dashboardsHomeStatus(key: string): Promise<number> {
        const response = await fetch(`${emulator.url}/api/dashboards/home`, { headers: { authorization: `Bearer ${key}` } });
        await response.arrayBuffer();
        return response.status;
    }

    function need<T>(value: T | undefined | false, earlier: string): T {
        if (value === undefined || value === false) throw new Error(`needs the earlier test "${earlier}", which did not complete`);
        return value;
    }

    /** An emulator, a file backend and a PULUMI_HOME of their own for one describe block. */
    async function startSession(profile: GrafanaProfile): Promise<void> {
        emulator = await startEmulator({ profile });
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "azure-grafana-keys-e2e-"));
        fs.mkdirSync(path.join(tmp, "backend"));
        fs.mkdirSync(path.join(tmp, "pulumi-home"));
        env = {};
        // Nothing of the caller's Pulumi, Azure or Grafana setup may leak in (a logged-in backend, a token).
        for (const [name, value] of Object.entries(process.env)) {
            if (!/^(PULUMI_|ARM_|AZURE_|GRAFANA_)/i.test(name)) env[name] = value;
        }
        Object.assign(env, {
            PULUMI_BACKEND_URL: `file://${path.join(tmp, "backend")}`,
            PULUMI_HOME: path.join(tmp, "pulumi-home"),
            PULUMI_CONFIG_PASSPHRASE: `e2e-${SUFFIX}`,
            PULUMI_SKIP_UPDATE_CHECK: "1",
            GRAFANA_AUTH: emulator.credentials.adminBasic,
        });
    }

    async function endSession(): Promise<void> {
        if (runs.length > 0) {
            const width = Math.max(...runs.map((r) => r.command.length));
            console.log(
                `e2e: ${runs.length} pulumi commands, ${(runs.reduce((sum, r) => sum + r.ms, 0) / 1000).toFixed(1)} s\n` +
                    runs.map((r) => `${r.command.padEnd(width)}  exit ${r.code ?? r.signal}  ${(r.ms / 1000).toFixed(1)} s`).join("\n"),
            );
        }
        await emulator?.close();
        if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    }

    describe("the real Pulumi CLI: quickstart and consumer stacks against the emulator", () => {
        beforeAll(() => startSession("12.1"), TEST_TIMEOUT_MS);
        afterAll(() => endSession(), TEST_TIMEOUT_MS);

        test(
            "pulumi up of the quickstart mints one key on the emulator",
            async () => {
                await initStack(producer, "Pulumi.e2e.yaml", { endpoint: emulator.url });
                // Under the shipped policy pack with its default configuration: the example as it comes passes.
                ok(await run(producer, withConfig(producer, "up", "--yes", "--policy-pack", POLICY_DIR)));
                producerDeployed = true;
                const accounts = emulator.state.serviceAccounts();
                expect(accounts).toHaveLength(1);
                expect(accounts[0].tokens).toHaveLength(1);
                expect(await output(producer, "mintedAs")).toBe("serviceAccount");
                expect(await output(producer, "keyName")).toBe(accounts[0].name);
                expect(await output(producer, "grafanaEndpoint")).toBe(emulator.url);
            },
            TEST_TIMEOUT_MS,
        );

        test(
            "stack output apiKey is [secret], and with --show-secrets a key that works",
            async () => {
                need(producerDeployed, "pulumi up of the quickstart");
                expect(await output(producer, "apiKey")).toBe("[secret]");
                const key = await output(producer, "apiKey", { showSecrets: true });
                expect(emulator.state.secrets()).toContain(key);
                expect(await dashboardsHomeStatus(key)).toBe(200);
                firstKey = currentKey = key;
            },
            TEST_TIMEOUT_MS,
        );

        test(
            "the state holds the key only encrypted: not in stack export, the backend, PULUMI_HOME or config",
            async () => {
                const key = need(firstKey, "stack output apiKey");
                const exported = await exportOf(producer);
                expect(exported.text).not.toContain(key);
                const resources = exported.json.deployment.resources ?? [];
                const apiKey = resources.find((r) => r.type.endsWith(":GrafanaApiKey"));
                const stack = resources.find((r) => r.type === "pulumi:pulumi:Stack");
                expect(apiKey?.outputs?.key).toEqual({ [SECRET_SIG]: "1b47061264138c4ac30d75fd1eb44270", ciphertext: expect.any(String) });
                expect(stack?.outputs?.apiKey).toEqual({
                    [SECRET_SIG]: "1b47061264138c4ac30d75fd1eb44270",
                    ciphertext: expect.any(String),
                });
                expect(plaintextKeysUnder(tmp)).toEqual([]);
            },
            TEST_TIMEOUT_MS,
        );

        test(
            "a key deleted out of band: refresh drops it, up mints a new one, preview then has no changes",
            async () => {
                const oldKey = need(firstKey, "stack output apiKey");
                const accounts = emulator.state.serviceAccounts();
                expect(accounts).toHaveLength(1);
                expect(emulator.state.deleteServiceAccount(accounts[0].id)).toBe(true);
                expect(await dashboardsHomeStatus(oldKey)).toBe(401);

                ok(await run(producer, withConfig(producer, "refresh", "--yes")));
                const refreshed = (await exportOf(producer)).json.deployment.resources ?? [];
                expect(refreshed.filter((r) => r.type.endsWith(":GrafanaApiKey"))).toEqual([]);

                ok(await run(producer, withConfig(producer, "up", "--yes")));
                expect(emulator.state.serviceAccounts()).toHaveLength(1);
                const newKey = await output(producer, "apiKey", { showSecrets: true });
                expect(newKey).not.toBe(oldKey);
                expect(await dashboardsHomeStatus(newKey)).toBe(200);
                currentKey = newKey;

                ok(await run(producer, withConfig(producer, "preview", "--expect-no-changes")));
                expect(emulator.state.serviceAccounts()).toHaveLength(1);
            },
            TEST_TIMEOUT_MS,
        );

        test(
            "the consumer stack reads the key through a StackReference, and it stays secret",
            async () => {
                const key = need(currentKey, "a key deleted out of band");
                await initStack(consumer, "Pulumi.e2e-consumer.yaml", {
                    producerStack: `organization/${PRODUCER_PROJECT}/${producer.name}`,
                });
                ok(await run(consumer, withConfig(consumer, "up", "--yes")));
                expect(await output(consumer, "authorizationHeader")).toBe("[secret]");
                expect(await output(consumer, "authorizationHeader", { showSecrets: true })).toBe(`Bearer ${key}`);
                expect(await output(consumer, "grafanaEndpoint")).toBe(emulator.url);

                const exported = await exportOf(consumer);
                expect(exported.text).not.toContain(key);
                const stack = (exported.json.deployment.resources ?? []).find((r) => r.type === "pulumi:pulumi:Stack");
                expect(stack?.outputs?.authorizationHeader).toEqual({
                    [SECRET_SIG]: "1b47061264138c4ac30d75fd1eb44270",
                    ciphertext: expect.any(String),
                });
                expect(plaintextKeysUnder(tmp)).toEqual([]);
            },
            TEST_TIMEOUT_MS,
        );

        test(
            "a rotation the consumer survives: its key works through the window, it picks up the new one, the old goes after expiry",
            async () => {
                const held = need(currentKey, "the consumer stack reads the key");
                need(consumer.configFile !== "", "the consumer stack reads the key");
                const DAY = 86_400;
                // Grafana's clock 24 days on: the 30-day key is inside its 7-day rotateBefore window.
                emulator.clock.advance(24 * DAY);
                const rotation = ok(await run(producer, withConfig(producer, "up", "--refresh", "--yes")));
                // Said once each: the plan in the preview, what was done in the update (diagnostics lines, not progress).
                expect(saidIn(rotation, / will be rotated: its key expires at /)).toBe(1);
                expect(saidIn(rotation, /" rotated: its key expires at .* Its new key is ".+-r2"/)).toBe(1);
                const rotated = await output(producer, "apiKey", { showSecrets: true });
                expect(rotated).not.toBe(held);
                expect(await output(producer, "previousKeyExpiresAt")).toMatch(/^\d{4}-/);
                // The consumer has not redeployed: it still holds the previous key, which still works.
                expect(await output(consumer, "authorizationHeader", { showSecrets: true })).toBe(`Bearer ${held}`);
                expect([await dashboardsHomeStatus(held), await dashboardsHomeStatus(rotated)]).toEqual([200, 200]);
                ok(await run(producer, withConfig(producer, "preview", "--expect-no-changes")));

                // The consumer's next deploy picks up the new key through the StackReference.
                ok(await run(consumer, withConfig(consumer, "up", "--yes")));
                expect(await output(consumer, "authorizationHeader", { showSecrets: true })).toBe(`Bearer ${rotated}`);

                // Past the previous key's expiry, the next up --refresh deletes it; the current one works on.
                emulator.clock.advance(7 * DAY);
                const cleanup = ok(await run(producer, withConfig(producer, "up", "--refresh", "--yes")));
                expect(saidIn(cleanup, /: its previous key will be deleted: it expired at /)).toBe(1);
                expect(saidIn(cleanup, /: deleted its previous key ".+" \(it expired at /)).toBe(1);
                expect(await output(producer, "apiKey", { showSecrets: true })).toBe(rotated);
                expect(emulator.state.serviceAccounts()[0].tokens).toHaveLength(1);
                expect([await dashboardsHomeStatus(held), await dashboardsHomeStatus(rotated)]).toEqual([401, 200]);
                currentKey = rotated;
            },
            TEST_TIMEOUT_MS,
        );

        test(
            "preview --diff of a role change shows the role, none of the provider's bookkeeping inputs and no [unknown] output",
            async () => {
                need(producerDeployed, "pulumi up of the quickstart");
                ok(await run(producer, ["config", "set", "role", "Editor", "--config-file", producer.configFile]));
                const preview = ok(await run(producer, withConfig(producer, "preview", "--diff")));
                ok(await run(producer, ["config", "rm", "role", "--config-file", producer.configFile]));
                expect(preview.stdout).toMatch(/~ role\s*: "Viewer" => "Editor"/);
                expect(preview.stdout).toMatch(/endpoint\s*:/); // the other inputs are listed, so their absence below means something
                for (const bookkeeping of ["logicalName", "nameSource", "requestedMode", "__provider"]) {
                    expect(preview.stdout).not.toContain(bookkeeping);
                }
                // No output a role change cannot affect shows as about to change.
                expect(preview.stdout).not.toContain("[unknown]");
            },
            TEST_TIMEOUT_MS,
        );

        test(
            "a misspelt setting (azure-grafana-keys:maxRetry) fails the TypeScript program, naming it and the settings there are",
            async () => {
                need(producerDeployed, "pulumi up of the quickstart");
                ok(await run(producer, ["config", "set", "azure-grafana-keys:maxRetry", "3", "--config-file", producer.configFile]));
                const preview = await run(producer, withConfig(producer, "preview"));
                ok(await run(producer, ["config", "rm", "azure-grafana-keys:maxRetry", "--config-file", producer.configFile]));
                expect(preview.code).not.toBe(0);
                expect(`${preview.stdout}\n${preview.stderr}`).toMatch(
                    /azure-grafana-keys:maxRetry is not a setting of this provider: use grafanaAuth, .*maxRetries/,
                );
            },
            TEST_TIMEOUT_MS,
        );

        test(
            "a bad provider setting is said once, as the resource's error, not also on the stack",
            async () => {
                need(producerDeployed, "pulumi up of the quickstart");
                ok(await run(producer, ["config", "set", "azure-grafana-keys:maxRetries", "abc", "--config-file", producer.configFile]));
                const refused = await run(producer, withConfig(producer, "preview"));
                ok(await run(producer, ["config", "rm", "azure-grafana-keys:maxRetries", "--config-file", producer.configFile]));
                expect(refused.code).not.toBe(0);
                const problem =
                    /azure-grafana-keys:maxRetries \(or AZURE_GRAFANA_KEYS_MAX_RETRIES\) must be a whole number >= 0, got "abc"/;
                expect(saidIn(refused, new RegExp(`^\\s+error: ${problem.source}`))).toBe(1);
                expect(`${refused.stdout}${refused.stderr}`).not.toMatch(new RegExp(`azure-grafana-keys: ${problem.source}`));
            },
            TEST_TIMEOUT_MS,
        );

        test(
            "pulumi destroy of both stacks leaves no service account; stack rm removes both",
            async () => {
                need(producerDeployed, "pulumi up of the quickstart");
                // The consumer, if it got as far as a stack, goes first: it references the producer.
                const consumerExists = consumer.configFile !== "";
                if (consumerExists) ok(await run(consumer, withConfig(consumer, "destroy", "--yes")));
                ok(await run(producer, withConfig(producer, "destroy", "--yes")));
                expect(emulator.state.serviceAccounts()).toEqual([]);
                expect(emulator.state.apiKeys()).toEqual([]);
                expect(plaintextKeysUnder(tmp)).toEqual([]);

                if (consumerExists) ok(await run(consumer, ["stack", "rm", "--yes", "--force"]));
                ok(await run(producer, ["stack", "rm", "--yes", "--force"]));
                const left = ok(await run(producer, ["stack", "ls", "--all", "--json"], { noStack: true }));
                expect(JSON.parse(left.stdout)).toEqual([]);
                const stacksDir = path.join(tmp, "backend", ".pulumi", "stacks");
                expect(fs.existsSync(path.join(stacksDir, PRODUCER_PROJECT, `${producer.name}.json`))).toBe(false);
                expect(fs.existsSync(path.join(stacksDir, CONSUMER_PROJECT, `${consumer.name}.json`))).toBe(false);
            },
            TEST_TIMEOUT_MS,
        );

        test(
            "examples/service-accounts: one account, two rotating tokens, the org's keys listed; destroy removes them",
            async () => {
                await initStack(serviceAccounts, "Pulumi.e2e-sa.yaml", { endpoint: emulator.url });
                ok(await run(serviceAccounts, withConfig(serviceAccounts, "up", "--yes", "--policy-pack", POLICY_DIR)));
                const [account] = emulator.state.serviceAccounts();
                expect(account.role).toBe("Editor");
                expect(account.tokens).toHaveLength(2);
                expect(await output(serviceAccounts, "deployKey")).toBe("[secret]");
                const deployKey = await output(serviceAccounts, "deployKey", { showSecrets: true });
                expect(await dashboardsHomeStatus(deployKey)).toBe(200);
                const listed = JSON.parse(await output(serviceAccounts, "keysInOrg", { json: true })) as string[];
                expect([...listed].sort()).toEqual(account.tokens.map((token) => `${account.name}/${token.name}`).sort());
                ok(await run(serviceAccounts, withConfig(serviceAccounts, "preview", "--expect-no-changes")));
                ok(await run(serviceAccounts, withConfig(serviceAccounts, "destroy", "--yes")));
                expect(emulator.state.serviceAccounts()).toEqual([]);
                ok(await run(serviceAccounts, ["stack", "rm", "--yes", "--force"]));
            },
            TEST_TIMEOUT_MS,
        );

        test(
            "no minted key appeared in any command's output but --show-secrets, nor in any file written",
            () => {
                expect(runs.length).toBeGreaterThan(0);
                const secrets = emulator.state.secrets();
                expect(secrets.length).toBeGreaterThanOrEqual(2);
                expect(runs.flatMap(leaksIn)).toEqual([]);
                // The --show-secrets outputs did print keys: the scan is not vacuous.
                expect(runs.filter((r) => r.showsSecrets && secrets.some((s) => r.stdout.includes(s)))).not.toHaveLength(0);
                expect(plaintextKeysUnder(tmp)).toEqual([]);
            },
            TEST_TIMEOUT_MS,
        );
    });

    describe("the real Pulumi CLI: Azure upgrades the workspace under a legacy key a consumer holds (10.4 -> 12.1)", () => {
        const upgradedProducer: Stack = { name: `e2e-up-${SUFFIX}`, cwd: REPO_ROOT, configFile: "" };
        const upgradedConsumer: Stack = { name: `e2e-up-consumer-${SUFFIX}`, cwd: CONSUMER_DIR, configFile: "" };
        beforeAll(() => startSession("10.4"), TEST_TIMEOUT_MS);
        afterAll(() => endSession(), TEST_TIMEOUT_MS);

        test(
            "nothing to do in the default mode: refresh shows no change, the rotation leaves the consumer's key working, destroy leaves nothing",
            async () => {
                const DAY = 86_400;
                await initStack(upgradedProducer, "Pulumi.e2e-up.yaml", { endpoint: emulator.url });
                ok(await run(upgradedProducer, withConfig(upgradedProducer, "up", "--yes")));
                expect(await output(upgradedProducer, "mintedAs")).toBe("apiKey");
                const held = await output(upgradedProducer, "apiKey", { showSecrets: true });
                await initStack(upgradedConsumer, "Pulumi.e2e-up-consumer.yaml", {
                    producerStack: `organization/${PRODUCER_PROJECT}/${upgradedProducer.name}`,
                });
                ok(await run(upgradedConsumer, withConfig(upgradedConsumer, "up", "--yes")));

                // Azure upgrades the workspace: Grafana moves the legacy key into sa-autogen-<name>.
                emulator.upgrade("12.1");
                emulator.clock.advance(DAY);
                ok(await run(upgradedProducer, withConfig(upgradedProducer, "refresh", "--yes")));
                ok(await run(upgradedProducer, withConfig(upgradedProducer, "preview", "--expect-no-changes")));
                expect(await dashboardsHomeStatus(held)).toBe(200);

                // Day 24: the rotation window. The successor is a service-account token; the consumer's key still works.
                emulator.clock.advance(23 * DAY);
                ok(await run(upgradedProducer, withConfig(upgradedProducer, "up", "--refresh", "--yes")));
                const rotated = await output(upgradedProducer, "apiKey", { showSecrets: true });
                expect(rotated).toMatch(/^glsa_/);
                expect(await output(upgradedProducer, "mintedAs")).toBe("serviceAccount");
                expect(await output(upgradedConsumer, "authorizationHeader", { showSecrets: true })).toBe(`Bearer ${held}`);
                expect([await dashboardsHomeStatus(held), await dashboardsHomeStatus(rotated)]).toEqual([200, 200]);
                ok(await run(upgradedProducer, withConfig(upgradedProducer, "preview", "--expect-no-changes")));
                ok(await run(upgradedConsumer, withConfig(upgradedConsumer, "up", "--yes")));
                expect(await output(upgradedConsumer, "authorizationHeader", { showSecrets: true })).toBe(`Bearer ${rotated}`);

                // Past the migrated key's expiry: it goes, and its sa-autogen account with it.
                emulator.clock.advance(7 * DAY);
                ok(await run(upgradedProducer, withConfig(upgradedProducer, "up", "--refresh", "--yes")));
                // Left: the account of the resource's own, named after it, holding the successor `<name>-r2`.
                const successor = await output(upgradedProducer, "keyName");
                expect(successor).toMatch(/-r2$/);
                expect(emulator.state.serviceAccounts().map((sa) => sa.name)).toEqual([successor.replace(/-r2$/, "")]);

                ok(await run(upgradedConsumer, withConfig(upgradedConsumer, "destroy", "--yes")));
                ok(await run(upgradedProducer, withConfig(upgradedProducer, "destroy", "--yes")));
                expect([...emulator.state.apiKeys(), ...emulator.state.serviceAccounts()]).toEqual([]);
                expect(plaintextKeysUnder(tmp)).toEqual([]);
                expect(runs.flatMap(leaksIn)).toEqual([]);
                ok(await run(upgradedConsumer, ["stack", "rm", "--yes", "--force"]));
                ok(await run(upgradedProducer, ["stack", "rm", "--yes", "--force"]));
            },
            TEST_TIMEOUT_MS * 2,
        );
    });
    describe("the real Pulumi CLI: adopt through the real CLI, docs/import.md's TypeScript program and commands as written", () => {
        const GUIDE = fs.readFileSync(path.join(REPO_ROOT, "docs", "import.md"), "utf8");
        const GUIDE_ENDPOINT = "https://my-ws-abcd.wus.grafana.azure.com";
        const GUIDE_ADOPT = "serviceaccount/9/token/10";
        const adopter: Stack = { name: `e2e-adopt-${SUFFIX}`, cwd: "", configFile: "" };
        /** The secret of the token the guide adopts, which its holders keep using until the first rotation. */
        let adoptedTokenKey: string | undefined;
        beforeAll(() => startSession("12.1"), TEST_TIMEOUT_MS);
        afterAll(() => endSession(), TEST_TIMEOUT_MS);

        /** The guide's TypeScript program in a project folder of its own, the repository's node_modules beside it. */
        function writeProgram(dir: string, program: string): void {
            fs.mkdirSync(dir, { recursive: true });
            fs.writeFileSync(
                path.join(dir, "Pulumi.yaml"),
                "name: azure-grafana-keys-adopt\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n",
            );
            fs.copyFileSync(path.join(CONSUMER_DIR, "tsconfig.json"), path.join(dir, "tsconfig.json"));
            if (!fs.existsSync(path.join(dir, "node_modules")))
                fs.symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(dir, "node_modules"));
            fs.writeFileSync(
                path.join(dir, "package.json"),
                JSON.stringify({ name: "azure-grafana-keys-adopt", private: true, main: "index.ts" }),
            );
            fs.writeFileSync(path.join(dir, "index.ts"), program);
        }

        /** Another team's account "pipelines" (Editor) with three tokens: the guide adopts the second. */
        async function pipelines(): Promise<{ accountId: number; tokens: Array<{ id: number; key: string }> }> {
            const account = await asOtherAdmin<{ id: number }>(emulator, "POST", "/api/serviceaccounts", {
                name: "pipelines",
                role: "Editor",
            });
            const tokens: Array<{ id: number; key: string }> = [];
            for (const name of ["build", "deploy", "report"]) {
                tokens.push(
                    await asOtherAdmin(emulator, "POST", `/api/serviceaccounts/${account.id}/tokens`, { name, secondsToLive: 90 * 86_400 }),
                );
            }
            return { accountId: account.id, tokens };
        }

        test(
            "pulumi import of the dynamic type fails inside Pulumi's host, as the guide says; the import option fails in one line naming adopt",
            async () => {
                const { accountId, tokens } = await pipelines();
                const importId = `${emulator.url}|serviceaccount/${accountId}/token/${tokens[1].id}`;
                adoptedTokenKey = tokens[1].key;
                adopter.cwd = path.join(tmp, "adopt");
                const program = /```ts\n([\s\S]*?)```/.exec(GUIDE)?.[1];
                if (!program) throw new Error("docs/import.md has no ```ts block");
                const withImportOption = program.replace(/\n\}\);\n/, `\n}, { import: ${JSON.stringify(importId)} });\n`);
                expect(withImportOption).not.toBe(program);
                writeProgram(adopter.cwd, withImportOption);
                try {
                    await importAndOption(accountId, tokens[1].id, importId);
                } finally {
                    writeProgram(adopter.cwd, program);
                }
            },
            TEST_TIMEOUT_MS,
        );

        /** `pulumi import` of the dynamic type, then a preview of the program with the import option. */
        async function importAndOption(accountId: number, tokenId: number, importId: string): Promise<void> {
            ok(await run(adopter, ["stack", "init"]));
            ok(await run(adopter, ["config", "set", "endpoint", emulator.url]));

            const cli = await run(adopter, [
                "import",
                "pulumi-nodejs:dynamic/azure-grafana-keys:GrafanaApiKey",
                "manual2",
                importId,
                "--yes",
            ]);
            expect(cli.code).not.toBe(0);
            expect(cli.stdout + cli.stderr).toMatch(/code must be a string, not undefined/);

            const option = await run(adopter, ["preview"]);
            expect(option.code).not.toBe(0);
            // One line, which the CLI shows twice: on the resource's progress line and under Diagnostics.
            const said = new Set(
                (option.stdout + option.stderr)
                    .split("\n")
                    .filter((line) => /import resource option/.test(line))
                    .map((line) => line.slice(line.indexOf("error: "))),
            );
            expect([...said]).toEqual([
                `error: GrafanaApiKey "deploy": the import resource option cannot take over a dynamic resource (Pulumi reads an imported resource with its id alone, and the dynamic-provider host finds its provider only in the resource's inputs); remove it and give the input adopt: "serviceaccount/${accountId}/token/${tokenId}" instead (the Grafana comes from endpoint or workspaceId, the org from orgId). See docs/import.md.`,
            ]);
            expect(option.stdout + option.stderr).not.toMatch(/\n\s+at /);
            // Nothing was touched.
            expect(emulator.state.serviceAccounts()[0].tokens.map((token) => token.name)).toEqual(["build", "deploy", "report"]);
        }

        test(
            "the guide's commands as written: adopt, refresh, no-change preview, rotation, destroy leaving the account and the other tokens",
            async () => {
                need(adopter.cwd !== "", "pulumi import of the dynamic type fails");
                const [account] = emulator.state.serviceAccounts();
                const [build, deploy, report] = account.tokens;
                const section = GUIDE.slice(GUIDE.indexOf("## TypeScript"), GUIDE.indexOf("### What you get"));
                const commands = commandBlocks(section, "docs/import.md").flatMap((block) => block.commands);
                expect(commands.length).toBeGreaterThan(5);
                const adoptId = `serviceaccount/${account.id}/token/${deploy.id}`;
                let adopted: string | undefined;
                const started = Date.now();
                for (const written of commands) {
                    const command = written.split(GUIDE_ENDPOINT).join(emulator.url).split(GUIDE_ADOPT).join(adoptId);
                    const [program, ...args] = command.split(/\s+/);
                    expect(program).toBe("pulumi");
                    const showsSecrets = args.includes("--show-secrets");
                    const result = ok(await run(adopter, args, { showsSecrets }));
                    if (showsSecrets) {
                        adopted = result.stdout.trim();
                        expect(adopted).toMatch(/^glsa_/);
                        expect(await dashboardsHomeStatus(adopted)).toBe(200);
                    }
                    if (/^pulumi up\b/.test(command) && !adopted) {
                        expect(result.stdout).toMatch(/adopted serviceaccount\/\d+\/token\/\d+/);
                        // The adopted token keeps working for whoever holds it.
                        expect(await dashboardsHomeStatus(need(adoptedTokenKey, "pulumi import of the dynamic type fails"))).toBe(200);
                    } else if (/^pulumi up\b/.test(command)) {
                        // The first rotation after adopting deletes the adopted token; the key handed out at adoption works on.
                        expect(await dashboardsHomeStatus(need(adoptedTokenKey, "pulumi import of the dynamic type fails"))).toBe(401);
                        expect(await dashboardsHomeStatus(need(adopted, "stack output apiKey"))).toBe(200);
                    }
                    if (/^pulumi (refresh|preview)\b/.test(command)) {
                        expect(emulator.state.serviceAccounts()[0].tokens).toHaveLength(4);
                    }
                }
                const key = need(adopted, "the guide's stack output --show-secrets");
                expect(await dashboardsHomeStatus(key)).toBe(401);
                // destroy left the account, its role and the two tokens the stack never adopted, working.
                expect(emulator.state.serviceAccounts()).toEqual([
                    expect.objectContaining({
                        id: account.id,
                        role: "Editor",
                        tokens: [expect.objectContaining({ id: build.id }), expect.objectContaining({ id: report.id })],
                    }),
                ]);
                expect(plaintextKeysUnder(tmp)).toEqual([]);
                expect(runs.flatMap(leaksIn)).toEqual([]);
                console.log(`e2e adopt: the guide's ${commands.length} commands in ${((Date.now() - started) / 1000).toFixed(1)} s`);
                ok(await run(adopter, ["stack", "rm", "--yes", "--force"]));
            },
            TEST_TIMEOUT_MS * 2,
        );
    });
}

function findUp(start: string, isRoot: (dir: string) => boolean): string {
    for (let dir = start; ; dir = path.dirname(dir)) {
        if (isRoot(dir)) return dir;
        if (path.dirname(dir) === dir) throw new Error(`no repository root above ${start}`);
    }
}

/** The `name:` of a Pulumi.yaml. */
function projectName(file: string): string {
    const match = /^name:\s*(\S+)\s*$/m.exec(fs.readFileSync(file, "utf8"));
    if (!match) throw new Error(`no name in ${file}`);
    return match[1];
}

function* filesUnder(dir: string): Generator<string> {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) yield* filesUnder(full);
        else if (entry.isFile()) yield full;
    }
}
