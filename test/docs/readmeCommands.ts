import * as fs from "node:fs";
import * as path from "node:path";

/** A shell block of the README, with the prose just before it (where a second terminal or a wait is announced). */
export interface CommandBlock {
    heading: string;
    lead: string;
    commands: string[];
    line: number;
}

export const README_PATH = path.resolve(__dirname, "..", "..", "README.md");

/** Every ```sh block of the README, in order; comments stripped, one command a line. */
export function readmeCommandBlocks(text = fs.readFileSync(README_PATH, "utf8")): CommandBlock[] {
    const blocks: CommandBlock[] = [];
    const lines = text.split("\n");
    let heading = "";
    let prose: string[] = [];
    for (let i = 0; i < lines.length; i++) {
        const line = lines[i];
        if (line.startsWith("#")) {
            heading = line.replace(/^#+\s*/, "");
            prose = [];
        } else if (line.trim() === "```sh") {
            const start = i + 1;
            const body: string[] = [];
            for (i++; i < lines.length && lines[i].trim() !== "```"; i++) body.push(lines[i]);
            const commands = body.map(withoutComment).filter((command) => command.length > 0);
            blocks.push({ heading, lead: prose.join(" "), commands, line: start });
            prose = [];
        } else if (line.startsWith("```")) {
            for (i++; i < lines.length && !lines[i].startsWith("```"); i++);
            prose = [];
        } else if (line.trim() !== "") {
            prose.push(line.trim());
        } else if (prose.length > 0 && !lines[i + 1]?.startsWith("```")) {
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
    return /127\.0\.0\.1:3000/.test(command) || /^pulumi (up|preview|refresh|destroy)\b/.test(command);
}

/** A command that waits until the emulator answers. */
export function waitsForEmulator(command: string): boolean {
    return /curl .*--retry-connrefused.*127\.0\.0\.1:3000/.test(command);
}
