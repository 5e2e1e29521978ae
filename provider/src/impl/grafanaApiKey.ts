import type * as dynamic from "@pulumi/pulumi/dynamic";
import { grafanaClockOffsetSeconds } from "../grafana/clock";
import { GrafanaTarget } from "../grafana/client";
import { createServiceAccountOnce, deleteServiceAccount, getServiceAccount, updateServiceAccount } from "../grafana/serviceAccounts";
import { grafanaVersion, GrafanaVersion, hasLegacyApiKeys } from "../grafana/version";
import { ProviderError } from "../http/errors";
import { logInfo, logPlan, logWarning } from "../log";
import { API_KEY_STATE_VERSION, ApiKeyState, readApiKeyState } from "../schema/apiKeyState";
import { CheckedApiKeyInputs, checkedApiKeyInputs, parseChecked, parsePreview, Previewable } from "../schema/checkedInputs";
import { ServiceAccount } from "../schema/grafana";
import { modeRule, nameRule, orgIdRule, Role, roleRule, UNKNOWN, validateFields } from "../schema/inputs";
import { adoptRule, checkAdoption, readAdopted, refuseDifferences, sayAdoptedKey } from "./adoption";
import { ADDRESS_FIELDS, addressInputs, checkAddress, resolveAddress, targetOf } from "./grafanaAddress";
import { secondsToLiveOf } from "./keyLifetime";
import { KeyStore, legacyKeys, legacyKeysGone, serviceAccountTokens } from "./keyStores";
import {
    checkSecretInputs,
    firstSecret,
    planSecret,
    planSecretChanges,
    refreshSecret,
    removeAllKeys,
    Secret,
    SECRET_INPUT_RULES,
    secretFields,
    secretInputsOf,
    SecretContext,
    updateSecret,
    warnIfSuccessorNeverExpires,
} from "./mintedSecret";
import { checkNaming, checkServiceAccountLogin, INTERNAL_INPUTS, nameChange, nameFor, namingAfterUpdate, recreatedAs } from "./naming";
import { PlannedChanges } from "./plannedChanges";
import { legacyKeyResourceId, tokenResourceId } from "./resourceIds";
import { removeCreatedAccount } from "./accountUndo";
import { POLICY_INPUTS } from "./storedInputs";
import { undoCreate } from "./undo";
import { isMigrated, keyHomes, kindChange, refuseLegacyModeWhereGone, removeEverywhere, usesKeyHomes } from "./upgrades";

/**
 * The whole life of a GrafanaApiKey: check, diff, create, read, update, delete.
 *
 * On Grafana <= 11.2 a key is a legacy API key (`POST /api/auth/keys`). From 11.3 that endpoint is gone
 * (410, then 404 from 12.1; Azure Managed Grafana runs 12), so a key is a service account whose tokens are the
 * key: the first named after the key, successors `<name>-r<n>` (rotation: mintedSecret.ts). Deleting the
 * account deletes its tokens.
 */

type Inputs = Record<string, unknown>;

// In the order a failure lists them; the secret's inputs are the same as a token's.
const { timeToLive, ...ROTATION_RULES } = SECRET_INPUT_RULES;
const FIELDS = {
    ...ADDRESS_FIELDS,
    name: nameRule,
    role: roleRule,
    timeToLive,
    orgId: orgIdRule,
    mode: modeRule,
    ...ROTATION_RULES,
    adopt: adoptRule("GrafanaApiKey"),
};

/**
 * Inputs as stored by the engine. Deliberately absent from them: an autoname (drawn in `create`, so a
 * preview shows it as unknown instead of a name that will not be used, and a replacement gets a fresh
 * one) and the output `mode` (the API actually used; the request is kept as `requestedMode`).
 */
