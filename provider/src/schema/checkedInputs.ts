import { z } from "zod";
import { ProviderError } from "../http/errors";
import { MODES, ROLES, UNKNOWN } from "./inputs";
import { mintedSecretInputFields } from "./mintedSecretState";

/**
 * What each resource's `check` hands on: the engine stores it and passes it back to `diff`, `create` and
 * `update`, which parse it with these schemas instead of re-reading loose values. During a preview, a value an
 * upstream resource has not produced yet arrives as Pulumi's unknown marker; only `diff` meets those
 * (`parsePreview`).
 */

const address = {
    /** Absent when `workspaceId` will supply it at create. */
    endpoint: z.string().optional(),
    workspaceId: z.string().nullable(),
};
const naming = {
    /** Absent when the name is to be drawn at create (an autoname). */
    name: z.string().optional(),
    nameSource: z.enum(["user", "auto"]),
    /** The Pulumi resource name, the stem of autonames. */
    logicalName: z.string().nullable(),
};
const orgId = z.number().int().nullable();

export const checkedApiKeyInputs = z.object({
    ...address,
    ...naming,
    role: z.enum(ROLES),
    orgId,
    requestedMode: z.enum(MODES),
    ...mintedSecretInputFields,
});
export type CheckedApiKeyInputs = z.infer<typeof checkedApiKeyInputs>;

export const checkedTokenInputs = z.object({
    ...address,
    ...naming,
    serviceAccountId: z.number().int(),
    orgId,
    ...mintedSecretInputFields,
});
export type CheckedTokenInputs = z.infer<typeof checkedTokenInputs>;

export const checkedServiceAccountInputs = z.object({ ...address, ...naming, role: z.enum(ROLES), isDisabled: z.boolean(), orgId });
export type CheckedServiceAccountInputs = z.infer<typeof checkedServiceAccountInputs>;

export const checkedEnablementInputs = z.object({ workspaceId: z.string(), enabled: z.boolean(), restoreOnDelete: z.boolean() });
export type CheckedEnablementInputs = z.infer<typeof checkedEnablementInputs>;

/** Checked inputs during a preview: any field may be unknown. */
export type Previewable<T> = { [K in keyof T]: T[K] | typeof UNKNOWN };

/** For `create` and `update`, which never see unknown values. */
export function parseChecked<T>(kind: string, schema: z.ZodType<T>, inputs: Record<string, unknown>): T {
    const parsed = schema.safeParse(inputs);
    if (parsed.success) return parsed.data;
    throw new ProviderError({
        code: "BAD_STATE",
        summary: `The inputs of this ${kind} were not checked by this version of pulumi-azure-grafana-keys (fields: ${parsed.error.issues.map((issue) => issue.path.join(".")).join(", ")})`,
        hint: NOT_CHECKED_HINT,
    });
}

/**
 * Never a bare "run `pulumi up`": after `pulumi import`, an `up` of a program that does not declare the resource yet
 * deletes what was just imported.
 */
const NOT_CHECKED_HINT =
    "Run `pulumi preview` to check them again with this version. If the resource was just imported, put the code " +
    "`pulumi import` printed into the program first: `pulumi up` deletes what the program does not declare.";

/** What a lifecycle's `check` answers. */
type Recheck = (inputs: Record<string, unknown>) => {
    inputs?: Record<string, unknown>;
    failures?: Array<{ property: string; reason: string }>;
};

/** For `diff`, which may see unknown values during a preview. */
export function parsePreview<Shape extends z.ZodRawShape>(
    kind: string,
    schema: z.ZodObject<Shape>,
    inputs: Record<string, unknown>,
    recheck?: Recheck,
): Previewable<z.infer<z.ZodObject<Shape>>> {
    const previewSchema = previewableOf(schema);
    if (recheck && !previewSchema.safeParse(inputs).success) {
        // `pulumi import` stores the inputs it read as they are, never checked (pulumi/pulumi ImportStep), and the next
        // refresh diffs the object against them (RefreshStep): they are checked here as `up` would check them.
        const checked = recheck(inputs);
        const failures = checked.failures ?? [];
        if (failures.length > 0 || !checked.inputs) {
            throw new ProviderError({
                code: "BAD_STATE",
                summary: `The stored inputs of this ${kind} are not valid: ${failures.map((failure) => failure.reason).join("; ")}`,
                hint: NOT_CHECKED_HINT,
            });
        }
        inputs = checked.inputs;
    }
    return parseChecked(kind, previewSchema, inputs) as Previewable<z.infer<z.ZodObject<Shape>>>;
}

/** Built once per schema: every diff of every resource of a deployment parses with it. */
const previewable = new WeakMap<z.ZodObject, z.ZodObject>();

function previewableOf(schema: z.ZodObject): z.ZodObject {
    let found = previewable.get(schema);
    if (!found) {
        found = z.object(
            Object.fromEntries(Object.entries(schema.shape).map(([field, rule]) => [field, z.union([z.literal(UNKNOWN), rule])])),
        );
        previewable.set(schema, found);
    }
    return found;
}
