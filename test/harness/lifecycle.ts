import type * as dynamic from "@pulumi/pulumi/dynamic";
import { lifecycle } from "pulumi-azure-grafana-keys/impl";
import type { ApiKeyState } from "../../provider/src/schema/apiKeyState";
import type { EnablementState } from "../../provider/src/schema/enablementState";
import type { ServiceAccountState } from "../../provider/src/schema/serviceAccountState";
import type { TokenState } from "../../provider/src/schema/tokenState";

/**
 * A resource's lifecycle from pulumi-azure-grafana-keys/impl, as the in-process tests drive it, with its outputs typed.
 * The package's Lifecycle hands them back as property maps, as Pulumi stores them (CreateResult.outs, ReadResult.props,
 * UpdateResult.outs); here they are the resource's state as the provider's schema defines it (provider/src/schema), and
 * a create or an update always has them, as the provider's do. Only the types differ: the object is
 * `lifecycle(resourceType)` itself.
 */

type Props = Record<string, unknown>;

export interface TypedLifecycle<State> {
    check: (olds: Props, news: Props) => Promise<dynamic.CheckResult<Props>>;
    diff: (id: string, olds: Props, news: Props) => Promise<dynamic.DiffResult>;
    create: (inputs: Props) => Promise<{ id: string; outs: State }>;
    read: (id: string, props: Props) => Promise<dynamic.ReadResult<State>>;
    update: (id: string, olds: Props, news: Props) => Promise<{ outs: State }>;
    delete: (id: string, props: Props) => Promise<void>;
}

/** Any resource's lifecycle, for what works with each (its outputs read as `unknown`). */
export type SomeLifecycle = TypedLifecycle<unknown>;

interface States {
    GrafanaApiKey: ApiKeyState;
    GrafanaServiceAccount: ServiceAccountState;
    GrafanaServiceAccountToken: TokenState;
    WorkspaceApiKeyEnablement: EnablementState;
}

export function typedLifecycle<Type extends keyof States>(resourceType: Type): TypedLifecycle<States[Type]> {
    // The one place a property map is taken for the resource's state; the tests' assertions check the values.
    return lifecycle(resourceType) as TypedLifecycle<States[Type]>;
}
