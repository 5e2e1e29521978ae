import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";
// Pulumi's wire encoding of a value not known yet.
import * as rpc from "@pulumi/pulumi/runtime/rpc";
import { guideFiles } from "../docs/readmeCommands";
import { REPO_ROOT, type Props } from "./host";

/**
 * The resources of this package that a program or a code snippet declares, with the inputs it gives them: what the
 * engine would hand the provider's `check`. TypeScript runs for real, under Pulumi's own mock monitor (which stands
 * in for the engine only to capture registrations); a Python, Go, C#, Java or YAML call of the plugin's SDK is read
 * from its text, since those languages' hosts are not here: its literal arguments, and the engine's unknown for an
 * address taken from a variable.
 */

export const KINDS = ["GrafanaApiKey", "GrafanaServiceAccountToken", "GrafanaServiceAccount", "WorkspaceApiKeyEnablement"] as const;
export type Kind = (typeof KINDS)[number];

export interface DeclaredResource {
    kind: Kind;
    name: string;
    inputs: Props;
}

/** Inputs that only say where Grafana is; a program may take them from anywhere (config, another resource). */
const ADDRESS_INPUTS = new Set(["endpoint", "workspaceId", "serviceAccountId", "subscriptionId", "resourceGroupName", "workspaceName"]);

/** The Grafana URL the snippets' undeclared `endpoint` stands for. */
const SNIPPET_ENDPOINT = "https://grafana-keys-demo-abcd.weu.grafana.azure.com";

const kindOfType = (type: string): Kind | undefined => KINDS.find((kind) => type.endsWith(`:${kind}`));

/**
 * Runs a TypeScript program (a module that declares resources when loaded) as `pulumi preview` of a new stack does,
 * under Pulumi's mock monitor with the given stack config: every output of a resource still to be created is unknown,
 * so nothing the program computes from one runs (no listing contacts a Grafana). Returns this package's resources with
 * their inputs exactly as the SDK sent them on the wire: `__provider` for the dynamic ones, the engine's unknown for
 * an input not known yet. Each run gets a fresh module registry, so one program can run with several configs.
 */
export function typescriptProgramResources(programFile: string, config: Record<string, string> = {}): Promise<DeclaredResource[]> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loading the program is running it
    return declaredWhileLoading(() => void require(programFile), config);
}

async function declaredWhileLoading(load: () => void, config: Record<string, string>, project = "example"): Promise<DeclaredResource[]> {
    const registered: DeclaredResource[] = [];
    let pulumi!: typeof import("@pulumi/pulumi");
    let mocked!: Promise<void>;
    jest.isolateModules(() => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- the isolated registry's own @pulumi/pulumi
        pulumi = require("@pulumi/pulumi") as typeof import("@pulumi/pulumi");
        mocked = pulumi.runtime.setMocks(
            { newResource: (args) => ({ id: `${args.name}-id`, state: {} }), call: () => ({}) },
            project,
            "dev",
            true,
        );
        const monitor = pulumi.runtime.getMonitor() as unknown as { registerResource(req: WireRequest, callback: unknown): Promise<void> };
        const registerResource = monitor.registerResource.bind(monitor);
        monitor.registerResource = (req, callback) => {
            const kind = kindOfType(req.getType());
            if (kind && req.getType().includes("azure-grafana-keys")) {
                registered.push({ kind, name: req.getName(), inputs: req.getObject().toJavaScript() as Props });
            }
            return registerResource(req, callback);
        };
        pulumi.runtime.setAllConfig(Object.fromEntries(Object.entries(config).map(([key, value]) => [`${project}:${key}`, value])));
        load();
    });
    await mocked;
    // Registrations that wait on other resources' outputs run after the module has loaded: wait for all of them.
    await pulumi.runtime.disconnect();
    return registered;
}

interface WireRequest {
    getType(): string;
    getName(): string;
    getObject(): { toJavaScript(): unknown };
}

