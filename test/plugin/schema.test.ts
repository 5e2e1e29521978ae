import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";
import { REPO_ROOT } from "../harness/host";
import { PluginHost } from "../harness/pluginHost";

/**
 * The plugin's schema, as GetSchema serves it, against the types the TypeScript package ships (its .d.ts), read here
 * independently of the generator: every resource, input, output and function argument by name, type, optionality,
 * description and secrecy, and every setting the provider reads. Any difference between what TypeScript programs and
 * other languages see fails here.
 */

interface Spec {
    type?: string;
    $ref?: string;
    oneOf?: Spec[];
    items?: Spec;
    description?: string;
    secret?: boolean;
    properties?: Record<string, Spec>;
    required?: string[];
    enum?: Array<{ value: string }>;
}
interface Schema {
    name: string;
    version: string;
    config: { variables: Record<string, Spec> };
    provider: { inputProperties: Record<string, Spec> };
    resources: Record<
        string,
        {
            description: string;
            inputProperties: Record<string, Spec>;
            requiredInputs: string[];
            properties: Record<string, Spec>;
            required: string[];
        }
    >;
    functions: Record<string, { description: string; inputs: Spec; outputs: Spec }>;
    types: Record<string, Spec>;
}

let schema: Schema;
beforeAll(async () => {
    const host = await PluginHost.start();
    try {
        schema = JSON.parse(await host.schema()) as Schema;
    } finally {
        await host.stop();
    }
});

interface Member {
    name: string;
    optional: boolean;
    doc: string;
    type: string;
}

function shipped(file: string, declaration: string): { doc: string; members: Member[] } {
    const text = fs.readFileSync(path.join(REPO_ROOT, "provider", "dist", file), "utf8");
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
    const docOf = (node: ts.Node) =>
        ts
            .getJSDocCommentsAndTags(node)
            .map((tag) => (typeof tag.comment === "string" ? tag.comment : ""))
            .join("\n");
    let found: { doc: string; members: Member[] } | undefined;
    source.forEachChild((node) => {
        if ((ts.isInterfaceDeclaration(node) || ts.isClassDeclaration(node)) && node.name?.text === declaration) {
            const members: Member[] = [];
            for (const member of node.members) {
                if (!(ts.isPropertySignature(member) || ts.isPropertyDeclaration(member)) || !member.name || !member.type) continue;
                const type = member.type.getText(source).replace(/^pulumi\.(Input|Output)<(.*)>$/s, "$2");
                members.push({
                    name: member.name.getText(source),
                    optional: !!member.questionToken || /\| (undefined|null)\b/.test(type),
                    doc: docOf(member),
                    type,
                });
            }
            found = { doc: docOf(node), members };
        }
    });
    if (!found) throw new Error(`${declaration} not found in ${file}`);
    return found;
}

/** The schema type a TypeScript type must have (| undefined and | null aside). */
function expectedType(type: string): Spec {
    const present = type
        .split("|")
        .map((part) => part.trim())
        .filter((part) => part !== "undefined" && part !== "null");
    if (present.length === 2 && present.includes("string") && present.includes("number"))
        return { oneOf: [{ type: "string" }, { type: "integer" }] };
    if (present.every((part) => /^"[^"]*"$/.test(part)) || present[0] === "string") return { type: "string" };
    if (present[0] === "number") return { type: "integer" };
    if (present[0] === "boolean") return { type: "boolean" };
    if (present[0].endsWith("[]")) return { type: "array", items: expectedType(present[0].slice(0, -2)) };
    return { $ref: `#/types/azure-grafana-keys:index:${present[0]}` };
}

const squash = (text: string | undefined) => (text ?? "").replace(/\s+/g, " ").trim();
const typeOnly = ({ type, $ref, oneOf, items }: Spec): Spec =>
    JSON.parse(JSON.stringify({ type, $ref, oneOf, items: items && typeOnly(items) })) as Spec;

const RESOURCES = [
    { name: "GrafanaApiKey", file: "resources/grafanaApiKey.d.ts", secrets: ["key", "previousKey"] },
    { name: "GrafanaServiceAccount", file: "resources/grafanaServiceAccount.d.ts", secrets: [] },
    { name: "GrafanaServiceAccountToken", file: "resources/grafanaServiceAccountToken.d.ts", secrets: ["key", "previousKey"] },
    { name: "WorkspaceApiKeyEnablement", file: "resources/workspaceApiKeyEnablement.d.ts", secrets: [] },
];

test("the schema is this package's, at the plugin's version, with exactly the resources the TypeScript package exports", () => {
    const { version } = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "plugin", "package.json"), "utf8")) as { version: string };
    expect(schema).toMatchObject({ name: "azure-grafana-keys", version });
    expect(Object.keys(schema.resources).sort()).toEqual(RESOURCES.map((resource) => `azure-grafana-keys:index:${resource.name}`).sort());
});

