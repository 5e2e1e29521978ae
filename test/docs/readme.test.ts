import { describe, expect, test } from "@jest/globals";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { guideCommandBlocks, isLongRunning, needsTheCloud, usesEmulator, waitsForEmulator, type CommandBlock } from "./readmeCommands";

/**
 * The shell blocks of the README and of every guide in docs/, read from the pages themselves: pasted one block at a
 * time, in order, they must work. The parse checks hold for every block; the run plays every block marked to run (the
 * README's emulator quickstart and its consumer, then the guides' emulator blocks) with the real Pulumi CLI. A block
 * that needs what this machine has not (an Azure subscription, Pulumi Cloud, a Grafana you name) is reported
 * skipped with the reason its page gives.
 */
const blocks = guideCommandBlocks();
const REPO = path.resolve(__dirname, "..", "..");
const where = (block: CommandBlock) => `${block.file}:${block.line}`;
const toRun = blocks.filter((block) => block.verdict === "run");

describe("command blocks of the README and the guides, as written", () => {
    test("the README has the emulator quickstart's blocks", () => {
        expect(toRun.filter((b) => b.file === "README.md").length).toBeGreaterThan(3);
        expect(blocks.some((b) => b.commands.some(isLongRunning))).toBe(true);
    });

    test("every block says whether the test runs it, or why it cannot", () => {
        expect(blocks.filter((b) => b.verdict === undefined).map(where)).toEqual([]);
    });

    test("no block that needs Azure or Pulumi Cloud claims to run here", () => {
        expect(toRun.flatMap((b) => b.commands.filter(needsTheCloud).map((c) => `${where(b)}: ${c}`))).toEqual([]);
    });

    test("nothing is sent to the background with &: a pasted block would race it", () => {
        const backgrounded = blocks.flatMap((b) => b.commands.filter((c) => /&\s*$/.test(c)).map((c) => `${where(b)}: ${c}`));
        expect(backgrounded).toEqual([]);
    });

    test("a command that keeps running is alone at the end of its block, which says to run it in a second terminal", () => {
        for (const block of blocks.filter((b) => b.commands.some(isLongRunning))) {
            expect({ line: block.line, last: isLongRunning(block.commands[block.commands.length - 1]) }).toEqual({
                line: block.line,
                last: true,
            });
            expect({ line: block.line, lead: /second terminal/i.test(block.lead) }).toEqual({ line: block.line, lead: true });
            expect({ line: block.line, readiness: /ready when it prints `Grafana emulator listening on/.test(block.lead) }).toEqual({
                line: block.line,
                readiness: true,
            });
        }
    });

    test("the first block after the emulator starts says which terminal, and waits for the emulator before using it", () => {
        const start = blocks.findIndex((b) => b.commands.some(isLongRunning));
        const next = blocks[start + 1];
        expect(next.lead).toMatch(/first terminal/i);
        const firstUse = next.commands.findIndex(usesEmulator);
        expect(firstUse).toBeGreaterThanOrEqual(0);
        expect(waitsForEmulator(next.commands[firstUse])).toBe(true);
    });

    test("in the emulator quickstart a stack is made before it is used, and destroyed last", () => {
        const commands = toRun.flatMap((b) => b.commands);
        const at = (pattern: RegExp): number => commands.findIndex((c) => pattern.test(c));
        expect(at(/^pulumi stack init dev$/)).toBeGreaterThan(at(/^export .*PULUMI_BACKEND_URL=/));
        expect(at(/^pulumi up --yes/)).toBeGreaterThan(at(/^pulumi stack init/));
        expect(at(/^pulumi config set rotationTrigger/)).toBeGreaterThan(at(/^pulumi up --yes/));
        expect(at(/^pulumi destroy --yes$/)).toBeGreaterThan(at(/^pulumi up --refresh --yes$/));
        // The consumer reads the producer's stack, so it goes first.
        expect(at(/^pulumi -C examples\/consumer up --yes$/)).toBeGreaterThan(at(/^pulumi up --yes/));
        expect(at(/^pulumi -C examples\/consumer destroy --yes$/)).toBeLessThan(at(/^pulumi destroy --yes$/));
        // Run unattended as pasted: no prompt waits for an answer.
        expect(commands.filter((c) => /^pulumi (-C \S+ )?(up|destroy|stack rm)\b/.test(c) && !/--yes\b/.test(c))).toEqual([]);
    });

    test("no machine path in a command", () => {
        expect(blocks.flatMap((b) => b.commands.filter((c) => /(^|[\s'"=])\/(tmp|work|root|opt)\//.test(c)))).toEqual([]);
    });
});

for (const block of blocks.filter((b) => b.verdict !== "run" && b.verdict !== undefined)) {
    const reason = (block.verdict as { skip: string }).skip;
    test.skip(`${where(block)} (${block.heading}) is not run here: ${reason}`, () => undefined);
}

function which(command: string): string | null {
    for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
        const candidate = path.join(dir, command);
        if (dir && fs.existsSync(candidate)) return candidate;
    }
    return null;
}

function portIsFree(port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const server = net.createServer();
        server.once("error", () => resolve(false));
        server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
    });
}

const pulumi = which("pulumi");
const RUN_TIMEOUT_MS = 10 * 60_000;

if (!pulumi) {
    console.warn("README run: skipped: no `pulumi` on PATH");
    test.skip("the blocks marked to run, as pasted: skipped because no `pulumi` is on PATH", () => undefined);
} else {
    describe("the blocks marked to run, run as pasted with the real Pulumi CLI", () => {
        test(
            "second terminal: the emulator; first terminal: every later block in order in one shell, exiting 0",
            async () => {
                // The blocks name port 3000; taken, they would talk to someone else's server, so this cannot pass.
                expect({ port3000Free: await portIsFree(3000) }).toEqual({ port3000Free: true });
                const [emulatorBlock, ...firstTerminal] = toRun;
                expect(emulatorBlock.commands.some(isLongRunning)).toBe(true);
                // `npm ci` is left out: this suite runs inside the installed checkout, and reinstalling would pull
                // node_modules from under the running tests. The long-running command runs exactly as written.
                const emulatorCommand = emulatorBlock.commands.filter(isLongRunning).join("\n");
                // A clone-shaped folder, so the stack's files and `.pulumi-state` stay out of the checkout.
                const clone = fs.mkdtempSync(path.join(os.tmpdir(), "readme-quickstart-"));
                // The examples are copied, not linked: their stacks' files must not land in the checkout.
                for (const file of ["Pulumi.yaml", "package.json"]) fs.copyFileSync(path.join(REPO, file), path.join(clone, file));
                fs.cpSync(path.join(REPO, "examples"), path.join(clone, "examples"), {
                    recursive: true,
                    filter: (source) =>
                        !/[/\\](node_modules|build|venv|sdks|__pycache__)$/.test(source) && !/Pulumi\.[^/\\]+\.yaml$/.test(source),
                });
                fs.symlinkSync(path.join(REPO, "node_modules"), path.join(clone, "node_modules"));
                const env = { ...process.env, PULUMI_HOME: path.join(clone, ".pulumi-home"), PULUMI_SKIP_UPDATE_CHECK: "true" };
                let emulator: ChildProcess | undefined;
                try {
                    emulator = spawn("bash", ["-c", `exec ${emulatorCommand}`], { cwd: REPO, env, stdio: "ignore", detached: true });
                    // One shell for the first terminal, as a person pasting would have: exports carry over.
                    const script = [
                        "set -euo pipefail",
                        ...firstTerminal.flatMap((b) => [`echo "block ${where(b)}" >&2`, ...b.commands]),
                    ].join("\n");
                    const result = spawnSync("bash", ["-c", script], { cwd: clone, env, encoding: "utf8", timeout: RUN_TIMEOUT_MS });
                    const lastBlock = /block (\S+)\n(?![\s\S]*block \S+\n)/.exec(result.stderr)?.[1];
                    expect({
                        status: result.status,
                        failedIn: result.status === 0 ? "" : `${lastBlock}: ${result.stderr}`,
                    }).toEqual({
                        status: 0,
                        failedIn: "",
                    });
                    // The rotation blocks rotated twice: the current key is the third.
                    expect(result.stdout).toMatch(/-r3\n/);
                    // The consumer stack printed the key it read, as a Bearer header.
                    expect(result.stdout).toMatch(/^Bearer glsa_\w+$/m);
                } finally {
                    if (emulator?.pid) process.kill(-emulator.pid, "SIGTERM");
                    fs.rmSync(clone, { recursive: true, force: true });
                }
            },
            RUN_TIMEOUT_MS * 2,
        );
    });
}
