import * as pulumi from "@pulumi/pulumi";
import { GrafanaApiKey, GrafanaRole } from "pulumi-azure-grafana-keys";

// Without configuration this talks to the bundled emulator (`npm run emulator`), so the quickstart
// runs with no Azure account. Point it at a workspace with:
//   pulumi config set endpoint https://my-ws-abcd.wus.grafana.azure.com
const config = new pulumi.Config();

const key = new GrafanaApiKey("ci", {
    endpoint: config.get("endpoint") ?? "http://127.0.0.1:3000",
    role: (config.get("role") as GrafanaRole | undefined) ?? "Viewer",
    timeToLive: config.get("timeToLive") ?? "30d",
});

export const apiKey = key.key; // a secret: `pulumi stack output apiKey --show-secrets`
export const keyName = key.name;
export const mintedAs = key.mode;
export const expiresAt = key.expiresAt;
