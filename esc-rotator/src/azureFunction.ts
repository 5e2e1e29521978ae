import { app, HttpRequest, HttpResponseInit } from "@azure/functions";
import { rotationHandler } from "./handler";

/**
 * The Azure Functions entry point (Node.js programming model v4): POST /api/rotate. Grafana is signed in to with
 * the Function App's managed identity (DefaultAzureCredential, through the provider), so no secret is stored.
 */
const handle = rotationHandler();

/** The Functions request as the handler takes it: the exact bytes received (their hash is in the token), and its answer. */
export async function rotateOverHttp(request: HttpRequest): Promise<HttpResponseInit> {
    const answer = await handle({
        method: request.method,
        authorization: request.headers.get("authorization") ?? undefined,
        body: Buffer.from(await request.arrayBuffer()),
    });
    return { status: answer.status, jsonBody: answer.body };
}

app.http("rotate", { methods: ["POST"], authLevel: "anonymous", route: "rotate", handler: rotateOverHttp });
