import { z } from "zod";
import { ProviderError } from "../http/errors";

/**
 * Reads a resource's stored outputs. Every shape ever written stays readable: `upgrade` lifts older
 * `schemaVersion`s step by step to the current one; a newer one (written by a newer package) is refused
 * with what to do. Messages name fields only, never values: state holds secrets.
 */
export function readState<T>(
    kind: string,
    schema: z.ZodType<T>,
    currentVersion: number,
    outputs: Record<string, unknown>,
    upgrade: (outputs: Record<string, unknown>) => Record<string, unknown> = (same) => same,
): T {
    const version = outputs.schemaVersion;
    if (typeof version === "number" && version > currentVersion) {
        throw new ProviderError({
            code: "BAD_STATE",
            summary: `This ${kind} was written by a newer pulumi-azure-grafana-keys (state version ${version})`,
            hint: "Upgrade the package in this program before running it again.",
        });
    }
    const parsed = schema.safeParse(upgrade(outputs));
    if (!parsed.success) {
        const fields = parsed.error.issues.map((issue) => issue.path.join(".")).join(", ");
        throw new ProviderError({ code: "BAD_STATE", summary: `The stored state of this ${kind} is not readable (fields: ${fields})` });
    }
    return parsed.data;
}
