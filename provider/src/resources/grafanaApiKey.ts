import * as pulumi from "@pulumi/pulumi";
import { refuseUnknownSettings } from "./programSettings";
import { refuseImportOption, useAdopt } from "./importOption";
import { createStub, TYPE_MODULE } from "./stub";

export type GrafanaRole = "Viewer" | "Editor" | "Admin" | "None";
export type MintMode = "auto" | "apiKey" | "serviceAccount";

export interface GrafanaApiKeyArgs {
    /**
     * The Grafana URL, e.g. `https://my-ws-abcd.wus.grafana.azure.com` (an Azure Managed Grafana
     * workspace's `properties.endpoint`). https only; http is accepted for loopback addresses.
     */
    endpoint?: pulumi.Input<string>;
    /**
     * Instead of `endpoint`: the ARM id of an Azure Managed Grafana workspace,
     * `/subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.Dashboard/grafana/<name>`. Its
     * endpoint is looked up through Azure Resource Manager. Give exactly one of the two.
     */
    workspaceId?: pulumi.Input<string>;
    /**
     * The key's name, unique in the Grafana org (its service account's name; rotated keys are named
     * `<name>-r<n>`). Omitted: `<resource name>-<6 random characters>`, generated once and kept, which also
     * lets a replacement be created before the old key is deleted.
     */
    name?: pulumi.Input<string>;
    /**
     * The key's role: Viewer (default), Editor, Admin, or None (service accounts on Grafana >= 10.3). A
     * service account's role changes in place; a legacy key's is fixed, so changing it replaces the key.
     */
    role?: pulumi.Input<GrafanaRole>;
    /**
     * How long the key lives: `30s`, `15m`, `12h`, `7d`, `2w`, `6M` (30 days each), `1y` (365 days),
     * combinations such as `1d12h`, or a number of seconds. Omitted: the key never expires. Another length
     * rotates the key.
     */
    timeToLive?: pulumi.Input<string | number>;
    /** The Grafana organization to create the key in. Omitted: the credential's current org. */
    orgId?: pulumi.Input<number>;
    /**
     * Which Grafana API mints the key. `auto` (default) asks the server its version: legacy API keys up
     * to Grafana 11.2, a service account with one token from 11.3 on (Azure Managed Grafana runs 12 and 13), and asks
     * again when Grafana no longer mints the kind it holds. Another value is an update: a key of another kind than
     * asked for is rotated, the old one kept working until its expiry.
     */
    mode?: pulumi.Input<MintMode>;
    /**
     * Rotate the key once it is this close to expiring (same syntax as `timeToLive`, e.g. `7d`), on the next
     * `pulumi up`; no timer resource needed. The new key is minted and proven first, and the previous one keeps
     * working until its expiry: this window is the consumers' time to pick up the new key.
     */
    rotateBefore?: pulumi.Input<string>;
    /**
     * Change it (any text or number, e.g. a date) to rotate the key on the next `pulumi up`, like a keeper. The
     * previous key keeps working until its own expiry unless `revokePrevious` is set.
     */
    rotationTrigger?: pulumi.Input<string | number>;
    /**
     * Delete the previous key at once instead of letting it work until its expiry: on the next `pulumi up` if one
     * is alive, and at every rotation. For a leaked key: set it and change `rotationTrigger`. Default false.
     */
    revokePrevious?: pulumi.Input<boolean>;
    /** Prove the new key works (`GET /api/search?limit=1` with it answers 200) before handing it out. Default true. */
    verify?: pulumi.Input<boolean>;
    /**
     * Take over an existing key instead of minting one, named by its id on the Grafana `endpoint` or `workspaceId`
     * names: `serviceaccount/<id>` (a service account and its one token; the account becomes the key's, deleted with
     * it), `serviceaccount/<id>/token/<tokenId>` (one token; its account stays its owner's) or `apikey/<id>` (a legacy
     * key). Give `name` and `role` as Grafana shows them. Grafana never shows an existing key's secret, so the create
     * mints the key handed out as `key` (on the same account), and the adopted key keeps working as the previous key
     * until it expires or the next rotation. Read only when the resource is created: it may stay in the program or go.
     */
    adopt?: pulumi.Input<string>;
}

/**
 * A Grafana API key, returned as a Pulumi secret. `pulumi up` mints it and rotates it in place (expired, inside
 * `rotateBefore`, another time to live, or a new `rotationTrigger`), keeping the previous key working until its
 * expiry; `pulumi refresh` notices a key deleted elsewhere or expired, and follows it where Grafana moves it when
 * Azure upgrades the workspace; `pulumi destroy` deletes it. A change of mode rotates it in place when the key is not
 * of the kind asked for; a change of name, endpoint, org (or of a legacy key's role) replaces it.
 */
