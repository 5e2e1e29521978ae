import { redact } from "pulumi-azure-grafana-keys/impl";
import { BadRequest, Conflict, requestProblems, RotatedSecret, rotationBody } from "./protocol";
import { requestVerifier, Unauthorized } from "./requestAuth";
import { rotate } from "./rotation";
import { SameRequest } from "./sameRequest";
import { rotatorSettings, RotatorSettings } from "./settings";

/**
 * The external rotator's HTTP exchange, apart from any server: a POST with ESC's token and body in, a status and a
 * JSON body out. Nothing is parsed, let alone minted, before the request is proven (requestAuth.ts). Every message
 * that leaves (answer errors, log lines) goes through the provider's redaction.
 */

export interface RotationHttpRequest {
    method: string;
    authorization: string | undefined;
    body: Buffer;
}

export interface RotationHttpAnswer {
    status: number;
    body: RotatedSecret | { error: string };
}

export type RotationHandler = (request: RotationHttpRequest) => Promise<RotationHttpAnswer>;

/** Larger bodies are refused unread: a request and a state are a few kilobytes. */
export const MAX_BODY_BYTES = 256 * 1024;

export function rotationHandler(
    settings: RotatorSettings = rotatorSettings(),
    options: { log?: (line: string) => void } = {},
): RotationHandler {
    const verify = requestVerifier(settings);
    const log = (line: string) => (options.log ?? console.log)(redact(line));
    const sameRequest = new SameRequest<RotatedSecret>(settings.inFlightMs);
    return async (request) => {
        if (request.method !== "POST") return failure(405, "only POST is served");
        if (request.body.length > MAX_BODY_BYTES) return failure(413, `the body is larger than ${MAX_BODY_BYTES} bytes`);
        let claims;
        try {
            claims = await verify(request.authorization, request.body);
        } catch (error) {
            const reason = error instanceof Unauthorized ? error.message : "the request could not be verified";
            log(`refused a request: ${reason}`);
            return failure(401, `unauthorized: ${reason}`);
        }
        const who = [claims.current_env, claims.trigger_user].filter((part) => typeof part === "string").join(" by ") || "ESC";
        try {
            const parsed = rotationBody.safeParse(JSON.parse(request.body.toString("utf8")));
            if (!parsed.success) throw new BadRequest("the body must be a JSON object { request: {...}, state: <object or null> }");
            const problems = requestProblems(parsed.data.request);
            if (problems.length > 0) throw new BadRequest(problems.join("; "));
            const answer = await sameRequest.run(parsed.data, () => rotate(parsed.data.request, parsed.data.state, settings.inFlightMs));
            log(
                `rotated "${answer.keyName}" (id ${answer.keyId}, expires ${answer.expiresAt ?? "never"}) for ${who}; ` +
                    (answer.previousKeyId === null
                        ? "no previous key"
                        : `previous "${answer.previousKeyName}" (id ${answer.previousKeyId}) works until ${answer.previousKeyExpiresAt ?? "it is deleted"}`),
            );
            return { status: 200, body: answer };
        } catch (error) {
            const status = error instanceof BadRequest || error instanceof SyntaxError ? 400 : error instanceof Conflict ? 409 : 502;
            const message = error instanceof Error ? error.message : String(error);
            log(`rotation for ${who} failed (${status}): ${message}`);
            return failure(status, message);
        }
    };
}

function failure(status: number, message: string): RotationHttpAnswer {
    return { status, body: { error: redact(message) } };
}
