import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";
import { REPO_ROOT } from "../harness/host";

/**
 * A plain create whose answer is lost, sent again by a caller, makes a second key or account (or leaves
 * one nobody tracks). Only the `*Once` helpers look up what a lost answer made, so they are the only
 * creates the data-plane client lets the rest of the provider call: the plain ones stay private to it.
 */

function exportedFunctions(file: string): string[] {
    const source = ts.createSourceFile(
        file,
        fs.readFileSync(path.join(REPO_ROOT, "provider", "dist", file), "utf8"),
        ts.ScriptTarget.ES2022,
        true,
    );
    const names: string[] = [];
    source.forEachChild((node) => {
        const exported = ts.getCombinedModifierFlags(node as ts.Declaration) & ts.ModifierFlags.Export;
        if (ts.isFunctionDeclaration(node) && exported && node.name) names.push(node.name.text);
    });
    return names;
}

test("the Grafana client exports no create but the ones that survive a lost answer", () => {
    const grafanaDir = path.join(REPO_ROOT, "provider", "dist", "grafana");
    const creates = fs
        .readdirSync(grafanaDir)
        .filter((file) => file.endsWith(".d.ts"))
        .flatMap((file) => exportedFunctions(path.join("grafana", file)).filter((name) => /^create[A-Z]/.test(name)));
    expect(creates.sort()).toEqual(["createLegacyKeyOnce", "createServiceAccountOnce", "createTokenOnce", "createWithoutDuplicates"]);
});
