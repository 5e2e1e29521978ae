/**
 * Removes what a failed create made, so nothing is orphaned (a service account without its token still
 * counts as a user on the Azure bill). Should the removal fail too, the error carries the object's id
 * and state as Pulumi's partial failure, so the engine keeps tracking it and the next `up` or `destroy`
 * deals with it. Returns the error to throw.
 */
export async function undoCreate(
    cause: unknown,
    removeMade: () => Promise<unknown>,
    tracked: { id: string; properties: Record<string, unknown>; what: string },
): Promise<unknown> {
    try {
        await removeMade();
        return cause;
    } catch {
        const message = cause instanceof Error ? cause.message : String(cause);
        return Object.assign(
            new Error(
                `${message} The ${tracked.what} created for it could not be removed; Pulumi keeps tracking it and removes it on the next update or destroy.`,
            ),
            { id: tracked.id, properties: tracked.properties, reasons: [message] },
        );
    }
}