export class GrafanaApiKey extends pulumi.dynamic.Resource {
    /** The key itself (a Pulumi secret): `eyJ…` for a legacy key, `glsa_…` for a service account token. */
    declare readonly key: pulumi.Output<string>;
    /** Grafana's id of the legacy key, or of the service account token. */
    declare readonly keyId: pulumi.Output<number>;
    /** The key's name in Grafana (and its service account's, in service-account mode). */
    declare readonly name: pulumi.Output<string>;
    /** The key's role. */
    declare readonly role: pulumi.Output<GrafanaRole>;
    /** The time to live as written, or undefined for a key that never expires. */
    declare readonly timeToLive: pulumi.Output<string | undefined>;
    /** The time to live in seconds, or undefined for a key that never expires. */
    declare readonly secondsToLive: pulumi.Output<number | undefined>;
    /** When the key stops working (ISO-8601), or undefined if never. */
    declare readonly expiresAt: pulumi.Output<string | undefined>;
    /** True once the key no longer works by itself: it expired, or Grafana revoked it (leaked); the next `pulumi up` then rotates it. */
    declare readonly expired: pulumi.Output<boolean>;
    /** What Grafana holds the current key as now: `apiKey` (legacy), or `serviceAccount` (a token, also a legacy key Grafana migrated). */
    declare readonly mode: pulumi.Output<"apiKey" | "serviceAccount">;
    /** The service account that holds the token, in service-account mode (`sa-autogen-<name>` for a legacy key Grafana migrated). */
    declare readonly serviceAccountId: pulumi.Output<number | undefined>;
    /** The Grafana URL the key lives on (resolved from `workspaceId` when that was given). */
    declare readonly endpoint: pulumi.Output<string>;
    /** The workspace's ARM id, when the key was addressed by it. */
    declare readonly workspaceId: pulumi.Output<string | undefined>;
    /** The Grafana organization the key belongs to, when one was given. */
    declare readonly orgId: pulumi.Output<number | undefined>;
    /** The Grafana version the key was minted on, when the server tells it. */
    declare readonly grafanaVersion: pulumi.Output<string | undefined>;
    /** The rotation window as given: the key is rotated this long before it expires. */
    declare readonly rotateBefore: pulumi.Output<string | undefined>;
    /** Whether a new key is proven to work before it is handed out. */
    declare readonly verify: pulumi.Output<boolean>;
    /** The current key's name in Grafana: `name` for the first, `<name>-r<n>` for its successors. */
    declare readonly keyName: pulumi.Output<string>;
    /**
     * The key the current one replaced, while it still works (a Pulumi secret): stacks that still hold it have
     * until `previousKeyExpiresAt` to pick up `key`. Undefined when there is none; empty if its secret was never known.
     */
    declare readonly previousKey: pulumi.Output<string | undefined>;
    /** When the previous key stops working (ISO-8601); undefined when there is none. */
    declare readonly previousKeyExpiresAt: pulumi.Output<string | undefined>;
    /** When the current key replaced an earlier one (ISO-8601); undefined before the first rotation. */
    declare readonly rotatedAt: pulumi.Output<string | undefined>;
    /** The rotation trigger as given. */
    declare readonly rotationTrigger: pulumi.Output<string | undefined>;
    /** Whether a rotation deletes the previous key at once. */
    declare readonly revokePrevious: pulumi.Output<boolean>;
    /** Version of the stored state's shape. */
    declare readonly schemaVersion: pulumi.Output<number>;

    constructor(name: string, args: GrafanaApiKeyArgs, opts?: pulumi.CustomResourceOptions) {
        refuseUnknownSettings();
        refuseImportOption("GrafanaApiKey", name, opts, useAdopt);
        super(
            provider,
            name,
            // Every output is named here, so each `declare`d property becomes an Output even when its
            // input was omitted.
            // `__preview`: whether this run is a preview, so that a plan is said in it and what was done in the update
            // (provider/src/log.ts, logPlan).
            { ...OUTPUTS, ...args, __logicalName: name, __preview: pulumi.runtime.isDryRun() },
            pulumi.mergeOptions(opts, { additionalSecretOutputs: ["key", "previousKey"] }),
            TYPE_MODULE,
            "GrafanaApiKey",
        );
    }
}

const provider = createStub("GrafanaApiKey");

const OUTPUTS = {
    key: undefined,
    keyId: undefined,
    name: undefined,
    role: undefined,
    timeToLive: undefined,
    secondsToLive: undefined,
    expiresAt: undefined,
    expired: undefined,
    mode: undefined,
    serviceAccountId: undefined,
    endpoint: undefined,
    workspaceId: undefined,
    orgId: undefined,
    grafanaVersion: undefined,
    rotateBefore: undefined,
    verify: undefined,
    keyName: undefined,
    previousKey: undefined,
    previousKeyExpiresAt: undefined,
    rotatedAt: undefined,
    rotationTrigger: undefined,
    revokePrevious: undefined,
    schemaVersion: undefined,
};
