import * as fs from "node:fs";
import * as path from "node:path";
import { CONFIGURATION_PAGE, generateSchema } from "./generate";

/**
 * Build step: writes dist/schema.json, which the plugin serves from GetSchema. Skipped when the schema is newer than
 * everything it is generated from, so a build with nothing changed stays a matter of seconds.
 */
const pluginDir = path.resolve(__dirname, "..", "..");
const repoDir = path.resolve(pluginDir, "..");
const schemaPath = path.join(pluginDir, "dist", "schema.json");
const sources = [
    path.join(repoDir, "provider", "src"),
    path.join(pluginDir, "src"),
    path.join(repoDir, CONFIGURATION_PAGE),
    path.join(pluginDir, "package.json"),
];

function newestChange(entry: string): number {
    const stat = fs.statSync(entry);
    if (!stat.isDirectory()) return stat.mtimeMs;
    return Math.max(stat.mtimeMs, ...fs.readdirSync(entry).map((name) => newestChange(path.join(entry, name))));
}

const schemaChanged = fs.existsSync(schemaPath) ? fs.statSync(schemaPath).mtimeMs : -1;
if (schemaChanged > Math.max(...sources.map(newestChange))) {
    console.log("plugin/dist/schema.json: up to date");
} else {
    const { version } = JSON.parse(fs.readFileSync(path.join(pluginDir, "package.json"), "utf8")) as { version: string };
    const schema = generateSchema(repoDir, version);
    fs.writeFileSync(schemaPath, JSON.stringify(schema, null, 2) + "\n");
    console.log(
        `plugin/dist/schema.json: ${Object.keys(schema.resources).length} resources, ${Object.keys(schema.functions).length} function`,
    );
}