export function check(_olds: Inputs, news: Inputs): dynamic.CheckResult {
    const { values, failures } = validateFields(news, FIELDS, INTERNAL_INPUTS);
    const requestedMode = values.mode ?? "auto";
    const role = values.role ?? "Viewer";
    if (requestedMode === "apiKey" && role === "None") {
        failures.push({
            property: "role",
            reason: 'role "None" is not allowed with mode "apiKey": legacy keys need Viewer, Editor or Admin; use mode "serviceAccount" (Grafana >= 10.3) for None',
        });
    }
    // Minted as a service account, the name becomes its login, unless it is a legacy key.
    if (requestedMode !== "apiKey") checkServiceAccountLogin(news, failures, 'mode "apiKey" (a legacy key, Grafana <= 11.2)');
    checkAddress(news, failures);
    const secret = checkSecretInputs(values, failures);
    const naming = checkNaming(values.name, news, failures);
    const adoption = checkAdoption(values, failures);
    if (failures.length > 0) return { failures };
    const checked: Previewable<CheckedApiKeyInputs> = {
        ...addressInputs(values),
        ...naming,
        role,
        orgId: values.orgId ?? null,
        requestedMode,
        ...adoption,
        // The user's own `mode`, as given, where a policy pack can read it (storedInputs.ts); requestedMode is hidden from it.
        ...(values.mode === undefined ? {} : { [POLICY_INPUTS.mode]: values.mode }),
        ...secret,
    };
    return { inputs: checked };
}

export async function diff(_id: string, olds: Inputs, news: Inputs): Promise<dynamic.DiffResult> {
    const old = readApiKeyState(olds);
    const next = parsePreview("GrafanaApiKey", checkedApiKeyInputs, news, (stored) => check({}, stored));
    const changes = new PlannedChanges();
    await changes.place(old, next);
    const naming = nameChange(old, next);
    if (naming.renamed) changes.add("name", false);
    if (naming.bookkeeping) changes.add("name", true);
    // An own account's role changes in place, keeping the key; a legacy key's role (migrated or not) is fixed at birth,
    // and so is that of a key on an account that is not its own (imported by its token): changing the account would
    // change everyone's tokens on it, so the key moves to an account of its own.
    if (next.role !== old.role) {
        const inPlace = onOwnAccount(old);
        changes.add("role", inPlace);
        if (old.mode === "serviceAccount" && !inPlace && !isMigrated(old)) logInfo(notItsAccount(old, next.role));
    }
    if (old.accountDisabled && onOwnAccount(old)) changes.add("role", true); // disabled outside Pulumi: enabled again
    // A change of mode is recorded; where the key is not of the kind now asked for, its successor is (a rotation).
    if (next.requestedMode !== old.requestedMode) changes.add("mode", true);
    const kind = next.requestedMode === UNKNOWN ? undefined : kindChange(old, next.requestedMode);
    if (kind && !changes.replacing) {
        logPlan(`${who(old)} will be rotated: ${kind}.`);
        changes.add("key", true);
    }
    planSecretChanges(changes, who(old), old, next);
    if (next.requestedMode === "apiKey" && !changes.replacing && (kind || planSecret(old, next).rotation)) {
        await refuseLegacyModeWhereGone(targetOf(old), old, who(old));
    }
    // Known only once the whole plan is: a replacement makes a new account, and an unknown role is said by `up`.
    if (next.role !== old.role && next.role !== UNKNOWN && onOwnAccount(old) && !changes.replacing) sayRoleReachesEveryKey(old, next.role);
    return changes.result(old, next);
}

