import type * as dynamic from "@pulumi/pulumi/dynamic";
import { applyProviderConfig, ConfigReader, providerConfig } from "../config";
import { withDeadline } from "../http/deadline";
import { ProviderError } from "../http/errors";
import * as grafanaApiKey from "./grafanaApiKey";
import * as imports from "./imports";
import * as grafanaServiceAccount from "./grafanaServiceAccount";
import * as grafanaServiceAccountToken from "./grafanaServiceAccountToken";
import * as workspaceApiKeyEnablement from "./workspaceApiKeyEnablement";

/**
 * What the serialized provider stub loads at call time (`pulumi-azure-grafana-keys/impl`). Keeping the
 * code here rather than in the stub means bug fixes reach `refresh` and `destroy` of existing stacks at
 * once, and code changes never show up as diffs.
 */

export interface Lifecycle {
    check(olds: Record<string, unknown>, news: Record<string, unknown>): Promise<dynamic.CheckResult>;
    diff(id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<dynamic.DiffResult>;
    create(inputs: Record<string, unknown>): Promise<dynamic.CreateResult>;
    read(id: string, props: Record<string, unknown>): Promise<dynamic.ReadResult>;
    update(id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<dynamic.UpdateResult>;
    delete(id: string, props: Record<string, unknown>): Promise<void>;
}

const lifecycles: Record<string, Lifecycle> = {
    GrafanaApiKey: { ...grafanaApiKey, delete: grafanaApiKey.remove },
    WorkspaceApiKeyEnablement: { ...workspaceApiKeyEnablement, delete: workspaceApiKeyEnablement.remove },
    GrafanaServiceAccount: { ...grafanaServiceAccount, delete: grafanaServiceAccount.remove },
    GrafanaServiceAccountToken: { ...grafanaServiceAccountToken, delete: grafanaServiceAccountToken.remove },
};

let configured = false;

export async function configure(request: { config?: ConfigReader } | undefined): Promise<void> {
    applyProviderConfig(request?.config);
    configured = true;
}

export function lifecycle(resourceType: string): Lifecycle {
    // Some hosts and harnesses never call Configure; fall back to the environment.
    if (!configured) void configure(undefined);
    const found = lifecycles[resourceType];
    if (!found) {
        throw new ProviderError({
            code: "BAD_STATE",
            summary: `pulumi-azure-grafana-keys has no resource type "${resourceType}"`,
            hint: "The installed package may be older than the program that created this resource: upgrade it.",
        });
    }
    return withDeadlines(resourceType, found);
}

/**
 * `pulumi import` (and a "get" of an existing object): the state and inputs of the object an import id names, read
 * from Grafana or ARM, under the same deadline as every operation. The forms are in `IMPORT_ID_FORMS`.
 */
export function importResource(resourceType: string, importId: string, logicalName: string): Promise<imports.Imported> {
    if (!configured) void configure(undefined);
    return withDeadline(providerConfig().operationDeadlineSeconds, `import of ${resourceType}`, () =>
        imports.importResource(resourceType, importId, logicalName),
    );
}
export { IMPORT_ID_FORMS, Imported } from "./imports";

/** Each operation that talks to a server runs under the configured deadline. */
function withDeadlines(resourceType: string, operations: Lifecycle): Lifecycle {
    const bounded =
        <A extends unknown[], R>(name: string, operation: (...args: A) => Promise<R>) =>
        (...args: A) =>
            withDeadline(providerConfig().operationDeadlineSeconds, `${name} of ${resourceType}`, () => operation(...args));
    return {
        check: operations.check,
        diff: bounded("diff", operations.diff),
        create: bounded("create", operations.create),
        read: bounded("read", operations.read),
        update: bounded("update", operations.update),
        delete: bounded("delete", operations.delete),
    };
}

/** For the provider plugin's CheckConfig: how configuration resolves, without applying it. */
export { resolveProviderConfig } from "../config";
