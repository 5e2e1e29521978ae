import type * as dynamic from "@pulumi/pulumi/dynamic";

/**
 * The provider object Pulumi serializes into state (`__provider`). It must stay tiny and identical across
 * releases: every method loads the implementation from the installed package at call time. Nothing
 * here may capture a value from module scope other than the resource type, or it lands in state.
 */
export function createStub(resourceType: string): dynamic.ResourceProvider {
    const implementation = () => require("pulumi-azure-grafana-keys/impl").lifecycle(resourceType);
    return {
        configure: (request) => require("pulumi-azure-grafana-keys/impl").configure(request),
        check: (olds, news) => implementation().check(olds, news),
        diff: (id, olds, news) => implementation().diff(id, olds, news),
        create: (inputs) => implementation().create(inputs),
        read: (id, props) => implementation().read(id, props),
        update: (id, olds, news) => implementation().update(id, olds, news),
        delete: (id, props) => implementation().delete(id, props),
    };
}

/** Module of every type token: `pulumi-nodejs:dynamic/azure-grafana-keys:<Type>`. */
export const TYPE_MODULE = "azure-grafana-keys";
