import { isDeepStrictEqual } from "node:util";

/**
 * What `preview --diff` and `up` show for a change: the user's own inputs only, each with the kind the engine prints
 * (`~` in place, `+-` replacing). Without a detailed diff the engine compares every stored input, so the provider's
 * bookkeeping (`logicalName`, `nameSource`, `requestedMode`, the inputs `check` adds) shows as if the user had changed
 * it. The plugin can say better, since the engine takes a provider's detailed diff as the whole story; the
 * dynamic-provider host cannot (its diff carries only changes, replaces and deleteBeforeReplace).
 */

export type PropertyDiffKind = "ADD" | "ADD_REPLACE" | "DELETE" | "DELETE_REPLACE" | "UPDATE" | "UPDATE_REPLACE";

/** A stored input kept under another name than the user's input (check keeps `mode` as `requestedMode`). */
const STORED_AS: Record<string, string> = { mode: "requestedMode" };

/**
 * `userInputs`: the schema's input properties; `oldInputs` / `news`: the stored and the new checked inputs, secrets
 * unwrapped; `replaces`: the fields the lifecycle's diff replaces for. A field it replaces for is always shown, so the
 * reason for a replacement is never hidden.
 */
export function detailedDiff(
    userInputs: string[],
    oldInputs: Record<string, unknown>,
    news: Record<string, unknown>,
    replaces: string[],
): Record<string, PropertyDiffKind> {
    const result: Record<string, PropertyDiffKind> = {};
    for (const property of userInputs) {
        const stored = STORED_AS[property] ?? property;
        // check stores an input not given as null or leaves it out: either way, the user gave none.
        const before = oldInputs[stored] ?? null;
        const after = news[stored] ?? null;
        const replacing = replaces.includes(property);
        if (isDeepStrictEqual(before, after) && !replacing) continue;
        const kind = before === null ? "ADD" : after === null ? "DELETE" : "UPDATE";
        result[property] = replacing ? `${kind}_REPLACE` : kind;
    }
    return result;
}
