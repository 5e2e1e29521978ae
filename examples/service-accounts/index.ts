import * as pulumi from "@pulumi/pulumi";
import { GrafanaServiceAccount, GrafanaServiceAccountToken, getGrafanaApiKeys } from "pulumi-azure-grafana-keys";

// One identity for CI, two tokens (one per pipeline) that `pulumi up` rotates a week before they expire: a
// new token on the same account, while the previous one keeps working until its own expiry. Run
// `pulumi up --refresh` on a schedule and nothing ever expires in use. Set `workspaceId` for Azure Managed
// Grafana (signed in with `az login`), or `endpoint` for any Grafana (with GRAFANA_AUTH).
const config = new pulumi.Config();
const workspaceId = config.get("workspaceId");
const address = workspaceId ? { workspaceId } : { endpoint: config.get("endpoint") ?? "http://127.0.0.1:3000" };

const ci = new GrafanaServiceAccount("ci", { ...address, role: "Editor" });

const rotating = { ...address, serviceAccountId: ci.serviceAccountId, timeToLive: "30d", rotateBefore: "7d" };
const deployToken = new GrafanaServiceAccountToken("deploy", rotating);
const dashboardsToken = new GrafanaServiceAccountToken("dashboards", rotating);

export const serviceAccountLogin = ci.login;
export const deployKey = deployToken.key; // secrets
export const dashboardsKey = dashboardsToken.key;
export const deployKeyExpiresAt = deployToken.expiresAt; // rotated 7 days before this
// After a rotation, pipelines still holding the old token have until this to pick up the new one.
export const previousDeployKeyExpiresAt = deployToken.previousKeyExpiresAt;
// Every key in the org (metadata only), e.g. to spot keys nobody manages.
export const keysInOrg = pulumi
    .all([ci.endpoint, deployToken.name, dashboardsToken.name])
    .apply(([endpoint]) =>
        getGrafanaApiKeys({ endpoint }).apply((keys) => keys.map((key) => `${key.serviceAccountName ?? "legacy"}/${key.name}`)),
    );
