import { app } from "@azure/functions";
import { rotationHandler } from "./handler";

/**
 * The Azure Functions entry point (Node.js programming model v4): POST /api/rotate. Grafana is signed in to with
 * the Function App's managed identity (DefaultAzureCredential, through the provider), so no secret is stored.
 */
const handle = rotationHandler();

app.http("rotate", {
    methods: ["POST"],
    authLevel: "anonymous",
    route: "rotate",
    handler: async (request) => {
        const answer = await handle({
            method: request.method,
            authorization: request.headers.get("authorization") ?? undefined,
            body: Buffer.from(await request.arrayBuffer()),
        });
        return { status: answer.status, jsonBody: answer.body };
    },
});
