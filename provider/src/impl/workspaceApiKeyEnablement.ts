import type * as dynamic from "@pulumi/pulumi/dynamic";
import { ApiKeySetting, getWorkspace, requireWorkspace, setWorkspaceApiKey } from "../azure/arm";
import { formatWorkspaceId, parseWorkspaceId, sameWorkspace, WorkspaceRef } from "../azure/workspaceId";
import { logInfo } from "../log";
import { checkedEnablementInputs, parseChecked, parsePreview } from "../schema/checkedInputs";
import { ENABLEMENT_STATE_VERSION, EnablementState, readEnablementState } from "../schema/enablementState";
import { TERMINAL_STATES, Workspace } from "../schema/arm";
import { partialFailure } from "./undo";
import {
    booleanRule,
    CheckFailure,
    resourceGroupNameRule,
    subscriptionIdRule,
    UNKNOWN,
    validateFields,
    workspaceIdRule,
    workspaceNameRule,
} from "../schema/inputs";

/**
 * The whole life of a WorkspaceApiKeyEnablement: the workspace's "API keys and service accounts"
 * setting (`properties.apiKey`), switched with a PATCH of that one property. Delete puts back what was
 * there before, unless told not to.
 */

type Inputs = Record<string, unknown>;

const FIELDS = {
    workspaceId: workspaceIdRule,
    subscriptionId: subscriptionIdRule,
    resourceGroupName: resourceGroupNameRule,
    workspaceName: workspaceNameRule,
    enabled: booleanRule,
    restoreOnDelete: booleanRule,
};
const PARTS = ["subscriptionId", "resourceGroupName", "workspaceName"] as const;

export function check(_olds: Inputs, news: Inputs): dynamic.CheckResult {
    const { values, failures } = validateFields(news, FIELDS, ["__provider"]);
    const workspaceId = resolveWorkspaceId(news, values, failures);
    if (failures.length > 0) return { failures };
    return {
        inputs: {
            workspaceId,
            enabled: values.enabled ?? true,
            restoreOnDelete: values.restoreOnDelete ?? true,
        },
    };
}

/** Either `workspaceId`, or its three parts; never both, never neither. */
function resolveWorkspaceId(news: Inputs, values: Record<string, unknown>, failures: CheckFailure[]): string | undefined {
    const givenParts = PARTS.filter((part) => news[part] !== undefined && news[part] !== null);
    const hasId = news.workspaceId !== undefined && news.workspaceId !== null;
    if (hasId && givenParts.length > 0) {
        failures.push({
            property: "workspaceId",
            reason: `give either workspaceId or ${PARTS.join(" + ")}, not both (got workspaceId and ${givenParts.join(", ")})`,
        });
        return undefined;
    }
    if (hasId) return values.workspaceId as string | undefined;
    if (givenParts.length === 0) {
        failures.push({
            property: "workspaceId",
            reason: `workspaceId is required: use ${workspaceIdRule.allowed}, or give ${PARTS.join(" + ")}`,
        });
        return undefined;
    }
    for (const part of PARTS.filter((name) => !givenParts.includes(name))) {
        failures.push({ property: part, reason: `${part} is required with ${givenParts.join(", ")}: use ${FIELDS[part].allowed}` });
    }
    if (PARTS.some((part) => values[part] === undefined)) return undefined;
    if (PARTS.some((part) => values[part] === UNKNOWN)) return UNKNOWN;
    return formatWorkspaceId({
        subscriptionId: values.subscriptionId as string,
        resourceGroupName: values.resourceGroupName as string,
        workspaceName: values.workspaceName as string,
    });
}

export function diff(_id: string, olds: Inputs, news: Inputs): dynamic.DiffResult {
    const old = readEnablementState(olds);
    const next = parsePreview("WorkspaceApiKeyEnablement", checkedEnablementInputs, news, (stored) => check({}, stored));
    const replaces = next.workspaceId !== UNKNOWN && sameWorkspace(next.workspaceId, old.workspaceId) ? [] : ["workspaceId"];
    const updates = [
        ...(next.enabled !== old.enabled ? ["enabled"] : []),
        ...(next.restoreOnDelete !== old.restoreOnDelete ? ["restoreOnDelete"] : []),
        // Switched by hand since (seen by refresh): put it back to what the program says.
        ...(old.apiKey !== settingFor(next.enabled !== false) ? ["apiKey"] : []),
    ];
    return { changes: replaces.length + updates.length > 0, replaces, deleteBeforeReplace: false };
}

