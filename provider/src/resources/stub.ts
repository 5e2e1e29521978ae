import type * as dynamic from "@pulumi/pulumi/dynamic";
import type * as impl from "../impl";

/**
 * The provider object Pulumi serializes into state (`__provider`). It must stay tiny and identical across
 * releases: every method loads the implementation from the installed package at call time. Nothing
 * here may capture a value from module scope other than the resource type, or it lands in state.
 */
export function createStub(resourceType: string): dynamic.ResourceProvider<Record<string, unknown>, Record<string, unknown>> {
    /* eslint-disable @typescript-eslint/no-require-imports -- the stub is serialized into state and runs in a later
       process: it must load the implementation from the installed package when called, not import it when defined */
    const implementation = () => (require("pulumi-azure-grafana-keys/impl") as typeof impl).lifecycle(resourceType);
    return {
        configure: (request) => (require("pulumi-azure-grafana-keys/impl") as typeof impl).configure(request),
        /* eslint-enable @typescript-eslint/no-require-imports */
        check: (olds, news) => implementation().check(olds, news),
        diff: (id, olds, news) => implementation().diff(id, olds, news),
        create: (inputs) => implementation().create(inputs),
        // Optional in Pulumi's type; its dynamic-provider host always passes the stored properties (`{}` at the least).
        read: (id, props) => implementation().read(id, props!),
        update: (id, olds, news) => implementation().update(id, olds, news),
        delete: (id, props) => implementation().delete(id, props),
    };
}

/** Module of every type token: `pulumi-nodejs:dynamic/azure-grafana-keys:<Type>`. */
export const TYPE_MODULE = "azure-grafana-keys";
