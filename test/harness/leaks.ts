import { ResourceState } from "./engine";
import { Registration } from "./program";
import { without } from "./without";

/**
 * Where a secret turned up that it must not: anything the host printed, the program's inputs and
 * `__provider`, and every stored output except `key` and `previousKey` (which the engine encrypts, being listed
 * in additionalSecretOutputs). Returns one line per leak; empty when clean.
 */
export function findLeaks(
    secrets: readonly string[],
    places: { printed?: string; state?: ResourceState[]; resource?: Registration; errors?: string[] },
): string[] {
    const texts: Array<[string, string]> = [];
    if (places.printed !== undefined) texts.push(["host stdout/stderr", places.printed]);
    if (places.resource) texts.push(["program inputs and __provider", JSON.stringify(places.resource.inputs)]);
    for (const [index, state] of (places.state ?? []).entries()) {
        const plaintext = without(state.outputs, ["key", "previousKey"]);
        texts.push([
            `state[${index}] outputs other than the keys`,
            JSON.stringify({ id: state.id, inputs: state.inputs, outputs: plaintext }),
        ]);
    }
    for (const [index, error] of (places.errors ?? []).entries()) texts.push([`error[${index}]`, error]);

    const leaks: string[] = [];
    for (const secret of secrets) {
        for (const [where, text] of texts) {
            if (text.includes(secret)) leaks.push(`${secret.slice(0, 7)}… found in ${where}`);
        }
    }
    return leaks;
}
