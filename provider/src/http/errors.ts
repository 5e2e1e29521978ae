import { redact } from "./redact";

/** Stable codes, so that callers (and tests) branch on meaning rather than on message text. */
export type ProviderErrorCode =
    | "HTTP_STATUS" // the server answered with an error status
    | "HTTP_UNREACHABLE" // no answer: connection refused or reset, timeout, DNS
    | "HTTP_BAD_RESPONSE" // an answer we cannot use: not JSON, wrong shape, too large
    | "MISSING_CREDENTIALS"
    | "UNSUPPORTED" // the server cannot do what was asked (e.g. legacy keys on Grafana 12)
    | "BAD_INPUT" // the program asks for what cannot be done as given (e.g. adopting an object unlike its declaration)
    | "BAD_CONFIG" // a provider setting (Pulumi config or environment) is not valid
    | "BAD_STATE"; // stored state or inputs this version cannot read

const MAX_REMOTE_MESSAGE = 300;

/** How a host prints one of these errors: "azure-grafana-keys: <message>" (hostEcho.ts). */
export const PROVIDER_ERROR_NAME = "azure-grafana-keys";

export interface ProviderErrorDetails {
    code: ProviderErrorCode;
    /** What happened, in the user's terms. */
    summary: string;
    /** What the user can do about it. */
    hint?: string;
    status?: number;
    /** The server's own message, e.g. Grafana's `message`. */
    remoteMessage?: string;
    /** Grafana's `messageId` or ARM's error `code`. */
    remoteCode?: string;
    attempts?: number;
    /** True when a write may or may not have happened (reset, timeout, 5xx after sending). */
    outcomeUnknown?: boolean;
}

/**
 * Every error this provider expects to raise. Its message is built once, here, and always redacted.
 *
 * The dynamic-provider host prints `${error}: ${error.stack}` for a failed check, diff, read or delete, and the
 * engine shows the message as well (docs/pulumi-dynamic-providers.md). For an expected error a stack trace
 * through our dist/ files helps nobody and the message would be printed twice in one line, so it reads as
 * "azure-grafana-keys: <message>", and in a host that line is left out altogether (hostEcho.ts): the engine shows the
 * message under the resource. Errors nobody expected keep their stack.
 */
export class ProviderError extends Error {
    readonly code: ProviderErrorCode;
    readonly status?: number;
    readonly remoteMessage?: string;
    readonly remoteCode?: string;
    readonly hint?: string;
    readonly attempts?: number;
    readonly outcomeUnknown: boolean;

    constructor(details: ProviderErrorDetails) {
        const remote = details.remoteMessage === undefined ? "" : ` Server said: "${truncate(details.remoteMessage, MAX_REMOTE_MESSAGE)}".`;
        const tries = details.attempts && details.attempts > 1 ? ` (after ${details.attempts} tries)` : "";
        const hint = details.hint ? ` ${details.hint}` : "";
        super(redact(`${details.summary}${tries}.${remote}${hint}`));
        this.name = "ProviderError";
        this.code = details.code;
        this.status = details.status;
        this.remoteMessage = details.remoteMessage === undefined ? undefined : redact(details.remoteMessage);
        this.remoteCode = details.remoteCode;
        this.hint = details.hint;
        this.attempts = details.attempts;
        this.outcomeUnknown = details.outcomeUnknown ?? false;
        this.stack = this.message;
    }

    override toString(): string {
        return PROVIDER_ERROR_NAME;
    }
}

export function truncate(text: string, max: number): string {
    return text.length <= max ? text : `${text.slice(0, max)}…(${text.length - max} more characters)`;
}

export function isOutcomeUnknown(error: unknown): boolean {
    return error instanceof ProviderError && error.outcomeUnknown;
}
