import { randomBytes } from "node:crypto";
import { redact } from "../http/redact";
import { CheckFailure, nameRule, orgIdRule, UNKNOWN } from "../schema/inputs";
import { characterCount, showValue } from "../schema/showValue";

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

/**
 * What the next `up` makes of an object deleted outside Pulumi. Refresh drops the resource from the stack, state and
 * all, so `up` creates it as new: a given name again, but an autoname drawn afresh (the old one is known to nobody).
 */
export function recreatedAs(naming: Naming): string {
    return naming.nameSource === "user"
        ? "the next `pulumi up` creates it again."
        : `the next \`pulumi up\` creates a new one under a new name, "${naming.logicalName}-" and 6 new random characters (an autoname is drawn when the object is created).`;
}

/**
 * `<resource name>-<6 random characters>`: unique enough that nobody else's object has it, and short enough that
 * the service-account login made of it, `sa-<org id>-<name>`, fits Grafana's login column even for a ten-digit
 * org id.
 */
export function autoname(logicalName: string): string {
    const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
    const suffix = Array.from(randomBytes(6), (byte) => alphabet[byte % alphabet.length]).join("");
    const room = LOGIN_MAX_CHARACTERS - characterCount("sa-2147483647-") - characterCount(`-${suffix}`);
    return `${[...logicalName].slice(0, room).join("")}-${suffix}`;
}

/**
 * Grafana keeps a service account's login in the user table's login column, NVARCHAR(190)
 * (pkg/services/sqlstore/migrations/user_mig.go); MySQL and PostgreSQL refuse a longer one.
 */
const LOGIN_MAX_CHARACTERS = 190;

/**
 * The login Grafana makes of a service account's name (Grafana >= 10.4: generateLogin in
 * pkg/services/serviceaccounts/database/store.go): "<prefix>-<org id>-<name>", lower-cased, the first "--" as "-",
 * spaces as "-". The prefix is "sa" for an account made through the API, "sa-autogen" for the one Grafana makes for a
 * legacy key it migrates (CreateServiceAccountFromApikey). A rename keeps the login (UpdateServiceAccount).
 */
export function grafanaLogin(prefix: "sa" | "sa-autogen", orgId: number, name: string): string {
    return `${prefix}-${orgId}-${name.toLowerCase()}`.replace("--", "-").replace(/ /g, "-");
}

function serviceAccountLogin(orgId: number, name: string): string {
    return grafanaLogin("sa", orgId, name);
}

/**
 * Where a name becomes a service account's login, it must leave room for the login's prefix. Without an
 * `orgId` the org is the credential's current one, taken to be org 1 (the default, and the shortest prefix), so
 * no name that could fit is refused. A name that breaks the plain name rule is that rule's to report.
 * `otherwise`: what else the user may do, e.g. mint a legacy key.
 */
export function checkServiceAccountLogin(news: Record<string, unknown>, failures: CheckFailure[], otherwise?: string): void {
    const name = news.name;
    if (typeof name !== "string" || name === UNKNOWN || !nameRule.schema.safeParse(name).success) return;
    const orgId = orgIdRule.schema.safeParse(news.orgId).data ?? 1;
    const length = characterCount(serviceAccountLogin(orgId, name));
    if (length <= LOGIN_MAX_CHARACTERS) return;
    const most = LOGIN_MAX_CHARACTERS - characterCount(serviceAccountLogin(orgId, ""));
    failures.push({
        property: "name",
        reason: redact(
            `name ${showValue(name)} is not allowed (its service account's login "sa-${orgId}-<name>" would be ${length} characters, ` +
                `and Grafana's login column holds ${LOGIN_MAX_CHARACTERS}): use at most ${most} characters in org ${orgId}${otherwise ? `, or ${otherwise}` : ""}`,
        ),
    });
}
