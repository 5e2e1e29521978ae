import { isOutcomeUnknown } from "../http/errors";

/**
 * A create whose answer was lost (reset, timeout, 5xx after sending) may or may not have made the
 * object. Blindly sending it again could make a second one; giving up could leave one nobody tracks.
 * So after every such failure the object is looked up by name and either adopted (nothing secret about
 * it, e.g. a service account) or removed (its secret went with the lost answer, e.g. a token), and only
 * then is the create sent again, a bounded number of times. When the last attempt also fails, the
 * lookup has run after it too: nothing made is left behind.
 */
export async function createWithoutDuplicates<Created, Found>(options: {
    create: () => Promise<Created>;
    find: () => Promise<Found | undefined>;
    /** Adopt: return what the create would have. Remove: delete it and return undefined. */
    settle: (found: Found) => Promise<Created | undefined>;
    attempts?: number;
}): Promise<Created> {
    const attempts = options.attempts ?? 3;
    let lastError: unknown;
    for (let attempt = 1; attempt <= attempts; attempt++) {
        try {
            return await options.create();
        } catch (error) {
            if (!isOutcomeUnknown(error)) throw error;
            lastError = error;
            const found = await options.find();
            const adopted = found === undefined ? undefined : await options.settle(found);
            if (adopted !== undefined) return adopted;
        }
    }
    throw lastError;
}
