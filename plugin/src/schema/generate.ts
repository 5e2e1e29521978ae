import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";
import { FUNCTION_RESULTS, PACKAGE_NAME, token } from "../tokens";

/**
 * The plugin's Pulumi schema, generated at build time from the TypeScript the dynamic resources are written in, so
 * both speak the same API by construction: every class exported by the provider's index that extends
 * `pulumi.dynamic.Resource` is a resource (its TSDoc, its Args interface as inputs, its `declare readonly` fields as
 * outputs, its `additionalSecretOutputs` as secrets); every exported function returning an Output is a function;
 * the settings `config.ts` reads are the provider's configuration, described by the Configuration table of
 * docs/configuration.md.
 */

/** The page whose Configuration table describes the provider's settings (relative to the repository root). */
export const CONFIGURATION_PAGE = "docs/configuration.md";

type Spec = Record<string, unknown>;
export interface PulumiSchema {
    name: string;
    version: string;
    config: { variables: Record<string, Spec> };
    provider: { description: string; inputProperties: Record<string, Spec> };
    resources: Record<string, ResourceSpec>;
    functions: Record<string, Spec>;
    types: Record<string, Spec>;
    [other: string]: unknown;
}
export interface ResourceSpec {
    description: string;
    inputProperties: Record<string, Spec>;
    requiredInputs: string[];
    properties: Record<string, Spec>;
    required: string[];
}

export function generateSchema(repoRoot: string, version: string): PulumiSchema {
    const source = path.join(repoRoot, "provider", "src");
    const program = ts.createProgram([path.join(source, "index.ts")], {
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.Node16,
        moduleResolution: ts.ModuleResolutionKind.Node16,
        strict: true,
        skipLibCheck: true,
        noEmit: true,
    });
    const reader = new Reader(program);
    const index = program.getSourceFile(path.join(source, "index.ts"))!;
    const resources: Record<string, ResourceSpec> = {};
    const functions: Record<string, Spec> = {};
    for (const exported of reader.exportsOf(index)) {
        const declaration = exported.declarations?.[0];
        if (declaration && ts.isClassDeclaration(declaration) && reader.isDynamicResource(declaration)) {
            resources[token(exported.name)] = reader.resource(declaration);
        } else if (declaration && ts.isFunctionDeclaration(declaration) && declaration.type && reader.isOutput(declaration.type)) {
            functions[token(exported.name)] = reader.function(exported.name, declaration);
        }
    }
    const variables = configVariables(path.join(source, "config.ts"), path.join(repoRoot, CONFIGURATION_PAGE));
    const about = publication(repoRoot);
    return {
        name: PACKAGE_NAME,
        displayName: "Azure Managed Grafana API keys",
        version,
        description:
            "Grafana API keys and service-account tokens minted as Pulumi secrets, for Azure Managed Grafana and self-hosted Grafana; " +
            "and the workspace setting that allows them.",
        keywords: ["pulumi", "grafana", "azure", "managed-grafana", "api-key", "service-account", "category/monitoring", "kind/native"],
        license: about.license,
        repository: about.repository,
        homepage: about.homepage,
        publisher: about.publisher,
        meta: { moduleFormat: "(.*)" },
        config: { variables },
        provider: {
            description:
                "Where and how the resources sign in: each setting wins over its environment variable, which wins over the default.",
            inputProperties: variables,
        },
        resources,
        functions,
        types: reader.types,
        language: {
            csharp: { rootNamespace: "Pulumi", respectSchemaVersion: true },
            go: {
                importBasePath: `${about.goModule}/sdk/go/azuregrafanakeys`,
                generateResourceContainerTypes: true,
                respectSchemaVersion: true,
            },
            java: { basePackage: "com.pulumi" },
            python: {
                packageName: "pulumi_azure_grafana_keys",
                respectSchemaVersion: true,
                // No `pyproject`: Pulumi's pyproject.toml writes the license as a TOML table and names a root README.md
                // it never writes, two setuptools warnings on every install; its setup.py has neither (docs/pulumi-sdks.md).
                readme: `Pulumi resources that mint Grafana API keys for Azure Managed Grafana and self-hosted Grafana. See ${about.homepage}`,
            },
        },
    };
}

