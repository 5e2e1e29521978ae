import { withGrace } from "../http/deadline";
import { isOutcomeUnknown, ProviderError } from "../http/errors";

/**
 * A create whose answer was lost (reset, timeout, 5xx after sending) may or may not have made the
 * object. Blindly sending it again could make a second one; giving up could leave one nobody tracks.
 * So after every such failure the object is looked up by name and either adopted (nothing secret about
 * it, e.g. a service account) or removed (its secret went with the lost answer, e.g. a token), and only
 * then is the create sent again, a bounded number of times. When the last attempt also fails, the
 * lookup has run after it too: nothing made is left behind.
 *
 * An object found by name is touched only if it is provably this attempt's: an autoname (random) is;
 * otherwise `provenance` must show that it came into being after the attempt began (by Grafana's clock,
 * or by an id above all those there before). Anything else of that name is someone else's: it is left
 * alone, and the error says the name is taken. (Grafana has no request ids, so an object someone else
 * makes under the same name while the attempt is under way cannot be told from this attempt's own.)
 */

/**
 * Where an object found by name came from, as far as Grafana's answers can tell. "not as sent": it does not carry
 * what this attempt sent (another role, disabled, tokens): someone else's, whenever it was made.
 */
export type Provenance = "made since the attempt began" | "there before the attempt" | "not as sent" | "cannot tell";

export async function createWithoutDuplicates<Created, Found extends { id: number }>(options: {
    what: string;
    name: string;
    create: () => Promise<Created>;
    find: () => Promise<Found | undefined>;
    /** Adopt: return what the create would have. Remove: delete it and return undefined. */
    settle: (found: Found) => Promise<Created | undefined>;
    /** Whether `found` came into being after `startedAt` (our clock); asked only of a name the user gave. */
    provenance: (found: Found, startedAt: number) => Promise<Provenance>;
    autonamed: boolean;
    attempts?: number;
}): Promise<Created> {
    const attempts = options.attempts ?? 3;
    const startedAt = Date.now();
    let lastError: unknown;
    for (let attempt = 1; attempt <= attempts; attempt++) {
        try {
            return await options.create();
        } catch (error) {
            if (!isOutcomeUnknown(error)) throw error;
            lastError = error;
            // Looking up and cleaning up must happen even when the operation's deadline cut the create.
            const adopted = await withGrace(async () => {
                // If even the lookup fails, the create's own error says more than the lookup's.
                const found = await options.find().catch(() => {
                    throw error;
                });
                if (found === undefined) return undefined;
                const provenance: Provenance = options.autonamed
                    ? "made since the attempt began"
                    : await options.provenance(found, startedAt).catch((): Provenance => "cannot tell");
                if (provenance !== "made since the attempt began") throw leftAlone(error, found, provenance, options);
                return options.settle(found);
            });
            if (adopted !== undefined) return adopted;
        }
    }
    throw lastError;
}

function leftAlone(cause: unknown, found: { id: number }, provenance: Provenance, options: { what: string; name: string }): ProviderError {
    const message = (cause instanceof Error ? cause.message : String(cause)).replace(/\.$/, "");
    const taken = provenance === "there before the attempt";
    const summary = {
        "there before the attempt": `the name "${options.name}" is taken: a ${options.what} of that name (id ${found.id}) existed before this attempt`,
        "not as sent": `the name "${options.name}" is taken: a ${options.what} of that name (id ${found.id}) does not carry what this attempt sent`,
        "cannot tell": `a ${options.what} named "${options.name}" exists (id ${found.id}) that this attempt cannot prove it made`,
        "made since the attempt began": `a ${options.what} named "${options.name}" exists (id ${found.id})`,
    }[provenance];
    return new ProviderError({
        code: "HTTP_STATUS",
        outcomeUnknown: true,
        summary: `${message}; and ${summary}, so it was left alone`,
        hint: taken
            ? "Choose another name, or omit `name` to let the provider generate a unique one."
            : "If it is not yours, choose another name. If it is yours, import it or delete it in Grafana, then run again.",
    });
}