describe.each(RESOURCES)("$name", ({ name, file, secrets }) => {
    const resource = () => schema.resources[`azure-grafana-keys:index:${name}`];

    test("inputs: the Args interface's members, with their types, optionality and TSDoc", () => {
        const args = shipped(file, `${name}Args`).members;
        const inputs = resource().inputProperties;
        expect(Object.keys(inputs).sort()).toEqual(args.map((member) => member.name).sort());
        for (const member of args) {
            expect([member.name, typeOnly(inputs[member.name])]).toEqual([member.name, expectedType(member.type)]);
            expect([member.name, squash(inputs[member.name].description)]).toEqual([member.name, squash(member.doc)]);
            expect(inputs[member.name].secret).toBeUndefined();
        }
        expect(resource().requiredInputs.sort()).toEqual(
            args
                .filter((member) => !member.optional)
                .map((member) => member.name)
                .sort(),
        );
    });

    test("outputs: the class's declared fields, with their types, optionality, TSDoc and secrets", () => {
        const declared = shipped(file, name);
        const outputs = resource().properties;
        expect(squash(resource().description)).toBe(squash(declared.doc));
        expect(Object.keys(outputs).sort()).toEqual(declared.members.map((member) => member.name).sort());
        for (const member of declared.members) {
            expect([member.name, typeOnly(outputs[member.name])]).toEqual([member.name, expectedType(member.type)]);
            expect([member.name, squash(outputs[member.name].description)]).toEqual([member.name, squash(member.doc)]);
        }
        expect(resource().required.sort()).toEqual(
            declared.members
                .filter((member) => !member.optional)
                .map((member) => member.name)
                .sort(),
        );
        const secret = Object.keys(outputs).filter((output) => outputs[output].secret === true);
        expect(secret.sort()).toEqual(secrets);
        // The class marks the same outputs secret for TypeScript programs.
        const classSource = fs.readFileSync(path.join(REPO_ROOT, "provider", "src", file.replace(/\.d\.ts$/, ".ts")), "utf8");
        const listed = /additionalSecretOutputs: \[([^\]]*)\]/.exec(classSource)?.[1] ?? "";
        expect([...listed.matchAll(/"(\w+)"/g)].map((match) => match[1]).sort()).toEqual(secrets);
    });
});

test("enums: GrafanaRole and MintMode with the values the TypeScript types allow", () => {
    const values = (token: string) => schema.types[`azure-grafana-keys:index:${token}`].enum!.map((entry) => entry.value);
    expect(values("GrafanaRole")).toEqual(["Viewer", "Editor", "Admin", "None"]);
    expect(values("MintMode")).toEqual(["auto", "apiKey", "serviceAccount"]);
});

test("getGrafanaApiKeys: its arguments, and a `keys` list of GrafanaKeyInfo with that interface's fields", () => {
    const fn = schema.functions["azure-grafana-keys:index:getGrafanaApiKeys"];
    const args = shipped("functions/grafanaApiKeys.d.ts", "GrafanaApiKeysArgs").members;
    expect(Object.keys(fn.inputs.properties!).sort()).toEqual(args.map((member) => member.name).sort());
    for (const member of args)
        expect([member.name, squash(fn.inputs.properties![member.name].description)]).toEqual([member.name, squash(member.doc)]);
    expect(fn.outputs.properties!.keys).toMatchObject({
        type: "array",
        items: { $ref: "#/types/azure-grafana-keys:index:GrafanaKeyInfo" },
    });
    const info = shipped("functions/grafanaApiKeys.d.ts", "GrafanaKeyInfo").members;
    const item = schema.types["azure-grafana-keys:index:GrafanaKeyInfo"];
    expect(Object.keys(item.properties!).sort()).toEqual(info.map((member) => member.name).sort());
    for (const member of info)
        expect([member.name, typeOnly(item.properties![member.name])]).toEqual([member.name, expectedType(member.type)]);
    expect(item.required!.sort()).toEqual(
        info
            .filter((member) => !member.optional)
            .map((member) => member.name)
            .sort(),
    );
});

test("configuration: every setting config.ts reads, the same for stack config and an explicit provider, grafanaAuth secret", () => {
    const configSource = fs.readFileSync(path.join(REPO_ROOT, "provider", "src", "config.ts"), "utf8");
    const settings = configSource.slice(
        configSource.indexOf("const SETTINGS = {"),
        configSource.indexOf("} as const;", configSource.indexOf("const SETTINGS = {")),
    );
    const inCode = [...settings.matchAll(/^\s+(\w+): \{ env:/gm)].map((match) => match[1]);
    expect(Object.keys(schema.config.variables).sort()).toEqual(inCode.sort());
    expect(schema.provider.inputProperties).toEqual(schema.config.variables);
    expect(Object.keys(schema.config.variables).filter((key) => schema.config.variables[key].secret)).toEqual(["grafanaAuth"]);
    for (const [key, variable] of Object.entries(schema.config.variables)) {
        expect([key, variable.type]).toEqual([key, /(Seconds|Ms|Retries)$/.test(key) ? "integer" : "string"]);
        expect(variable.description).toBeTruthy();
    }
});

test("every reference resolves to a type the schema defines", () => {
    const refs = [...JSON.stringify(schema).matchAll(/"\$ref":"#\/types\/([^"]+)"/g)].map((match) => match[1]);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) expect([ref, ref in schema.types]).toEqual([ref, true]);
});
