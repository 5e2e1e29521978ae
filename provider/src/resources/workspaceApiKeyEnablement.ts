import * as pulumi from "@pulumi/pulumi";
import { refuseUnknownSettings } from "./programSettings";
import { refuseImportOption } from "./importOption";
import { createStub, TYPE_MODULE } from "./stub";

export interface WorkspaceApiKeyEnablementArgs {
    /**
     * The workspace's ARM id:
     * `/subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.Dashboard/grafana/<name>`.
     * Give this, or `subscriptionId` + `resourceGroupName` + `workspaceName`.
     */
    workspaceId?: pulumi.Input<string>;
    /** Instead of `workspaceId`, with `resourceGroupName` and `workspaceName`: the subscription's GUID. */
    subscriptionId?: pulumi.Input<string>;
    /** Instead of `workspaceId`: the workspace's resource group. */
    resourceGroupName?: pulumi.Input<string>;
    /** Instead of `workspaceId`: the workspace's name. */
    workspaceName?: pulumi.Input<string>;
    /** Switch "API keys and service accounts" on (default) or off. */
    enabled?: pulumi.Input<boolean>;
    /** On delete, put the setting back as it was before this resource (default true); false leaves it. */
    restoreOnDelete?: pulumi.Input<boolean>;
}

/**
 * The "API keys and service accounts" setting of an Azure Managed Grafana workspace (`properties.apiKey`),
 * switched with a PATCH of that one property and followed to the end of Azure's long-running operation.
 * Give its `endpoint` to a GrafanaApiKey, so the key is minted only once keys are allowed.
 */
export class WorkspaceApiKeyEnablement extends pulumi.dynamic.Resource {
    /** The workspace's ARM id, normalised. */
    declare readonly workspaceId: pulumi.Output<string>;
    /** The workspace's Grafana URL (`properties.endpoint`). */
    declare readonly endpoint: pulumi.Output<string>;
    /** The setting as Azure reports it: `Enabled` or `Disabled`. */
    declare readonly apiKey: pulumi.Output<"Enabled" | "Disabled">;
    /** The setting before this resource first changed it; restored on delete. */
    declare readonly previousApiKey: pulumi.Output<"Enabled" | "Disabled">;
    /** Whether this resource switches API keys on (true) or off. */
    declare readonly enabled: pulumi.Output<boolean>;
    /** Whether delete puts back `previousApiKey`. */
    declare readonly restoreOnDelete: pulumi.Output<boolean>;
    /** e.g. `12.1.0`. */
    declare readonly grafanaVersion: pulumi.Output<string | undefined>;
    /** e.g. `12`. */
    declare readonly grafanaMajorVersion: pulumi.Output<string | undefined>;
    /** The workspace's Azure region. */
    declare readonly location: pulumi.Output<string | undefined>;
    /** Version of the stored state's shape. */
    declare readonly schemaVersion: pulumi.Output<number>;

    constructor(name: string, args: WorkspaceApiKeyEnablementArgs, opts?: pulumi.CustomResourceOptions) {
        refuseUnknownSettings();
        refuseImportOption(
            "WorkspaceApiKeyEnablement",
            name,
            opts,
            () =>
                "remove it: declared without it, the resource takes the workspace as it is, recording the setting it finds and putting it back on delete",
        );
        super(provider, name, { ...OUTPUTS, ...args }, opts, TYPE_MODULE, "WorkspaceApiKeyEnablement");
    }
}

const provider = createStub("WorkspaceApiKeyEnablement");

const OUTPUTS = {
    workspaceId: undefined,
    endpoint: undefined,
    apiKey: undefined,
    previousApiKey: undefined,
    enabled: undefined,
    restoreOnDelete: undefined,
    grafanaVersion: undefined,
    grafanaMajorVersion: undefined,
    location: undefined,
    schemaVersion: undefined,
};
