import { describe, expect, test } from "@jest/globals";
import * as fs from "node:fs";
import * as path from "node:path";
import { commandBlocks } from "./readmeCommands";

/**
 * docs/import.md's shell blocks, read from the guide itself, in the README's style. Its TypeScript section (program and
 * commands) runs as written through the real CLI in test/e2e/cli.test.ts; here every block is checked as text, and each
 * `pulumi import` against the plugin's schema, which says which type tokens exist.
 */
const REPO = path.resolve(__dirname, "..", "..");
const GUIDE = fs.readFileSync(path.join(REPO, "docs", "import.md"), "utf8");
const blocks = commandBlocks(GUIDE, "docs/import.md");
const commands = blocks.flatMap((block) => block.commands.map((command) => ({ line: block.line, command })));

describe("docs/import.md's command blocks", () => {
    test("TypeScript comes first: its program and commands precede the plugin's pulumi import", () => {
        const typescript = GUIDE.indexOf("## TypeScript");
        expect(typescript).toBeGreaterThan(0);
        expect(GUIDE.indexOf("```ts")).toBeGreaterThan(typescript);
        expect(commands.findIndex((c) => /^pulumi import /.test(c.command))).toBeGreaterThan(
            commands.findIndex((c) => /^pulumi up /.test(c.command)),
        );
    });

    test("every command is a pulumi command, none backgrounded, none with a machine path", () => {
        expect(commands.length).toBeGreaterThan(5);
        expect(commands.filter((c) => !/^pulumi /.test(c.command) || /&\s*$/.test(c.command))).toEqual([]);
        expect(commands.filter((c) => /(^|[\s'"=])\/(tmp|work|root|opt)\//.test(c.command))).toEqual([]);
    });

    test("every pulumi import names a type the plugin's schema has, and an id of the import's form", () => {
        const schema = JSON.parse(fs.readFileSync(path.join(REPO, "plugin", "dist", "schema.json"), "utf8")) as {
            resources: Record<string, unknown>;
        };
        const imports = commands.filter((c) => /^pulumi import /.test(c.command));
        expect(imports.length).toBeGreaterThan(0);
        for (const { line, command } of imports) {
            const [, , type, , id] = command.split(/\s+/);
            expect({ line, type, known: type in schema.resources }).toEqual({ line, type, known: true });
            expect({ line, id }).toEqual({
                line,
                id: expect.stringMatching(/^'https:\/\/[^|']+\|(\d+\|)?(\d+|serviceaccount\/\d+(\/token\/\d+)?|apikey\/\d+)'$/) as unknown,
            });
        }
    });

    test("the README's Import section starts with TypeScript and links the guide", () => {
        const readme = fs.readFileSync(path.join(REPO, "README.md"), "utf8");
        const section = readme.slice(readme.indexOf("**Import**"));
        expect(section.slice(0, 200)).toMatch(/^\*\*Import\*\*[^:]*: from \*\*TypeScript\*\*, give\s+the resource the input\s+`adopt`/);
        expect(section.slice(0, 600)).toMatch(/`pulumi import`\s+of a `pulumi-nodejs:dynamic\/...` type cannot work/);
        expect(section.slice(0, 600)).toContain("[docs/import.md](docs/import.md)");
    });
});
