import type * as dynamic from "@pulumi/pulumi/dynamic";
import { grafanaClockOffsetSeconds } from "../grafana/clock";
import { logWarning } from "../log";
import { checkedTokenInputs, CheckedTokenInputs, parseChecked, parsePreview, Previewable } from "../schema/checkedInputs";
import { nameRule, orgIdRule, serviceAccountIdRule, validateFields } from "../schema/inputs";
import { readTokenState, TOKEN_STATE_VERSION, TokenState } from "../schema/tokenState";
import { adoptRule, checkAdoption, readAdopted, refuseDifferences, sayAdoptedKey } from "./adoption";
import { ADDRESS_FIELDS, addressInputs, checkAddress, orgOfAccount, resolveAddress, targetOf } from "./grafanaAddress";
import { secondsToLiveOf } from "./keyLifetime";
import { KeyStore, serviceAccountTokens } from "./keyStores";
import {
    checkSecretInputs,
    firstSecret,
    mintedFields,
    planSecretChanges,
    refreshSecret,
    removeAllKeys,
    Secret,
    SECRET_INPUT_RULES,
    secretInputsOf,
    SecretContext,
    updateSecret,
    warnIfSuccessorNeverExpires,
} from "./mintedSecret";
import { checkNaming, INTERNAL_INPUTS, nameChange, nameFor, namingAfterUpdate, recreatedAs } from "./naming";
import { PlannedChanges } from "./plannedChanges";
import { tokenResourceId } from "./resourceIds";
import { undoCreate } from "./undo";
import { accountRoleOf } from "./accountRole";
import { POLICY_INPUTS } from "./storedInputs";

/**
 * The whole life of a GrafanaServiceAccountToken: a token of an account some other resource manages. It
 * rotates in place like a GrafanaApiKey (mintedSecret.ts), on the same account; moving it to another account,
 * org or Grafana replaces it.
 */

type Inputs = Record<string, unknown>;

const FIELDS = {
    ...ADDRESS_FIELDS,
    serviceAccountId: serviceAccountIdRule,
    name: nameRule,
    orgId: orgIdRule,
    ...SECRET_INPUT_RULES,
    adopt: adoptRule("GrafanaServiceAccountToken"),
};

/**
 * The checked inputs, and the role the token's account holds now (`accountRole`: accountRole.ts),
 * so that a policy judges a token by the role it would act with. Costs one GET of the account per check.
 */
export async function check(olds: Inputs, news: Inputs): Promise<dynamic.CheckResult> {
    const checked = checkInputs(olds, news);
    if (!checked.inputs) return checked;
    const inputs = checked.inputs as Previewable<CheckedTokenInputs>;
    return { inputs: { ...inputs, [POLICY_INPUTS.accountRole]: await accountRoleOf(inputs as CheckedTokenInputs) } };
}

/** The inputs alone, as the user gave them: no server is asked. */
function checkInputs(_olds: Inputs, news: Inputs): dynamic.CheckResult {
    const { values, failures } = validateFields(news, FIELDS, INTERNAL_INPUTS);
    checkAddress(news, failures);
    const secret = checkSecretInputs(values, failures);
    const naming = checkNaming(values.name, news, failures);
    const adoption = checkAdoption(values, failures);
    if (failures.length > 0) return { failures };
    const checked: Previewable<CheckedTokenInputs> = {
        ...addressInputs(values),
        serviceAccountId: values.serviceAccountId!,
        ...naming,
        orgId: values.orgId ?? null,
        ...adoption,
        ...secret,
    };
    return { inputs: checked };
}

export async function diff(_id: string, olds: Inputs, news: Inputs): Promise<dynamic.DiffResult> {
    const old = readTokenState(olds);
    const next = parsePreview("GrafanaServiceAccountToken", checkedTokenInputs, news, (stored) => checkInputs({}, stored));
    const changes = new PlannedChanges();
    await changes.place(old, next);
    if (next.serviceAccountId !== old.serviceAccountId) changes.add("serviceAccountId", false);
    const naming = nameChange(old, next);
    if (naming.renamed) changes.add("name", false);
    if (naming.bookkeeping) changes.add("name", true);
    planSecretChanges(changes, who(old), secretOf(old), next);
    return changes.result(old, next);
}

