import * as path from "node:path";
import { main } from "@pulumi/pulumi/provider";
import type * as pulumiProvider from "@pulumi/pulumi/provider";
import { ResourceProviderService } from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as providerProto from "@pulumi/pulumi/proto/provider_pb";
import { reveal } from "./secrets";
import { settingsOf, ConfigValues } from "./config";

/**
 * Serves the provider with `main` from `@pulumi/pulumi/provider`, mending three gaps of its gRPC server (checked in
 * @pulumi/pulumi 3.270 to 3.276; each has a test in test/plugin):
 *
 * 1. Configure answers without passing the configuration on: the provider would never see `grafanaAuth`,
 *    `armEndpoint` or any other setting. Here the settings are taken from the request and applied first.
 * 2. CheckConfig answers UNIMPLEMENTED, so the engine would accept any setting. Here each is checked.
 * 3. Read calls `request.getProperties().toJavaScript()` unguarded; `pulumi import` sends a Read with an id and no
 *    properties, which fails with "Cannot read properties of undefined (reading 'toJavaScript')". Here such a Read
 *    gets empty properties, which the provider takes for an import.
 *
 * The server object is not exported, so its handlers are wrapped where `main` registers them with gRPC, for the
 * ResourceProvider service only, and the registration is put back as it was once `main` has bound its port.
 */

export interface ConfigHooks {
    configure(values: ConfigValues): Promise<void>;
    checkConfig(values: ConfigValues): Array<{ property: string; reason: string }>;
}

type Callback = (error: unknown, reply?: unknown) => void;
/** A unary handler as grpc-js calls it, with its method's generated request message. */
type Handler<Request> = (call: { request: Request }, callback: Callback) => unknown;
/** The ResourceProvider handlers `main` registers, by method: those mended here with their requests' types. */
interface Handlers {
    configure: Handler<providerProto.ConfigureRequest>;
    checkConfig: Handler<providerProto.CheckRequest>;
    read: Handler<providerProto.ReadRequest>;
    [method: string]: Handler<never>;
}

// The very modules `main` uses: the generated stubs above (typed by the .d.ts files they ship) come from the installed
// @pulumi/pulumi as `main` does; its grpc-js and google-protobuf are its own dependencies, resolved from its folder.
/* eslint-disable @typescript-eslint/no-require-imports -- an import cannot resolve a module from another package's folder */
const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
const grpc = require(require.resolve("@grpc/grpc-js", { paths: [pulumiDir] })) as typeof import("@grpc/grpc-js");
const structProto = require(
    require.resolve("google-protobuf/google/protobuf/struct_pb", { paths: [pulumiDir] }),
) as typeof import("google-protobuf/google/protobuf/struct_pb");
/* eslint-enable @typescript-eslint/no-require-imports */

export async function serve(provider: pulumiProvider.Provider, hooks: ConfigHooks, args: string[]): Promise<void> {
    const server = grpc.Server.prototype as unknown as { addService: (service: unknown, implementation: Handlers) => void };
    const addService = server.addService;
    server.addService = function (this: unknown, service: unknown, implementation: Handlers) {
        return addService.call(this, service, service === ResourceProviderService ? mended(implementation, hooks) : implementation);
    };
    try {
        await main(provider, args);
    } finally {
        server.addService = addService;
    }
}

function mended(original: Handlers, hooks: ConfigHooks): Handlers {
    // Inherits every other handler, bound to the original server object by its prototype chain.
    const handlers = Object.create(original) as Handlers;

    handlers.configure = (call, callback) => {
        const request = call.request;
        const args = reveal(request.getArgs()?.toJavaScript()).values;
        const variables: Array<[string, string]> = request.getVariablesMap().getEntryList();
        hooks.configure(settingsOf(args, variables)).then(
            () => original.configure.call(original, call, callback),
            (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
        );
    };

    handlers.checkConfig = (call, callback) => {
        try {
            const news = call.request.getNews() ?? new structProto.Struct();
            const failures = hooks.checkConfig(reveal(news.toJavaScript()).values);
            const response = new providerProto.CheckResponse();
            // The settings go back as they came, secrets still marked.
            response.setInputs(news);
            response.setFailuresList(
                failures.map(({ property, reason }) => {
                    const failure = new providerProto.CheckFailure();
                    failure.setProperty(property);
                    failure.setReason(reason);
                    return failure;
                }),
            );
            callback(null, response);
        } catch (error) {
            callback(error);
        }
    };

    handlers.read = (call, callback) => {
        if (!call.request.getProperties()) call.request.setProperties(new structProto.Struct());
        return original.read.call(original, call, callback);
    };

    return handlers;
}
