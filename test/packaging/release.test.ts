import { describe, expect, test } from "@jest/globals";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/**
 * What a release publishes and what the docs promise agree: the supported Node.js versions everywhere they are
 * stated, the tarball the README packs and the release script packs, and a schema whose generated SDKs carry the
 * package's real address (no `example.com` Go module, Python metadata pointing at the repository).
 */
const ROOT = path.resolve(__dirname, "..", "..");
const read = (file: string): string => fs.readFileSync(path.join(ROOT, file), "utf8");
const json = (file: string): Record<string, unknown> => JSON.parse(read(file)) as Record<string, unknown>;
const nodeRange = (file: string): string => (json(file).engines as { node: string }).node;

describe("supported Node.js versions", () => {
    const pulumiMinimum = Number(/>=\s*(\d+)/.exec(nodeRange("node_modules/@pulumi/pulumi/package.json"))?.[1]);
    const ciMajors = /^NODE_MAJORS="([\d ]+)"$/m.exec(read(".ci/run"))?.[1].split(" ").map(Number) ?? [];

    test("engines of the workspace, the provider and the plugin are @pulumi/pulumi's", () => {
        for (const file of ["package.json", "provider/package.json", "plugin/package.json"])
            expect([file, nodeRange(file)]).toEqual([file, `>=${pulumiMinimum}`]);
    });

    test("CI tests each supported LTS major, from @pulumi/pulumi's minimum on", () => {
        expect(ciMajors[0]).toBe(pulumiMinimum);
        expect(ciMajors).toEqual([22, 24]);
    });

    test("the README and the guides name the same versions wherever they name one", () => {
        // Benchmark records name the Node.js of the machine that measured, not a supported version.
        const guides = [
            "README.md",
            ...fs
                .readdirSync(path.join(ROOT, "docs"))
                .filter((name) => name !== "benchmarks.md")
                .map((name) => `docs/${name}`),
        ];
        const stated = guides.flatMap((guide) =>
            [...read(guide).matchAll(/Node\.js (\d+)(?:\.\d+)?\+?(?: (?:or|and) (\d+))?/g)].filter(
                (m) => !/end of life/.test(read(guide).slice(m.index, m.index + 60)),
            ),
        );
        expect(stated.length).toBeGreaterThan(2);
        for (const match of stated) expect(match[0]).toMatch(new RegExp(`^Node\\.js ${ciMajors[0]} (or|and) ${ciMajors[1]}$`));
    });
});

describe("what a release packs", () => {
    test("the README's tarball and the release script's are one `npm pack` of the provider workspace", () => {
        const readmePack = /^npm pack --workspace provider\b.*$/m.exec(read("README.md"))?.[0];
        expect(readmePack).toBeDefined();
        expect(read("tools/release/release.sh")).toMatch(/^npm pack --workspace provider --pack-destination build\/release\b/m);
        expect(read("tools/release/release.sh")).not.toMatch(/^\s*npm publish\b/m);
    });

    test("the release packs the emulator's workspace too (test/packaging/emulatorPackage.test.ts installs that tarball)", () => {
        expect(read("tools/release/release.sh")).toMatch(/^npm pack --workspace emulator --pack-destination build\/release\b/m);
    });
});

describe("the plugin schema's addresses", () => {
    const schema = json("plugin/dist/schema.json") as {
        repository: string;
        homepage: string;
        publisher: string;
        license: string;
        language: { go: { importBasePath: string }; python: { packageName: string } };
    };
    const repository = (json("provider/package.json").repository as { url: string }).url.replace(/^git\+/, "").replace(/\.git$/, "");

    test("repository, homepage, publisher and license come from the provider's package.json, and are no placeholder", () => {
        expect(schema.repository).toBe(repository);
        expect(schema.repository).toMatch(/^https:\/\/github\.com\/[\w.-]+\/pulumi-azure-grafana-keys$/);
        expect(schema.homepage.startsWith(repository)).toBe(true);
        expect(schema.publisher).toBeTruthy();
        expect(schema.license).toBe("Apache-2.0");
    });

    test("Go's module path is the repository's, not example.com", () => {
        expect(schema.language.go.importBasePath).toBe(`${repository.replace(/^https:\/\//, "")}/sdk/go/azuregrafanakeys`);
        expect(JSON.stringify(schema)).not.toContain("example.com");
    });
});

const pulumi = (process.env.PATH ?? "").split(path.delimiter).find((dir) => dir && fs.existsSync(path.join(dir, "pulumi")));
if (!pulumi) {
    test.skip("generated Python SDK metadata: skipped because no `pulumi` is on PATH", () => undefined);
} else {
    test("the generated Python SDK names the repository and the package, not a placeholder", () => {
        const out = fs.mkdtempSync(path.join(os.tmpdir(), "sdk-"));
        try {
            const env = { ...process.env, PULUMI_HOME: path.join(out, ".pulumi-home"), PULUMI_SKIP_UPDATE_CHECK: "true" };
            const args = ["package", "gen-sdk", path.join(ROOT, "plugin/dist/schema.json"), "--language", "python", "--out", out];
            const result = spawnSync("pulumi", args, { env, encoding: "utf8", timeout: 120_000 });
            expect({ status: result.status, stderr: result.status === 0 ? "" : result.stderr }).toEqual({ status: 0, stderr: "" });
            const setup = fs.readFileSync(path.join(out, "python", "setup.py"), "utf8");
            expect(setup).toMatch(/^setup\(name='pulumi_azure_grafana_keys',$/m);
            expect(setup).toContain(`'Repository': '${(json("plugin/dist/schema.json") as { repository: string }).repository}'`);
            expect(setup).not.toContain("example.com");
        } finally {
            fs.rmSync(out, { recursive: true, force: true });
        }
    }, 180_000);
}
