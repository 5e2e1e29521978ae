import * as pulumi from "@pulumi/pulumi";
import * as azure from "@pulumi/azure-native";

/**
 * The ESC rotator for Grafana keys (esc-rotator/) on Azure Functions (Linux, Consumption plan, Node.js 22). It signs
 * in to Grafana with the Function App's system-assigned managed identity, which gets a Grafana role on the workspace
 * here: no Grafana credential is stored anywhere. ESC reaches it at `rotatorUrl` (environment.yaml).
 *
 * Config: `workspaceId` (the Azure Managed Grafana workspace's ARM id, required), `grafanaRole` (Admin, the default,
 * lets it create service accounts and tokens), `appName` (its host name, unique in Azure), `location`, and
 * `functionPackage` (the folder `npm run package:function -w esc-rotator` builds).
 */
const config = new pulumi.Config();
const workspaceId = config.require("workspaceId");
const location = config.get("location") ?? "westeurope";
const appName = config.get("appName") ?? `grafana-esc-rotator-${pulumi.getStack()}`;
const functionPackage = config.get("functionPackage") ?? "../../esc-rotator/build/function-app";

/** Azure's built-in Grafana roles (Microsoft.Authorization role definitions). */
export const GRAFANA_ROLES = {
    Admin: "22926164-76b3-42b3-bc55-97df8dab3e41",
    Editor: "a79a5197-3a5c-4973-a920-486035ffd60f",
    Viewer: "60921a7e-fef1-4a43-9b16-a26c52ad4769",
} as const;
const grafanaRole = config.get("grafanaRole") ?? "Admin";
if (!isGrafanaRole(grafanaRole)) throw new Error(`grafanaRole must be one of ${Object.keys(GRAFANA_ROLES).join(", ")}`);

function isGrafanaRole(role: string): role is keyof typeof GRAFANA_ROLES {
    return role in GRAFANA_ROLES;
}

const subscriptionId = /^\/subscriptions\/([^/]+)\//i.exec(workspaceId)?.[1];
if (!subscriptionId)
    throw new Error(
        "workspaceId must be an ARM id: /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Dashboard/grafana/<name>",
    );

const group = new azure.resources.ResourceGroup("esc-rotator", { location });
const storage = new azure.storage.StorageAccount("escrotator", {
    resourceGroupName: group.name,
    location,
    kind: azure.storage.Kind.StorageV2,
    sku: { name: azure.storage.SkuName.Standard_LRS },
    allowBlobPublicAccess: false,
    minimumTlsVersion: azure.storage.MinimumTlsVersion.TLS1_2,
});
const container = new azure.storage.BlobContainer("deployments", {
    resourceGroupName: group.name,
    accountName: storage.name,
    publicAccess: azure.storage.PublicAccess.None,
});
const zip = new azure.storage.Blob("esc-rotator.zip", {
    resourceGroupName: group.name,
    accountName: storage.name,
    containerName: container.name,
    source: new pulumi.asset.FileArchive(functionPackage),
});
const storageKey = azure.storage.listStorageAccountKeysOutput({ resourceGroupName: group.name, accountName: storage.name }).keys[0].value;
const storageConnection = pulumi.secret(
    pulumi.interpolate`DefaultEndpointsProtocol=https;AccountName=${storage.name};AccountKey=${storageKey};EndpointSuffix=core.windows.net`,
);
// The package is read through a read-only link that lasts a year; `pulumi up` makes a new one with each package.
const packageUrl = pulumi.secret(
    azure.storage
        .listStorageAccountServiceSASOutput({
            resourceGroupName: group.name,
            accountName: storage.name,
            protocols: azure.storage.HttpProtocol.Https,
            sharedAccessStartTime: "2025-01-01",
            sharedAccessExpiryTime: "2030-01-01",
            resource: azure.storage.SignedResource.C,
            permissions: azure.storage.Permissions.R,
            canonicalizedResource: pulumi.interpolate`/blob/${storage.name}/${container.name}`,
        })
        .serviceSasToken.apply((token) => token),
);

const plan = new azure.web.AppServicePlan("esc-rotator", {
    resourceGroupName: group.name,
    location,
    kind: "Linux",
    reserved: true,
    sku: { name: "Y1", tier: "Dynamic" },
});

/** ESC signs each request for this URL (the token's `aud`): the adapter refuses any other. */
export const rotatorUrl = `https://${appName}.azurewebsites.net/api/rotate`;

const app = new azure.web.WebApp("esc-rotator", {
    name: appName,
    resourceGroupName: group.name,
    location,
    serverFarmId: plan.id,
    kind: "functionapp,linux",
    httpsOnly: true,
    identity: { type: azure.web.ManagedServiceIdentityType.SystemAssigned },
    siteConfig: {
        linuxFxVersion: "Node|22",
        minTlsVersion: azure.web.SupportedTlsVersions.SupportedTlsVersions_1_2,
        // One instance: concurrent rotations of one environment meet in one process, which runs them once.
        functionAppScaleLimit: 1,
        appSettings: [
            { name: "FUNCTIONS_EXTENSION_VERSION", value: "~4" },
            { name: "FUNCTIONS_WORKER_RUNTIME", value: "node" },
            { name: "AzureWebJobsStorage", value: storageConnection },
            { name: "WEBSITE_RUN_FROM_PACKAGE", value: pulumi.interpolate`${zip.url}?${packageUrl}` },
            { name: "ESC_ROTATOR_PUBLIC_URL", value: rotatorUrl },
            // A rotation must end well within the 230 s an HTTP answer may take on Azure.
            { name: "AZURE_GRAFANA_KEYS_OPERATION_DEADLINE_SECONDS", value: "180" },
        ],
    },
});

/** The Function App's identity signs in to Grafana with this role on the workspace, and on nothing else. */
const grafanaRoleAssignment = new azure.authorization.RoleAssignment("rotator-grafana-role", {
    scope: workspaceId,
    principalId: app.identity.apply((identity) => identity!.principalId),
    principalType: azure.authorization.PrincipalType.ServicePrincipal,
    roleDefinitionId: `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${GRAFANA_ROLES[grafanaRole]}`,
});

export const functionAppName = app.name;
export const rotatorPrincipalId = grafanaRoleAssignment.principalId;
