import type * as dynamic from "@pulumi/pulumi/dynamic";
import { applyProviderConfig, ConfigReader, providerConfig } from "../config";
import { withDeadline } from "../http/deadline";
import { ProviderError } from "../http/errors";
import { isDynamicProviderHost, printEachErrorOnce } from "../hostEcho";
import { duringRun } from "../log";
import * as grafanaApiKey from "./grafanaApiKey";
import * as imports from "./imports";
import { fromStoredInputs, RUN_INPUT, toStoredInputs, withoutRun } from "./storedInputs";
import * as grafanaServiceAccount from "./grafanaServiceAccount";
import * as grafanaServiceAccountToken from "./grafanaServiceAccountToken";
import * as workspaceApiKeyEnablement from "./workspaceApiKeyEnablement";

/**
 * What the serialized provider stub loads at call time (`pulumi-azure-grafana-keys/impl`). Keeping the
 * code here rather than in the stub means bug fixes reach `refresh` and `destroy` of existing stacks at
 * once, and code changes never show up as diffs.
 */

type Props = Record<string, unknown>;

export interface Lifecycle {
    check: (olds: Props, news: Props) => Promise<dynamic.CheckResult<Props>>;
    diff: (id: string, olds: Props, news: Props) => Promise<dynamic.DiffResult>;
    create: (inputs: Props) => Promise<dynamic.CreateResult<Props>>;
    read: (id: string, props: Props) => Promise<dynamic.ReadResult<Props>>;
    update: (id: string, olds: Props, news: Props) => Promise<dynamic.UpdateResult<Props>>;
    delete: (id: string, props: Props) => Promise<void>;
}

const lifecycles: Record<string, Lifecycle> = {
    GrafanaApiKey: { ...grafanaApiKey, check: settled(grafanaApiKey.check), delete: grafanaApiKey.remove },
    WorkspaceApiKeyEnablement: {
        ...workspaceApiKeyEnablement,
        check: settled(workspaceApiKeyEnablement.check),
        diff: settled(workspaceApiKeyEnablement.diff),
        delete: workspaceApiKeyEnablement.remove,
    },
    GrafanaServiceAccount: { ...grafanaServiceAccount, check: settled(grafanaServiceAccount.check), delete: grafanaServiceAccount.remove },
    GrafanaServiceAccountToken: {
        ...grafanaServiceAccountToken,
        delete: grafanaServiceAccountToken.remove,
    },
};

// Loaded by the dynamic-provider host through the stub: its copy of each error on stderr would be said twice.
if (isDynamicProviderHost()) printEachErrorOnce();

/** What the host hands over; a host that never calls Configure gets the environment's settings (config.ts). */
export function configure(request: { config?: ConfigReader } | undefined): Promise<void> {
    return settled(() => void applyProviderConfig(request?.config))();
}

export function lifecycle(resourceType: string): Lifecycle {
    const found = lifecycles[resourceType];
    if (!found) {
        throw new ProviderError({
            code: "BAD_STATE",
            summary: `pulumi-azure-grafana-keys has no resource type "${resourceType}"`,
            hint: "The installed package may be older than the program that created this resource: upgrade it.",
        });
    }
    return withDeadlines(resourceType, withStoredInputs(found));
}

/** Bookkeeping inputs go to the engine under `__` keys, which the CLI never shows (storedInputs.ts). */
function withStoredInputs(operations: Lifecycle): Lifecycle {
    return {
        ...operations,
        async check(olds, news) {
            const { inputs, preview } = withoutRun(news);
            const result = await operations.check(fromStoredInputs(withoutRun(olds).inputs), fromStoredInputs(inputs));
            if (result.inputs === undefined) return result;
            return { ...result, inputs: { ...toStoredInputs(result.inputs), ...(preview === undefined ? {} : { [RUN_INPUT]: preview }) } };
        },
        diff: (id, olds, news) => {
            const { inputs, preview } = withoutRun(news);
            return duringRun(preview, () => operations.diff(id, olds, fromStoredInputs(inputs)));
        },
        create: (inputs) => operations.create(fromStoredInputs(withoutRun(inputs).inputs)),
        update: (id, olds, news) => operations.update(id, olds, fromStoredInputs(withoutRun(news).inputs)),
    };
}

/**
 * `pulumi import` (and a "get" of an existing object): the state and inputs of the object an import id names, read
 * from Grafana or ARM, under the same deadline as every operation. The forms are in `IMPORT_ID_FORMS`.
 */
export function importResource(resourceType: string, importId: string, logicalName: string): Promise<imports.Imported> {
    return withDeadline(providerConfig().operationDeadlineSeconds, `import of ${resourceType}`, () =>
        imports.importResource(resourceType, importId, logicalName),
    );
}
export { IMPORT_ID_FORMS, Imported } from "./imports";

/**
 * A step that needs no server (a check, applying configuration) as the asynchronous step the lifecycle's callers await:
 * what it throws becomes a rejection, as from an async function (Promise.try, which Node.js 20 lacks).
 */
function settled<A extends unknown[], R>(step: (...args: A) => R): (...args: A) => Promise<R> {
    return (...args) => new Promise((resolve) => resolve(step(...args)));
}

/** Each operation that talks to a server runs under the configured deadline. */
function withDeadlines(resourceType: string, operations: Lifecycle): Lifecycle {
    const bounded =
        <A extends unknown[], R>(name: string, operation: (...args: A) => Promise<R>) =>
        (...args: A) =>
            withDeadline(providerConfig().operationDeadlineSeconds, `${name} of ${resourceType}`, () => operation(...args));
    return {
        check: bounded("check", operations.check),
        diff: bounded("diff", operations.diff),
        create: bounded("create", operations.create),
        read: bounded("read", operations.read),
        update: bounded("update", operations.update),
        delete: bounded("delete", operations.delete),
    };
}

/** For the provider plugin's detailed diff: stored inputs under the provider's own names. */
export { fromStoredInputs } from "./storedInputs";

/** For the provider plugin, whose server prints each error as the dynamic-provider host does. */
export { printEachErrorOnce } from "../hostEcho";

/** For the provider plugin's detailed diff: inputs no diff compares. */
export { CREATE_ONLY_INPUTS } from "./adoption";

/** For the provider plugin: its calls' messages go to the resource they concern. */
export { aboutResource } from "../log";

/** For the provider plugin's CheckConfig: how configuration resolves, without applying it, and which keys are no setting. */
export { resolveProviderConfig, unknownSettings } from "../config";

/** For the ESC rotator: successors of a key that its state does not record (a rotation whose answer was lost). */
export { unrecordedSuccessors, UnrecordedSuccessor } from "./unrecordedSuccessors";

/** For the ESC rotator, whose answers and messages leave this package's hands: the one redaction rule. */
export { redact } from "../http/redact";
