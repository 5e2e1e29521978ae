import { z } from "zod";
import { ArmNameRule, RESOURCE_GROUP_NAME, SUBSCRIPTION_ID, WORKSPACE_NAME } from "../azure/armNames";
import { formatWorkspaceId, parseWorkspaceId, WORKSPACE_ID_FORM } from "../azure/workspaceId";
import { parseTimeToLive, TIME_TO_LIVE_FORM } from "../duration";
import { isLoopbackHost } from "../http/loopback";
import { hasUserInfo, maskUrl, redact } from "../http/redact";
import { characterCount, showValue } from "./showValue";

/**
 * Validation of what users write, shared by every resource's `check`. Each failure names the field,
 * shows the bad value and says what is allowed, so `pulumi preview` is enough to fix a typo.
 */

/** What the engine sends for a value not known yet during preview; it must pass unvalidated. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export const ROLES = ["Viewer", "Editor", "Admin", "None"] as const;
export type Role = (typeof ROLES)[number];
export const MODES = ["auto", "apiKey", "serviceAccount"] as const;
export type Mode = (typeof MODES)[number];

export interface CheckFailure {
    property: string;
    reason: string;
}

export interface FieldRule<T> {
    schema: z.ZodType<T>;
    /** The allowed form, appended to every failure of the field. */
    allowed: string;
    required?: boolean;
    /** How a bad value is shown, when showing it whole could expose a secret. */
    show?: (value: unknown) => string;
}

/** What is wrong with a parsed endpoint: the first row whose test holds names the problem. */
const ENDPOINT_PROBLEMS: ReadonlyArray<{ test: (url: URL, text: string) => boolean; problem: (url: URL) => string }> = [
    { test: (url) => url.protocol !== "https:" && url.protocol !== "http:", problem: (url) => `scheme ${url.protocol} is not https` },
    {
        test: (url) => url.protocol === "http:" && !isLoopbackHost(url.hostname),
        problem: () => "plain http is allowed only for loopback addresses",
    },
    { test: (url) => url.pathname !== "/" && url.pathname !== "", problem: (url) => `it has a path (${url.pathname})` },
    // The parser drops an empty "?" or "#"; the text still has it.
    { test: (url, text) => url.search !== "" || text.includes("?"), problem: () => "it has a query" },
    { test: (url, text) => url.hash !== "" || text.includes("#"), problem: () => "it has a fragment" },
];

const CARRIES_CREDENTIALS = "it carries a user or password; give credentials through GRAFANA_AUTH instead";

export const endpointRule: FieldRule<string> = {
    required: true,
    // A URL may carry a password in its user info, or a token in its query: those parts are never shown.
    show: (value) => showValue(typeof value === "string" ? maskUrl(value) : value),
    allowed:
        "the Grafana URL as https://<host>[:port], with no user, password, path, query or fragment " +
        "(http:// only for 127.0.0.1, [::1] or localhost), e.g. https://my-ws-abcd.wus.grafana.azure.com",
    schema: z
        .string()
        .trim()
        .min(1, "it is empty")
        .max(2048, "it is longer than 2048 characters")
        .transform((text, ctx) => {
            // Tested on the text, before parsing: a password holding "/", "?" or "#" makes a parser read
            // part of it as the host, the port or the path, and then report (and show) that instead.
            if (hasUserInfo(text)) {
                ctx.addIssue({ code: "custom", message: CARRIES_CREDENTIALS });
                return z.NEVER;
            }
            let url: URL;
            try {
                url = new URL(text);
            } catch {
                ctx.addIssue({ code: "custom", message: "it is not a URL" });
                return z.NEVER;
            }
            const found = ENDPOINT_PROBLEMS.find((row) => row.test(url, text));
            if (found) {
                ctx.addIssue({ code: "custom", message: found.problem(url) });
                return z.NEVER;
            }
            return url.origin;
        }),
};

/** Grafana's limit on a key's, token's or service account's name (its api_key name column), in characters. */
export const MAX_NAME_CHARACTERS = 190;

export const nameRule: FieldRule<string> = {
    allowed:
        "1 to 190 characters without control characters or surrounding spaces; omit it to get " + '"<resource name>-<6 random characters>"',
    schema: z
        .string()
        .min(1, "it is empty")
        .refine((text) => characterCount(text) <= MAX_NAME_CHARACTERS, `it is longer than ${MAX_NAME_CHARACTERS} characters`)
        .refine((text) => text.trim() === text, "it has leading or trailing spaces")
        // Unicode's control characters (Cc): U+0000 to U+001F and U+007F to U+009F.
        .refine((text) => !/\p{Cc}/u.test(text), "it contains control characters"),
};

export const roleRule: FieldRule<Role> = {
    allowed: "one of Viewer, Editor, Admin, None (None needs service accounts, Grafana >= 10.3); the case matters",
    schema: z.enum(ROLES),
};

export const modeRule: FieldRule<Mode> = {
    allowed: "one of auto (detect from the Grafana version), apiKey (legacy keys, Grafana <= 11.2), serviceAccount",
    schema: z.enum(MODES),
};

