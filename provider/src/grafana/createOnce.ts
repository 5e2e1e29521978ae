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
 * An object found by name is touched only if it is provably this run's: an autoname (random) is, and
 * otherwise Grafana's creation time must fall within this run. Someone else's object of the same name
 * is left alone and named in the error.
 */
export async function createWithoutDuplicates<Created, Found extends { id: number }>(options: {
    what: string;
    name: string;
    create: () => Promise<Created>;
    find: () => Promise<Found | undefined>;
    /** Adopt: return what the create would have. Remove: delete it and return undefined. */
    settle: (found: Found) => Promise<Created | undefined>;
    /** When Grafana says the object was created; undefined where it does not say. */
    createdAt?: (found: Found) => Promise<string | undefined>;
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
                const found = await options.find().catch(() => Promise.reject(error));
                if (found === undefined) return undefined;
                if (!(await madeByThisRun(found, startedAt, options).catch(() => false))) throw leftAlone(error, found, options);
                return options.settle(found);
            });
            if (adopted !== undefined) return adopted;
        }
    }
    throw lastError;
}

/** Clocks differ; an object made this long before the first attempt is not this run's. */
const CLOCK_TOLERANCE_MS = 2 * 60_000;

async function madeByThisRun<Found extends { id: number }>(
    found: Found,
    startedAt: number,
    options: { autonamed: boolean; createdAt?: (found: Found) => Promise<string | undefined> },
): Promise<boolean> {
    if (options.autonamed) return true;
    const createdAt = await options.createdAt?.(found);
    return createdAt !== undefined && Date.parse(createdAt) >= startedAt - CLOCK_TOLERANCE_MS;
}

function leftAlone(cause: unknown, found: { id: number }, options: { what: string; name: string }): ProviderError {
    const message = cause instanceof Error ? cause.message : String(cause);
    return new ProviderError({
        code: "HTTP_STATUS",
        outcomeUnknown: true,
        summary: `${message.replace(/\.$/, "")}; and a ${options.what} named "${options.name}" exists (id ${found.id}) that this run cannot prove it made, so it was left alone`,
        hint: "If it is not yours, choose another name. If it is this run's, delete it in Grafana and run again.",
    });
}
