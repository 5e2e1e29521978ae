import { ChildProcess, ChildProcessByStdio, spawn } from "node:child_process";
import type { Readable } from "node:stream";
import * as fs from "node:fs";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
// Pulumi's generated gRPC stubs (typed by the .d.ts files they ship), from the @pulumi/pulumi whose host runs below.
import { ResourceProviderClient } from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as providerProto from "@pulumi/pulumi/proto/provider_pb";
import { Status } from "@pulumi/pulumi/proto/status_pb";
import { JavaScriptValue, Struct } from "google-protobuf/google/protobuf/struct_pb";

/**
 * Plays the Pulumi engine against the real dynamic-provider host (`@pulumi/pulumi/cmd/dynamic-provider`):
 * spawns it as `pulumi up` does, and speaks its gRPC ResourceProvider protocol. Nothing here is mocked.
 */

export type Props = Record<string, unknown>;

/** The repository root: its node_modules holds the provider package, as a user's program folder would. */
export const REPO_ROOT = findUp(__dirname, (dir) => fs.existsSync(path.join(dir, "provider", "package.json")));
const HOST_SCRIPT = require.resolve("@pulumi/pulumi/cmd/dynamic-provider/index.js");

export interface CheckReply {
    inputs: Props;
    failures: Array<{ property: string; reason: string }>;
}
export interface DiffReply {
    changes: "none" | "some" | "unknown";
    replaces: string[];
    deleteBeforeReplace: boolean;
    /** The provider's detailed diff, by property: its kind's name (`UPDATE`, `UPDATE_REPLACE`, ...); none when it gave none. */
    detailedDiff?: Record<string, string>;
}
export interface HostError extends Error {
    /** For a partial failure: the id the engine keeps tracking, and the outputs it stores with it. */
    partialId?: string;
    partialProperties?: Props;
}

/**
 * A provider process the engine talks to (the dynamic-provider host, or a provider plugin): its gRPC client, what
 * it printed, whether it still runs, and one unary call turned into a promise.
 */
export abstract class ProviderProcess {
    private output = "";

    protected constructor(
        protected readonly child: ChildProcess,
        protected readonly client: ResourceProviderClient,
    ) {
        child.stdout!.on("data", (chunk: Buffer) => (this.output += chunk.toString("utf8")));
        child.stderr!.on("data", (chunk: Buffer) => (this.output += chunk.toString("utf8")));
    }

    /** The process, for measuring it (/proc/<pid>). */
    get pid(): number {
        return this.child.pid!;
    }

    /** Everything the process printed on stdout and stderr so far. */
    get printed(): string {
        return this.output;
    }

    /** True while the process is alive (it must survive bad input and failed calls). */
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

    // The resource calls, as the engine makes them of any provider.

    async check(urn: string, olds: Props, news: Props): Promise<CheckReply> {
        const request = new providerProto.CheckRequest();
        request.setUrn(urn);
        request.setOlds(toStruct(olds));
        request.setNews(toStruct(news));
        const reply = await this.call<providerProto.CheckResponse>((done) => this.client.check(request, done));
        return {
            inputs: reply.getInputs()?.toJavaScript() ?? {},
            failures: reply.getFailuresList().map((failure) => ({
                property: failure.getProperty(),
                reason: failure.getReason(),
            })),
        };
    }

    /** `olds`: the stored outputs; `news`: the new inputs; `oldInputs`: the stored inputs, which the engine sends too. */
    async diff(urn: string, id: string, olds: Props, news: Props, oldInputs?: Props): Promise<DiffReply> {
        const request = new providerProto.DiffRequest();
        request.setUrn(urn);
        request.setId(id);
        request.setOlds(toStruct(olds));
        request.setNews(toStruct(news));
        if (oldInputs) request.setOldInputs(toStruct(oldInputs));
        const reply = await this.call<providerProto.DiffResponse>((done) => this.client.diff(request, done));
        const changes = reply.getChanges();
        const kinds = providerProto.DiffResponse.DiffChanges;
        return {
            changes: changes === kinds.DIFF_NONE ? "none" : changes === kinds.DIFF_SOME ? "some" : "unknown",
            replaces: reply.getReplacesList(),
            deleteBeforeReplace: reply.getDeletebeforereplace(),
            ...(reply.getHasdetaileddiff() ? { detailedDiff: detailedDiffOf(reply) } : {}),
        };
    }

    async create(urn: string, properties: Props): Promise<{ id: string; properties: Props }> {
        const request = new providerProto.CreateRequest();
        request.setUrn(urn);
        request.setProperties(toStruct(properties));
        const reply = await this.call<providerProto.CreateResponse>((done) => this.client.create(request, done));
        return { id: reply.getId(), properties: reply.getProperties()!.toJavaScript() };
    }

    /** `properties` undefined: a Read as `pulumi import` sends it, with the id alone. */
    async read(urn: string, id: string, properties?: Props, inputs?: Props): Promise<{ id: string; properties: Props; inputs?: Props }> {
        const request = new providerProto.ReadRequest();
        request.setUrn(urn);
        request.setId(id);
        if (properties) request.setProperties(toStruct(properties));
        if (inputs) request.setInputs(toStruct(inputs));
        const reply = await this.call<providerProto.ReadResponse>((done) => this.client.read(request, done));
        return { id: reply.getId(), properties: reply.getProperties()?.toJavaScript() ?? {}, inputs: reply.getInputs()?.toJavaScript() };
    }

