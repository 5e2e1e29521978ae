import * as pulumi from "@pulumi/pulumi";
import { GrafanaApiKey, GrafanaRole, WorkspaceApiKeyEnablement } from "pulumi-azure-grafana-keys";

// Two ways to run this (docs/configuration.md lists every config key below with its default):
// - on an existing Azure Managed Grafana workspace, after only `az login` (you need the Grafana Admin
//   role on it, and Contributor to switch API keys on):
//     pulumi config set workspaceId /subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.Dashboard/grafana/<name>
// - without Azure, against the bundled emulator (`npm run emulator`, then GRAFANA_AUTH=admin:admin):
//     nothing to configure; or `pulumi config set endpoint https://grafana.example.com` for any Grafana.
const config = new pulumi.Config();
const workspaceId = config.get("workspaceId");

// On Azure the workspace's "API keys and service accounts" setting must be on before a key can exist;
// taking the endpoint from the enablement makes the key wait for it.
const endpoint = workspaceId
    ? new WorkspaceApiKeyEnablement("keys-on", { workspaceId }).endpoint
    : (config.get("endpoint") ?? "http://127.0.0.1:3000");

// Run `pulumi up --refresh` on a schedule (daily, say): a week before the key expires it is rotated, and the
// previous key keeps working until its own expiry, so stacks that read `apiKey` have that week to redeploy.
// Each input is a config key, so every behaviour in the docs can be tried without editing this file.
const key = new GrafanaApiKey("ci", {
    endpoint,
    name: config.get("name"),
    role: config.get<GrafanaRole>("role") ?? "Viewer",
    timeToLive: config.get("timeToLive") ?? "30d",
    rotateBefore: config.get("rotateBefore") ?? "7d",
    rotationTrigger: config.get("rotationTrigger"),
    revokePrevious: config.getBoolean("revokePrevious"),
});

export const apiKey = key.key; // a secret: `pulumi stack output apiKey --show-secrets`
export const grafanaEndpoint = key.endpoint;
export const keyName = key.keyName; // the current key's name in Grafana: `<name>-r2` after a rotation
export const mintedAs = key.mode;
export const expiresAt = key.expiresAt;
// Until then the previous key still works. Always a value, never absent: a preview cannot know it (the dynamic-provider
// host has no previews), and the CLI shows an output that was absent and is unknown as a change.
export const previousKeyExpiresAt = key.previousKeyExpiresAt.apply((at) => at ?? "none");