export async function create(inputs: Inputs): Promise<dynamic.CreateResult> {
    const checked = parseChecked("WorkspaceApiKeyEnablement", checkedEnablementInputs, inputs);
    const ref = refOf(checked.workspaceId);
    const before = await requireWorkspace(ref);
    const settings = {
        workspaceId: formatWorkspaceId(ref),
        enabled: checked.enabled,
        restoreOnDelete: checked.restoreOnDelete,
        previousApiKey: before.properties.apiKey ?? "Disabled",
    };
    if (settings.previousApiKey === settingFor(settings.enabled)) {
        logInfo(
            `API keys are already ${settings.previousApiKey} on ${settings.workspaceId}; deleting this WorkspaceApiKeyEnablement will leave them so. ` +
                "(If another resource or stack switched them, it will switch them back when it is deleted.)",
        );
    }
    try {
        const after = await ensureSetting(ref, before, settingFor(settings.enabled));
        return { id: settings.workspaceId, outs: stateOf(after, settings) };
    } catch (error) {
        throw await trackedUnlessUnchanged(error, ref, before, settings, inputs.__provider);
    }
}

/**
 * A PATCH that failed may still have switched the setting (a lost answer, an operation we stopped
 * waiting for). Then the resource must stay tracked, remembering the setting from before, or the
 * next `up` would take "Enabled" for the original and `destroy` would never switch it back. Only a
 * workspace seen unchanged and idle lets the failure stand alone.
 */
async function trackedUnlessUnchanged(
    error: unknown,
    ref: WorkspaceRef,
    before: Workspace,
    settings: Settings,
    provider: unknown,
): Promise<unknown> {
    const now = await getWorkspace(ref).catch(() => undefined);
    const idle = TERMINAL_STATES.includes((now?.properties.provisioningState ?? "Succeeded").toLowerCase());
    if (now && idle && now.properties.apiKey === before.properties.apiKey) return error;
    const message = error instanceof Error ? error.message : String(error);
    return partialFailure(
        `${message} The workspace may have been changed all the same; Pulumi keeps tracking it, and the next update or destroy settles it.`,
        { id: settings.workspaceId, state: stateOf(now ?? before, settings), provider },
    );
}

export async function read(id: string, props: Inputs): Promise<dynamic.ReadResult> {
    const old = readEnablementState(props);
    const current = await getWorkspace(refOf(old.workspaceId));
    if (!current) return { id: "" }; // the workspace itself is gone
    const { workspaceId, enabled, restoreOnDelete, previousApiKey } = old;
    return { id, props: stateOf(current, { workspaceId, enabled, restoreOnDelete, previousApiKey }) };
}

export async function update(_id: string, olds: Inputs, news: Inputs): Promise<dynamic.UpdateResult> {
    const old = readEnablementState(olds);
    const { enabled, restoreOnDelete } = parseChecked("WorkspaceApiKeyEnablement", checkedEnablementInputs, news);
    const ref = refOf(old.workspaceId);
    const after = await ensureSetting(ref, await requireWorkspace(ref), settingFor(enabled));
    return { outs: stateOf(after, { workspaceId: old.workspaceId, enabled, restoreOnDelete, previousApiKey: old.previousApiKey }) };
}

export async function remove(_id: string, props: Inputs): Promise<void> {
    const old = readEnablementState(props);
    if (!old.restoreOnDelete) return;
    const ref = refOf(old.workspaceId);
    const current = await getWorkspace(ref);
    if (current) await ensureSetting(ref, current, old.previousApiKey);
}

async function ensureSetting(ref: WorkspaceRef, current: Workspace, desired: ApiKeySetting): Promise<Workspace> {
    return current.properties.apiKey === desired ? current : setWorkspaceApiKey(ref, desired);
}

type Settings = Pick<EnablementState, "workspaceId" | "enabled" | "restoreOnDelete" | "previousApiKey">;

function stateOf(workspace: Workspace, settings: Settings): EnablementState {
    const properties = workspace.properties;
    return {
        schemaVersion: ENABLEMENT_STATE_VERSION,
        ...settings,
        apiKey: properties.apiKey ?? "Disabled",
        endpoint: properties.endpoint ?? null,
        grafanaVersion: properties.grafanaVersion ?? null,
        grafanaMajorVersion: properties.grafanaMajorVersion ?? null,
        location: workspace.location ?? null,
    };
}

function settingFor(enabled: boolean): ApiKeySetting {
    return enabled ? "Enabled" : "Disabled";
}

function refOf(workspaceId: string): WorkspaceRef {
    const parsed = parseWorkspaceId(workspaceId);
    if (!parsed.ok) throw new Error(`workspace id ${workspaceId} is not valid: ${parsed.problem}`);
    return parsed.ref;
}
