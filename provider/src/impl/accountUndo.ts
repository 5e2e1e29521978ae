import { GrafanaTarget } from "../grafana/client";
import { CreatedServiceAccount, deleteServiceAccount, listTokens } from "../grafana/serviceAccounts";
import { LeftAlone } from "./undo";

/**
 * How a failed GrafanaApiKey create takes back its service account: only what this attempt is proven to have made
 * goes. An account found by name after a lost answer may be another stack's, made in the same second with the same
 * settings; an account this attempt did make may meanwhile hold a token someone else minted on it (a stack that
 * adopted it after its own lost answer). Either is left in place, with one line saying what to do. Costs one token
 * listing before the delete, on the failure path only.
 */
export function removeCreatedAccount(
    target: GrafanaTarget,
    account: CreatedServiceAccount,
    ourTokenIds: () => number[],
): () => Promise<void> {
    const which = `service account "${account.name}" (id ${account.id})`;
    return async () => {
        if (account.adopted) {
            throw new LeftAlone(
                `${which} was left in place: it was found by name after a lost answer, so this attempt cannot prove it made it. ` +
                    `If it is this stack's, import it (import id ${target.endpoint}|serviceaccount/${account.id}) or delete it in Grafana, then run again`,
            );
        }
        const ours = new Set(ourTokenIds());
        const others = ((await listTokens(target, account.id)) ?? []).filter((token) => !ours.has(token.id));
        if (others.length > 0) {
            throw new LeftAlone(
                `${which}, made by this attempt, was left in place: it holds ${others.length === 1 ? "a token" : "tokens"} this attempt did not mint ` +
                    `(id ${others.map((token) => token.id).join(", ")}), whose holders would lose them. Delete it in Grafana once they are not needed`,
            );
        }
        await deleteServiceAccount(target, account.id);
    };
}