/** A TypeScript snippet of a guide, run as a program; the names snippets use without declaring them are given. */
export async function typescriptSnippetResources(snippet: string): Promise<DeclaredResource[]> {
    const prelude = [
        `const workspaceId = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-observability/providers/Microsoft.Dashboard/grafana/grafana-keys-demo";`,
        `const endpoint = "${SNIPPET_ENDPOINT}";`,
        `const { GrafanaApiKey, GrafanaServiceAccount, GrafanaServiceAccountToken, WorkspaceApiKeyEnablement } = require("pulumi-azure-grafana-keys");`,
    ].join("\n");
    const body = ts.transpileModule(snippet, {
        compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    // Top-level await is allowed in a snippet (a script listing keys): run the body as an async function, unawaited
    // (a listing would contact Grafana; only the declarations matter here).
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- running the snippet is the point
    const run = new Function("require", "exports", `${prelude}\nreturn (async () => {\n${body}\n})().catch(() => undefined);`) as (
        require: NodeRequire,
        exports: object,
    ) => Promise<void>;
    return declaredWhileLoading(() => void run(require, {}), {});
}

/** The engine's unknown value, as a preview sends an input that is not known yet. */
export const UNKNOWN_INPUT = rpc.unknownValue;

/** Why a call could not be read: an input other than an address given as something other than a literal. */
export class UnreadableArgument extends Error {}

type Language = "python" | "go" | "csharp" | "java" | "yaml";

/** The plugin SDK calls in a Python, Go, C#, Java or YAML program or snippet. */
export function pluginCallResources(language: Language, text: string): DeclaredResource[] {
    if (language === "yaml") return yamlResources(text);
    const found: DeclaredResource[] = [];
    const call: Record<Exclude<Language, "yaml">, RegExp> = {
        python: /grafana_keys\.(\w+)\(\s*"([^"]+)"\s*,/g,
        go: /azuregrafanakeys\.New(\w+)\(ctx,\s*"([^"]+)",\s*&azuregrafanakeys\.\w+Args\{/g,
        csharp: /new (?:Pulumi\.AzureGrafanaKeys\.)?(\w+)\("([^"]+)",\s*new(?:\s*\w+)?\(\)\s*\{/g,
        java: /new (\w+)\("([^"]+)",\s*\w+Args\.builder\(\)/g,
    };
    for (const match of text.matchAll(call[language])) {
        const kind = KINDS.find((k) => k === match[1]);
        if (!kind) continue;
        const argumentsText =
            language === "java" ? javaChain(text, match.index + match[0].length) : balanced(text, match.index + match[0].length);
        found.push({ kind, name: match[2], inputs: readArguments(language, argumentsText) });
    }
    return found;
}

/** The text up to the bracket that closes the one just opened. */
function balanced(text: string, from: number): string {
    let depth = 1;
    for (let i = from; i < text.length; i++) {
        if ("({[".includes(text[i])) depth++;
        if (")}]".includes(text[i]) && --depth === 0) return text.slice(from, i);
    }
    throw new Error(`unbalanced call at ${from}`);
}

/** `.a(x).b(y).build()` → `a=x, b=y`, as the other languages' named arguments. */
function javaChain(text: string, from: number): string {
    const chain = text.slice(from, text.indexOf(".build()", from));
    return [...chain.matchAll(/\.(\w+)\(([^()]*(?:\([^()]*\)[^()]*)*)\)/g)].map((m) => `${m[1]}=${m[2]}`).join(",");
}

/** Splits at top-level commas. */
function topLevel(text: string): string[] {
    const parts: string[] = [];
    let depth = 0;
    let quote: string | null = null;
    let start = 0;
    for (let i = 0; i < text.length; i++) {
        const c = text[i];
        if (quote) {
            if (c === quote && text[i - 1] !== "\\") quote = null;
        } else if (c === '"' || c === "'") quote = c;
        else if ("({[".includes(c)) depth++;
        else if (")}]".includes(c)) depth--;
        else if (c === "," && depth === 0) {
            parts.push(text.slice(start, i));
            start = i + 1;
        }
    }
    parts.push(text.slice(start));
    return parts.map((part) => part.trim()).filter(Boolean);
}

const SEPARATOR: Record<Exclude<Language, "yaml">, RegExp> = {
    python: /^(\w+)\s*=\s*([\s\S]+)$/,
    go: /^(\w+)\s*:\s*([\s\S]+)$/,
    csharp: /^(\w+)\s*=\s*([\s\S]+)$/,
    java: /^(\w+)=([\s\S]+)$/,
};

