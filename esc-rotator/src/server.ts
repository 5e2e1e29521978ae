import * as http from "node:http";
import { MAX_BODY_BYTES, RotationHandler } from "./handler";

/** The handler behind a plain Node.js HTTP server: for local runs and the tests (the same code Azure Functions calls). */
export function rotationServer(handle: RotationHandler): http.Server {
    return http.createServer((request, response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        request.on("data", (chunk: Buffer) => {
            size += chunk.length;
            if (size <= MAX_BODY_BYTES + 1) chunks.push(chunk);
        });
        request.on("end", () => {
            void handle({ method: request.method ?? "", authorization: request.headers.authorization, body: Buffer.concat(chunks) }).then(
                (answer) => {
                    response.writeHead(answer.status, { "content-type": "application/json" });
                    response.end(JSON.stringify(answer.body));
                },
            );
        });
    });
}
