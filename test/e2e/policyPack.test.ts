import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { startEmulator, type Emulator } from "azure-managed-grafana-emulator";
import { REPO_ROOT } from "../harness/host";
import { asOtherAdmin } from "../harness/otherClient";

/**
 * The policy pack (policy/) under the real Pulumi CLI, which hands each policy what the provider's check returned:
 * `pulumi preview --policy-pack policy` of a program holding, for every policy, one resource that breaks it and
 * nothing else, under both type tokens (the TypeScript package's dynamic resources, and the plugin's resources by
 * their token, served by the plugin in this repository). Each policy names its resource with the fix, for each type,
 * and nothing else is reported; the compliant variant of the same program passes; `pulumi up` stops a token on an
 * Admin account before it is minted; --policy-pack-config changes a limit. A token's check reads its account's role
 * from Grafana, so an emulated Grafana runs in this process. Runs where `pulumi` (and, for the Python variant,
 * `pulumi-language-python` with `python3`) is on PATH.
 */

function onPath(command: string): boolean {
    return (process.env.PATH ?? "").split(path.delimiter).some((dir) => fs.existsSync(path.join(dir, command)));
}

const POLICY_DIR = path.join(REPO_ROOT, "policy");
const PLUGIN_DIR = path.join(REPO_ROOT, "plugin");
// Inside the repository (build/ is ignored), so the TypeScript program resolves this workspace's packages.
const SCRATCH = path.join(REPO_ROOT, "build", `policy-e2e-${randomBytes(4).toString("hex")}`);

interface Run {
    code: number | null;
    output: string;
}

let emulator: Emulator;
let env: NodeJS.ProcessEnv;

