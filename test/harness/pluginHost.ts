import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
// Pulumi's generated gRPC stubs (typed by the .d.ts files they ship) and its wire encoding of secrets and unknowns.
import { ResourceProviderClient } from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as providerProto from "@pulumi/pulumi/proto/provider_pb";
import { PluginInfo } from "@pulumi/pulumi/proto/plugin_pb";
import { Status } from "@pulumi/pulumi/proto/status_pb";
import * as rpc from "@pulumi/pulumi/runtime/rpc";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { ProviderProcess, REPO_ROOT, spawnProvider, toStruct } from "./host";

/**
 * Plays the Pulumi engine against the real provider plugin (plugin/): spawns it as the Node.js language host does
 * for `pulumi up` (`node @pulumi/pulumi/cmd/run-plugin <plugin folder> <engine address>`), reads the port from its
 * first stdout line, and speaks its gRPC ResourceProvider protocol with Pulumi's own generated stubs. Values go on
 * the wire as the engine sends them to a provider that accepts secrets: secrets in their envelope (`secret`).
 */

export type Props = Record<string, unknown>;
export const PLUGIN_DIR = path.join(REPO_ROOT, "plugin");
const RUN_PLUGIN = require.resolve("@pulumi/pulumi/cmd/run-plugin");

/** The engine's encoding of a secret on the wire. */
export function secret(value: unknown): Props {
    return { [rpc.specialSigKey]: rpc.specialSecretSig, value };
}
export function isSecret(value: unknown): value is { value: unknown } {
    return typeof value === "object" && value !== null && (value as Props)[rpc.specialSigKey] === rpc.specialSecretSig;
}
/** The engine's unknown value, as a preview sends what is not computed yet. */
export const UNKNOWN = rpc.unknownValue;

export function urnOf(type: string, name: string): string {
    return `urn:pulumi:test::plugin-test::azure-grafana-keys:index:${type}::${name}`;
}

export interface PluginError extends Error {
    code?: number;
    /** For a partial failure: the id the engine keeps, and the properties it stores. */
    partialId?: string;
    partialProperties?: Props;
}

export class PluginHost extends ProviderProcess {
    /** Every error a call reported, for the leak scan. */
    readonly errors: string[] = [];

    /** `engineAddress`: where the engine's Log service listens; by default nothing answers there. */
    static async start(options: { env?: NodeJS.ProcessEnv; engineAddress?: string } = {}): Promise<PluginHost> {
        const { child, port } = await spawnProvider("the plugin", [RUN_PLUGIN, PLUGIN_DIR, options.engineAddress ?? "127.0.0.1:1"], {
            cwd: PLUGIN_DIR,
            env: options.env ?? process.env,
        });
        const client = new ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
        return new PluginHost(child, client);
    }

    async pluginInfo(): Promise<string> {
        return (await this.call<PluginInfo>((done) => this.client.getPluginInfo(new Empty(), done))).getVersion();
    }

    async schema(): Promise<string> {
        const request = new providerProto.GetSchemaRequest();
        return (await this.call<providerProto.GetSchemaResponse>((done) => this.client.getSchema(request, done))).getSchema();
    }

    async checkConfig(news: Props): Promise<{ inputs: Props; failures: Array<{ property: string; reason: string }> }> {
        const request = new providerProto.CheckRequest();
        request.setUrn("urn:pulumi:test::plugin-test::pulumi:providers:azure-grafana-keys::default");
        request.setOlds(toStruct({}));
        request.setNews(toStruct(news));
        const reply = await this.call<providerProto.CheckResponse>((done) => this.client.checkConfig(request, done));
        return { inputs: reply.getInputs()?.toJavaScript() ?? {}, failures: failuresOf(reply) };
    }

    /** As the engine configures a provider: typed `args` (secrets in envelopes) and the older `variables` map. */
    async configure(args: Props = {}): Promise<{ acceptSecrets: boolean }> {
        const request = new providerProto.ConfigureRequest();
        request.setArgs(toStruct(args));
        const variables = request.getVariablesMap();
        for (const [key, value] of Object.entries(args)) {
            const plain = isSecret(value) ? value.value : value;
            variables.set(`azure-grafana-keys:config:${key}`, typeof plain === "string" ? plain : JSON.stringify(plain));
        }
        request.setAcceptsecrets(true);
        request.setAcceptresources(true);
        const reply = await this.call<providerProto.ConfigureResponse>((done) => this.client.configure(request, done));
        return { acceptSecrets: reply.getAcceptsecrets() };
    }

    async invoke(token: string, args: Props): Promise<{ result: Props; failures: Array<{ property: string; reason: string }> }> {
        const request = new providerProto.InvokeRequest();
        request.setTok(token);
        request.setArgs(toStruct(args));
        const reply = await this.call<providerProto.InvokeResponse>((done) => this.client.invoke(request, done));
        return { result: reply.getReturn()?.toJavaScript() ?? {}, failures: failuresOf(reply) };
    }

    /** A failed call as a PluginError, recorded for the leak scan. */
    protected failure(error: grpc.ServiceError): Error {
        const failure = asPluginError(error);
        this.errors.push(failure.message);
        return failure;
    }
}

function failuresOf(reply: { getFailuresList(): Array<{ getProperty(): string; getReason(): string }> }) {
    return reply.getFailuresList().map((failure) => ({ property: failure.getProperty(), reason: failure.getReason() }));
}

function asPluginError(error: grpc.ServiceError): PluginError {
    const result: PluginError = Object.assign(new Error(error.details || error.message), { code: error.code });
    const details = error.metadata?.get("grpc-status-details-bin")?.[0];
    if (details) {
        for (const any of Status.deserializeBinary(details as Buffer).getDetailsList()) {
            const failure = providerProto.ErrorResourceInitFailed.deserializeBinary(any.getValue_asU8());
            result.partialId = failure.getId();
            result.partialProperties = failure.getProperties()?.toJavaScript() ?? {};
        }
    }
    return result;
}
