import type * as dynamic from "@pulumi/pulumi/dynamic";
import { createServiceAccountOnce, deleteServiceAccount, getServiceAccount, updateServiceAccount } from "../grafana/serviceAccounts";
import { logWarning } from "../log";
import { ServiceAccount } from "../schema/grafana";
import { booleanRule, nameRule, orgIdRule, Role, roleRule, validateFields } from "../schema/inputs";
import { readServiceAccountState, SERVICE_ACCOUNT_STATE_VERSION, ServiceAccountState } from "../schema/serviceAccountState";
import { checkNaming, INTERNAL_INPUTS, nameChange, nameFor, namingAfterUpdate } from "./naming";
import { undoCreate } from "./undo";
import { ADDRESS_FIELDS, addressField, addressInputs, checkAddress, resolveAddress, sameGrafana, targetOf } from "./grafanaAddress";

/**
 * The whole life of a GrafanaServiceAccount: Grafana's successor to API keys. Name, role and disabled
 * change in place (one PATCH carrying all three); another org or Grafana means another account.
 */

type Inputs = Record<string, unknown>;

const FIELDS = { ...ADDRESS_FIELDS, name: nameRule, role: roleRule, isDisabled: booleanRule, orgId: orgIdRule };

export async function check(_olds: Inputs, news: Inputs): Promise<dynamic.CheckResult> {
    const { values, failures } = validateFields(news, FIELDS, INTERNAL_INPUTS);
    checkAddress(news, failures);
    const naming = checkNaming(values.name, news, failures);
    if (failures.length > 0) return { failures };
    return {
        inputs: {
            ...addressInputs(values),
            ...naming,
            role: values.role ?? "Viewer",
            isDisabled: values.isDisabled ?? false,
            orgId: values.orgId ?? null,
        },
    };
}

export async function diff(_id: string, olds: Inputs, news: Inputs): Promise<dynamic.DiffResult> {
    const old = readServiceAccountState(olds);
    const replaces: string[] = [];
    const updates: string[] = [];
    const grafana = await sameGrafana(old, news);
    if (grafana === "other") replaces.push(addressField(news));
    if (grafana === "same, addressed differently") updates.push(addressField(news));
    if ((news.orgId ?? null) !== old.orgId) replaces.push("orgId");
    const naming = nameChange(old, news);
    if (naming.renamed || naming.bookkeeping) updates.push("name");
    if (news.role !== old.role) updates.push("role");
    if (news.isDisabled !== old.isDisabled) updates.push("isDisabled");
    return { changes: replaces.length + updates.length > 0, replaces, deleteBeforeReplace: false };
}

export async function create(inputs: Inputs): Promise<dynamic.CreateResult> {
    const address = await resolveAddress(inputs);
    const orgId = typeof inputs.orgId === "number" ? inputs.orgId : null;
    const naming = nameFor(inputs);
    const role = inputs.role as Role;
    const isDisabled = inputs.isDisabled === true;
    const target = targetOf({ ...address, orgId });
    const account = await createServiceAccountOnce(target, {
        name: naming.name,
        role,
        isDisabled,
        autonamed: naming.nameSource === "auto",
    });
    const state = stateOf(account, { ...address, orgId, ...naming, role, isDisabled });
    // An account adopted after an ambiguous answer may not carry this request's settings yet.
    if (account.role !== role || (account.isDisabled ?? false) !== isDisabled) {
        try {
            await updateServiceAccount(target, account.id, { name: naming.name, role, isDisabled });
        } catch (error) {
            throw await undoCreate(error, () => deleteServiceAccount(target, account.id), {
                what: `service account ${account.id}`,
                id: `serviceaccount/${account.id}`,
                properties: state,
            });
        }
    }
    return { id: `serviceaccount/${account.id}`, outs: state };
}

export async function read(id: string, props: Inputs): Promise<dynamic.ReadResult> {
    const state = readServiceAccountState(props);
    const account = await getServiceAccount(targetOf(state), state.serviceAccountId);
    if (!account) {
        logWarning(`GrafanaServiceAccount "${state.name}" was deleted outside Pulumi; the next \`pulumi up\` creates it again.`);
        return { id: "" };
    }
    // What Grafana has now, so that a rename or role change made by hand shows up as a diff.
    return {
        id,
        props: stateOf(account, {
            ...state,
            name: account.name,
            role: (account.role as Role | undefined) ?? state.role,
            isDisabled: account.isDisabled ?? state.isDisabled,
        }),
    };
}

export async function update(_id: string, olds: Inputs, news: Inputs): Promise<dynamic.UpdateResult> {
    const old = readServiceAccountState(olds);
    const name = news.nameSource === "user" ? (news.name as string) : old.name;
    const settings = { name, role: news.role as Role, isDisabled: news.isDisabled === true };
    const target = targetOf(old);
    await updateServiceAccount(target, old.serviceAccountId, settings);
    // A rename changes the login too: report what Grafana made of it.
    const account = (await getServiceAccount(target, old.serviceAccountId)) ?? {
        id: old.serviceAccountId,
        uid: old.uid ?? undefined,
        name,
    };
    const outs = stateOf(account, {
        ...old,
        ...settings,
        ...namingAfterUpdate(old, news),
        workspaceId: typeof news.workspaceId === "string" ? news.workspaceId : null,
    });
    return { outs };
}

export async function remove(_id: string, props: Inputs): Promise<void> {
    const state = readServiceAccountState(props);
    await deleteServiceAccount(targetOf(state), state.serviceAccountId);
}

type Settings = Pick<
    ServiceAccountState,
    "endpoint" | "workspaceId" | "orgId" | "name" | "nameSource" | "logicalName" | "role" | "isDisabled"
>;

function stateOf(account: ServiceAccount, settings: Settings): ServiceAccountState {
    return {
        schemaVersion: SERVICE_ACCOUNT_STATE_VERSION,
        endpoint: settings.endpoint,
        workspaceId: settings.workspaceId,
        orgId: settings.orgId,
        serviceAccountId: account.id,
        uid: account.uid ?? null,
        login: account.login ?? null,
        name: settings.name,
        nameSource: settings.nameSource,
        logicalName: settings.logicalName,
        role: settings.role,
        isDisabled: settings.isDisabled,
    };
}
