/**
 * Where check stores what it adds to a resource's inputs, and under which keys; the one home of those names for the
 * provider and the policy pack (`pulumi-azure-grafana-keys/storedInputs`).
 *
 * Bookkeeping only the provider reads (the resource's name, for autonames, who named the object, and the mode asked
 * for, "auto" when none) must be inputs, since the dynamic-provider host hands a provider nothing else about a
 * resource (no URN), but it is not the user's, and `pulumi preview --diff` lists every input. The CLI leaves out of
 * every display a property whose key starts with `__` (pulumi/pulumi sdk/go/common/resource/properties.go,
 * IsInternalPropertyKey, as it does `__provider`), so it is stored under such keys; inside, the provider uses the
 * plain names. Inputs stored by earlier versions, under the plain names, read the same.
 *
 * What a policy judges must NOT be under a `__` key: the engine withholds those from a policy pack too (pulumi/pulumi
 * sdk/go/common/resource/plugin/analyzer_plugin.go: Analyze and AnalyzeStack marshal the checked inputs with
 * `SkipInternalKeys: true`). So check also keeps the user's own `mode` input, exactly as given (nothing when none, so
 * that it never shows as a change of the output `mode`), and a token's account role under `accountRole`
 * (accountRole.ts).
 */

const BOOKKEEPING = ["logicalName", "nameSource", "requestedMode"] as const;

/** The keys of what check stores for a policy pack to judge. */
export const POLICY_INPUTS = {
    /** GrafanaApiKey: the user's `mode`, as given; absent when none was (the mode asked for is then "auto"). */
    mode: "mode",
    /** GrafanaServiceAccountToken: the role Grafana says the token's service account holds; null when it could not say. */
    accountRole: "accountRole",
} as const;

type Props = Record<string, unknown>;

/** Stored (or program) inputs as the provider reads them. */
export function fromStoredInputs(inputs: Props): Props {
    const read = { ...inputs };
    for (const key of BOOKKEEPING) {
        if (`__${key}` in read) {
            read[key] = read[`__${key}`];
            delete read[`__${key}`];
        }
    }
    return read;
}

/** Checked inputs as the engine stores (and the CLI shows) them. */
export function toStoredInputs(inputs: Props): Props {
    const stored = { ...inputs };
    for (const key of BOOKKEEPING) {
        if (key in stored) {
            stored[`__${key}`] = stored[key];
            delete stored[key];
        }
    }
    return stored;
}

/**
 * The run a program's inputs were made in, `pulumi.runtime.isDryRun()` as the resource classes send it: a preview's or
 * an update's (log.ts, `duringRun`). Not the resource's: taken out before any check, handed back with the checked
 * inputs so that Diff sees it, and never compared.
 */
export const RUN_INPUT = "__preview";

export function withoutRun(inputs: Props): { inputs: Props; preview: boolean | undefined } {
    const { [RUN_INPUT]: preview, ...rest } = inputs;
    return { inputs: rest, preview: typeof preview === "boolean" ? preview : undefined };
}
