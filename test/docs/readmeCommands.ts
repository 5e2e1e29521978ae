import * as fs from "node:fs";
import * as path from "node:path";

/**
 * The shell blocks of the README and of every guide in docs/, each with what the README test does with it. A block
 * says so in an HTML comment on the line before its fence, which readers do not see:
 * `<!-- readme-test: run -->` (the test runs it as pasted, against the emulator) or
 * `<!-- readme-test: skip, <why it cannot run here> -->` (the test reports it skipped, with that reason).
 */
export interface CommandBlock {
    /** The guide, relative to the repository root (`README.md`, `docs/emulator.md`). */
    file: string;
    /** The nearest heading above the block, of any level. */
    heading: string;
    /** The prose just before the block (where a second terminal or a wait is announced). */
    lead: string;
    commands: string[];
    line: number;
    /** "run", or why the test cannot run the block here; undefined when the block does not say. */
    verdict: "run" | { skip: string } | undefined;
}

const REPO = path.resolve(__dirname, "..", "..");

/** The README first, then every page of docs/ that has a shell block, in name order. */
export function guideFiles(): string[] {
    const docs = fs
        .readdirSync(path.join(REPO, "docs"))
        .filter((name) => name.endsWith(".md"))
        .sort()
        .map((name) => `docs/${name}`);
    return ["README.md", ...docs];
}

/** Every ```sh block of every guide, in order. */
export function guideCommandBlocks(): CommandBlock[] {
    return guideFiles().flatMap((file) => commandBlocks(fs.readFileSync(path.join(REPO, file), "utf8"), file));
}

const VERDICT = /^<!--\s*readme-test:\s*(run|skip,\s*(.+?))\s*-->$/;

/** Every ```sh block of one guide, in order; comments stripped, one command a line. */
export function commandBlocks(text: string, file: string): CommandBlock[] {
    const blocks: CommandBlock[] = [];
    const lines = text.split("\n");
    let heading = "";
    let prose: string[] = [];
    let verdict: CommandBlock["verdict"];
    for (let i = 0; i < lines.length; i++) {
        const line = lines[i];
        const marker = VERDICT.exec(line.trim());
        if (marker) {
            verdict = marker[1] === "run" ? "run" : { skip: marker[2] };
        } else if (line.startsWith("#")) {
            heading = line.replace(/^#+\s*/, "");
            prose = [];
            verdict = undefined;
        } else if (line.trim() === "```sh") {
            const start = i + 1;
            const body: string[] = [];
            for (i++; i < lines.length && lines[i].trim() !== "```"; i++) body.push(lines[i]);
            const commands = body.map(withoutComment).filter((command) => command.length > 0);
            blocks.push({ file, heading, lead: prose.join(" "), commands, line: start, verdict });
            prose = [];
            verdict = undefined;
        } else if (line.startsWith("```")) {
            for (i++; i < lines.length && !lines[i].startsWith("```"); i++);
            prose = [];
            verdict = undefined;
        } else if (line.trim() !== "") {
            prose.push(line.trim());
            verdict = undefined;
        } else if (prose.length > 0 && !/^(```|<!--)/.test(lines[i + 1] ?? "")) {
            prose = [];
        }
    }
    return blocks;
}

/** `cmd   # note` → `cmd`; a `#` inside quotes (a JSON body, a URL) is not a comment. */
function withoutComment(line: string): string {
    let quote: string | null = null;
    for (let i = 0; i < line.length; i++) {
        const c = line[i];
        if (quote) {
            if (c === quote) quote = null;
        } else if (c === "'" || c === '"') {
            quote = c;
        } else if (c === "#" && (i === 0 || /\s/.test(line[i - 1]))) {
            return line.slice(0, i).trim();
        }
    }
    return line.trim();
}

/** Commands that keep running until stopped: pasted with others, they block the rest or race them. */
export function isLongRunning(command: string): boolean {
    return /\bnpm run emulator\b/.test(command);
}

/** A command that contacts the emulator. */
export function usesEmulator(command: string): boolean {
    return /127\.0\.0\.1:3000/.test(command) || /^pulumi (-C \S+ )?(up|preview|refresh|destroy)\b/.test(command);
}

/** A command that waits until the emulator answers. */
export function waitsForEmulator(command: string): boolean {
    return /curl .*--retry-connrefused.*127\.0\.0\.1:3000/.test(command);
}

/** A command that only works with an Azure subscription or Pulumi Cloud, which the test cannot reach. */
export function needsTheCloud(command: string): boolean {
    return (
        /^(export \w+=")?\$?\(?az\s/.test(command) ||
        /\baz (login|grafana|role|ad|webapp|keyvault|group)\b/.test(command) ||
        /^pulumi env\b/.test(command)
    );
}