export async function create(inputs: Inputs): Promise<dynamic.CreateResult> {
    const checked = parseChecked("GrafanaApiKey", checkedApiKeyInputs, inputs);
    if (checked.adopt !== null) return adopt(inputs, { ...checked, adopt: checked.adopt });
    const address = await resolveAddress(checked);
    const naming = nameFor(checked);
    const target = targetOf({ ...address, orgId: checked.orgId });
    const settings = { ...checked, ...address, ...naming };
    const autonamed = naming.nameSource === "auto";
    // Only "auto" must know the version before minting; for an explicit mode it merely labels the state
    // (and an error), so the probe runs alongside the key rather than before it.
    const probe: Promise<GrafanaVersion> =
        checked.requestedMode === "serviceAccount" ? Promise.resolve({}) : grafanaVersion(target).catch(() => ({}));
    const version: GrafanaVersion = checked.requestedMode === "auto" ? await grafanaVersion(target) : {};
    const secretInputs = secretInputsOf(checked);

    if (checked.requestedMode === "apiKey" || (checked.requestedMode === "auto" && hasLegacyApiKeys(version))) {
        const store = legacyKeys(target, checked.role);
        const minted = await store.mint(naming.name, secondsToLiveOf(secretInputs.timeToLive), autonamed).catch(async (error: unknown) => {
            // A Grafana that no longer mints legacy keys: "auto" falls back to a service account below.
            if (checked.requestedMode === "apiKey" && error instanceof ProviderError && error.code === "UNSUPPORTED") {
                throw legacyKeysGone(target, { status: error.status, message: error.remoteMessage }, (await probe).version);
            }
            if (!(error instanceof ProviderError && error.code === "UNSUPPORTED")) throw error;
            return undefined;
        });
        if (minted) {
            const state = stateOf(
                settings,
                await labelled(version, probe),
                firstSecret(minted, naming.name, secretInputs, clockOffset(target)),
                {
                    mode: "apiKey",
                    serviceAccountId: null,
                    ownServiceAccountId: null,
                    legacyKeys: [{ id: minted.id, name: naming.name, serviceAccountId: null }],
                    grafanaOrgId: orgOfLegacyKey(minted.key),
                },
            );
            const tracked = { id: legacyKeyResourceId(minted.id), state: secretless(state, [minted.id]), provider: inputs.__provider };
            if (checked.verify)
                await verifyOrUndo(store, state.key, () => store.remove({ id: minted.id, name: naming.name }), {
                    ...tracked,
                    what: `legacy key ${minted.id}`,
                });
            return { id: tracked.id, outs: state };
        }
    }

    const account = await createServiceAccountOnce(target, { name: naming.name, role: checked.role, autonamed });
    const store = serviceAccountTokens(target, account.id, checked.role, { accountAdopted: account.adopted });
    const accountState = (secret: Secret) =>
        stateOf(settings, version, secret, {
            mode: "serviceAccount",
            serviceAccountId: account.id,
            ownServiceAccountId: account.id,
            legacyKeys: [],
            grafanaOrgId: account.orgId ?? null,
        });
    let minted: number[] = [];
    const removeAccount = removeCreatedAccount(target, account, () => minted);
    const trackedAccount = (state: ApiKeyState) => ({
        id: tokenResourceId(account.id, 0),
        state: secretless(state, []),
        provider: inputs.__provider,
        what: `service account ${account.id}`,
    });
    const pending = accountState(firstSecret({ id: 0, key: "" }, naming.name, secretInputs, clockOffset(target)));
    const token = await store.mint(naming.name, secondsToLiveOf(secretInputs.timeToLive), autonamed).catch(async (error: unknown) => {
        throw await undoCreate(error, removeAccount, trackedAccount(pending));
    });
    minted = [token.id];
    const state = accountState(firstSecret(token, naming.name, secretInputs, clockOffset(target)));
    if (checked.verify) await verifyOrUndo(store, state.key, removeAccount, trackedAccount(state));
    return { id: tokenResourceId(account.id, token.id), outs: state };
}

/**
 * Takes over an existing key as it is (adoption.ts), then updates it to the program: its secret is not known, so the
 * update mints the key handed out, and the adopted key stays on as the previous key.
 */
