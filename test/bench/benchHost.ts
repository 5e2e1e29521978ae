import { ChildProcess, execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as grpc from "@grpc/grpc-js";
import { spawnHost } from "../harness/host";

/**
 * The real dynamic-provider host (`@pulumi/pulumi/cmd/dynamic-provider`), spawned by the harness's
 * `spawnHost` as `pulumi up` does, with the few gRPC calls the benchmark makes. It exists because the
 * benchmark needs the host's pid (peak RSS from /proc/<pid>/status) and drives thousands of calls.
 * Conversions are kept lean (no JSON round trip) so the driver costs as little CPU as possible.
 */

/* eslint-disable @typescript-eslint/no-require-imports */
const providerGrpc = require("@pulumi/pulumi/proto/provider_grpc_pb");
const providerProto = require("@pulumi/pulumi/proto/provider_pb");
const structProto = require("google-protobuf/google/protobuf/struct_pb");
/* eslint-enable @typescript-eslint/no-require-imports */


export type Props = Record<string, unknown>;

export class BenchHost {
    private output = "";

    private constructor(
        private readonly child: ChildProcess,
        private readonly client: grpc.Client & Record<string, Function>,
    ) {
        child.stdout!.on("data", (chunk: Buffer) => (this.output += chunk.toString("utf8")));
        child.stderr!.on("data", (chunk: Buffer) => (this.output += chunk.toString("utf8")));
    }

    /** `nodeArgs`: V8/Node flags for the host process, for diagnosis only (the engine passes none). */
    static async start(env: NodeJS.ProcessEnv, nodeArgs: string[] = []): Promise<BenchHost> {
        const { child, port } = await spawnHost({ env, nodeArgs });
        const client = new providerGrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as grpc.Client &
            Record<string, Function>;
        return new BenchHost(child, client);
    }

    get pid(): number {
        return this.child.pid!;
    }

    get printed(): string {
        return this.output;
    }

    /** Peak resident set size of the host process so far (VmHWM), in KiB. */
    peakRssKiB(): number {
        return statusField(this.pid, "VmHWM");
    }

    /** CPU time (user + system) the host process used so far, in ms (10 ms resolution). */
    cpuMs(): number {
        const stat = fs.readFileSync(`/proc/${this.pid}/stat`, "utf8");
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks();
    }

    /** Current resident set size (VmRSS), in KiB. */
    rssKiB(): number {
        return statusField(this.pid, "VmRSS");
    }

    async configure(config: Record<string, string> = {}): Promise<void> {
        const request = new providerProto.ConfigureRequest();
        request.setArgs(structProto.Struct.fromJavaScript(config));
        request.setAcceptsecrets(true);
        await this.call("configure", request);
    }

    async check(urn: string, olds: Props, news: Props): Promise<{ inputs: Props; failures: string[] }> {
        const request = new providerProto.CheckRequest();
        request.setUrn(urn);
        request.setOlds(structProto.Struct.fromJavaScript(olds));
        request.setNews(structProto.Struct.fromJavaScript(news));
        const reply = await this.call("check", request);
        return {
            inputs: reply.getInputs()?.toJavaScript() ?? {},
            failures: reply
                .getFailuresList()
                .map((failure: { getProperty(): string; getReason(): string }) => `${failure.getProperty()}: ${failure.getReason()}`),
        };
    }

    async create(urn: string, properties: Props): Promise<{ id: string; properties: Props }> {
        const request = new providerProto.CreateRequest();
        request.setUrn(urn);
        request.setProperties(structProto.Struct.fromJavaScript(properties));
        const reply = await this.call("create", request);
        return { id: reply.getId(), properties: reply.getProperties().toJavaScript() };
    }

    async delete(urn: string, id: string, properties: Props): Promise<void> {
        const request = new providerProto.DeleteRequest();
        request.setUrn(urn);
        request.setId(id);
        request.setProperties(structProto.Struct.fromJavaScript(properties));
        await this.call("delete", request);
    }

    get alive(): boolean {
        return this.child.exitCode === null && this.child.signalCode === null;
    }

    async stop(): Promise<void> {
        this.client.close();
        if (!this.alive) return;
        const exited = new Promise((resolve) => this.child.once("exit", resolve));
        this.child.kill("SIGTERM");
        await exited;
    }

    private call(method: string, request: unknown): Promise<any> {
        return new Promise((resolve, reject) => {
            this.client[method](request, (error: grpc.ServiceError | null, reply: unknown) => {
                if (error) reject(new Error(error.details || error.message));
                else resolve(reply);
            });
        });
    }
}

let ticks: number | undefined;
function clockTicks(): number {
    if (ticks === undefined) {
        try {
            ticks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
        } catch {
            ticks = 100;
        }
    }
    return ticks;
}

function statusField(pid: number, field: string): number {
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, "m").exec(status);
    if (!match) throw new Error(`no ${field} in /proc/${pid}/status`);
    return Number(match[1]);
}
