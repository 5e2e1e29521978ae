import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { REPO_ROOT } from "./host";

/** The examples that use the provider plugin through an SDK `pulumi package add` generates. */
export type PluginLanguage = "python" | "yaml" | "go";

/** The commands each language needs on PATH for a program of it to run through the real CLI. */
export const PLUGIN_LANGUAGE_NEEDS: Record<PluginLanguage, string[]> = {
    python: ["pulumi", "pulumi-language-python", "python3"],
    yaml: ["pulumi", "pulumi-language-yaml"],
    go: ["pulumi", "pulumi-language-go", "go"],
};

export function which(command: string): string | null {
    for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
        if (!dir) continue;
        const candidate = path.join(dir, command);
        try {
            fs.accessSync(candidate, fs.constants.X_OK);
            if (fs.statSync(candidate).isFile()) return candidate;
        } catch {
            // not here
        }
    }
    return null;
}

export const missingCommands = (language: PluginLanguage): string[] => PLUGIN_LANGUAGE_NEEDS[language].filter((command) => !which(command));

/** The CLI's version (`3.259.0`), which the copies pin their Pulumi SDK to. */
export function pulumiCliVersion(): string {
    return /v?(\d+\.\d+\.\d+)/.exec(spawnSync("pulumi", ["version"], { encoding: "utf8" }).stdout)![1];
}

/**
 * examples/<language> copied to `programDir` as a user has it before `pulumi package add <plugin folder>`: no
 * `packages:` in Pulumi.yaml, no generated SDK, and nothing naming the SDK in the language's own manifest (Python's
 * requirements.txt, Go's go.mod), whose Pulumi SDK is pinned to the CLI's version.
 */
export function copyExampleBeforePackageAdd(language: PluginLanguage, programDir: string): void {
    fs.cpSync(path.join(REPO_ROOT, "examples", language), programDir, {
        recursive: true,
        filter: (source) => !/[/\\](venv|sdks|__pycache__)$/.test(source),
    });
    const projectFile = path.join(programDir, "Pulumi.yaml");
    fs.writeFileSync(projectFile, fs.readFileSync(projectFile, "utf8").replace(/\npackages:\n( {2}.*\n)+/, "\n"));
    const version = language === "yaml" ? "" : pulumiCliVersion();
    if (language === "python") fs.writeFileSync(path.join(programDir, "requirements.txt"), `pulumi==${version}\n`);
    if (language === "go") {
        const goMod = path.join(programDir, "go.mod");
        const module = /^module (\S+)$/m.exec(fs.readFileSync(goMod, "utf8"))![1];
        fs.writeFileSync(goMod, `module ${module}\n\ngo 1.25\n\nrequire github.com/pulumi/pulumi/sdk/v3 v${version}\n`);
    }
}