async function adopt(inputs: Inputs, checked: CheckedApiKeyInputs & { adopt: string }): Promise<dynamic.CreateResult> {
    const adopted = await readAdopted("GrafanaApiKey", who({ name: checked.name ?? "" }), checked);
    const found = readApiKeyState(adopted.state as Inputs);
    refuseDifferences(who(found), checked.adopt, [
        { field: "name", program: checked.name, found: found.name },
        { field: "role", program: checked.role, found: found.role },
    ]);
    const owner =
        found.ownServiceAccountId !== null
            ? `its service account ${found.ownServiceAccountId} is the key's from now on, deleted with it`
            : found.serviceAccountId !== null
              ? `its service account ${found.serviceAccountId} stays its owner's: only the key's own tokens are ever deleted`
              : "";
    sayAdoptedKey(who(found), checked.adopt, "key", owner);
    warnIfSuccessorNeverExpires(who(found), found, checked);
    const updated: { outs?: unknown } = await update(adopted.id, adopted.state as Inputs, inputs);
    return { id: adopted.id, outs: updated.outs };
}

export async function read(id: string, props: Inputs): Promise<dynamic.ReadResult> {
    let state = readApiKeyState(props);
    const target = targetOf(state);
    if (usesKeyHomes(state)) return readWhereGrafanaHoldsIt(id, state);
    const account = await getServiceAccount(target, state.serviceAccountId!);
    if (!account) return deletedOutside(state);
    state = withAccount(state, account);
    const refreshed = await refreshSecret(storeOf(state), state);
    if (!refreshed) return deletedOutside(state);
    if (refreshed.currentGone) {
        logWarning(
            `${who(state)}: its key "${state.keyName}" was deleted outside Pulumi; ` +
                `its service account ${state.serviceAccountId} remains, and the next \`pulumi up\` mints a new key on it.`,
        );
    }
    return { id, props: withSecret(state, refreshed.secret) };
}

/** A key minted as a legacy key: found as what Grafana holds it as now, even after an in-place upgrade. */
async function readWhereGrafanaHoldsIt(id: string, state: ApiKeyState): Promise<dynamic.ReadResult> {
    const homes = keyHomes(targetOf(state), state, state);
    const refreshed = await refreshSecret(homes.store, state);
    const placed = refreshed && homes.placed(withSecret(state, refreshed.secret));
    if (!refreshed || !placed || (refreshed.nothingLeft && placed.ownServiceAccountId === null)) return deletedOutside(state);
    if (refreshed.currentGone) {
        logWarning(`${who(state)}: its key "${state.keyName}" was deleted outside Pulumi; the next \`pulumi up\` mints a new one.`);
    }
    if (isMigrated(placed) && !isMigrated(state)) {
        logInfo(
            `${who(state)}: Grafana moved its legacy key "${state.keyName}" into service account ${placed.serviceAccountId} ` +
                "(sa-autogen-*) when it was upgraded; the key is the same and keeps working, and its successors will be service account tokens.",
        );
    }
    return { id, props: placed };
}

/** In place: addressing, naming and bookkeeping, the account's role and state, and the key's rotation. */
export async function update(id: string, olds: Inputs, news: Inputs): Promise<dynamic.UpdateResult> {
    const old = readApiKeyState(olds);
    const checked = parseChecked("GrafanaApiKey", checkedApiKeyInputs, news);
    const target = targetOf(old);
    let next: ApiKeyState = {
        ...old,
        workspaceId: checked.workspaceId,
        ...namingAfterUpdate(old, checked),
        orgId: checked.orgId,
        requestedMode: checked.requestedMode,
        role: checked.role,
        accountDisabled: false,
    };
    if (onOwnAccount(old) && (checked.role !== old.role || old.accountDisabled)) {
        await putAccountBack(target, old, checked.role);
    }
    const rotateBecause = kindChange(old, checked.requestedMode);
    const homes = usesKeyHomes(old) || rotateBecause ? keyHomes(target, old, next) : undefined;
    const placed = (state: ApiKeyState) => (homes ? homes.placed(state) : state);
    const context: SecretContext = {
        who: who(old),
        store: homes ? homes.store : storeOf(next),
        naming: { name: old.name, autonamed: old.nameSource === "auto" },
        tracked: (secret) => ({ id, state: placed(withSecret(next, secret)), provider: news.__provider }),
        rotateBecause,
    };
    next = placed(withSecret(next, await updateSecret(context, old, secretInputsOf(checked))));
    return { outs: next };
}