    async update(urn: string, id: string, olds: Props, news: Props): Promise<Props> {
        const request = new providerProto.UpdateRequest();
        request.setUrn(urn);
        request.setId(id);
        request.setOlds(toStruct(olds));
        request.setNews(toStruct(news));
        const reply = await this.call<providerProto.UpdateResponse>((done) => this.client.update(request, done));
        return reply.getProperties()!.toJavaScript();
    }

    async delete(urn: string, id: string, properties: Props): Promise<void> {
        const request = new providerProto.DeleteRequest();
        request.setUrn(urn);
        request.setId(id);
        request.setProperties(toStruct(properties));
        await this.call((done) => this.client.delete(request, done));
    }

    /** The error a failed call rejects with. */
    protected abstract failure(error: grpc.ServiceError): Error;

    /** One unary call: `send` makes it with the callback given; its reply, or its error as `failure` makes it. */
    protected call<Reply>(send: (done: (error: grpc.ServiceError | null, reply: Reply) => void) => void): Promise<Reply> {
        return new Promise((resolve, reject) => {
            send((error, reply) => {
                if (error) reject(this.failure(error));
                else resolve(reply);
            });
        });
    }
}

export class DynamicProviderHost extends ProviderProcess {
    /** Starts a host with `cwd` as the engine would (the program's folder) and the given environment. */
    /**
     * `engineAddress`: where the engine's services (its Log) listen; by default nothing answers there.
     * `hostScript`: another installation's host, e.g. a program folder's own @pulumi/pulumi.
     * `nodeArgs`: V8/Node flags for the host process, for diagnosis only (the engine passes none).
     */
    static async start(
        options: { cwd?: string; env?: NodeJS.ProcessEnv; engineAddress?: string; hostScript?: string; nodeArgs?: string[] } = {},
    ): Promise<DynamicProviderHost> {
        const { child, port } = await spawnHost(options);
        const client = new ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
        return new DynamicProviderHost(child, client);
    }

    async configure(config: Record<string, string> = {}): Promise<void> {
        const request = new providerProto.ConfigureRequest();
        request.setArgs(Struct.fromJavaScript(config));
        request.setAcceptsecrets(true);
        await this.call<providerProto.ConfigureResponse>((done) => this.client.configure(request, done));
    }

    /** A failed call as a HostError, with the partial failure the engine would store, if any. */
    protected failure(error: grpc.ServiceError): Error {
        return asHostError(error);
    }
}

/**
 * Starts the host as the engine does (`node <host> <engine address>`, cwd = the program's folder) and
 * waits for the port it prints on its first line.
 */
export async function spawnHost(
    options: { cwd?: string; env?: NodeJS.ProcessEnv; engineAddress?: string; hostScript?: string; nodeArgs?: string[] } = {},
): Promise<{ child: ChildProcess; port: number }> {
    return spawnProvider(
        "dynamic-provider host",
        [...(options.nodeArgs ?? []), options.hostScript ?? HOST_SCRIPT, options.engineAddress ?? "127.0.0.1:1"],
        {
            cwd: options.cwd ?? REPO_ROOT,
            env: options.env ?? process.env,
        },
    );
}

/**
 * Starts a Node.js provider process (the dynamic-provider host, or a provider plugin) as the engine does, and
 * waits for the port it prints on its first stdout line: how every Pulumi provider says where it listens.
 */
export async function spawnProvider(
    what: string,
    args: string[],
    options: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<{ child: ChildProcessByStdio<null, Readable, Readable>; port: number }> {
    const child = spawn(process.execPath, args, { cwd: options.cwd, env: options.env, stdio: ["ignore", "pipe", "pipe"] });
    const port = await new Promise<number>((resolve, reject) => {
        let firstLine = "";
        let errors = "";
        child.stderr.on("data", (chunk: Buffer) => (errors += chunk.toString("utf8")));
        const onData = (chunk: Buffer) => {
            firstLine += chunk.toString("utf8");
            const newline = firstLine.indexOf("\n");
            if (newline >= 0) {
                child.stdout.off("data", onData);
                resolve(Number(firstLine.slice(0, newline).trim()));
            }
        };
        child.stdout.on("data", onData);
        child.once("exit", (code) => reject(new Error(`${what} exited with ${code}: ${errors}`)));
    });
    return { child, port };
}

export function toStruct(props: Props): Struct {
    return Struct.fromJavaScript(JSON.parse(JSON.stringify(props)) as Record<string, JavaScriptValue>);
}

function asHostError(error: grpc.ServiceError): HostError {
    const result: HostError = new Error(error.details || error.message);
    const details = error.metadata?.get("grpc-status-details-bin")?.[0];
    if (details) {
        // A partial failure packs pulumirpc.ErrorResourceInitFailed with the id the engine keeps.
        const status = Status.deserializeBinary(details as Buffer);
        for (const any of status.getDetailsList()) {
            const failure = providerProto.ErrorResourceInitFailed.deserializeBinary(any.getValue_asU8());
            result.partialId = failure.getId();
            result.partialProperties = failure.getProperties()?.toJavaScript() ?? {};
        }
    }
    return result;
}

function findUp(start: string, found: (dir: string) => boolean): string {
    for (let dir = start; ; dir = path.dirname(dir)) {
        if (found(dir)) return dir;
        if (path.dirname(dir) === dir) throw new Error(`no repository root above ${start}`);
    }
}

function detailedDiffOf(reply: providerProto.DiffResponse): Record<string, string> {
    const names = Object.fromEntries(Object.entries(providerProto.PropertyDiff.Kind).map(([name, kind]) => [kind, name]));
    const result: Record<string, string> = {};
    reply.getDetaileddiffMap().forEach((diff, property) => (result[property] = names[diff.getKind()]));
    return result;
}
