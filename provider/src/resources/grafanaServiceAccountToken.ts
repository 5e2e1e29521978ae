import * as pulumi from "@pulumi/pulumi";
import { refuseUnknownSettings } from "./programSettings";
import { refuseImportOption, useAdopt } from "./importOption";
import { createStub, TYPE_MODULE } from "./stub";

export interface GrafanaServiceAccountTokenArgs {
    /** The Grafana URL, e.g. a GrafanaServiceAccount's `endpoint`. Give this or `workspaceId`. */
    endpoint?: pulumi.Input<string>;
    /** Instead of `endpoint`: the ARM id of an Azure Managed Grafana workspace. */
    workspaceId?: pulumi.Input<string>;
    /** The account the token belongs to, e.g. a GrafanaServiceAccount's `serviceAccountId`. */
    serviceAccountId: pulumi.Input<number>;
    /**
     * Unique in the whole org; rotated tokens are named `<name>-r<n>`. Omitted: `<resource name>-<6 random
     * characters>`, drawn anew on each replacement.
     */
    name?: pulumi.Input<string>;
    /** `30s`, `15m`, `12h`, `7d`, `2w`, `6M`, `1y`, `1d12h`, or seconds. Omitted: never expires. Another length rotates the token. */
    timeToLive?: pulumi.Input<string | number>;
    /** The account's Grafana organization. Omitted: the credential's current org. */
    orgId?: pulumi.Input<number>;
    /**
     * Rotate the token once it is this close to expiring (same syntax as `timeToLive`), on the next
     * `pulumi up`: a new token on the same account, proven first; the previous one works until its expiry.
     */
    rotateBefore?: pulumi.Input<string>;
    /**
     * Change it (any text or number, e.g. a date) to rotate the token on the next `pulumi up`, like a keeper. The
     * previous token keeps working until its own expiry unless `revokePrevious` is set.
     */
    rotationTrigger?: pulumi.Input<string | number>;
    /**
     * Delete the previous token at once instead of letting it work until its expiry: on the next `pulumi up` if one
     * is alive, and at every rotation. For a leaked token: set it and change `rotationTrigger`. Default false.
     */
    revokePrevious?: pulumi.Input<boolean>;
    /** Prove the new token works (`GET /api/search?limit=1` with it answers 200) before handing it out. Default true. */
    verify?: pulumi.Input<boolean>;
    /**
     * Take over an existing token instead of minting one: `serviceaccount/<serviceAccountId>/token/<tokenId>`, on the
     * Grafana `endpoint` or `workspaceId` names. Give its `name` as Grafana shows it. Grafana never shows an existing
     * token's secret, so the create mints the token handed out as `key` (on the same account), and the adopted token
     * keeps working as the previous token until it expires or the next rotation. Read only when the resource is
     * created: it may stay in the program or go.
     */
    adopt?: pulumi.Input<string>;
}

/**
 * A token of a Grafana service account, returned as a Pulumi secret. It rotates in place (a new token on the same
 * account) when it expires, enters its `rotateBefore` window, gets another time to live or a new
 * `rotationTrigger`; the previous token keeps working until its expiry. Another account, org or name replaces it.
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
    /** True once the token no longer works by itself: it expired, or Grafana revoked it (leaked); the next `pulumi up` then rotates it. */
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
    /** The current token's name in Grafana: `name` for the first, `<name>-r<n>` for its successors. */
    declare readonly keyName: pulumi.Output<string>;
    /**
     * The token the current one replaced, while it still works (a Pulumi secret): stacks that still hold it have
     * until `previousKeyExpiresAt` to pick up `key`. Undefined when there is none; empty if its secret was never known.
     */
    declare readonly previousKey: pulumi.Output<string | undefined>;
    /** When the previous token stops working (ISO-8601); undefined when there is none. */
    declare readonly previousKeyExpiresAt: pulumi.Output<string | undefined>;
    /** When the current token replaced an earlier one (ISO-8601); undefined before the first rotation. */
    declare readonly rotatedAt: pulumi.Output<string | undefined>;
    /** The rotation trigger as given. */
    declare readonly rotationTrigger: pulumi.Output<string | undefined>;
    /** Whether a rotation deletes the previous token at once. */
    declare readonly revokePrevious: pulumi.Output<boolean>;
    /** Version of the stored state's shape. */
    declare readonly schemaVersion: pulumi.Output<number>;

    constructor(name: string, args: GrafanaServiceAccountTokenArgs, opts?: pulumi.CustomResourceOptions) {
        refuseUnknownSettings();
        refuseImportOption("GrafanaServiceAccountToken", name, opts, useAdopt);
        super(
            provider,
            name,
            // `__preview`: whether this run is a preview, so that a plan is said in it and what was done in the update
            // (provider/src/log.ts, logPlan).
            { ...OUTPUTS, ...args, __logicalName: name, __preview: pulumi.runtime.isDryRun() },
            pulumi.mergeOptions(opts, { additionalSecretOutputs: ["key", "previousKey"] }),
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
    keyName: undefined,
    previousKey: undefined,
    previousKeyExpiresAt: undefined,
    rotatedAt: undefined,
    rotationTrigger: undefined,
    revokePrevious: undefined,
    schemaVersion: undefined,
};
