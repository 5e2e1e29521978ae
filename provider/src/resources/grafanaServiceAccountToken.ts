import * as pulumi from "@pulumi/pulumi";
import { createStub, TYPE_MODULE } from "./stub";

export interface GrafanaServiceAccountTokenArgs {
    /** The Grafana URL, e.g. a GrafanaServiceAccount's `endpoint`. Give this or `workspaceId`. */
    endpoint?: pulumi.Input<string>;
    /** Instead of `endpoint`: the ARM id of an Azure Managed Grafana workspace. */
    workspaceId?: pulumi.Input<string>;
    /** The account the token belongs to, e.g. a GrafanaServiceAccount's `serviceAccountId`. */
    serviceAccountId: pulumi.Input<number>;
    /** Unique in the whole org. Omitted: `<resource name>-<6 random characters>`, drawn anew on each replacement. */
    name?: pulumi.Input<string>;
    /** `30s`, `15m`, `12h`, `7d`, `2w`, `6M`, `1y`, `1d12h`, or seconds. Omitted: never expires. */
    timeToLive?: pulumi.Input<string | number>;
    /** The account's Grafana organization. Omitted: the credential's current org. */
    orgId?: pulumi.Input<number>;
    /**
     * Replace the token once it is this close to expiring (same syntax as `timeToLive`), on the next
     * `pulumi up`. With an autoname the new token exists before the old one is deleted.
     */
    rotateBefore?: pulumi.Input<string>;
    /** Prove the new token works (`GET /api/dashboards/home` answers 200) before handing it out. Default true. */
    verify?: pulumi.Input<boolean>;
}

/**
 * A token of a Grafana service account, returned as a Pulumi secret. Tokens cannot be changed, so any
 * change replaces it; `rotateBefore` replaces it ahead of its expiry.
 */
export class GrafanaServiceAccountToken extends pulumi.dynamic.Resource {
    /** The token (a Pulumi secret): `glsa_…`. */
    declare readonly key: pulumi.Output<string>;
    /** Grafana's id of the token. */
    declare readonly tokenId: pulumi.Output<number>;
    /** The service account the token belongs to. */
    declare readonly serviceAccountId: pulumi.Output<number>;
    /** The token's name, unique in the org. */
    declare readonly name: pulumi.Output<string>;
    /** The time to live as written, or undefined for a token that never expires. */
    declare readonly timeToLive: pulumi.Output<string | undefined>;
    /** The time to live in seconds. */
    declare readonly secondsToLive: pulumi.Output<number | undefined>;
    /** When the token stops working (ISO-8601), or undefined if never. */
    declare readonly expiresAt: pulumi.Output<string | undefined>;
    /** True once Grafana reports the token expired; the next `pulumi up` then replaces it. */
    declare readonly expired: pulumi.Output<boolean>;
    /** The rotation window as given. */
    declare readonly rotateBefore: pulumi.Output<string | undefined>;
    /** Whether a new token is proven to work before it is handed out. */
    declare readonly verify: pulumi.Output<boolean>;
    /** The Grafana organization, when one was given. */
    declare readonly orgId: pulumi.Output<number | undefined>;
    /** The Grafana URL the token works against. */
    declare readonly endpoint: pulumi.Output<string>;
    /** The workspace's ARM id, when the token was addressed by it. */
    declare readonly workspaceId: pulumi.Output<string | undefined>;
    /** Version of the stored state's shape. */
    declare readonly schemaVersion: pulumi.Output<number>;

    constructor(name: string, args: GrafanaServiceAccountTokenArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            provider,
            name,
            { ...OUTPUTS, ...args, logicalName: name },
            pulumi.mergeOptions(opts, { additionalSecretOutputs: ["key"] }),
            TYPE_MODULE,
            "GrafanaServiceAccountToken",
        );
    }
}

const provider = createStub("GrafanaServiceAccountToken");

const OUTPUTS = {
    key: undefined,
    tokenId: undefined,
    serviceAccountId: undefined,
    name: undefined,
    timeToLive: undefined,
    secondsToLive: undefined,
    expiresAt: undefined,
    expired: undefined,
    rotateBefore: undefined,
    verify: undefined,
    orgId: undefined,
    endpoint: undefined,
    workspaceId: undefined,
    schemaVersion: undefined,
};
