import { createdSince } from "../grafana/clock";
import { listTokens } from "../grafana/serviceAccounts";
import { readApiKeyState } from "../schema/apiKeyState";
import { targetOf } from "./grafanaAddress";
import { MAX_SKIPPED_GENERATIONS, successorName } from "./mintedSecret";

/**
 * Successors a GrafanaApiKey minted that its state does not record: a rotation whose answer was lost (or one still
 * under way elsewhere) made them. Only tokens on the key's own service account count, and only under the names its
 * next generations take (`<name>-r<n>`, as far as a rotation looks past its generation): nothing else is looked at.
 *
 * `madeWithinMs` tells, by Grafana's clock, whether each was made within that many ms before now (true), earlier
 * (false), or cannot tell (undefined): a caller that must not touch a rotation still in flight keeps off the first
 * and the last. One GET of the account's tokens.
 */
export interface UnrecordedSuccessor {
    id: number;
    name: string;
    madeRecently: boolean | undefined;
}

export async function unrecordedSuccessors(props: Record<string, unknown>, madeWithinMs: number): Promise<UnrecordedSuccessor[]> {
    const state = readApiKeyState(props);
    const accountId = state.ownServiceAccountId;
    if (state.mode !== "serviceAccount" || accountId === null || state.serviceAccountId !== accountId) return [];
    const startedAt = Date.now();
    const tokens = await listTokens(targetOf(state), accountId);
    if (!tokens) return [];
    const recorded = new Set([state.keyId, state.previousKeyId, ...state.retiredKeyIds]);
    const names = new Set<string>();
    for (let generation = state.generation + 1; generation <= state.generation + MAX_SKIPPED_GENERATIONS + 1; generation++) {
        names.add(successorName(state.name, generation));
    }
    return tokens
        .filter((token) => names.has(token.name) && !recorded.has(token.id))
        .map((token) => ({
            id: token.id,
            name: token.name,
            madeRecently: createdSince(state.endpoint, token.created, startedAt - madeWithinMs),
        }));
}
