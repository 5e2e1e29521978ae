import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import type { ResourceValidationArgs, StackValidationArgs } from "@pulumi/policy";
import { policies } from "../../policy/src/policies";
import { token } from "../../plugin/src/tokens";
import {
    guideCodeBlocks,
    pluginCallResources,
    typescriptProgramResources,
    typescriptSnippetResources,
    KINDS,
    type DeclaredResource,
} from "../harness/declaredResources";
import { DynamicProviderHost, REPO_ROOT, type Props } from "../harness/host";
import { PluginHost } from "../harness/pluginHost";

/**
 * Every example program and every code snippet of the README and the guides passes the shipped policy pack with its
 * default configuration, as `pulumi preview --policy-pack policy` would judge it: the pack's real policies
 * (policy/src) get what the provider's real `check` returns for each declared resource (the dynamic-provider host for
 * TypeScript, the plugin for the other languages), in the analyzer's unknown-checking proxy. A new example, or a new
 * snippet, that breaks a rule fails here. The programs run against the mock engine only to learn what they declare;
 * nothing contacts a Grafana.
 */

// The analyzer's own proxy (not in @pulumi/policy's typings), as test/policy/policies.test.ts uses it.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- an undeclared export of @pulumi/policy
const { unknownCheckingProxy } = require("@pulumi/policy/proxy") as { unknownCheckingProxy: <T extends object>(props: T) => T };

type Runtime = "dynamic" | "plugin";
interface Judged {
    type: string;
    name: string;
    props: Props;
}

let host: DynamicProviderHost;
let plugin: PluginHost;

beforeAll(async () => {
    const env = { PATH: process.env.PATH, AZURE_TOKEN_CREDENTIALS: "AzureCliCredential" };
    [host, plugin] = await Promise.all([DynamicProviderHost.start({ env }), PluginHost.start({ env })]);
    await Promise.all([host.configure(), plugin.configure()]);
});

afterAll(async () => {
    await Promise.all([host?.stop(), plugin?.stop()]);
});

/** The provider's check of each resource, as the engine calls it before the analyzer sees the inputs. */
async function checked(runtime: Runtime, declared: DeclaredResource[]): Promise<Judged[]> {
    const provider = runtime === "dynamic" ? host : plugin;
    return Promise.all(
        declared.map(async (resource) => {
            // The type tokens a stack holds: the dynamic resources' (as the pack lists them first) or the plugin's.
            const type = runtime === "dynamic" ? `pulumi-nodejs:dynamic/azure-grafana-keys:${resource.kind}` : token(resource.kind);
            const urn = `urn:pulumi:dev::example::${type}::${resource.name}`;
            const reply = await provider.check(urn, {}, resource.inputs);
            expect({ resource: resource.name, failures: reply.failures }).toEqual({ resource: resource.name, failures: [] });
            return { type, name: resource.name, props: reply.inputs };
        }),
    );
}

/** A resource as the analyzer hands it to a policy: its inputs in the proxy that throws on a value not known yet. */
const analyzed = (resource: Judged) => ({
    type: resource.type,
    name: resource.name,
    urn: `urn:pulumi:dev::example::${resource.type}::${resource.name}`,
    props: unknownCheckingProxy(resource.props),
});

/** What the pack reports, with its default configuration, on the stack's resources. */
async function packViolations(resources: Judged[]): Promise<string[]> {
    const reported: string[] = [];
    const getConfig = () => ({});
    for (const policy of policies) {
        const report = (message: string) => reported.push(`${policy.name}: ${message}`);
        if ("validateResource" in policy) {
            const validate = policy.validateResource;
            for (const resource of resources) {
                const args = { ...analyzed(resource), getConfig } as unknown as ResourceValidationArgs;
                for (const one of Array.isArray(validate) ? validate : [validate!]) await one(args, report);
            }
        } else if ("validateStack" in policy) {
            const args = { resources: resources.map(analyzed), getConfig } as unknown as StackValidationArgs;
            await policy.validateStack(args, report);
        }
    }
    return reported;
}

async function judge(runtime: Runtime, declared: DeclaredResource[]): Promise<string[]> {
    return packViolations(await checked(runtime, declared));
}

const example = (folder: string, file = "index.ts") => path.join(REPO_ROOT, "examples", folder, file);
const WORKSPACE_ID =
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-observability/providers/Microsoft.Dashboard/grafana/grafana-keys-demo";

