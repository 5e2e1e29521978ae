import type * as dynamic from "@pulumi/pulumi/dynamic";
import { createServiceAccountOnce, deleteServiceAccount, getServiceAccount, updateServiceAccount } from "../grafana/serviceAccounts";
import { ProviderError } from "../http/errors";
import { logInfo, logWarning } from "../log";
import { CheckedServiceAccountInputs, checkedServiceAccountInputs, parseChecked, parsePreview, Previewable } from "../schema/checkedInputs";
import { ServiceAccount } from "../schema/grafana";
import { booleanRule, nameRule, orgIdRule, Role, roleRule, validateFields } from "../schema/inputs";
import { readServiceAccountState, SERVICE_ACCOUNT_STATE_VERSION, ServiceAccountState } from "../schema/serviceAccountState";
import { checkNaming, checkServiceAccountLogin, INTERNAL_INPUTS, nameChange, nameFor, namingAfterUpdate, recreatedAs } from "./naming";
import { adoptRule, checkAdoption, readAdopted, refuseDifferences } from "./adoption";
import { ADDRESS_FIELDS, addressInputs, checkAddress, resolveAddress, targetOf } from "./grafanaAddress";
import { PlannedChanges } from "./plannedChanges";
import { serviceAccountResourceId } from "./resourceIds";

/**
 * The whole life of a GrafanaServiceAccount: Grafana's successor to API keys. Name, role and disabled
 * change in place (one PATCH carrying all three); another org or Grafana means another account.
 */

type Inputs = Record<string, unknown>;

const FIELDS = {
    ...ADDRESS_FIELDS,
    name: nameRule,
    role: roleRule,
    isDisabled: booleanRule,
    orgId: orgIdRule,
    adopt: adoptRule("GrafanaServiceAccount"),
};

export function check(_olds: Inputs, news: Inputs): dynamic.CheckResult {
    const { values, failures } = validateFields(news, FIELDS, INTERNAL_INPUTS);
    checkServiceAccountLogin(news, failures);
    checkAddress(news, failures);
    const naming = checkNaming(values.name, news, failures);
    const adoption = checkAdoption(values, failures);
    if (failures.length > 0) return { failures };
    const checked: Previewable<CheckedServiceAccountInputs> = {
        ...addressInputs(values),
        ...naming,
        role: values.role ?? "Viewer",
        isDisabled: values.isDisabled ?? false,
        orgId: values.orgId ?? null,
        ...adoption,
    };
    return { inputs: checked };
}

export async function diff(_id: string, olds: Inputs, news: Inputs): Promise<dynamic.DiffResult> {
    const old = readServiceAccountState(olds);
    const next = parsePreview("GrafanaServiceAccount", checkedServiceAccountInputs, news, (stored) => check({}, stored));
    const changes = new PlannedChanges();
    await changes.place(old, next);
    // Name, role and state change in place, with one PATCH.
    const naming = nameChange(old, next);
    if (naming.renamed || naming.bookkeeping) changes.add("name", true);
    if (next.role !== old.role) changes.add("role", true);
    if (next.isDisabled !== old.isDisabled) changes.add("isDisabled", true);
    return changes.result(old, next);
}

export async function create(inputs: Inputs): Promise<dynamic.CreateResult> {
    const checked = parseChecked("GrafanaServiceAccount", checkedServiceAccountInputs, inputs);
    if (checked.adopt !== null) return adopt({ ...checked, adopt: checked.adopt });
    const address = await resolveAddress(checked);
    const naming = nameFor(checked);
    const { role, isDisabled, orgId } = checked;
    const target = targetOf({ ...address, orgId });
    const account = await createServiceAccountOnce(target, {
        name: naming.name,
        role,
        isDisabled,
        autonamed: naming.nameSource === "auto",
    });
    const state = stateOf(account, { ...address, orgId, ...naming, role, isDisabled });
    const id = serviceAccountResourceId(account.id);
    // An account adopted after a lost answer carries exactly what was sent (createServiceAccountOnce adopts no other).
    return { id, outs: state };
}

/** Takes over an existing account as it is (adoption.ts): from now on it is this resource's, deleted with its tokens on destroy. */
async function adopt(checked: CheckedServiceAccountInputs & { adopt: string }): Promise<dynamic.CreateResult> {
    const who = `GrafanaServiceAccount "${checked.name ?? ""}"`;
    const adopted = await readAdopted("GrafanaServiceAccount", who, checked);
    const found = readServiceAccountState(adopted.state as Inputs);
    refuseDifferences(who, checked.adopt, [
        { field: "name", program: checked.name, found: found.name },
        { field: "role", program: checked.role, found: found.role },
        { field: "isDisabled", program: checked.isDisabled, found: found.isDisabled },
    ]);
    logInfo(
        `${who} adopted ${checked.adopt}: the account is this resource's from now on, and \`pulumi destroy\` deletes it with every token on it.`,
    );
    return { id: adopted.id, outs: found };
}

export async function read(id: string, props: Inputs): Promise<dynamic.ReadResult> {
    const state = readServiceAccountState(props);
    const account = await getServiceAccount(targetOf(state), state.serviceAccountId);
    if (!account) {
        logWarning(`GrafanaServiceAccount "${state.name}" was deleted outside Pulumi; ${recreatedAs(state)}`);
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
    const checked = parseChecked("GrafanaServiceAccount", checkedServiceAccountInputs, news);
    const name = checked.nameSource === "user" && checked.name !== undefined ? checked.name : old.name;
    const settings = { name, role: checked.role, isDisabled: checked.isDisabled };
    const target = targetOf(old);
    try {
        await updateServiceAccount(target, old.serviceAccountId, settings);
    } catch (error) {
        if (error instanceof ProviderError && error.status === 404) throw deletedSinceRefresh(old);
        throw error;
    }
    // Grafana writes the name and never the login (pkg/services/serviceaccounts/database/store.go,
    // UpdateServiceAccount), so the account is as recorded, with what was just set: no need to read it back.
    const account = { id: old.serviceAccountId, uid: old.uid ?? undefined, login: old.login ?? undefined, name };
    const outs = stateOf(account, {
        ...old,
        ...settings,
        ...namingAfterUpdate(old, checked),
        workspaceId: checked.workspaceId,
        orgId: checked.orgId,
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
> & { grafanaOrgId?: number | null };

function stateOf(account: ServiceAccount, settings: Settings): ServiceAccountState {
    return {
        schemaVersion: SERVICE_ACCOUNT_STATE_VERSION,
        endpoint: settings.endpoint,
        workspaceId: settings.workspaceId,
        orgId: settings.orgId,
        grafanaOrgId: account.orgId ?? settings.grafanaOrgId ?? null,
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

function deletedSinceRefresh(state: ServiceAccountState): ProviderError {
    return new ProviderError({
        code: "HTTP_STATUS",
        status: 404,
        summary: `GrafanaServiceAccount "${state.name}" (id ${state.serviceAccountId}) no longer exists`,
        hint: "It was deleted outside Pulumi. Run `pulumi refresh`, then `pulumi up` creates it again.",
    });
}
