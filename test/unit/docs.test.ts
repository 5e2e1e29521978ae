import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";
import { REPO_ROOT } from "../harness/host";

/**
 * The reference tables (docs/reference.md, docs/configuration.md) and the editors' TSDoc tell users what each input
 * and output is; this keeps both in step with the types the package ships (its .d.ts files).
 */

const REFERENCE = "docs/reference.md";
const CONFIGURATION = "docs/configuration.md";
const pages = new Map<string, string>();
const page = (file: string): string => {
    if (!pages.has(file)) pages.set(file, fs.readFileSync(path.join(REPO_ROOT, file), "utf8"));
    return pages.get(file)!;
};

interface Declared {
    name: string;
    documented: boolean;
}

function declarations(file: string, declaration: string): Declared[] {
    const source = ts.createSourceFile(
        file,
        fs.readFileSync(path.join(REPO_ROOT, "provider", "dist", file), "utf8"),
        ts.ScriptTarget.ES2022,
        true,
    );
    const found: Declared[] = [];
    source.forEachChild((node) => {
        if ((ts.isInterfaceDeclaration(node) || ts.isClassDeclaration(node)) && node.name?.text === declaration) {
            for (const member of node.members) {
                if (!(ts.isPropertySignature(member) || ts.isPropertyDeclaration(member)) || !member.name) continue;
                found.push({ name: member.name.getText(source), documented: ts.getJSDocCommentsAndTags(member).length > 0 });
            }
        }
    });
    if (found.length === 0) throw new Error(`${declaration} not found in ${file}`);
    return found;
}

/** Names in backticks in the first column of the first table after `heading` (up to the next `## `). */
function tableNames(heading: string, tableIndex = 0, file = REFERENCE): string[] {
    const section = sectionOf(heading, file);
    const tables = section.split(/\n(?!\|)/).filter((block) => block.trimStart().startsWith("|"));
    const rows = tables[tableIndex].trim().split("\n").slice(2);
    return rows.flatMap((row) => [...row.split("|")[1].matchAll(/`([A-Za-z]+)`/g)].map((match) => match[1]));
}

/** Names in backticks on the line starting with `label` in the section. */
function listedNames(heading: string, label: string): string[] {
    const section = sectionOf(heading, REFERENCE);
    const start = section.indexOf(label);
    const paragraph = section.slice(start, section.indexOf("\n\n", start));
    return [...paragraph.matchAll(/`([A-Za-z]+)`/g)].map((match) => match[1]);
}

function sectionOf(heading: string, file: string): string {
    const text = page(file);
    const start = text.indexOf(`\n## ${heading}\n`);
    if (start < 0) throw new Error(`${file} has no section "## ${heading}"`);
    const end = text.indexOf("\n## ", start + 4);
    return text.slice(start, end < 0 ? undefined : end);
}

const sorted = (names: string[]) => [...new Set(names)].sort();
const names = (declared: Declared[]) => sorted(declared.map((entry) => entry.name));
const undocumented = (declared: Declared[]) => declared.filter((entry) => !entry.documented).map((entry) => entry.name);

const RESOURCES = [
    {
        heading: "GrafanaApiKey",
        file: "resources/grafanaApiKey.d.ts",
        args: "GrafanaApiKeyArgs",
        outputs: () => tableNames("GrafanaApiKey", 1),
    },
    {
        heading: "WorkspaceApiKeyEnablement",
        file: "resources/workspaceApiKeyEnablement.d.ts",
        args: "WorkspaceApiKeyEnablementArgs",
        outputs: () => tableNames("WorkspaceApiKeyEnablement", 1),
    },
    {
        heading: "GrafanaServiceAccount",
        file: "resources/grafanaServiceAccount.d.ts",
        args: "GrafanaServiceAccountArgs",
        outputs: () => listedNames("GrafanaServiceAccount", "Outputs:"),
    },
    {
        heading: "GrafanaServiceAccountToken",
        file: "resources/grafanaServiceAccountToken.d.ts",
        args: "GrafanaServiceAccountTokenArgs",
        outputs: () => listedNames("GrafanaServiceAccountToken", "Outputs:"),
    },
];

describe.each(RESOURCES)("$heading", ({ heading, file, args, outputs }) => {
    const className = heading;

    test("the reference's inputs table lists exactly the inputs of its Args type", () => {
        expect(sorted(tableNames(heading, 0))).toEqual(names(declarations(file, args)));
    });

    test("the reference lists exactly the outputs the class declares", () => {
        expect(sorted(outputs())).toEqual(names(declarations(file, className)));
    });

    test("every input and output has TSDoc, shown in editors", () => {
        expect(undocumented(declarations(file, args))).toEqual([]);
        expect(undocumented(declarations(file, className))).toEqual([]);
    });
});

test("the listing function's arguments and items are documented and listed in the reference", () => {
    const file = "functions/grafanaApiKeys.d.ts";
    expect(undocumented(declarations(file, "GrafanaApiKeysArgs"))).toEqual([]);
    expect(sorted(listedNames("Listing keys", "Each item:"))).toEqual(names(declarations(file, "GrafanaKeyInfo")));
});

test("the configuration table lists every setting the provider reads", () => {
    const configSource = fs.readFileSync(path.join(REPO_ROOT, "provider", "src", "config.ts"), "utf8");
    const settings = configSource.slice(
        configSource.indexOf("const SETTINGS = {"),
        configSource.indexOf("} as const;", configSource.indexOf("const SETTINGS = {")),
    );
    const inCode = [...settings.matchAll(/^\s+(\w+): \{ env:/gm)].map((match) => match[1]);
    expect(sorted(tableNames("Configuration", 0, CONFIGURATION))).toEqual(sorted(inCode));
});
