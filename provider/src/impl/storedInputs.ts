/**
 * Where check stores what it adds to a resource's inputs, and under which keys; the one home of those names for the
 * provider, the plugin's detailed diff and the policy pack (`pulumi-azure-grafana-keys/storedInputs`).
 *
 * Bookkeeping only the provider reads (the resource's name, for autonames, and who named the object) must be inputs,
 * since the dynamic-provider host hands a provider nothing else about a resource (no URN), but it is not the user's,
 * and `pulumi preview --diff` lists every input. The CLI leaves out of every display a property whose key starts with
 * `__` (pulumi/pulumi sdk/go/common/resource/plugin/rpc.go and resource/properties.go, IsInternalPropertyKey, as it does
 * `__provider`), so it is stored under such keys; inside, the provider uses the plain names.
 *
 * What a policy judges must NOT be under a `__` key: the engine withholds those from a policy pack too (pulumi/pulumi
 * sdk/go/common/resource/plugin/analyzer_plugin.go: Analyze and AnalyzeStack marshal the checked inputs with
 * `SkipInternalKeys: true`). So the mode asked for stays under the user's own input name, `mode` (with its default,
 * "auto"), and a token's account role under `accountRole` (accountRole.ts).
 *
 * Inputs stored by earlier versions read the same: bookkeeping under the plain names, and the mode asked for under
 * `requestedMode` or `__requestedMode`.
 */

const HIDDEN = ["logicalName", "nameSource"] as const;

/** The keys of what check stores for a policy pack to judge. */
export const POLICY_INPUTS = {
    /** GrafanaApiKey: the mode asked for, "auto" when none was given. */
    requestedMode: "mode",
    /** GrafanaServiceAccountToken: the role Grafana says the token's service account holds; null when it could not say. */
    accountRole: "accountRole",
} as const;

/** Where earlier versions stored the mode asked for. */
const EARLIER_MODE_KEYS = ["__requestedMode", "requestedMode"];

type Props = Record<string, unknown>;

/** Stored (or program) inputs as the provider reads them. */
export function fromStoredInputs(inputs: Props): Props {
    const read = { ...inputs };
    for (const name of HIDDEN) {
        if (`__${name}` in read) {
            read[name] = read[`__${name}`];
            delete read[`__${name}`];
        }
    }
    for (const key of EARLIER_MODE_KEYS) {
        if (!(key in read)) continue;
        if (!(POLICY_INPUTS.requestedMode in read)) read[POLICY_INPUTS.requestedMode] = read[key];
        delete read[key];
    }
    return read;
}

/** Checked inputs as the engine stores (and the CLI shows) them. */
export function toStoredInputs(inputs: Props): Props {
    const stored = { ...inputs };
    for (const name of HIDDEN) {
        if (name in stored) {
            stored[`__${name}`] = stored[name];
            delete stored[name];
        }
    }
    return stored;
}