/**
 * Where the package is published from, read from its one home, the provider's package.json, so the schema's
 * repository, the Go module path and the Python metadata name the same real place.
 */
export function publication(repoRoot: string): {
    repository: string;
    homepage: string;
    publisher: string;
    license: string;
    goModule: string;
} {
    const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, "provider", "package.json"), "utf8")) as {
        repository: { url: string };
        homepage: string;
        author: string;
        license: string;
    };
    const repository = manifest.repository.url.replace(/^git\+/, "").replace(/\.git$/, "");
    return {
        repository,
        homepage: manifest.homepage,
        publisher: manifest.author,
        license: manifest.license,
        goModule: repository.replace(/^https:\/\//, ""),
    };
}

class Reader {
    private readonly checker: ts.TypeChecker;
    readonly types: Record<string, Spec> = {};

    constructor(program: ts.Program) {
        this.checker = program.getTypeChecker();
    }

    exportsOf(file: ts.SourceFile): ts.Symbol[] {
        const module = this.checker.getSymbolAtLocation(file)!;
        return this.checker
            .getExportsOfModule(module)
            .map((symbol) => (symbol.flags & ts.SymbolFlags.Alias ? this.checker.getAliasedSymbol(symbol) : symbol));
    }

    isDynamicResource(declaration: ts.ClassDeclaration): boolean {
        return (declaration.heritageClauses ?? []).some((clause) =>
            clause.types.some((type) => type.expression.getText() === "pulumi.dynamic.Resource"),
        );
    }

    isOutput(type: ts.TypeNode): boolean {
        return ts.isTypeReferenceNode(type) && type.typeName.getText() === "pulumi.Output";
    }

    resource(declaration: ts.ClassDeclaration): ResourceSpec {
        const properties: Record<string, Spec> = {};
        const required: string[] = [];
        const secrets = secretOutputsOf(declaration);
        for (const member of declaration.members) {
            if (!ts.isPropertyDeclaration(member) || !member.modifiers?.some((modifier) => modifier.kind === ts.SyntaxKind.DeclareKeyword))
                continue;
            const name = member.name.getText();
            const { spec, optional } = this.typeOf(unwrap(member.type!, "pulumi.Output"));
            properties[name] = { ...spec, description: this.docOf(member), ...(secrets.includes(name) ? { secret: true } : {}) };
            if (!optional) required.push(name);
        }
        const unknownSecrets = secrets.filter((name) => !(name in properties));
        if (unknownSecrets.length > 0)
            throw new Error(`${declaration.name!.text} lists secret outputs it does not declare: ${unknownSecrets.join(", ")}`);

        const constructor = declaration.members.find(ts.isConstructorDeclaration)!;
        const argsType = constructor.parameters[1].type!;
        const { properties: inputProperties, required: requiredInputs } = this.objectOf(this.interfaceOf(argsType), "pulumi.Input");
        return { description: this.docOf(declaration), inputProperties, requiredInputs, properties, required };
    }

    function(name: string, declaration: ts.FunctionDeclaration): Spec {
        const argsType = unwrap(declaration.parameters[0].type!, "pulumi.Input");
        const inputs = this.objectOf(this.interfaceOf(argsType), "");
        const result = this.typeOf(unwrap(declaration.type!, "pulumi.Output")).spec;
        const resultProperty = FUNCTION_RESULTS[name];
        if (!resultProperty) throw new Error(`the function ${name} has no result property in FUNCTION_RESULTS`);
        return {
            description: this.docOf(declaration),
            inputs: { properties: inputs.properties, required: inputs.required },
            outputs: {
                properties: { [resultProperty]: { ...result, description: `The result, each item a ${this.typeName(result)}.` } },
                required: [resultProperty],
            },
        };
    }

    private typeName(spec: Spec): string {
        const items = (spec.items ?? spec) as Spec;
        return typeof items.$ref === "string" ? items.$ref.split(":").pop()! : String(items.type);
    }

