/**
 * A stand-in `az` executable, so that @azure/identity's AzureCliCredential (and thus
 * DefaultAzureCredential with AZURE_TOKEN_CREDENTIALS=AzureCliCredential) signs in against the
 * emulator instead of Entra: put the directory first on PATH.
 *
 * AzureCliCredential runs `az account get-access-token --output json --resource <resource>
 * [--tenant <tenant>] [--subscription <sub>]` through the shell with cwd /bin (see "Signing in during
 * tests" in azure-managed-grafana.md), so the script carries absolute paths and the emulator URL,
 * and needs nothing but node itself: no npm package resolves from /bin.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const AZ_CALL_LOG = "az-calls.log";

export interface AzStandInOptions {
    /** The principal every token is for; default the emulator's DEFAULT_PRINCIPAL_ID. */
    principalId?: string;
}

/**
 * Writes `<dir>/az` and an empty `<dir>/az-calls.log` (one line per token fetch: the resource);
 * returns the path of `az`. Tokens expire on the emulator clock; `expires_on` reports that instant.
 */
export function writeAzStandIn(dir: string, emulator: { readonly url: string }, options: AzStandInOptions = {}): string {
    mkdirSync(dir, { recursive: true });
    const azPath = join(dir, "az");
    const script = standInScript({
        emulatorUrl: emulator.url,
        callLog: join(dir, AZ_CALL_LOG),
        principalId: options.principalId ?? null,
    });
    writeFileSync(azPath, script, { mode: 0o755 });
    chmodSync(azPath, 0o755); // writeFileSync keeps the mode of a file that already existed
    writeFileSync(join(dir, AZ_CALL_LOG), "");
    return azPath;
}

/** The resources the stand-in was asked for, oldest first. */
export function readAzCalls(dir: string): string[] {
    return readFileSync(join(dir, AZ_CALL_LOG), "utf8")
        .split("\n")
        .filter((line) => line !== "");
}

interface ScriptConfig {
    emulatorUrl: string;
    callLog: string;
    principalId: string | null;
}

/**
 * The script avoids `require` and top-level `import` so it runs whether node treats an extensionless
 * file as CommonJS or (under a "type": "module" package.json) as an ES module.
 */
function standInScript(config: ScriptConfig): string {
    return `#!/usr/bin/env node
// az stand-in written by the emulator (emulator/src/azStandIn.ts). It only answers
// "az account get-access-token", with a token from the emulator's /__emulator/entra/token.
const CONFIG = ${JSON.stringify(config)};

class UsageError extends Error {}

function parseOptions(args) {
  const options = {};
  for (let i = 0; i < args.length; i++) {
    const name = args[i];
    const value = args[i + 1];
    if (!name.startsWith("--") || value === undefined) throw new UsageError("unexpected argument: " + name);
    options[name.slice(2)] = value;
    i++;
  }
  return options;
}

/** The Azure CLI's expiresOn: local time, "YYYY-MM-DD HH:MM:SS.ffffff". */
function localDateString(epochSeconds) {
  const d = new Date(epochSeconds * 1000);
  const p = (n) => String(n).padStart(2, "0");
  return d.getFullYear() + "-" + p(d.getMonth() + 1) + "-" + p(d.getDate()) + " " +
    p(d.getHours()) + ":" + p(d.getMinutes()) + ":" + p(d.getSeconds()) + ".000000";
}

async function main() {
  const args = process.argv.slice(2);
  if (args[0] !== "account" || args[1] !== "get-access-token") {
    throw new UsageError("the emulator's az stand-in only supports 'account get-access-token'; got: " + args.join(" "));
  }
  const options = parseOptions(args.slice(2));
  if (options.output !== undefined && options.output !== "json") {
    throw new UsageError("only --output json is supported");
  }
  const resource = options.resource;
  if (!resource) throw new UsageError("the stand-in needs --resource");

  const fs = await import("node:fs");
  fs.appendFileSync(CONFIG.callLog, resource + "\\n");

  const request = { resource };
  if (CONFIG.principalId) request.principalId = CONFIG.principalId;
  if (options.tenant) request.tenantId = options.tenant;
  const response = await fetch(CONFIG.emulatorUrl + "/__emulator/entra/token", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(request),
  });
  if (!response.ok) throw new Error("the emulator answered " + response.status + ": " + (await response.text()));
  const issued = await response.json();
  const output = {
    accessToken: issued.accessToken,
    expiresOn: localDateString(issued.expiresOnEpochSeconds),
    expires_on: issued.expiresOnEpochSeconds,
    tokenType: "Bearer",
  };
  process.stdout.write(JSON.stringify(output, null, 2) + "\\n");
}

main().catch((err) => {
  // No "az login" in the text: AzureCliCredential would report a missing login instead.
  process.stderr.write("ERROR: " + (err instanceof Error ? err.message : String(err)) + "\\n");
  process.exitCode = 1;
});
`;
}
