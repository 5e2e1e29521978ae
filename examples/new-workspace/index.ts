import * as pulumi from "@pulumi/pulumi";
import * as azure from "@pulumi/azure-native";
import { GrafanaApiKey } from "pulumi-azure-grafana-keys";

// A new workspace, created by azure-native with API keys already on, so no WorkspaceApiKeyEnablement
// is needed. Run after `az login` (or with ARM_CLIENT_ID/ARM_CLIENT_SECRET/ARM_TENANT_ID set).
const config = new pulumi.Config();
const location = config.get("location") ?? "westeurope";

const group = new azure.resources.ResourceGroup("observability", { location });

const workspace = new azure.dashboard.Grafana("grafana", {
    resourceGroupName: group.name,
    location,
    sku: { name: "Standard" },
    identity: { type: azure.dashboard.ManagedServiceIdentityType.SystemAssigned },
    properties: {
        apiKey: azure.dashboard.ApiKey.Enabled,
        publicNetworkAccess: azure.dashboard.PublicNetworkAccess.Enabled,
    },
});

// Minting a key signs in to Grafana as whoever runs `pulumi up`, who needs the Grafana Admin role there.
const caller = azure.authorization.getClientConfigOutput();
const grafanaAdmin = new azure.authorization.RoleAssignment("caller-is-grafana-admin", {
    scope: workspace.id,
    principalId: caller.objectId,
    roleDefinitionId: pulumi.interpolate`/subscriptions/${caller.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/22926164-76b3-42b3-bc55-97df8dab3e41`,
});

const key = new GrafanaApiKey(
    "ci",
    {
        endpoint: workspace.properties.apply((properties) => properties.endpoint),
        role: "Viewer",
        timeToLive: "30d",
        // A scheduled `pulumi up --refresh` rotates it a week before it expires (the policy pack requires a window).
        rotateBefore: "7d",
    },
    // Role assignments take a moment to apply; the provider also waits out Azure's "enabled api key
    // recently" refusal on its own.
    { dependsOn: [grafanaAdmin] },
);

export const grafanaEndpoint = key.endpoint;
export const apiKey = key.key; // a secret
