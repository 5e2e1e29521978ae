import * as fs from "node:fs";
import * as path from "node:path";
import { generateSchema } from "./generate";

/** Build step: writes dist/schema.json, which the plugin serves from GetSchema. */
const pluginDir = path.resolve(__dirname, "..", "..");
const { version } = JSON.parse(fs.readFileSync(path.join(pluginDir, "package.json"), "utf8")) as { version: string };
const schema = generateSchema(path.resolve(pluginDir, ".."), version);
fs.writeFileSync(path.join(pluginDir, "dist", "schema.json"), JSON.stringify(schema, null, 2) + "\n");
console.log(`plugin/dist/schema.json: ${Object.keys(schema.resources).length} resources, ${Object.keys(schema.functions).length} function`);