    /** The properties of an interface; `wrapper` (e.g. `pulumi.Input`) is taken off each member's type. */
    private objectOf(declaration: ts.InterfaceDeclaration, wrapper: string): { properties: Record<string, Spec>; required: string[] } {
        const properties: Record<string, Spec> = {};
        const required: string[] = [];
        for (const member of declaration.members) {
            if (!ts.isPropertySignature(member)) continue;
            const name = member.name.getText();
            const { spec, optional } = this.typeOf(wrapper ? unwrap(member.type!, wrapper) : member.type!);
            properties[name] = { ...spec, description: this.docOf(member) };
            if (!member.questionToken && !optional) required.push(name);
        }
        return { properties, required };
    }

    private interfaceOf(type: ts.TypeNode): ts.InterfaceDeclaration {
        const declaration = this.declarationOf(type);
        if (!declaration || !ts.isInterfaceDeclaration(declaration)) throw new Error(`${type.getText()} is not an interface`);
        return declaration;
    }

    private declarationOf(type: ts.TypeNode): ts.Declaration | undefined {
        if (!ts.isTypeReferenceNode(type)) return undefined;
        let symbol = this.checker.getSymbolAtLocation(type.typeName);
        if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = this.checker.getAliasedSymbol(symbol);
        return symbol?.declarations?.[0];
    }

    /** A schema type for a TypeScript type; `| undefined` and `| null` make it optional. */
    typeOf(type: ts.TypeNode): { spec: Spec; optional: boolean } {
        if (ts.isParenthesizedTypeNode(type)) return this.typeOf(type.type);
        if (ts.isUnionTypeNode(type)) {
            const absent = (member: ts.TypeNode) =>
                member.kind === ts.SyntaxKind.UndefinedKeyword ||
                (ts.isLiteralTypeNode(member) && member.literal.kind === ts.SyntaxKind.NullKeyword);
            const present = type.types.filter((member) => !absent(member));
            const optional = present.length < type.types.length;
            if (present.length === 1) return { spec: this.typeOf(present[0]).spec, optional };
            if (present.every((member) => ts.isLiteralTypeNode(member) && ts.isStringLiteral(member.literal))) {
                return { spec: { type: "string" }, optional };
            }
            return { spec: { oneOf: present.map((member) => this.typeOf(member).spec) }, optional };
        }
        switch (type.kind) {
            case ts.SyntaxKind.StringKeyword:
                return { spec: { type: "string" }, optional: false };
            // Every number of this API is a whole one (ids, seconds, orgs), and the inputs' rules refuse others.
            case ts.SyntaxKind.NumberKeyword:
                return { spec: { type: "integer" }, optional: false };
            case ts.SyntaxKind.BooleanKeyword:
                return { spec: { type: "boolean" }, optional: false };
        }
        if (ts.isLiteralTypeNode(type) && ts.isStringLiteral(type.literal)) return { spec: { type: "string" }, optional: false };
        if (ts.isArrayTypeNode(type)) return { spec: { type: "array", items: this.typeOf(type.elementType).spec }, optional: false };
        const declaration = this.declarationOf(type);
        if (declaration && ts.isTypeAliasDeclaration(declaration)) return { spec: this.enumOf(declaration), optional: false };
        if (declaration && ts.isInterfaceDeclaration(declaration)) {
            const name = declaration.name.text;
            const { properties, required } = this.objectOf(declaration, "");
            this.types[token(name)] = { type: "object", description: this.docOf(declaration), properties, required };
            return { spec: { $ref: `#/types/${token(name)}` }, optional: false };
        }
        throw new Error(`no schema type for ${type.getText()}`);
    }

    /** A named union of strings (`GrafanaRole`) is an enum in every SDK. */
    private enumOf(alias: ts.TypeAliasDeclaration): Spec {
        const values = ts.isUnionTypeNode(alias.type)
            ? alias.type.types.map((member) =>
                  ts.isLiteralTypeNode(member) && ts.isStringLiteral(member.literal) ? member.literal.text : undefined,
              )
            : [];
        if (values.length === 0 || values.includes(undefined)) throw new Error(`${alias.name.text} is not a union of strings`);
        const name = alias.name.text;
        this.types[token(name)] = {
            type: "string",
            description: this.docOf(alias) || `One of ${values.join(", ")}.`,
            enum: values.map((value) => ({ value })),
        };
        return { $ref: `#/types/${token(name)}` };
    }

