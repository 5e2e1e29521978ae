import { randomBytes } from "node:crypto";
import { CheckFailure, nameRule } from "../schema/inputs";

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

/** The naming part of checked inputs. */
export interface CheckedNaming {
    name?: string;
    nameSource: "user" | "auto";
    logicalName: string | null;
}

/** At create: the given name, or a fresh autoname. */
export function nameFor(checked: CheckedNaming): Naming {
    const logicalName = checked.logicalName ?? checked.name ?? "";
    return checked.name !== undefined
        ? { name: checked.name, nameSource: "user", logicalName }
        : { name: autoname(logicalName), nameSource: "auto", logicalName };
}

/** At update: who names the object now; its name stays. */
export function namingAfterUpdate(old: Naming, checked: CheckedNaming): Pick<Naming, "nameSource" | "logicalName"> {
    return { nameSource: checked.nameSource, logicalName: checked.logicalName ?? old.logicalName };
}

/** A given name must be the object's name; without one, whatever name it has is fine. */
export function nameChange(old: Naming, news: { [K in keyof CheckedNaming]: unknown }): { renamed: boolean; bookkeeping: boolean } {
    return {
        renamed: news.nameSource === "user" && news.name !== old.name,
        bookkeeping: news.nameSource !== old.nameSource || (news.logicalName ?? old.logicalName) !== old.logicalName,
    };
}

/** Grafana's limit on a key's or token's name (and our limit on any name given). */
export const MAX_NAME_LENGTH = 190;

/** `<resource name>-<6 random characters>`: unique enough that nobody else's object has it. */
export function autoname(logicalName: string): string {
    const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
    const suffix = Array.from(randomBytes(6), (byte) => alphabet[byte % alphabet.length]).join("");
    return `${logicalName.slice(0, 183)}-${suffix}`;
}