export async function create(inputs: Inputs): Promise<dynamic.CreateResult> {
    const checked = parseChecked("GrafanaServiceAccountToken", checkedTokenInputs, inputs);
    if (checked.adopt !== null) return adopt(inputs, { ...checked, adopt: checked.adopt });
    const address = await resolveAddress(checked);
    const naming = nameFor(checked);
    const grafanaOrgId = await orgOfAccount(targetOf({ ...address, orgId: checked.orgId }), checked.serviceAccountId, checked.orgId);
    const target = targetOf({ ...address, orgId: checked.orgId, grafanaOrgId });
    const store = serviceAccountTokens(target, checked.serviceAccountId);
    const secretInputs = secretInputsOf(checked);
    const token = await store.mint(naming.name, secondsToLiveOf(secretInputs.timeToLive), naming.nameSource === "auto");
    const secret = firstSecret(token, naming.name, secretInputs, grafanaClockOffsetSeconds(target.endpoint) ?? 0);
    const state: TokenState = {
        schemaVersion: TOKEN_STATE_VERSION,
        ...address,
        orgId: checked.orgId,
        grafanaOrgId,
        serviceAccountId: checked.serviceAccountId,
        tokenId: token.id,
        ...naming,
        ...mintedFields(secret),
    };
    const id = tokenResourceId(checked.serviceAccountId, token.id);
    if (secretInputs.verify) {
        try {
            await store.verify(token.key);
        } catch (error) {
            // A token that does not work is no token.
            throw await undoCreate(error, () => store.remove({ id: token.id, name: naming.name }), {
                what: `token ${token.id}`,
                id,
                state: { ...state, key: "", tokenId: 0, retiredKeyIds: [token.id] },
                provider: inputs.__provider,
            });
        }
    }
    return { id, outs: state };
}

/** Takes over an existing token as it is (adoption.ts); the update then mints the token handed out, as its secret is not known. */
async function adopt(inputs: Inputs, checked: CheckedTokenInputs & { adopt: string }): Promise<dynamic.CreateResult> {
    const adopted = await readAdopted("GrafanaServiceAccountToken", who({ name: checked.name ?? "" }), checked);
    const found = readTokenState(adopted.state as Inputs);
    refuseDifferences(who(found), checked.adopt, [{ field: "name", program: checked.name, found: found.name }]);
    sayAdoptedKey(
        who(found),
        checked.adopt,
        "token",
        `its service account ${found.serviceAccountId} is not the token's and is never changed`,
    );
    warnIfSuccessorNeverExpires(who(found), secretOf(found), checked);
    const updated: { outs?: unknown } = await update(adopted.id, adopted.state as Inputs, inputs);
    return { id: adopted.id, outs: updated.outs };
}

export async function read(id: string, props: Inputs): Promise<dynamic.ReadResult> {
    let state = readTokenState(props);
    // A state from before grafanaOrgId was recorded: learn the org now, while the credential may still be in it (one GET, once).
    if (state.orgId === null && state.grafanaOrgId === null) {
        state = { ...state, grafanaOrgId: await orgOfAccount(targetOf(state), state.serviceAccountId, null) };
    }
    const refreshed = await refreshSecret(storeOf(state), secretOf(state));
    if (!refreshed || refreshed.nothingLeft) {
        logWarning(`${who(state)} was deleted outside Pulumi; ${recreatedAs(state)}`);
        return { id: "" };
    }
    if (refreshed.currentGone) {
        logWarning(
            `${who(state)}: its current token "${state.keyName}" was deleted outside Pulumi; the next \`pulumi up\` mints a new one.`,
        );
    }
    return { id, props: withSecret(state, refreshed.secret) };
}

/** In place: addressing, naming and the token's rotation, on the same account. */
export async function update(id: string, olds: Inputs, news: Inputs): Promise<dynamic.UpdateResult> {
    const old = readTokenState(olds);
    const checked = parseChecked("GrafanaServiceAccountToken", checkedTokenInputs, news);
    const next: TokenState = { ...old, workspaceId: checked.workspaceId, orgId: checked.orgId, ...namingAfterUpdate(old, checked) };
    const context: SecretContext = {
        who: who(old),
        store: storeOf(old),
        naming: { name: old.name, autonamed: old.nameSource === "auto" },
        tracked: (secret) => ({ id, state: withSecret(next, secret), provider: news.__provider }),
    };
    const secret = await updateSecret(context, secretOf(old), secretInputsOf(checked));
    return { outs: withSecret(next, secret) };
}

export async function remove(_id: string, props: Inputs): Promise<void> {
    const state = readTokenState(props);
    await removeAllKeys(storeOf(state), secretOf(state));
}

function who(state: { name: string }): string {
    return `GrafanaServiceAccountToken "${state.name}"`;
}

function storeOf(state: TokenState): KeyStore {
    return serviceAccountTokens(targetOf(state), state.serviceAccountId);
}

/** The shared rotation code knows the current token's id as `keyId`. */
function secretOf(state: TokenState): Secret {
    return { ...state, keyId: state.tokenId };
}

function withSecret(state: TokenState, secret: Secret): TokenState {
    return { ...state, ...mintedFields(secret), tokenId: secret.keyId };
}
