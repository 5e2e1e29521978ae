import { characterCount } from "../schema/showValue";

/**
 * Azure's naming rules for the parts of a workspace id: one definition each, used both where a whole
 * ARM id is parsed and where its parts are given one by one. Each says what it allows in words that
 * go into error messages.
 */

export interface ArmNameRule {
    /** What the name is, as a message calls it. */
    what: string;
    /** What is wrong with a name it refuses, e.g. "is not a GUID". */
    problem: string;
    allowed: string;
    accepts(name: string): boolean;
}

export const SUBSCRIPTION_ID: ArmNameRule = {
    what: "subscription",
    problem: "is not a GUID",
    allowed: "the subscription's GUID, e.g. 00000000-0000-0000-0000-000000000000",
    accepts: (name) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(name),
};

/**
 * Resource groups: letters and digits as .NET's Char.IsLetterOrDigit has them (any script: Unicode
 * letters and decimal digits), "_", "-", ".", "(" and ")", 1 to 90 characters, not ending in ".".
 */
export const RESOURCE_GROUP_NAME: ArmNameRule = {
    what: "resource group",
    problem: "is not a valid name",
    allowed: "1-90 letters or digits (of any script), _ - . ( ), not ending in a period",
    accepts: (name) => /^[\p{L}\p{Nd}_\-.()]+$/u.test(name) && characterCount(name) <= 90 && !name.endsWith("."),
};

/** Microsoft.Dashboard/grafana, as the REST API spec's pattern has it. */
export const WORKSPACE_NAME: ArmNameRule = {
    what: "workspace name",
    problem: "is not valid",
    allowed: "2-30 letters, digits and -, starting with a letter and not ending with -",
    accepts: (name) => /^[a-zA-Z][a-z0-9A-Z-]{0,28}[a-z0-9A-Z]$/.test(name),
};
