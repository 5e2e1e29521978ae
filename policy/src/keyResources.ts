import { UnknownValueError } from "@pulumi/policy";
import { POLICY_INPUTS } from "pulumi-azure-grafana-keys/storedInputs";

/**
 * Which resources the pack judges, and what it reads of them. A stack holds them under one of two type tokens:
 * the TypeScript package's dynamic resources (`pulumi-nodejs:dynamic/azure-grafana-keys:<Type>`) and the plugin's
 * (`azure-grafana-keys:index:<Type>`, any language). Both run the same `check`, and the engine hands a policy the
 * inputs that check returned, not the program's: what the pack needs of it (the user's mode, a token's account role) is read
 * under the keys the provider stores it under (`pulumi-azure-grafana-keys/storedInputs`).
 */

export const PACKAGE_NAME = "azure-grafana-keys";
export type KeyResourceKind = "GrafanaApiKey" | "GrafanaServiceAccountToken" | "GrafanaServiceAccount";
const KINDS: readonly KeyResourceKind[] = ["GrafanaApiKey", "GrafanaServiceAccountToken", "GrafanaServiceAccount"];

export const typeTokensOf = (kind: KeyResourceKind): string[] => [
    `pulumi-nodejs:dynamic/${PACKAGE_NAME}:${kind}`,
    `${PACKAGE_NAME}:index:${kind}`,
];

export function kindOfType(type: string): KeyResourceKind | undefined {
    return KINDS.find((kind) => typeTokensOf(kind).includes(type));
}

/** A value the engine does not know yet (an output of a resource still to be created, during preview). */
export const UNKNOWN = Symbol("unknown during preview");
export type Maybe<T> = T | undefined | typeof UNKNOWN;

/** What the rules read of a resource's inputs; absent inputs are undefined, not-yet-known ones UNKNOWN. */
export interface KeyFacts {
    kind: KeyResourceKind;
    name: string;
    role: Maybe<string>;
    timeToLive: Maybe<string | number>;
    rotateBefore: Maybe<string>;
    /** The user's `mode`, as given (absent: "auto"). */
    mode: Maybe<string>;
    verify: Maybe<boolean>;
    /** A token's account, and the role Grafana says that account holds (null: check could not learn it). */
    serviceAccountId: Maybe<number>;
    accountRole: Maybe<string | null>;
}

/**
 * Reads the fields one by one: @pulumi/policy hands properties in a proxy that throws on reading an unknown value,
 * and one unknown field must not keep the others from being judged.
 */
export function readKeyFacts(kind: KeyResourceKind, name: string, props: Record<string, unknown>): KeyFacts {
    const field = (key: string): unknown => {
        try {
            return props[key];
        } catch (error) {
            if (error instanceof UnknownValueError) return UNKNOWN;
            throw error;
        }
    };
    return {
        kind,
        name,
        role: field("role") as Maybe<string>,
        timeToLive: field("timeToLive") as Maybe<string | number>,
        rotateBefore: field("rotateBefore") as Maybe<string>,
        mode: field(POLICY_INPUTS.mode) as Maybe<string>,
        verify: field("verify") as Maybe<boolean>,
        serviceAccountId: field("serviceAccountId") as Maybe<number>,
        accountRole: field(POLICY_INPUTS.accountRole) as Maybe<string | null>,
    };
}
