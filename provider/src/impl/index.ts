import type * as dynamic from "@pulumi/pulumi/dynamic";
import { applyProviderConfig, ConfigReader, providerConfig } from "../config";
import { withDeadline } from "../http/deadline";
import { CheckFailure, serviceAccountLoginFailure } from "../schema/inputs";
import * as grafanaApiKey from "./grafanaApiKey";
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
    GrafanaApiKey: {
        ...grafanaApiKey,
        // Minted as a service account unless it is a legacy key.
        check: refusingLongLogins(grafanaApiKey.check, (news) =>
            news.mode === "apiKey" ? undefined : serviceAccountLoginFailure(news, 'mode "apiKey" (a legacy key, Grafana <= 11.2)'),
        ),
        delete: grafanaApiKey.remove,
    },
    WorkspaceApiKeyEnablement: { ...workspaceApiKeyEnablement, delete: workspaceApiKeyEnablement.remove },
    GrafanaServiceAccount: {
        ...grafanaServiceAccount,
        check: refusingLongLogins(grafanaServiceAccount.check, (news) => serviceAccountLoginFailure(news)),
        delete: grafanaServiceAccount.remove,
    },
    GrafanaServiceAccountToken: { ...grafanaServiceAccountToken, delete: grafanaServiceAccountToken.remove },
};

/** A name that becomes a service account's login must fit Grafana's login column: added to the checks of the resources whose name does. */
function refusingLongLogins(
    check: Lifecycle["check"],
    loginFailure: (news: Record<string, unknown>) => CheckFailure | undefined,
): Lifecycle["check"] {
    return async (olds, news) => {
        const result = await check(olds, news);
        const failure = loginFailure(news);
        if (!failure) return result;
        return { failures: [...(result.failures ?? []), failure] };
    };
}

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
        throw new Error(
            `pulumi-azure-grafana-keys has no resource type "${resourceType}"; the installed package may be older than the program that created this resource.`,
        );
    }
    return withDeadlines(resourceType, found);
}

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

/** For tests and tooling: how configuration resolves, without applying it. */
export { resolveProviderConfig } from "../config";
/** For tests and tooling: which Entra ID credential the environment selects. */
export { credentialKind } from "../azure/credentials";