export async function remove(_id: string, props: Inputs): Promise<void> {
    const state = readApiKeyState(props);
    const target = targetOf(state);
    if (usesKeyHomes(state)) return removeEverywhere(target, state);
    // An account of its own holds every token of the key: current, previous and any retired one. On an account that
    // is not its own (imported by one token), the other tokens are someone else's: only its own go.
    if (onOwnAccount(state)) await deleteServiceAccount(target, state.serviceAccountId!);
    else await removeAllKeys(storeOf(state), state);
}

// ---- pieces ----

function who(state: { name: string }): string {
    return `GrafanaApiKey "${state.name}"`;
}

/**
 * A role belongs to the service account, not to a token: a change reaches every key on it at once, the previous key
 * that stacks which have not picked up the current one still hold included. Not a previous key minted as a legacy key:
 * its role was fixed at birth, and where Grafana migrated it, it is on Grafana's `sa-autogen-*` account, which the
 * change leaves alone (update() sets the role on this resource's own account only). Said in preview and `up` (both run diff).
 */
function sayRoleReachesEveryKey(state: ApiKeyState, role: Role): void {
    const change = `${who(state)}: its role changes from ${state.role} to ${role} on service account ${state.serviceAccountId}, in place`;
    if (state.previousKeyId === null) {
        logInfo(`${change}: its key "${state.keyName}" keeps working, with the new role.`);
        return;
    }
    const legacyBorn = state.legacyKeys.find((record) => record.id === state.previousKeyId);
    if (legacyBorn) {
        const where =
            legacyBorn.serviceAccountId === null
                ? "it is a legacy API key, whose role is fixed"
                : `Grafana moved it into its own service account ${legacyBorn.serviceAccountId} (sa-autogen-${legacyBorn.name}) when it was upgraded, and the change leaves that account alone`;
        logWarning(
            `${change}; its previous key "${state.previousKeyName}" keeps the role ${state.role}: ${where}. Only the current key "${state.keyName}" ` +
                `gets ${role}; stacks that still hold the previous key (it works until ${state.previousKeyExpiresAt ?? "it is deleted"}) keep ${state.role}. ` +
                "To end that, delete it: an `up` with revokePrevious: true.",
        );
        return;
    }
    logWarning(
        `${change}, so its previous key "${state.previousKeyName}" gets the role ${role} too, not only the current key "${state.keyName}": ` +
            `stacks that still hold the previous key (it works until ${state.previousKeyExpiresAt ?? "it is deleted"}) are affected at once. ` +
            "To keep it out of the change, delete it first: an `up` with revokePrevious: true, then the role change.",
    );
}

function notItsAccount(state: ApiKeyState, role: unknown): string {
    return (
        `${who(state)}: its service account ${state.serviceAccountId} is not its own (the key was imported as one of its tokens), ` +
        `so the role ${String(role)} is not set on it, which would change every token on it: the key is replaced by one on a ` +
        "service account of its own (give it a `name` no other account has)."
    );
}

function storeOf(state: ApiKeyState): KeyStore {
    return serviceAccountTokens(targetOf(state), state.serviceAccountId!, state.role);
}

/** The current key is a token of the account this resource created, whose role and state it may change. */
function onOwnAccount(state: ApiKeyState): boolean {
    return state.mode === "serviceAccount" && state.serviceAccountId !== null && state.serviceAccountId === state.ownServiceAccountId;
}

function clockOffset(target: GrafanaTarget): number {
    return grafanaClockOffsetSeconds(target.endpoint) ?? 0;
}

function stateOf(
    settings: CheckedApiKeyInputs & {
        endpoint: string;
        workspaceId: string | null;
        name: string;
        nameSource: "user" | "auto";
        logicalName: string;
    },
    version: GrafanaVersion,
    secret: Secret,
    minted: Pick<ApiKeyState, "mode" | "serviceAccountId" | "ownServiceAccountId" | "legacyKeys" | "grafanaOrgId">,
): ApiKeyState {
    return {
        schemaVersion: API_KEY_STATE_VERSION,
        endpoint: settings.endpoint,
        workspaceId: settings.workspaceId,
        name: settings.name,
        nameSource: settings.nameSource,
        logicalName: settings.logicalName,
        role: settings.role,
        orgId: settings.orgId,
        requestedMode: settings.requestedMode,
        ...minted,
        accountDisabled: false,
        grafanaVersion: version.version ?? null,
        ...secretFields(secret),
    };
}