function pulumi(cwd: string, args: string[]): Promise<Run> {
    return new Promise((resolve, reject) => {
        // Asynchronous: the emulator answering the providers lives in this process.
        const child = spawn("pulumi", [...args, "--non-interactive", "--color", "never"], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
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

const withPack = (cwd: string, command: string, ...extra: string[]) =>
    pulumi(cwd, [command, "--stack", "dev", "--policy-pack", POLICY_DIR, ...extra]);

type Kind = "GrafanaApiKey" | "GrafanaServiceAccountToken" | "GrafanaServiceAccount";
type Args = Record<string, unknown>;

/** One policy's case: a resource that breaks only that policy (`violating`), or none (`compliant`), and what the user reads. */
interface PolicyCase {
    policy: string;
    level: "mandatory" | "advisory";
    kind: Kind;
    /** The resource's name, without the type's suffix. */
    stem: string;
    violating: Args;
    compliant: Args;
    message: (label: string) => string;
}

const COMPLIANT = { role: "Editor", timeToLive: "30d", rotateBefore: "7d" };
const COMPLIANT_TOKEN = { timeToLive: "30d", rotateBefore: "7d" };

function policyCases(accounts: { admin: number; editor: number }): PolicyCase[] {
    const roles = "set role to one of None, Viewer, Editor.";
    return [
        {
            policy: "grafana-key-allowed-roles",
            level: "mandatory",
            kind: "GrafanaApiKey",
            stem: "admin-key",
            violating: { ...COMPLIANT, role: "Admin" },
            compliant: COMPLIANT,
            message: (label) => `${label} has role Admin; ${roles}`,
        },
        {
            policy: "grafana-key-allowed-roles",
            level: "mandatory",
            kind: "GrafanaServiceAccount",
            stem: "admin-account",
            violating: { role: "Admin" },
            compliant: { role: "Editor" },
            message: (label) => `${label} has role Admin; ${roles}`,
        },
        {
            policy: "grafana-key-allowed-roles",
            level: "mandatory",
            kind: "GrafanaServiceAccountToken",
            stem: "token-on-admin",
            violating: { ...COMPLIANT_TOKEN, serviceAccountId: accounts.admin },
            compliant: { ...COMPLIANT_TOKEN, serviceAccountId: accounts.editor },
            message: (label) =>
                `${label} would be a token of service account ${accounts.admin}, whose role is Admin; use an account whose role ` +
                "is one of None, Viewer, Editor, or lower this account's role.",
        },
        {
            policy: "grafana-key-time-to-live-required",
            level: "mandatory",
            kind: "GrafanaApiKey",
            stem: "never-expires",
            violating: { role: "Editor" },
            compliant: COMPLIANT,
            message: (label) => `${label} never expires; set timeToLive, e.g. "30d", and rotateBefore, e.g. "7d".`,
        },
        {
            policy: "grafana-key-max-time-to-live",
            level: "mandatory",
            kind: "GrafanaApiKey",
            stem: "lives-a-year",
            violating: { ...COMPLIANT, timeToLive: "1y" },
            compliant: COMPLIANT,
            message: (label) => `${label} lives 1y; set timeToLive to at most 90d.`,
        },
        {
            policy: "grafana-key-rotate-before-required",
            level: "mandatory",
            kind: "GrafanaApiKey",
            stem: "no-window",
            violating: { role: "Editor", timeToLive: "30d" },
            compliant: COMPLIANT,
            message: (label) =>
                `${label} lives 30d with no rotation window; set rotateBefore (e.g. "7d") so that a scheduled pulumi up rotates it before it expires.`,
        },
        {
            policy: "grafana-key-no-legacy-api-keys",
            level: "mandatory",
            kind: "GrafanaApiKey",
            stem: "legacy",
            violating: { ...COMPLIANT, mode: "apiKey" },
            compliant: { ...COMPLIANT, mode: "serviceAccount" },
            message: (label) => `${label} asks for a legacy API key (mode "apiKey"); remove mode or set it to "serviceAccount".`,
        },
        {
            policy: "grafana-key-verify-on",
            level: "mandatory",
            kind: "GrafanaApiKey",
            stem: "unverified",
            violating: { ...COMPLIANT, verify: false },
            compliant: COMPLIANT,
            message: (label) => `${label} skips proving the new key works; remove verify: false.`,
        },
        {
            policy: "grafana-key-rotation-reaches-consumers",
            level: "advisory",
            kind: "GrafanaApiKey",
            stem: "short-window",
            violating: { ...COMPLIANT, rotateBefore: "1d" },
            compliant: COMPLIANT,
            message: (label) =>
                `${label} rotates 1d before expiry, but the producer runs every 1d and consumers redeploy every 1d: a consumer ` +
                "may still hold the previous key when it expires. Set rotateBefore to at least 2d, or run the schedules more often.",
        },
    ];
}

/** The two ways a program declares a resource: the TypeScript package's class ("ts"), or the plugin's type token ("plugin"). */
const BOTH_TYPES = ["ts", "plugin"];

/**
 * What a program declares: each case once per type it runs, with the Grafana to use. The stack config `violating`
 * picks the variant: the stems of the cases that break their policy, or `*` for all of them; `none` for none.
 */
function declarations(cases: PolicyCase[], suffixes: string[]) {
    return cases.flatMap((policyCase) =>
        suffixes.map((suffix) => ({
            kind: policyCase.kind,
            stem: policyCase.stem,
            name: `${policyCase.stem}-${suffix}`,
            plugin: suffix === "plugin",
            violating: { endpoint: emulator.url, ...policyCase.violating },
            compliant: { endpoint: emulator.url, ...policyCase.compliant },
        })),
    );
}

/** The lines of the output that name a resource in quotes: the policies' messages about it, and nothing else. */
const linesAbout = (output: string, name: string) => [
    ...new Set(
        output
            .split("\n")
            .map((line) => line.trim())
            .filter((line) => line.includes(`"${name}"`)),
    ),
];

afterAll(async () => {
    fs.rmSync(SCRATCH, { recursive: true, force: true });
    await emulator?.close();
});

function describeProgram(language: string, suffixes: string[], writeProgram: (dir: string, cases: PolicyCase[]) => Promise<void>): void {
    let dir: string;
    let cases: PolicyCase[];
    let accounts: { admin: number; editor: number };

    beforeAll(async () => {
        if (!emulator) {
            emulator = await startEmulator({ profile: "12.1" });
            env = {
                ...process.env,
                PULUMI_HOME: path.join(SCRATCH, "home"),
                PULUMI_BACKEND_URL: `file://${path.join(SCRATCH, "state")}`,
                PULUMI_CONFIG_PASSPHRASE: "policy-e2e",
                PULUMI_SKIP_UPDATE_CHECK: "true",
                GRAFANA_AUTH: emulator.credentials.adminBasic,
                // DefaultAzureCredential restricted to the Azure CLI (absent here): it never probes IMDS or login hosts.
                AZURE_TOKEN_CREDENTIALS: "AzureCliCredential",
            };
        }
        fs.mkdirSync(path.join(SCRATCH, "state"), { recursive: true });
        // Accounts made outside the stack, as a person or another stack would.
        const made = (role: string) =>
            asOtherAdmin<{ id: number }>(emulator, "POST", "/api/serviceaccounts", {
                name: `${language}-${role}-by-hand`.toLowerCase(),
                role,
            });
        accounts = { admin: (await made("Admin")).id, editor: (await made("Editor")).id };
        cases = policyCases(accounts);
        dir = path.join(SCRATCH, language.toLowerCase());
        fs.mkdirSync(dir, { recursive: true });
        await writeProgram(dir, cases);
        await ok(dir, ["stack", "init", "dev"]);
    }, 600_000);

    test(`${language}: every policy names the one resource that breaks it, with the fix, for each type`, async () => {
        await ok(dir, ["config", "set", "violating", "*", "--stack", "dev"]);
        const run = await withPack(dir, "preview");
        expect(run.code).not.toBe(0);
        // All at once, so that a failure lists every policy that did not fire.
        const expected: Record<string, string[]> = {};
        const reported: Record<string, string[]> = {};
        for (const policyCase of cases) {
            for (const suffix of suffixes) {
                const name = `${policyCase.stem}-${suffix}`;
                expected[name] = [`[${policyCase.level}] ${policyCase.policy}`, policyCase.message(`${policyCase.kind} "${name}"`)];
                const header = new RegExp(`\\[${policyCase.level}\\]\\s+${policyCase.policy}\\s+\\([^)]*: ${name}\\)`);
                reported[name] = [
                    ...(header.test(run.output) ? [`[${policyCase.level}] ${policyCase.policy}`] : []),
                    ...linesAbout(run.output, name),
                ];
            }
        }
        expect(reported).toEqual(expected);
    }, 600_000);

    test(`${language}: the compliant variant passes every policy`, async () => {
        await ok(dir, ["config", "set", "violating", "none", "--stack", "dev"]);
        const run = await withPack(dir, "preview");
        expect(run.output).not.toMatch(/\[(mandatory|advisory)\]/);
        expect(run.code).toBe(0);
    }, 600_000);

    test(`${language}: --policy-pack-config lowers the maximum time to live`, async () => {
        await ok(dir, ["config", "set", "violating", "none", "--stack", "dev"]);
        const stricter = path.join(SCRATCH, `${language}-stricter.json`);
        fs.writeFileSync(stricter, JSON.stringify({ "grafana-key-max-time-to-live": { maxTimeToLive: "14d" } }));
        const run = await withPack(dir, "preview", "--policy-pack-config", stricter);
        expect(run.code).not.toBe(0);
        const name = `admin-key-${suffixes[0]}`;
        expect(linesAbout(run.output, name)).toEqual([`GrafanaApiKey "${name}" lives 30d; set timeToLive to at most 14d.`]);
    }, 600_000);

    test(`${language}: up stops a token on an Admin account before Grafana mints it`, async () => {
        // Only the token breaks a policy: `up` stops at the first mandatory violation it meets.
        await ok(dir, ["config", "set", "violating", "token-on-admin", "--stack", "dev"]);
        const run = await withPack(dir, "up", "--yes", "--skip-preview");
        expect(run.code).not.toBe(0);
        expect(run.output).toContain(`"token-on-admin-${suffixes[0]}" would be a token of service account ${accounts.admin}`);
        const admin = emulator.state.serviceAccounts().find((account) => account.id === accounts.admin);
        expect(admin?.tokens).toEqual([]);
    }, 600_000);
}

const cliReady = onPath("pulumi");
const describeWithCli = cliReady ? describe : describe.skip;

describeWithCli(`policy pack, TypeScript program${cliReady ? "" : " (skipped: pulumi is not on PATH)"}`, () => {
    // Both types in one program: the dynamic resources by their classes, the plugin's by their token, from this repository's plugin.
    describeProgram("TypeScript", BOTH_TYPES, async (dir, cases) => {
        fs.writeFileSync(
            path.join(dir, "Pulumi.yaml"),
            [
                "name: policy-e2e-ts",
                "runtime: nodejs",
                "plugins:",
                "  providers:",
                "    - name: azure-grafana-keys",
                `      path: ${PLUGIN_DIR}`,
                "",
            ].join("\n"),
        );
        fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "policy-e2e-ts", main: "index.ts" }));
        const declared = declarations(cases, BOTH_TYPES);
        fs.writeFileSync(
            path.join(dir, "index.ts"),
            [
                'import * as pulumi from "@pulumi/pulumi";',
                'import * as keys from "pulumi-azure-grafana-keys";',
                'const violating = new pulumi.Config().require("violating").split(",");',
                "type Args = Record<string, unknown>;",
                "// A resource of the plugin by its type token (CustomResource itself is abstract in the SDK's typings).",
                "class PluginResource extends pulumi.CustomResource {",
                "    constructor(type: string, name: string, args: Args) {",
                "        super(type, name, args);",
                "    }",
                "}",
                "const classes: Record<string, new (name: string, args: any) => pulumi.CustomResource> = {",
                "    GrafanaApiKey: keys.GrafanaApiKey,",
                "    GrafanaServiceAccount: keys.GrafanaServiceAccount,",
                "    GrafanaServiceAccountToken: keys.GrafanaServiceAccountToken,",
                "};",
                `const declared: Array<{ kind: string; stem: string; name: string; plugin: boolean; violating: Args; compliant: Args }> = ${JSON.stringify(declared)};`,
                "for (const resource of declared) {",
                '    const args = violating.includes("*") || violating.includes(resource.stem) ? resource.violating : resource.compliant;',
                "    if (resource.plugin) new PluginResource(`azure-grafana-keys:index:${resource.kind}`, resource.name, args);",
                "    else new classes[resource.kind](resource.name, args);",
                "}",
                "",
            ].join("\n"),
        );
        return Promise.resolve();
    });
});

const pythonReady = ["pulumi", "pulumi-language-python", "python3"].every(onPath);
const describeWithPython = pythonReady ? describe : describe.skip;
describeWithPython(
    `policy pack, Python program (the plugin's types)${pythonReady ? "" : " (skipped: needs pulumi, pulumi-language-python and python3 on PATH)"}`,
    () => {
        describeProgram("Python", ["plugin"], async (dir, cases) => {
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
                [...project, "plugins:", "  providers:", "    - name: azure-grafana-keys", `      path: ${PLUGIN_DIR}`, ""].join("\n"),
            );
            fs.writeFileSync(path.join(dir, "requirements.txt"), "pulumi>=3.200,<4\n");
            fs.writeFileSync(
                path.join(dir, "__main__.py"),
                [
                    "import json",
                    "import pulumi",
                    "",
                    'violating = pulumi.Config().require("violating").split(",")',
                    `declared = json.loads(${JSON.stringify(JSON.stringify(declarations(cases, ["plugin"])))})`,
                    "for resource in declared:",
                    '    args = resource["violating"] if "*" in violating or resource["stem"] in violating else resource["compliant"]',
                    '    pulumi.CustomResource(f"azure-grafana-keys:index:{resource[\'kind\']}", resource["name"], args)',
                    "",
                ].join("\n"),
            );
            await ok(dir, ["install"]);
        });
    },
);
