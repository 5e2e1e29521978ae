import * as grpc from "@grpc/grpc-js";
// Pulumi's generated gRPC stubs, typed by the .d.ts files they ship.
import { EngineService, IEngineServer } from "@pulumi/pulumi/proto/engine_grpc_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";

/**
 * The engine's Log service, as `pulumi up` runs it, so tests can see what the provider tells the person
 * running Pulumi: its address goes to the dynamic-provider host as its first argument.
 */

export interface LogEntry {
    severity: "debug" | "info" | "warning" | "error";
    message: string;
    /** The resource the message concerns, as the CLI shows it under that resource; empty: the stack. */
    urn: string;
}

const SEVERITIES = ["debug", "info", "warning", "error"] as const;

export class EngineLogServer {
    private constructor(
        private readonly server: grpc.Server,
        readonly address: string,
        readonly entries: LogEntry[],
    ) {}

    static async start(): Promise<EngineLogServer> {
        const server = new grpc.Server();
        const entries: LogEntry[] = [];
        const unimplemented = (_call: unknown, callback: grpc.sendUnaryData<never>) =>
            callback({ code: grpc.status.UNIMPLEMENTED, details: "not needed by a dynamic provider" });
        const engine: IEngineServer = {
            log: (call, callback) => {
                entries.push({
                    severity: SEVERITIES[call.request.getSeverity()],
                    message: call.request.getMessage(),
                    urn: call.request.getUrn(),
                });
                callback(null, new Empty());
            },
            getRootResource: unimplemented,
            setRootResource: unimplemented,
            startDebugging: unimplemented,
            requirePulumiVersion: unimplemented,
        };
        server.addService(EngineService, engine);
        const port = await new Promise<number>((resolve, reject) =>
            server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) =>
                error ? reject(error) : resolve(bound),
            ),
        );
        return new EngineLogServer(server, `127.0.0.1:${port}`, entries);
    }

    messages(severity: LogEntry["severity"]): string[] {
        return this.entries.filter((entry) => entry.severity === severity).map((entry) => entry.message);
    }

    /** Log messages travel on their own; wait (briefly) until one matching arrives. */
    async waitFor(severity: LogEntry["severity"], pattern: RegExp, timeoutMs = 5000): Promise<string> {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
            const found = this.messages(severity).find((message) => pattern.test(message));
            if (found !== undefined) return found;
            if (Date.now() > deadline)
                throw new Error(`no ${severity} message matching ${pattern} within ${timeoutMs} ms; got ${JSON.stringify(this.entries)}`);
            await new Promise((resolve) => setTimeout(resolve, 20));
        }
    }

    stop(): Promise<void> {
        return new Promise((resolve) => this.server.tryShutdown(() => resolve()));
    }
}
