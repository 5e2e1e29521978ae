/**
 * The provider's bookkeeping inputs: the resource's name (for autonames), who named the object, the mode asked for,
 * and the role a token's service account holds. They must be inputs, since the dynamic-provider host hands a provider
 * nothing else about a resource (no URN), and a policy pack sees nothing but what `check` returns; but they are not
 * the user's, and `pulumi preview --diff` lists every input. The CLI leaves out of every display a property whose key
 * starts with `__` (pulumi/pulumi sdk/go/common/resource/properties.go, IsInternalPropertyKey, as it does
 * `__provider`), so they are stored under such keys; inside, the provider uses the plain names. Inputs stored by
 * earlier versions, under the plain names, read the same.
 *
 * This module is the one home of those names: the provider, the plugin's detailed diff and the policy pack
 * (`pulumi-azure-grafana-keys/storedInputs`) all read them from here.
 */

export const BOOKKEEPING = ["logicalName", "nameSource", "requestedMode", "accountRole"] as const;
export type BookkeepingInput = (typeof BOOKKEEPING)[number];

/** The key a bookkeeping input is stored under, as the engine keeps it and hands it to a policy pack: `__requestedMode`. */
export function storedKey(name: BookkeepingInput): string {
    return `__${name}`;
}

/**
 * The user's inputs that check keeps under a bookkeeping name: `mode` is kept as the mode asked for, since the output
 * `mode` is the one Grafana was actually asked in.
 */
export const KEPT_AS: Readonly<Record<string, BookkeepingInput>> = { mode: "requestedMode" };

/**
 * A bookkeeping input of stored (checked) inputs, through `read`, which may throw, as a policy pack's property proxy
 * does on a value unknown during preview: under its `__` key, or under the plain name earlier versions stored.
 */
export function readStoredInput(read: (key: string) => unknown, name: BookkeepingInput): unknown {
    const stored = read(storedKey(name));
    return stored !== undefined ? stored : read(name);
}

type Props = Record<string, unknown>;

/** Stored (or program) inputs as the provider reads them. */
export function fromStoredInputs(inputs: Props): Props {
    const read = { ...inputs };
    for (const name of BOOKKEEPING) {
        if (storedKey(name) in read) {
            read[name] = read[storedKey(name)];
            delete read[storedKey(name)];
        }
    }
    return read;
}

/** Checked inputs as the engine stores (and the CLI shows) them. */
export function toStoredInputs(inputs: Props): Props {
    const stored = { ...inputs };
    for (const name of BOOKKEEPING) {
        if (name in stored) {
            stored[storedKey(name)] = stored[name];
            delete stored[name];
        }
    }
    return stored;
}
