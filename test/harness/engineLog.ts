import * as grpc from "@grpc/grpc-js";

/**
 * The engine's Log service, as `pulumi up` runs it, so tests can see what the provider tells the person
 * running Pulumi: its address goes to the dynamic-provider host as its first argument.
 */

/* eslint-disable @typescript-eslint/no-require-imports */
const engineGrpc = require("@pulumi/pulumi/proto/engine_grpc_pb");
const emptyProto = require("google-protobuf/google/protobuf/empty_pb");
/* eslint-enable @typescript-eslint/no-require-imports */

export interface LogEntry {
    severity: "debug" | "info" | "warning" | "error";
    message: string;
}

const SEVERITIES = ["debug", "info", "warning", "error"] as const;

export class EngineLogServer {
    readonly entries: LogEntry[] = [];

    private constructor(
        private readonly server: grpc.Server,
        readonly address: string,
    ) {}

    static async start(): Promise<EngineLogServer> {
        const server = new grpc.Server();
        let started: EngineLogServer | undefined;
        const unimplemented = (_call: unknown, callback: grpc.sendUnaryData<unknown>) =>
            callback({ code: grpc.status.UNIMPLEMENTED, details: "not needed by a dynamic provider" });
        server.addService(engineGrpc.EngineService, {
            log: (call: grpc.ServerUnaryCall<any, unknown>, callback: grpc.sendUnaryData<unknown>) => {
                started!.entries.push({ severity: SEVERITIES[call.request.getSeverity()], message: call.request.getMessage() });
                callback(null, new emptyProto.Empty());
            },
            getRootResource: unimplemented,
            setRootResource: unimplemented,
            startDebugging: unimplemented,
            requirePulumiVersion: unimplemented,
        });
        const port = await new Promise<number>((resolve, reject) =>
            server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) =>
                error ? reject(error) : resolve(bound),
            ),
        );
        started = new EngineLogServer(server, `127.0.0.1:${port}`);
        return started;
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
