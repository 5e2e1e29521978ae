// Builds build/function-app/: what Azure Functions runs (host.json, dist/, production node_modules), with the
// provider packed from this repository. Run after `npm run build` at the repository root.
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(here, "build", "function-app");
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const tarball = execFileSync("npm", ["pack", "--silent", "--pack-destination", out], {
    cwd: join(here, "..", "provider"),
    encoding: "utf8",
}).trim();
cpSync(join(here, "dist"), join(out, "dist"), { recursive: true });
cpSync(join(here, "host.json"), join(out, "host.json"));
const manifest = JSON.parse(readFileSync(join(here, "package.json"), "utf8"));
manifest.dependencies["pulumi-azure-grafana-keys"] = `file:./${tarball}`;
delete manifest.scripts;
writeFileSync(join(out, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
execFileSync("npm", ["install", "--omit=dev", "--omit=peer", "--no-audit", "--no-fund"], { cwd: out, stdio: "inherit" });
console.log(`Azure Functions package: ${out}`);
