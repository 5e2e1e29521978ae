import { HttpRequest } from "@azure/functions";
import { Emulator, startEmulator } from "azure-managed-grafana-emulator";
import { EscSimulator, startEscSimulator } from "./escSimulator";

/**
 * The Azure Functions entry point's own part: a Functions HTTP request (as @azure/functions builds it) handed to the
 * adapter with its exact bytes and Authorization header, and the answer handed back as status and JSON. What the
 * Functions host itself does around it (routing /api/rotate, TLS, the managed identity) needs Azure.
 */

const URL = "https://grafana-esc-rotator-test.azurewebsites.net/api/rotate";
let esc: EscSimulator;
let emulator: Emulator;
let rotateOverHttp: (request: HttpRequest) => Promise<{ status?: number; jsonBody?: unknown }>;

beforeAll(async () => {
    jest.spyOn(console, "log").mockImplementation(() => undefined);
    jest.spyOn(console, "warn").mockImplementation(() => undefined);
    esc = await startEscSimulator(process.env);
    emulator = await startEmulator({ profile: "12.1" });
    Object.assign(process.env, {
        ESC_ROTATOR_PUBLIC_URL: URL,
        ESC_ROTATOR_JWKS_URL: esc.jwksUrl,
        GRAFANA_AUTH: emulator.credentials.adminBasic,
    });
    // Read when the module loads, as the Functions host loads it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded once its settings are in the environment
    ({ rotateOverHttp } = require("pulumi-azure-grafana-keys-esc-rotator/azureFunction") as { rotateOverHttp: typeof rotateOverHttp });
});
afterAll(async () => {
    await esc.close();
    await emulator.close();
});

function functionsRequest(body: unknown, authorization?: string): HttpRequest {
    return new HttpRequest({
        method: "POST",
        url: URL,
        headers: { "content-type": "application/json", ...(authorization ? { authorization } : {}) },
        body: { string: JSON.stringify(body) },
    });
}

test("a request signed for the Function's URL rotates; its answer is the rotated secret", async () => {
    const body = { request: { endpoint: emulator.url, name: "fn", timeToLive: "1h" }, state: null };
    const authorization = `Bearer ${await esc.sign(URL, JSON.stringify(body))}`;
    const answer = await rotateOverHttp(functionsRequest(body, authorization));
    expect(answer.status).toBe(200);
    expect(answer.jsonBody).toMatchObject({ keyName: "fn", previousKeyId: null });
});

test("without a token: 401, nothing minted", async () => {
    const before = emulator.state.serviceAccounts().length;
    const answer = await rotateOverHttp(
        functionsRequest({ request: { endpoint: emulator.url, name: "fn2", timeToLive: "1h" }, state: null }),
    );
    expect(answer.status).toBe(401);
    expect(emulator.state.serviceAccounts()).toHaveLength(before);
});
