import * as fs from "node:fs";
import * as path from "node:path";
import { REPO_ROOT } from "../harness/host";

/**
 * provider/src/http/ is the one place that talks to the network; its modules import each other in one direction
 * only (a type two of them need lives in a module of its own, as HttpMethod does in method.ts), so none of them
 * needs the other half-loaded.
 */
const HTTP_DIR = path.join(REPO_ROOT, "provider", "src", "http");

function importsOf(file: string): string[] {
    const source = fs.readFileSync(path.join(HTTP_DIR, file), "utf8");
    return [...source.matchAll(/^import[^;]*?from "\.\/([\w.]+)";/gm)].map((match) => `${match[1]}.ts`);
}

test("the http modules import each other without a cycle", () => {
    const files = fs.readdirSync(HTTP_DIR).filter((file) => file.endsWith(".ts"));
    const cycles: string[] = [];
    const visit = (file: string, trail: string[]): void => {
        if (trail.includes(file)) {
            cycles.push([...trail.slice(trail.indexOf(file)), file].join(" -> "));
            return;
        }
        for (const imported of importsOf(file)) visit(imported, [...trail, file]);
    };
    for (const file of files) visit(file, []);
    expect([...new Set(cycles)]).toEqual([]);
});
