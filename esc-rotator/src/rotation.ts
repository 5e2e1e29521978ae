import { lifecycle, unrecordedSuccessors } from "pulumi-azure-grafana-keys/impl";
import { BadRequest, Conflict, RotatedSecret, rotatedSecretOf, RotationRequest, storedKeyOf } from "./protocol";

/**
 * One rotation, done by the GrafanaApiKey resource's own lifecycle, called as the dynamic-provider host calls it:
 * the ESC state carries the resource's stored outputs, so a rotation is a refresh (`read`: what Grafana holds now,
 * after upgrades, on its clock) and an update whose rotation trigger changed (`check`, `diff`, `update`). The
 * provider mints the successor on the key's own account, proves it, keeps the key it replaces working until its own
 * expiry, and deletes only its own keys that expired or were superseded twice.
 *
 * The first rotation (no state of this adapter's) is a `create`: a service account of its own, named `name`.
 */

type Props = Record<string, unknown>;
const GRAFANA_API_KEY = "GrafanaApiKey";

export async function rotate(request: RotationRequest, state: unknown, inFlightMs: number): Promise<RotatedSecret> {
    const stored = storedKeyOf(state);
    if (!stored) return firstKey(request);
    const apiKey = lifecycle(GRAFANA_API_KEY);
    const refreshed = await apiKey.read(stored.id, stored.outputs);
    // Its account was deleted outside: nothing of it is left to keep or clean up, so it starts again.
    if (!refreshed.id || !refreshed.props) return firstKey(request);
    const olds = await withLeftoversRetired(refreshed.props, inFlightMs);
    const news = await checked({ ...inputsOf(request), rotationTrigger: `esc:${String(olds.generation)}` });
    const plan = await apiKey.diff(stored.id, olds, news);
    if (plan.replaces && plan.replaces.length > 0) {
        throw new BadRequest(
            `request changes ${plan.replaces.join(", ")}, which the key cannot follow in place (a new key would be made elsewhere ` +
                "while the current one is still in use): keep them as they were, or rotate a new secret (a new path, no state) for the new key",
        );
    }
    const { outs } = await apiKey.update(stored.id, olds, news);
    return rotatedSecretOf(stored.id, outs!);
}

async function firstKey(request: RotationRequest): Promise<RotatedSecret> {
    const { id, outs } = await lifecycle(GRAFANA_API_KEY).create(await checked({ ...inputsOf(request), rotationTrigger: "esc:0" }));
    return rotatedSecretOf(id, outs!);
}

/** The request as the resource's inputs: the key's name is also its logical name. */
function inputsOf(request: RotationRequest): Props {
    return { logicalName: request.name, ...request };
}

async function checked(inputs: Props): Promise<Props> {
    const result = await lifecycle(GRAFANA_API_KEY).check({}, inputs);
    const failures = result.failures ?? [];
    if (failures.length > 0 || !result.inputs) {
        throw new BadRequest(failures.map((failure) => `request.${failure.property}: ${failure.reason}`).join("; "));
    }
    return result.inputs;
}

/**
 * A repeat of a rotation whose answer was lost finds the successor it made under the next generation's name, unknown
 * to the state: its secret went with the answer, so it is handed to the provider as a retired key, which it deletes
 * before minting that generation again (one key per generation). One made too recently to be sure its rotation
 * ended may be a concurrent rotation's that ESC is about to store: it is left alone, and this request refused.
 */
async function withLeftoversRetired(olds: Props, inFlightMs: number): Promise<Props> {
    const leftovers = await unrecordedSuccessors(olds, inFlightMs);
    if (leftovers.length === 0) return olds;
    const recent = leftovers.filter((leftover) => leftover.madeRecently !== false);
    if (recent.length > 0) {
        throw new Conflict(
            `a rotation of this key may be under way: its successor "${recent[0].name}" (token ${recent[0].id}) was made in the last ` +
                `${Math.round(inFlightMs / 1000)} s and is not in the state; the current key stays, and a rotation after that time settles it`,
        );
    }
    const retired = Array.isArray(olds.retiredKeyIds) ? (olds.retiredKeyIds as number[]) : [];
    return { ...olds, retiredKeyIds: [...retired, ...leftovers.map((leftover) => leftover.id)] };
}
