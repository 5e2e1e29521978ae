import type * as dynamic from "@pulumi/pulumi/dynamic";
import { createTokenOnce, deleteServiceAccountToken, listTokens } from "../grafana/serviceAccounts";
import { verifyKey } from "../grafana/verify";
import { logWarning } from "../log";
import { booleanRule, durationRule, nameRule, orgIdRule, serviceAccountIdRule, timeToLiveRule, validateFields } from "../schema/inputs";
import { readTokenState, TOKEN_STATE_VERSION, TokenState } from "../schema/tokenState";
import {
    ADDRESS_FIELDS,
    addressField,
    addressInputs,
    checkAddress,
    mayBeSameOrg,
    resolveAddress,
    sameGrafana,
    targetOf,
} from "./grafanaAddress";
import {
    checkRotateBefore,
    expiresAtFor,
    hasExpired,
    lifetimeAfterUpdate,
    replacementForAge,
    secondsOf,
    timeToLiveChange,
    tokenExpiresAt,
} from "./keyLifetime";
import { checkNaming, durationText, INTERNAL_INPUTS, nameChange, nameFor, namingAfterUpdate } from "./naming";
import { undoCreate } from "./undo";

/**
 * The whole life of a GrafanaServiceAccountToken. A token cannot be changed, only replaced; its name is
 * unique in the whole org, so a replacement that keeps a given name deletes the old token first.
 */

type Inputs = Record<string, unknown>;

const FIELDS = {
    ...ADDRESS_FIELDS,
    serviceAccountId: serviceAccountIdRule,
    name: nameRule,
    timeToLive: timeToLiveRule,
    orgId: orgIdRule,
    rotateBefore: durationRule,
    verify: booleanRule,
};

export async function check(_olds: Inputs, news: Inputs): Promise<dynamic.CheckResult> {
    const { values, failures } = validateFields(news, FIELDS, INTERNAL_INPUTS);
    checkAddress(news, failures);
    checkRotateBefore(values.timeToLive, values.rotateBefore, failures);
    const naming = checkNaming(values.name, news, failures);
    if (failures.length > 0) return { failures };
    return {
        inputs: {
            ...addressInputs(values),
            serviceAccountId: values.serviceAccountId,
            ...naming,
            timeToLive: durationText(values.timeToLive),
            orgId: values.orgId ?? null,
            rotateBefore: durationText(values.rotateBefore),
            verify: values.verify ?? true,
        },
    };
}

export async function diff(_id: string, olds: Inputs, news: Inputs): Promise<dynamic.DiffResult> {
    const old = readTokenState(olds);
    const replaces: string[] = [];
    const updates: string[] = [];
    const grafana = await sameGrafana(old, news);
    if (grafana === "other") replaces.push(addressField(news));
    if (grafana === "same, addressed differently") updates.push(addressField(news));
    if (news.serviceAccountId !== old.serviceAccountId) replaces.push("serviceAccountId");
    if ((news.orgId ?? null) !== old.orgId) replaces.push("orgId");
    const naming = nameChange(old, news);
    if (naming.renamed) replaces.push("name");
    if (naming.bookkeeping) updates.push("name");
    const lifetime = timeToLiveChange(old, news.timeToLive);
    if (lifetime !== "none") (lifetime === "respelled" ? updates : replaces).push("timeToLive");
    if ((news.rotateBefore ?? null) !== old.rotateBefore) updates.push("rotateBefore");
    const age = replacementForAge("GrafanaServiceAccountToken", old, news.rotateBefore);
    if (age) replaces.push(age);
    if (old.key === "") replaces.push("key"); // a create that failed midway is tracked without a usable key

    const sameNameInSameOrg =
        news.nameSource === "user" && news.name === old.name && grafana !== "other" && mayBeSameOrg(news.orgId, old.orgId);
    return {
        changes: replaces.length + updates.length > 0,
        replaces,
        deleteBeforeReplace: replaces.length > 0 && sameNameInSameOrg,
    };
}

export async function create(inputs: Inputs): Promise<dynamic.CreateResult> {
    const timeToLive = typeof inputs.timeToLive === "string" ? inputs.timeToLive : null;
    const secondsToLive = timeToLive === null ? null : secondsOf(timeToLive);
    const settings = {
        ...(await resolveAddress(inputs)),
        orgId: typeof inputs.orgId === "number" ? inputs.orgId : null,
        serviceAccountId: inputs.serviceAccountId as number,
        ...nameFor(inputs),
        timeToLive,
        secondsToLive,
        rotateBefore: typeof inputs.rotateBefore === "string" ? inputs.rotateBefore : null,
        verify: inputs.verify !== false,
    };
    const target = targetOf(settings);
    const token = await createTokenOnce(
        target,
        settings.serviceAccountId,
        settings.name,
        secondsToLive ?? undefined,
        settings.nameSource === "auto",
    );
    const state: TokenState = {
        schemaVersion: TOKEN_STATE_VERSION,
        ...settings,
        tokenId: token.id,
        key: token.key,
        expiresAt: expiresAtFor(secondsToLive),
        expired: false,
    };
    if (state.verify) {
        try {
            await verifyKey(target, token.key);
        } catch (error) {
            // A token that does not work is no token.
            throw await undoCreate(error, () => deleteServiceAccountToken(target, settings.serviceAccountId, token.id), {
                what: `token ${token.id}`,
                id: tokenResourceId(state),
                properties: { ...state, key: "" },
            });
        }
    }
    return { id: tokenResourceId(state), outs: state };
}

export async function read(id: string, props: Inputs): Promise<dynamic.ReadResult> {
    const state = readTokenState(props);
    const token = (await listTokens(targetOf(state), state.serviceAccountId))?.find((candidate) => candidate.id === state.tokenId);
    if (!token) {
        logWarning(`GrafanaServiceAccountToken "${state.name}" was deleted outside Pulumi; the next \`pulumi up\` creates it again.`);
        return { id: "" };
    }
    const refreshed: TokenState = { ...state, expiresAt: tokenExpiresAt(token) };
    refreshed.expired = token.hasExpired === true || hasExpired(refreshed);
    return { id, props: refreshed };
}

/** Only what diff lets through without a new token: how it is addressed, named and described. */
export async function update(_id: string, olds: Inputs, news: Inputs): Promise<dynamic.UpdateResult> {
    const old = readTokenState(olds);
    const outs: TokenState = {
        ...old,
        workspaceId: typeof news.workspaceId === "string" ? news.workspaceId : null,
        ...namingAfterUpdate(old, news),
        ...lifetimeAfterUpdate(news),
    };
    return { outs };
}

export async function remove(_id: string, props: Inputs): Promise<void> {
    const state = readTokenState(props);
    await deleteServiceAccountToken(targetOf(state), state.serviceAccountId, state.tokenId);
}

function tokenResourceId(state: TokenState): string {
    return `serviceaccount/${state.serviceAccountId}/token/${state.tokenId}`;
}
