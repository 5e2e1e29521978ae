/**
 * The provider's bookkeeping inputs: the resource's name (for autonames), who named the object, and the mode asked
 * for. They must be inputs, since the dynamic-provider host hands a provider nothing else about a resource (no URN),
 * but they are not the user's, and `pulumi preview --diff` lists every input. The CLI leaves out of every display a
 * property whose key starts with `__` (pulumi/pulumi sdk/go/common/resource/properties.go, IsInternalPropertyKey, as
 * it does `__provider`), so they are stored under such keys; inside, the provider uses the plain names. Inputs stored
 * by earlier versions, under the plain names, read the same.
 */

const BOOKKEEPING = ["logicalName", "nameSource", "requestedMode"] as const;

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