/** Every example folder, and how its resources are found; a new folder must be added here to pass. */
const EXAMPLES: Record<string, Array<{ config: string; runtime: Runtime; declared: () => Promise<DeclaredResource[]> }>> = {
    quickstart: [
        { config: "as it comes", runtime: "dynamic", declared: () => typescriptProgramResources(example("quickstart")) },
        {
            config: "on a workspace",
            runtime: "dynamic",
            declared: () => typescriptProgramResources(example("quickstart"), { workspaceId: WORKSPACE_ID }),
        },
    ],
    "new-workspace": [{ config: "as it comes", runtime: "dynamic", declared: () => typescriptProgramResources(example("new-workspace")) }],
    "service-accounts": [
        { config: "as it comes", runtime: "dynamic", declared: () => typescriptProgramResources(example("service-accounts")) },
    ],
    consumer: [
        {
            config: "with a Key Vault",
            runtime: "dynamic",
            declared: () =>
                typescriptProgramResources(example("consumer"), {
                    producerStack: "organization/azure-grafana-keys-quickstart/dev",
                    keyVaultName: "kv-observability",
                    keyVaultResourceGroup: "rg-observability",
                }),
        },
    ],
    python: [
        {
            config: "as it comes",
            runtime: "plugin",
            declared: () => Promise.resolve(pluginCallResources("python", read(example("python", "__main__.py")))),
        },
    ],
    go: [
        {
            config: "as it comes",
            runtime: "plugin",
            declared: () => Promise.resolve(pluginCallResources("go", read(example("go", "main.go")))),
        },
    ],
    yaml: [
        {
            config: "as it comes",
            runtime: "plugin",
            declared: () => Promise.resolve(pluginCallResources("yaml", read(example("yaml", "Pulumi.yaml")))),
        },
    ],
    // A GitHub Actions workflow: it runs `pulumi up` on a program of yours and declares nothing itself.
    "rotation-schedule": [],
    // Azure Functions hosting the ESC rotator: it declares no key; the keys it mints are ESC's, checked by the
    // provider's own check in test/examples/escRotator.test.ts, outside any Pulumi stack a policy pack could judge.
    "esc-rotator": [],
};

function read(file: string): string {
    return fs.readFileSync(file, "utf8");
}

test("every example folder is judged here", () => {
    expect(fs.readdirSync(path.join(REPO_ROOT, "examples")).sort()).toEqual(Object.keys(EXAMPLES).sort());
});

describe.each(Object.entries(EXAMPLES).flatMap(([folder, runs]) => runs.map((run) => ({ folder, ...run }))))(
    "examples/$folder ($config)",
    ({ folder, runtime, declared }) => {
        test("passes the policy pack with its default configuration", async () => {
            const resources = await declared();
            // The consumer mints nothing; every other example declares at least one key, token or account.
            if (folder !== "consumer") expect(resources.length).toBeGreaterThan(0);
            expect(await judge(runtime, resources)).toEqual([]);
        });
    },
);

const SNIPPET_LANGUAGES: Record<string, Runtime | "not code"> = {
    ts: "dynamic",
    python: "plugin",
    go: "plugin",
    csharp: "plugin",
    java: "plugin",
    yaml: "plugin",
    sh: "not code",
    text: "not code",
    json: "not code",
};
const snippets = guideCodeBlocks();

test("every code block of the README and the guides is a language judged here, or not code", () => {
    expect(snippets.filter((s) => !(s.language in SNIPPET_LANGUAGES)).map((s) => `${s.file}:${s.line} ${s.language}`)).toEqual([]);
});

/** A snippet that declares a resource of this package; others (a listing, a policy config) give the pack nothing to judge. */
const declaresResources = (text: string) =>
    KINDS.some((kind) => new RegExp(`\\b(New)?${kind}\\(|azure-grafana-keys:(index:)?${kind}\\b`).test(text));

const judgedSnippets = snippets.filter(
    (s) => SNIPPET_LANGUAGES[s.language] !== undefined && SNIPPET_LANGUAGES[s.language] !== "not code" && declaresResources(s.text),
);

test("the guides' snippets that declare resources are judged, in every language they are written in", () => {
    expect([...new Set(judgedSnippets.map((s) => s.language))].sort()).toEqual(["csharp", "go", "java", "python", "ts", "yaml"]);
});

describe.each(judgedSnippets)("$file:$line ($language)", ({ language, text }) => {
    test("passes the policy pack with its default configuration", async () => {
        const runtime = SNIPPET_LANGUAGES[language] as Runtime;
        const declared = language === "ts" ? await typescriptSnippetResources(text) : pluginCallResources(language as "python", text);
        expect(await judge(runtime, declared)).toEqual([]);
    });
});

test("a snippet that breaks a rule is caught: a 30-day key without rotateBefore", async () => {
    const declared = await typescriptSnippetResources(`const key = new GrafanaApiKey("ci", { endpoint, timeToLive: "30d" });`);
    expect(await judge("dynamic", declared)).toEqual([
        expect.stringMatching(/^grafana-key-rotate-before-required: GrafanaApiKey "ci" lives 30d/),
    ]);
    const fromPython = pluginCallResources("python", `key = grafana_keys.GrafanaApiKey("ci", endpoint=endpoint, time_to_live="30d")`);
    expect(await judge("plugin", fromPython)).toEqual([expect.stringMatching(/^grafana-key-rotate-before-required: /)]);
});
