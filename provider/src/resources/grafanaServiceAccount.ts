import * as pulumi from "@pulumi/pulumi";
import { GrafanaRole } from "./grafanaApiKey";
import { refuseUnknownSettings } from "./programSettings";
import { refuseImportOption, useAdopt } from "./importOption";
import { createStub, TYPE_MODULE } from "./stub";

export interface GrafanaServiceAccountArgs {
    /** The Grafana URL, e.g. a workspace's `properties.endpoint`. Give this or `workspaceId`. */
    endpoint?: pulumi.Input<string>;
    /** Instead of `endpoint`: the ARM id of an Azure Managed Grafana workspace. */
    workspaceId?: pulumi.Input<string>;
    /** Unique in the org (case-insensitively). Omitted: `<resource name>-<6 random characters>`. Changes in place. */
    name?: pulumi.Input<string>;
    /** None, Viewer (default), Editor or Admin. Changes in place. */
    role?: pulumi.Input<GrafanaRole>;
    /** A disabled account's tokens stop working until it is enabled again. Changes in place. */
    isDisabled?: pulumi.Input<boolean>;
    /** The Grafana organization. Omitted: the credential's current org. Changing it replaces the account. */
    orgId?: pulumi.Input<number>;
    /**
     * Take over an existing account instead of creating one: `serviceaccount/<id>`, on the Grafana `endpoint` or
     * `workspaceId` names. Give `name`, `role` and `isDisabled` as Grafana shows them. From then on the account is this
     * resource's: destroy deletes it with every token on it. Read only when the resource is created.
     */
    adopt?: pulumi.Input<string>;
}

/**
 * A Grafana service account: an identity that holds tokens. Rename, role and disabling change it in
 * place; another org or Grafana replaces it. Deleting it deletes its tokens.
 */
export class GrafanaServiceAccount extends pulumi.dynamic.Resource {
    /** Grafana's numeric id: give it to GrafanaServiceAccountToken. */
    declare readonly serviceAccountId: pulumi.Output<number>;
    /** Grafana's string id of the account. */
    declare readonly uid: pulumi.Output<string | undefined>;
    /** Grafana's login for the account, e.g. `sa-1-ci-bot`. */
    declare readonly login: pulumi.Output<string | undefined>;
    /** The account's name in Grafana. */
    declare readonly name: pulumi.Output<string>;
    /** The account's role, which its tokens act with. */
    declare readonly role: pulumi.Output<GrafanaRole>;
    /** Whether the account (and so every token of it) is disabled. */
    declare readonly isDisabled: pulumi.Output<boolean>;
    /** The Grafana organization, when one was given. */
    declare readonly orgId: pulumi.Output<number | undefined>;
    /** The Grafana URL the account lives on (resolved from `workspaceId` when that was given). */
    declare readonly endpoint: pulumi.Output<string>;
    /** The workspace's ARM id, when the account was addressed by it. */
    declare readonly workspaceId: pulumi.Output<string | undefined>;
    /** Version of the stored state's shape. */
    declare readonly schemaVersion: pulumi.Output<number>;

    constructor(name: string, args: GrafanaServiceAccountArgs, opts?: pulumi.CustomResourceOptions) {
        refuseUnknownSettings();
        refuseImportOption("GrafanaServiceAccount", name, opts, useAdopt);
        super(provider, name, { ...OUTPUTS, ...args, __logicalName: name }, opts, TYPE_MODULE, "GrafanaServiceAccount");
    }
}

const provider = createStub("GrafanaServiceAccount");

const OUTPUTS = {
    serviceAccountId: undefined,
    uid: undefined,
    login: undefined,
    name: undefined,
    role: undefined,
    isDisabled: undefined,
    orgId: undefined,
    endpoint: undefined,
    workspaceId: undefined,
    schemaVersion: undefined,
};