/** Each line without its comment (`# ...` in Python, `// ...` elsewhere); a marker inside a string is kept. */
function withoutComments(language: Exclude<Language, "yaml">, text: string): string {
    const marker = language === "python" ? "#" : "//";
    return text
        .split("\n")
        .map((line) => {
            let quoted = false;
            for (let i = 0; i < line.length; i++) {
                if (line[i] === '"' && line[i - 1] !== "\\") quoted = !quoted;
                else if (!quoted && line.startsWith(marker, i)) return line.slice(0, i);
            }
            return line;
        })
        .join("\n");
}

function readArguments(language: Exclude<Language, "yaml">, text: string): Props {
    const inputs: Props = {};
    for (const argument of topLevel(withoutComments(language, text))) {
        const named = SEPARATOR[language].exec(argument);
        if (!named) throw new UnreadableArgument(`cannot read the argument ${argument}`);
        const name = inputName(named[1]);
        const value = literal(named[2].trim());
        if (value !== undefined) inputs[name] = value;
        else if (ADDRESS_INPUTS.has(name)) inputs[name] = UNKNOWN_INPUT;
        else throw new UnreadableArgument(`${name} is given as ${named[2].trim()}: write it as a literal, so the policy pack can judge it`);
    }
    return inputs;
}

/** `time_to_live` / `TimeToLive` / `timeToLive` → `timeToLive`. */
function inputName(written: string): string {
    const camel = written.replace(/_(\w)/g, (_, c: string) => c.toUpperCase());
    return camel[0].toLowerCase() + camel.slice(1);
}

/** A literal's value (`"30d"`, `pulumi.String("30d")`, `true`, `7`, a GrafanaRole member), else undefined. */
function literal(text: string): unknown {
    const wrapped = /^pulumi\.(?:String|Bool|Int|Float64)\(([\s\S]+)\)$/.exec(text);
    if (wrapped) return literal(wrapped[1].trim());
    const quoted = /^"((?:[^"\\]|\\.)*)"$/.exec(text);
    if (quoted) return JSON.parse(`"${quoted[1]}"`) as string;
    if (/^(true|True)$/.test(text)) return true;
    if (/^(false|False)$/.test(text)) return false;
    if (/^-?\d+$/.test(text)) return Number(text);
    const role = /GrafanaRole\.?(VIEWER|EDITOR|ADMIN|NONE|Viewer|Editor|Admin|None)$/.exec(text);
    if (role) return role[1][0] + role[1].slice(1).toLowerCase();
    return undefined;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports -- js-yaml ships no types; only load() is used
const { load } = require("js-yaml") as { load(this: void, text: string): unknown };

function yamlResources(text: string): DeclaredResource[] {
    const program = load(text) as { resources?: Record<string, { type: string; properties?: Props }> };
    const found: DeclaredResource[] = [];
    for (const [name, resource] of Object.entries(program.resources ?? {})) {
        const kind = KINDS.find((k) => resource.type === `azure-grafana-keys:${k}` || resource.type === `azure-grafana-keys:index:${k}`);
        if (!kind) continue;
        const inputs: Props = {};
        for (const [input, value] of Object.entries(resource.properties ?? {})) {
            const interpolated = typeof value === "string" && value.includes("${");
            if (!interpolated) inputs[input] = value;
            else if (ADDRESS_INPUTS.has(input)) inputs[input] = UNKNOWN_INPUT;
            else
                throw new UnreadableArgument(
                    `${input} is given as ${String(value)}: write it as a literal, so the policy pack can judge it`,
                );
        }
        found.push({ kind, name, inputs });
    }
    return found;
}

export interface CodeBlock {
    file: string;
    line: number;
    language: string;
    text: string;
}

/** Every fenced code block of the README and the guides in docs/, with its language. */
export function guideCodeBlocks(): CodeBlock[] {
    return guideFiles().flatMap((file) => {
        const lines = fs.readFileSync(path.join(REPO_ROOT, file), "utf8").split("\n");
        const blocks: CodeBlock[] = [];
        for (let i = 0; i < lines.length; i++) {
            const open = /^```(\w+)\s*$/.exec(lines[i]);
            if (!open) continue;
            const start = i + 1;
            for (i++; i < lines.length && !lines[i].startsWith("```"); i++);
            blocks.push({ file, line: start, language: open[1], text: lines.slice(start, i).join("\n") });
        }
        return blocks;
    });
}