    docOf(node: ts.Node): string {
        const symbol = this.checker.getSymbolAtLocation((node as ts.NamedDeclaration).name ?? node);
        return symbol ? ts.displayPartsToString(symbol.getDocumentationComment(this.checker)).trim() : "";
    }
}

function unwrap(type: ts.TypeNode, wrapper: string): ts.TypeNode {
    return ts.isTypeReferenceNode(type) && type.typeName.getText() === wrapper && type.typeArguments?.length === 1
        ? type.typeArguments[0]
        : type;
}

/** The string literals of `additionalSecretOutputs: [...]` in a resource class. */
function secretOutputsOf(declaration: ts.ClassDeclaration): string[] {
    const found: string[] = [];
    const visit = (node: ts.Node): void => {
        if (
            ts.isPropertyAssignment(node) &&
            node.name.getText() === "additionalSecretOutputs" &&
            ts.isArrayLiteralExpression(node.initializer)
        ) {
            for (const element of node.initializer.elements) if (ts.isStringLiteral(element)) found.push(element.text);
        }
        ts.forEachChild(node, visit);
    };
    visit(declaration);
    return found;
}

/**
 * The provider's settings: the keys of `SETTINGS` in config.ts, integers where `resolveProviderConfig` reads them
 * with `integer(...)`; each described by its row of docs/configuration.md's Configuration table (which a unit test keeps in
 * step with SETTINGS), a row marked "(secret)" being secret.
 */
function configVariables(configFile: string, pageFile: string): Record<string, Spec> {
    const source = ts.createSourceFile(configFile, fs.readFileSync(configFile, "utf8"), ts.ScriptTarget.ES2022, true);
    const names: string[] = [];
    const integers = new Set<string>();
    const visit = (node: ts.Node): void => {
        if (ts.isVariableDeclaration(node) && node.name.getText() === "SETTINGS") {
            let initializer = node.initializer!;
            while (ts.isAsExpression(initializer)) initializer = initializer.expression;
            for (const property of (initializer as ts.ObjectLiteralExpression).properties) names.push(property.name!.getText());
        }
        if (ts.isCallExpression(node) && node.expression.getText() === "integer" && ts.isStringLiteral(node.arguments[0])) {
            integers.add(node.arguments[0].text);
        }
        ts.forEachChild(node, visit);
    };
    visit(source);
    if (names.length === 0) throw new Error(`no SETTINGS found in ${configFile}`);

    const rows = pageTable(fs.readFileSync(pageFile, "utf8"), "Configuration");
    const variables: Record<string, Spec> = {};
    for (const name of names) {
        const row = rows.find((cells) => cells[0].startsWith(`\`${name}\``));
        if (!row) throw new Error(`${CONFIGURATION_PAGE}'s Configuration table has no row for ${name}`);
        const [key, environment, byDefault, what] = row;
        const notes = [
            environment && environment !== "" ? `Environment variable: ${environment}.` : "",
            byDefault ? `Default: ${byDefault}.` : "",
        ].filter(Boolean);
        variables[name] = {
            type: integers.has(name) ? "integer" : "string",
            description: [`${what.replace(/\.$/, "")}.`, ...notes].join(" "),
            ...(key.includes("(secret)") ? { secret: true } : {}),
        };
    }
    return variables;
}

/** The cells of the rows of the first table under `## heading`. */
function pageTable(page: string, heading: string): string[][] {
    const start = page.indexOf(`\n## ${heading}\n`);
    if (start < 0) throw new Error(`${CONFIGURATION_PAGE} has no section "## ${heading}"`);
    const end = page.indexOf("\n## ", start + 4);
    const section = page.slice(start, end < 0 ? undefined : end);
    const lines = section.split("\n");
    const first = lines.findIndex((line) => line.startsWith("|"));
    const rows: string[][] = [];
    for (const line of lines.slice(first + 2)) {
        if (!line.startsWith("|")) break;
        rows.push(
            line
                .split("|")
                .slice(1, -1)
                .map((cell) => cell.trim()),
        );
    }
    return rows;
}