function withSecret(state: ApiKeyState, secret: Secret): ApiKeyState {
    return { ...state, ...secretFields(secret) };
}

/** Tracked without a usable secret (and with `retired` keys to delete): the next `up` mints a key. */
function secretless(state: ApiKeyState, retired: number[]): ApiKeyState {
    return { ...state, key: "", keyId: 0, retiredKeyIds: retired };
}

/** What refresh learns from the account that holds the key; changes made outside Pulumi are put back by `up`. */
function withAccount(state: ApiKeyState, account: ServiceAccount): ApiKeyState {
    const role = (account.role as Role | undefined) ?? state.role;
    const disabled = account.isDisabled === true;
    if (role !== state.role && !onOwnAccount(state)) {
        logWarning(`${who(state)}: its service account ${state.serviceAccountId}, which is not its own, has the role ${role} now.`);
    } else if (role !== state.role) {
        logWarning(
            `${who(state)}: its service account's role was changed from ${state.role} to ${role} outside Pulumi; the next \`pulumi up\` sets it back.`,
        );
    }
    if (disabled && !state.accountDisabled) {
        logWarning(
            onOwnAccount(state)
                ? `${who(state)}: its service account was disabled outside Pulumi, so its key does not work; the next \`pulumi up\` enables it again.`
                : `${who(state)}: its service account ${state.serviceAccountId}, which is not its own, was disabled, so its key does not work until the account's owner enables it.`,
        );
    }
    return { ...state, role, accountDisabled: disabled, grafanaOrgId: account.orgId ?? state.grafanaOrgId };
}

async function putAccountBack(target: GrafanaTarget, old: ApiKeyState, role: Role): Promise<void> {
    try {
        await updateServiceAccount(target, old.serviceAccountId!, { name: old.name, role, isDisabled: false });
    } catch (error) {
        if (error instanceof ProviderError && error.status === 404) throw deletedSinceRefresh(old);
        throw error;
    }
}

function deletedSinceRefresh(state: ApiKeyState): ProviderError {
    return new ProviderError({
        code: "HTTP_STATUS",
        status: 404,
        summary: `${who(state)}: its service account ${state.serviceAccountId} no longer exists`,
        hint: "It was deleted outside Pulumi. Run `pulumi refresh`, then `pulumi up` creates the key again.",
    });
}

function deletedOutside(state: ApiKeyState): dynamic.ReadResult {
    logWarning(`${who(state)} was deleted outside Pulumi; ${recreatedAs(state)}`);
    return { id: "" };
}

/** A key that does not work is no key: remove what was made, and say what Grafana answered. */
async function verifyOrUndo(
    store: KeyStore,
    key: string,
    removeMinted: () => Promise<unknown>,
    tracked: Parameters<typeof undoCreate>[2],
): Promise<void> {
    try {
        await store.verify(key);
    } catch (error) {
        throw await undoCreate(error, removeMinted, tracked);
    }
}

/** An explicit mode did not wait for the version probe; its answer only labels the state. */
async function labelled(version: GrafanaVersion, probe: Promise<GrafanaVersion>): Promise<GrafanaVersion> {
    return version.version ? version : probe;
}

/** A legacy key is base64 of {"k", "n", "id": <org>} (docs/grafana-http-api.md, "Key formats"). */
function orgOfLegacyKey(key: string): number | null {
    try {
        const decoded: unknown = JSON.parse(Buffer.from(key, "base64").toString("utf8"));
        const org = (decoded as { id?: unknown }).id;
        return typeof org === "number" && Number.isInteger(org) ? org : null;
    } catch {
        return null;
    }
}
