import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { copyExampleBeforePackageAdd, missingCommands, type PluginLanguage } from "../harness/examplePrograms";
import { REPO_ROOT } from "../harness/host";

/**
 * The SDKs `pulumi package add <plugin folder>` generates, as a user gets them in a copy of examples/<language>:
 * Python's installs into the program's virtualenv without a single packaging warning and carries the package's real
 * metadata; Go's module path is the one the repository in provider/package.json implies (no `example.com`
 * placeholder), and the SDK and the example compile against it. Runs where the CLI and the language's toolchain are on
 * PATH; otherwise Jest reports the tests as skipped, with the reason.
 */

const manifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "provider", "package.json"), "utf8")) as {
    license: string;
    repository: { url: string };
};
const REPOSITORY = manifest.repository.url.replace(/^git\+/, "").replace(/\.git$/, "");

interface Run {
    code: number | null;
    output: string;
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs = 400_000): Promise<Run> {
    return new Promise((resolve, reject) => {
        const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
        let output = "";
        child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
        child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
        const timer = setTimeout(() => child.kill("SIGINT"), timeoutMs);
        child.on("error", reject);
        child.on("close", (code) => {
            clearTimeout(timer);
            resolve({ code, output });
        });
    });
}

function describeSdk(language: PluginLanguage, body: (add: () => Promise<{ added: Run; programDir: string }>) => void): void {
    const absent = missingCommands(language);
    if (absent.length > 0) {
        test.skip(`${language} SDK from package add: skipped because ${absent.join(", ")} is not on PATH`, () => undefined);
        return;
    }
    describe(`${language} SDK from pulumi package add`, () => {
        let tmp: string;
        beforeAll(() => {
            tmp = fs.mkdtempSync(path.join(os.tmpdir(), `sdk-${language}-`));
        });
        afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
        body(async () => {
            const programDir = path.join(tmp, language);
            copyExampleBeforePackageAdd(language, programDir);
            const env = { ...process.env, PULUMI_HOME: path.join(tmp, "home"), PULUMI_SKIP_UPDATE_CHECK: "true" };
            const added = await run(
                "pulumi",
                ["package", "add", path.join(REPO_ROOT, "plugin"), "--non-interactive", "--color", "never"],
                programDir,
                env,
            );
            if (added.code !== 0) throw new Error(`pulumi package add exited ${added.code}\n${added.output}`);
            return { added, programDir };
        });
    });
}

describeSdk("python", (add) => {
    test("installs into the virtualenv without a packaging warning, with the package's license, summary and repository", async () => {
        const { added, programDir } = await add();
        // What setuptools and pip say when something is off: `...Warning: ...`, `DEPRECATION: ...`, `... is deprecated`.
        const warnings = added.output.split("\n").filter((line) => /warning|deprecat|cannot be found/i.test(line));
        expect(warnings).toEqual([]);
        expect(added.output).toMatch(/Successfully installed .*\bpulumi_azure_grafana_keys-0\.1\.0\b/);

        const metadata = await run(
            path.join(programDir, "venv", "bin", "python"),
            [
                "-c",
                "import importlib.metadata as m, json; d = m.metadata('pulumi_azure_grafana_keys'); " +
                    "print(json.dumps({k: d.get_all(k) for k in ['Summary', 'License', 'Project-URL']}))",
            ],
            programDir,
            process.env,
        );
        expect(metadata.code).toBe(0);
        expect(JSON.parse(metadata.output)).toEqual({
            Summary: [expect.stringMatching(/^Grafana API keys and service-account tokens minted as Pulumi secrets/)],
            License: [manifest.license],
            "Project-URL": [`Repository, ${REPOSITORY}`],
        });
    }, 600_000);
});

describeSdk("go", (add) => {
    test("the module path is the repository's, and the SDK and examples/go build against it", async () => {
        const { added, programDir } = await add();
        const modulePath = `${REPOSITORY.replace(/^https:\/\//, "")}/sdk/go`;
        const sdkGoMod = fs.readFileSync(path.join(programDir, "sdks", "azure-grafana-keys", "go.mod"), "utf8");
        expect(/^module (\S+)$/m.exec(sdkGoMod)?.[1]).toBe(modulePath);
        expect(added.output).toContain(`"${modulePath}/azuregrafanakeys"`);
        expect(fs.readFileSync(path.join(programDir, "go.mod"), "utf8")).toMatch(
            new RegExp(`^replace ${modulePath.replace(/\./g, "\\.")} => \\./sdks/azure-grafana-keys$`, "m"),
        );

        // Every package of the SDK (its config and internal packages too), and the example that imports it.
        const built = await run("go", ["build", "./...", `${modulePath}/...`], programDir, process.env, 590_000);
        expect({ code: built.code, output: built.output }).toEqual({ code: 0, output: "" });
    }, 900_000);
});