export const timeToLiveRule: FieldRule<{ text: string; seconds: number }> = {
    allowed: TIME_TO_LIVE_FORM,
    schema: z.union([z.string(), z.number()]).transform((value, ctx) => {
        if (typeof value === "number" && (!Number.isInteger(value) || value <= 0)) {
            ctx.addIssue({ code: "custom", message: "a number must be a whole number of seconds above 0" });
            return z.NEVER;
        }
        const text = String(value);
        const parsed = parseTimeToLive(text);
        if (!parsed.ok) {
            ctx.addIssue({ code: "custom", message: parsed.problem });
            return z.NEVER;
        }
        return { text: text.trim(), seconds: parsed.seconds };
    }),
};

/** A span such as `rotateBefore`: the same syntax as a time to live. */
export const durationRule: FieldRule<{ text: string; seconds: number }> = {
    allowed: TIME_TO_LIVE_FORM.replace("; omit it for a key that never expires", ""),
    schema: timeToLiveRule.schema,
};

export const orgIdRule: FieldRule<number> = {
    allowed: "a whole number >= 1 (the Grafana organization id); omit it for the credential's current org",
    schema: z
        .union([z.number(), z.string().regex(/^\d+$/).transform(Number)])
        .pipe(z.number().int("it is not a whole number").min(1, "it is below 1").max(2_147_483_647, "it is too large")),
};

/**
 * Validates one object of inputs against per-field rules. Absent (undefined or null) optional fields
 * are left out; unknown preview values pass through untouched; fields nobody declared are refused,
 * which catches typos such as `ttl` from JavaScript callers.
 */
export function validateFields<R extends Record<string, FieldRule<unknown>>>(
    raw: Record<string, unknown>,
    rules: R,
    ignored: readonly string[] = [],
): { values: { [K in keyof R]?: R[K] extends FieldRule<infer T> ? T | typeof UNKNOWN : never }; failures: CheckFailure[] } {
    const values: Record<string, unknown> = {};
    const failures: CheckFailure[] = [];
    for (const [field, rule] of Object.entries(rules)) {
        const value = raw[field];
        if (value === undefined || value === null) {
            if (rule.required) failures.push({ property: field, reason: `${field} is required: use ${rule.allowed}` });
            continue;
        }
        if (value === UNKNOWN) {
            values[field] = UNKNOWN;
            continue;
        }
        const parsed = rule.schema.safeParse(value);
        if (parsed.success) values[field] = parsed.data;
        else failures.push({ property: field, reason: redact(describeFailure(field, value, parsed.error, rule)) });
    }
    for (const field of Object.keys(raw)) {
        if (!(field in rules) && !ignored.includes(field) && raw[field] !== undefined) {
            failures.push({
                property: field,
                reason: `${field} is not an input of this resource: use ${Object.keys(rules).join(", ")}`,
            });
        }
    }
    return { values: values as never, failures };
}

function describeFailure(field: string, value: unknown, error: z.ZodError, rule: FieldRule<unknown>): string {
    // Only our own messages (custom checks, and limits worded "it …"): zod's generic ones say less
    // than the allowed form that follows.
    const problem = error.issues.find((issue) => issue.code === "custom" || issue.message.startsWith("it "));
    const because = problem ? ` (${problem.message})` : typeof value === "string" ? "" : ` (it is a ${kindOf(value)})`;
    return `${field} ${(rule.show ?? showValue)(value)} is not allowed${because}: use ${rule.allowed}`;
}

function kindOf(value: unknown): string {
    return Array.isArray(value) ? "list" : typeof value === "object" ? "object" : typeof value;
}

export const workspaceIdRule: FieldRule<string> = {
    allowed: `an ARM id of an Azure Managed Grafana workspace: ${WORKSPACE_ID_FORM}`,
    schema: z.string().transform((text, ctx) => {
        const parsed = parseWorkspaceId(text);
        if (!parsed.ok) {
            ctx.addIssue({ code: "custom", message: parsed.problem });
            return z.NEVER;
        }
        return formatWorkspaceId(parsed.ref);
    }),
};

/** A field holding one part of a workspace id, checked by the same rule as that part of a whole id. */
function armNameField(rule: ArmNameRule, normalise: (name: string) => string = (name) => name): FieldRule<string> {
    return {
        allowed: rule.allowed,
        schema: z
            .string()
            .refine((name) => rule.accepts(name), `it ${rule.problem}`)
            .transform(normalise),
    };
}

export const subscriptionIdRule = armNameField(SUBSCRIPTION_ID, (id) => id.toLowerCase());
export const resourceGroupNameRule = armNameField(RESOURCE_GROUP_NAME);
export const workspaceNameRule = armNameField(WORKSPACE_NAME);

export const booleanRule: FieldRule<boolean> = {
    allowed: "true or false",
    schema: z.boolean(),
};

export const serviceAccountIdRule: FieldRule<number> = {
    required: true,
    allowed: "the id of a Grafana service account, a whole number >= 1 (e.g. a GrafanaServiceAccount's serviceAccountId)",
    schema: z.number().int("it is not a whole number").min(1, "it is below 1"),
};

/** Like a keeper: any change of it rotates the key. Numbers are kept as their text. */
export const rotationTriggerRule: FieldRule<string> = {
    allowed: "any text or number of 1 to 256 characters, e.g. a date or a counter; change it to rotate the key on the next `pulumi up`",
    schema: z
        .union([z.string(), z.number()])
        .transform(String)
        .pipe(z.string().min(1, "it is empty").max(256, "it is longer than 256 characters")),
};
