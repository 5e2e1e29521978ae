import { ProviderError } from "../http/errors";

/**
 * Pulumi's partial failure: an error carrying an id and properties makes the engine keep tracking a resource
 * whose create (or update) failed midway, storing exactly those properties as its outputs. The dynamic-provider
 * host looks the provider up in them (`__provider`) on every later refresh, update and destroy, and does not add
 * it itself on this path (docs/pulumi-dynamic-providers.md), so it is put in here, from the inputs.
 */

export interface Tracked {
    /** The resource id Pulumi keeps. */
    id: string;
    /** The resource's state, as `read`, `update` and `delete` will read it. */
    state: object;
    /** The inputs' `__provider`: the serialized provider the host needs to find later. */
    provider: unknown;
}

export function partialFailure(message: string, tracked: Tracked): Error {
    return Object.assign(new Error(message), {
        id: tracked.id,
        properties: { ...tracked.state, __provider: tracked.provider },
        reasons: [message],
    });
}

/**
 * What an undo throws instead of removing an object this attempt cannot prove is wholly its own (found by name after
 * a lost answer, or holding someone else's tokens): the object stays, untracked, and the message says which it is and
 * what to do. Ownership: nothing of anyone else's is deleted on a guess.
 */
export class LeftAlone extends Error {}

/** One line: why the create failed, then what was left in place and what to do. */
export function leftInPlace(cause: unknown, leftAlone: LeftAlone): ProviderError {
    const message = cause instanceof Error ? cause.message : String(cause);
    return new ProviderError({
        code: cause instanceof ProviderError ? cause.code : "HTTP_STATUS",
        summary: `${message.replace(/\.$/, "")}; ${leftAlone.message.replace(/\.$/, "")}`,
    });
}

/**
 * Removes what a failed create made, so nothing is orphaned (a service account without its token still counts
 * as a user on the Azure bill). Should the removal fail too, the error is a partial failure, so the engine keeps
 * tracking the object and the next `up` or `destroy` deals with it. Returns the error to throw.
 */
export async function undoCreate(
    cause: unknown,
    removeMade: () => Promise<unknown>,
    tracked: Tracked & { what: string },
): Promise<unknown> {
    try {
        await removeMade();
        return cause;
    } catch (error) {
        const message = cause instanceof Error ? cause.message : String(cause);
        if (error instanceof LeftAlone) return leftInPlace(cause, error);
        return partialFailure(
            `${message} The ${tracked.what} created for it could not be removed; Pulumi keeps tracking it and removes it on the next update or destroy.`,
            tracked,
        );
    }
}
