/**
 * One home for the emulator's controls: the route table in src/controls.ts. The emulator's README, the project
 * README's controls table and `--help` are held to it, and the server answers every route it lists, so none of them
 * can miss a control or name one that is gone.
 */
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { CONTROL_ROUTES, startEmulator, type Emulator } from "azure-managed-grafana-emulator";

const PACKAGE_ROOT = dirname(require.resolve("azure-managed-grafana-emulator/package.json"));
const REPO_ROOT = join(PACKAGE_ROOT, "..");
const LISTED = CONTROL_ROUTES.map((route) => `${route.method} ${route.path}`).sort();

/** The cells of each markdown table row that names a control in its first cell. */
function controlRows(markdown: string): string[][] {
    return markdown
        .split("\n")
        .filter((line) => /^\|\s*`(GET|POST) \/__emulator\//.test(line))
        .map((line) =>
            line
                .slice(1, -1)
                .split(/(?<!\\)\|/)
                .map((cell) => cell.trim().replace(/\\\|/g, "|")),
        );
}

/** Every control a table row's first cell names (a cell may name several: "`GET a`, `GET b`"). */
function namedControls(rows: string[][]): string[] {
    return rows.flatMap(([first]) => [...first.matchAll(/`((?:GET|POST) \/__emulator\/[\w/]+)`/g)].map((match) => match[1])).sort();
}

test("the emulator's README lists every control with the body and effect of the route table, and nothing else", () => {
    const rows = controlRows(readFileSync(join(PACKAGE_ROOT, "README.md"), "utf8"));
    const unquote = (cell: string): string => (cell === "none" ? "" : cell.replace(/^`|`$/g, ""));
    expect(rows.map(([request, body, effect]) => ({ request: request.replace(/`/g, ""), body: unquote(body), effect }))).toEqual(
        CONTROL_ROUTES.map((route) => ({ request: `${route.method} ${route.path}`, body: route.body, effect: route.effect })),
    );
});

test("the project's README (and docs/) name every control in their controls table, and no control that does not exist", () => {
    const pages = ["README.md", ...readdirSync(join(REPO_ROOT, "docs")).map((page) => join("docs", page))].filter((page) =>
        page.endsWith(".md"),
    );
    const named = pages.flatMap((page) => namedControls(controlRows(readFileSync(join(REPO_ROOT, page), "utf8"))));
    expect([...new Set(named)].sort()).toEqual(LISTED);
});

test("--help lists every control with the body it takes", () => {
    const bin = join(PACKAGE_ROOT, "bin", "azure-managed-grafana-emulator.js");
    const help = execFileSync(process.execPath, [bin, "--help"], { encoding: "utf8" });
    for (const route of CONTROL_ROUTES) expect(help).toContain(`${route.method} ${route.path}${route.body ? `  ${route.body}` : ""}`);
    expect(help).toContain("path` matches the request path exactly");
});

describe("the server answers every control the table lists", () => {
    let emulator: Emulator;
    beforeAll(async () => {
        emulator = await startEmulator({ profile: "12.1" });
    });
    afterAll(() => emulator.close());

    test.each(CONTROL_ROUTES.map((route) => [`${route.method} ${route.path}`, route] as const))("%s", async (_, route) => {
        // A body no control acts on: a control that takes one refuses it, naming the body from the table.
        const answer = await fetch(emulator.url + route.path, {
            method: route.method,
            body: route.method === "POST" ? '{"nothing": 1}' : undefined,
        });
        const json = (await answer.json()) as { message?: string };
        if (route.body === "") expect(answer.status).toBe(200);
        else
            expect({ status: answer.status, message: json.message }).toEqual({
                status: 400,
                message: `expected a JSON body ${route.body}`,
            });
    });

    test("a control the table does not list is 404", async () => {
        expect((await fetch(`${emulator.url}/__emulator/nothing-here`, { method: "POST", body: "{}" })).status).toBe(404);
    });
});
