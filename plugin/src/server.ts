import * as path from "node:path";
import { main } from "@pulumi/pulumi/provider";
import type * as pulumiProvider from "@pulumi/pulumi/provider";
import { ResourceProviderService } from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as providerProto from "@pulumi/pulumi/proto/provider_pb";
import { reveal } from "./secrets";
import { settingsOf, ConfigValues } from "./config";
import type { DiffInDetail } from "./provider";
import type { PropertyDiffKind } from "./detailedDiff";

/**
 * Serves the provider with `main` from `@pulumi/pulumi/provider`, mending four gaps of its gRPC server (checked in
 * @pulumi/pulumi 3.270 to 3.276; each has a test in test/plugin):
 *
 * 1. Configure answers without passing the configuration on: the provider would never see `grafanaAuth`,
 *    `armEndpoint` or any other setting. Here the settings are taken from the request and applied first.
 * 2. CheckConfig answers UNIMPLEMENTED, so the engine would accept any setting. Here each is checked.
 * 3. Read calls `request.getProperties().toJavaScript()` unguarded; `pulumi import` sends a Read with an id and no
 *    properties, which fails with "Cannot read properties of undefined (reading 'toJavaScript')". Here such a Read
 *    gets empty properties, which the provider takes for an import.
 * 4. Diff answers only changes, replaces and deleteBeforeReplace, so the engine shows its own comparison of every
 *    stored input, the provider's bookkeeping included. Here the provider's detailed diff goes back with it.
 *
 * The server object is not exported, so its handlers are wrapped where `main` registers them with gRPC, for the
 * ResourceProvider service only, and the registration is put back as it was once `main` has bound its port.
 */

export interface PluginHooks {
    configure(values: ConfigValues): Promise<void>;
    checkConfig(values: ConfigValues): Array<{ property: string; reason: string }>;
    diffInDetail(id: string, urn: string, olds: Props, news: Props, oldInputs: Props | undefined): Promise<DiffInDetail>;
}

type Props = Record<string, unknown>;

type Callback = (error: unknown, reply?: unknown) => void;
/** A unary handler as grpc-js calls it, with its method's generated request message. */
type Handler<Request> = (call: { request: Request }, callback: Callback) => unknown;
/** The ResourceProvider handlers `main` registers, by method: those mended here with their requests' types. */
interface Handlers {
    configure: Handler<providerProto.ConfigureRequest>;
    checkConfig: Handler<providerProto.CheckRequest>;
    read: Handler<providerProto.ReadRequest>;
    diff: Handler<providerProto.DiffRequest>;
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

export async function serve(provider: pulumiProvider.Provider, hooks: PluginHooks, args: string[]): Promise<void> {
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

function mended(original: Handlers, hooks: PluginHooks): Handlers {
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

    handlers.diff = (call, callback) => {
        const request = call.request;
        const news = request.getNews()?.toJavaScript() ?? {};
        hooks
            .diffInDetail(
                request.getId(),
                request.getUrn(),
                request.getOlds()?.toJavaScript() ?? {},
                news,
                request.getOldInputs()?.toJavaScript(),
            )
            .then(
                (result) => callback(null, diffResponse(result)),
                (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
            );
    };

    return handlers;
}

const DIFF_KINDS: Record<PropertyDiffKind, providerProto.PropertyDiff.Kind> = {
    ADD: providerProto.PropertyDiff.Kind.ADD,
    ADD_REPLACE: providerProto.PropertyDiff.Kind.ADD_REPLACE,
    DELETE: providerProto.PropertyDiff.Kind.DELETE,
    DELETE_REPLACE: providerProto.PropertyDiff.Kind.DELETE_REPLACE,
    UPDATE: providerProto.PropertyDiff.Kind.UPDATE,
    UPDATE_REPLACE: providerProto.PropertyDiff.Kind.UPDATE_REPLACE,
};

/** The answer `main` gives, plus the detailed diff, each property compared as the user gave it (its inputs). */
function diffResponse(result: DiffInDetail): providerProto.DiffResponse {
    const response = new providerProto.DiffResponse();
    const changes = providerProto.DiffResponse.DiffChanges;
    response.setChanges(result.changes === true ? changes.DIFF_SOME : result.changes === false ? changes.DIFF_NONE : changes.DIFF_UNKNOWN);
    response.setReplacesList(result.replaces ?? []);
    response.setDeletebeforereplace(result.deleteBeforeReplace === true);
    response.setDiffsList(Object.keys(result.detailedDiff));
    const detailed = response.getDetaileddiffMap();
    for (const [property, kind] of Object.entries(result.detailedDiff)) {
        const diff = new providerProto.PropertyDiff();
        diff.setKind(DIFF_KINDS[kind]);
        diff.setInputdiff(true);
        detailed.set(property, diff);
    }
    response.setHasdetaileddiff(true);
    return response;
}
