import { autoname, CheckFailure, nameRule, UNKNOWN } from "../schema/inputs";

/**
 * How Grafana objects are named. A given `name` is the user's; without one the object is autonamed
 * `<resource name>-<6 random chars>` when it is created (never in `check`, so a preview does not show a
 * name that will not be used, and a replacement gets a fresh one). The resource class passes its
 * resource name as the internal input `logicalName`.
 */

export const INTERNAL_INPUTS = ["__provider", "logicalName"];

export interface Naming {
    name: string;
    nameSource: "user" | "auto";
    logicalName: string;
}

/** The naming part of checked inputs: no name at all when it is to be drawn at create. */
export function checkNaming(
    given: string | undefined,
    news: Record<string, unknown>,
    failures: CheckFailure[],
): { name?: string; nameSource: "user" | "auto"; logicalName: string | null } {
    const logicalName = typeof news.logicalName === "string" ? news.logicalName : undefined;
    if (given === undefined && logicalName === undefined) {
        failures.push({ property: "name", reason: `name is required: use ${nameRule.allowed}` });
    }
    return {
        ...(given !== undefined ? { name: given } : {}),
        nameSource: given !== undefined ? "user" : "auto",
        logicalName: logicalName ?? null,
    };
}

/** At create: the given name, or a fresh autoname. */
export function nameFor(inputs: Record<string, unknown>): Naming {
    const logicalName = typeof inputs.logicalName === "string" ? inputs.logicalName : (inputs.name as string);
    return typeof inputs.name === "string"
        ? { name: inputs.name, nameSource: "user", logicalName }
        : { name: autoname(logicalName), nameSource: "auto", logicalName };
}

/** At update: who names the object now; its name stays. */
export function namingAfterUpdate(old: Naming, news: Record<string, unknown>): Pick<Naming, "nameSource" | "logicalName"> {
    return {
        nameSource: news.nameSource === "user" ? "user" : "auto",
        logicalName: typeof news.logicalName === "string" ? news.logicalName : old.logicalName,
    };
}

/** A given name must be the object's name; without one, whatever name it has is fine. */
export function nameChange(old: Naming, news: Record<string, unknown>): { renamed: boolean; bookkeeping: boolean } {
    return {
        renamed: news.nameSource === "user" && news.name !== old.name,
        bookkeeping: news.nameSource !== old.nameSource || news.logicalName !== old.logicalName,
    };
}

/** A duration input as stored: its text, the preview's unknown, or null when absent. */
export function durationText(value: { text: string } | typeof UNKNOWN | undefined): string | null {
    return value === undefined ? null : value === UNKNOWN ? UNKNOWN : value.text;
}
