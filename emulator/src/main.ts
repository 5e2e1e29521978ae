/**
 * `azure-managed-grafana-emulator --profile 12.1 --port 3000` (here: `npm run emulator -- ...`): a long-running emulator for manual poking and
 * out-of-process tests (drive it through the /__emulator/ control endpoints).
 */
import { parseArgs } from "node:util";
import { CONTROL_ROUTES, controlsHelp } from "./controls";
import { PROFILES, startEmulator, type GrafanaProfile } from "./index";

const USAGE = `usage: azure-managed-grafana-emulator [--profile ${Object.keys(PROFILES).join("|")}] [--port N]
                                      [--hide-version] [--api-key-max-seconds-to-live N]
                                      [--token-expiration-day-limit DAYS]`;

const HELP = `${USAGE}

An offline Azure Managed Grafana on 127.0.0.1: Grafana's HTTP API, Azure Resource Manager (Microsoft.Dashboard/grafana)
and Microsoft Entra ID on one port.

options:
  --profile P                         the Grafana version served: ${Object.keys(PROFILES).join(", ")} (default 12.1)
  --port N                            default 3000; 0 picks a free port
  --hide-version                      /api/health without version and commit
  --api-key-max-seconds-to-live N     Grafana's [auth] api_key_max_seconds_to_live (default: no limit)
  --token-expiration-day-limit DAYS   Grafana's [service_accounts] token_expiration_day_limit (default: no limit)
  -h, --help                          this text

controls (JSON over HTTP on the same port; a body a control cannot act on is refused with 400 saying what it takes):
${controlsHelp()}`;

async function main(): Promise<void> {
    const { values } = parseArgs({
        options: {
            profile: { type: "string", default: "12.1" },
            port: { type: "string", default: "3000" },
            "hide-version": { type: "boolean", default: false },
            "api-key-max-seconds-to-live": { type: "string" },
            "token-expiration-day-limit": { type: "string" },
            help: { type: "boolean", short: "h", default: false },
        },
        strict: true,
    });
    if (values.help) {
        console.log(HELP);
        return;
    }
    const port = Number(values.port);
    const maxTtlText = values["api-key-max-seconds-to-live"];
    const maxTtl = maxTtlText === undefined ? undefined : Number(maxTtlText);
    const dayLimitText = values["token-expiration-day-limit"];
    const emulator = await startEmulator({
        profile: values.profile as GrafanaProfile,
        port,
        hideVersion: values["hide-version"],
        apiKeyMaxSecondsToLive: maxTtl,
        tokenExpirationDayLimit: dayLimitText === undefined ? undefined : Number(dayLimitText),
    });

    const c = emulator.credentials;
    console.log(`Grafana emulator listening on ${emulator.url}`);
    console.log(`profile ${emulator.profile} (reports version ${PROFILES[emulator.profile].version})`);
    console.log("identities (orgs 1 and 2; tokens org 1 only):");
    console.log(`  Admin   basic ${c.adminBasic}   bearer ${c.adminToken}`);
    console.log(`  Editor  basic ${c.editorBasic} bearer ${c.editorToken}`);
    console.log(`  Viewer  basic ${c.viewerBasic} bearer ${c.viewerToken}`);
    console.log(`ARM (Microsoft.Dashboard/grafana) on the same port under ${emulator.url}/subscriptions/`);
    console.log(`control (--help says what each takes): ${CONTROL_ROUTES.map((route) => `${route.method} ${route.path}`).join(", ")}`);

    let closing = false;
    const shutdown = (signal: string): void => {
        if (closing) return;
        closing = true;
        console.log(`${signal}: shutting down`);
        emulator.close().then(
            () => process.exit(0),
            (err: unknown) => {
                console.error(err);
                process.exit(1);
            },
        );
    };
    process.on("SIGINT", () => shutdown("SIGINT"));
    process.on("SIGTERM", () => shutdown("SIGTERM"));
}

main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    console.error(USAGE);
    process.exit(1);
});
