import * as path from "node:path";
import { redact } from "./http/redact";

/**
 * Messages for the person running `pulumi`, shown by the CLI like a program's `pulumi.log` output:
 * sent to the engine's Log service, whose address the engine gives the dynamic-provider host as its
 * first argument. Redacted like every other text we emit. If the engine cannot be reached the message
 * goes to stderr, which the engine also collects.
 */

type Severity = "info" | "warning";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- generated gRPC code without types
let engine: { client: any; proto: any } | undefined | null;

export function logInfo(message: string): void {
    send("info", message);
}

export function logWarning(message: string): void {
    send("warning", message);
}

function send(severity: Severity, message: string): void {
    const text = redact(message);
    const connection = engineConnection();
    if (!connection) {
        console.error(`${severity}: ${text}`);
        return;
    }
    const request = new connection.proto.LogRequest();
    request.setSeverity(severity === "info" ? connection.proto.LogSeverity.INFO : connection.proto.LogSeverity.WARNING);
    request.setMessage(text);
    connection.client.log(request, (error: Error | null) => {
        if (error) console.error(`${severity}: ${text}`);
    });
}

function engineConnection() {
    if (engine !== undefined) return engine;
    const address = engineAddress();
    if (!address) return (engine = null);
    try {
        // The engine's own generated client, from the @pulumi/pulumi the program installed.
        /* eslint-disable @typescript-eslint/no-require-imports */
        const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
        const grpc = require(require.resolve("@grpc/grpc-js", { paths: [pulumiDir] }));
        const services = require("@pulumi/pulumi/proto/engine_grpc_pb");
        const proto = require("@pulumi/pulumi/proto/engine_pb");
        /* eslint-enable @typescript-eslint/no-require-imports */
        const client = new services.EngineClient(address, grpc.credentials.createInsecure());
        return (engine = { client, proto });
    } catch {
        return (engine = null);
    }
}

function engineAddress(): string | undefined {
    const [, script, firstArgument] = process.argv;
    if (script?.includes("dynamic-provider") && firstArgument && /^[\w.[\]:-]+:\d+$/.test(firstArgument)) return firstArgument;
    return process.env.PULUMI_NODEJS_ENGINE || undefined;
}
