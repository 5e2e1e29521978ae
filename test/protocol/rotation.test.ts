import { expect } from "@jest/globals";
import {
    GrafanaApiKey,
    GrafanaApiKeyArgs,
    GrafanaServiceAccount,
    GrafanaServiceAccountToken,
    GrafanaServiceAccountTokenArgs,
} from "pulumi-azure-grafana-keys";
import { Emulator, GrafanaProfile } from "azure-managed-grafana-emulator";
import { Engine } from "../harness/engine";
import { EngineLogServer } from "../harness/engineLog";
import { DynamicProviderHost } from "../harness/host";
import { HostSession, startHostSession } from "../harness/session";
import { findLeaks } from "../harness/leaks";
import { register, Registration } from "../harness/program";

/**
 * Rotation as a consumer stack lives it, through the real dynamic-provider host with the engine's Log service
 * listening. A producer stack runs `pulumi up --refresh` (refresh, then up) as its schedule would; a consumer
 * stack holds the key it read through a StackReference at its own last deploy. Grafana's clock (the emulator's)
 * moves through a 30-day key's life: day 0, day 20, day 24 (inside a 7-day rotateBefore), day 31 (the first key
 * has expired), day 55 (the second one too).
 */

const DAY = 86_400;

interface Case {
    label: string;
    profile: GrafanaProfile;
    /** A token needs its account made first. */
    token?: boolean;
    resource: (endpoint: string, serviceAccountId: number) => Promise<Registration>;
}

const key = (name: string, args: GrafanaApiKeyArgs) => async () => (await register(() => [new GrafanaApiKey(name, args)]))[0];
const CASES: Case[] = [
    {
        label: "an autonamed key (service account, Grafana 12.1)",
        profile: "12.1",
        resource: (endpoint) => key("ci", { endpoint, timeToLive: "30d", rotateBefore: "7d" })(),
    },
    {
        label: "an autonamed key (service account, Grafana 13.0)",
        profile: "13.0",
        resource: (endpoint) => key("ci", { endpoint, timeToLive: "30d", rotateBefore: "7d" })(),
    },
    {
        label: "a named key (service account, Grafana 12.1)",
        profile: "12.1",
        resource: (endpoint) => key("ci", { endpoint, name: "ci-key", timeToLive: "30d", rotateBefore: "7d" })(),
    },
    {
        label: "a named legacy key (Grafana 10.4)",
        profile: "10.4",
        resource: (endpoint) => key("ci", { endpoint, name: "ci-key", timeToLive: "30d", rotateBefore: "7d" })(),
    },
    {
        label: "a named token of a service account (Grafana 12.1)",
        profile: "12.1",
        token: true,
        resource: async (endpoint, serviceAccountId) => {
            const args: GrafanaServiceAccountTokenArgs = {
                endpoint,
                serviceAccountId,
                name: "ci-token",
                timeToLive: "30d",
                rotateBefore: "7d",
            };
            return (await register(() => [new GrafanaServiceAccountToken("ci", args)]))[0];
        },
    },
];

describe.each(CASES)("$label, rotated while a consumer holds it", ({ profile, token, resource: producerResource }) => {
    let session: HostSession;
    let emulator: Emulator;
    let engineLog: EngineLogServer;
    let host: DynamicProviderHost;
    let producer: Engine;

    beforeAll(async () => {
        session = await startHostSession(profile);
        ({ emulator, engineLog, host, engine: producer } = session);
    });
    afterAll(() => session.stop());

    const home = (secret: unknown) => session.home(secret);
    /** `pulumi up --refresh` on the producer, as its daily schedule runs it. */
    const upWithRefresh = async (resource: Registration) => {
        await producer.refresh(resource.urn);
        return producer.up(resource);
    };

    test("the consumer's key keeps working through the rotation window; the previous key goes after it expires; destroy leaves nothing", async () => {
        let serviceAccountId = 0;
        let account: Registration | undefined;
        if (token) {
            account = (await register(() => [new GrafanaServiceAccount("ci-bot", { endpoint: emulator.url })]))[0];
            serviceAccountId = (await producer.up(account)).outputs.serviceAccountId as number;
        }
        const resource = await producerResource(emulator.url, serviceAccountId);
        const created = await producer.up(resource);
        const firstKey = created.outputs.key as string;
        const firstExpiry = created.outputs.expiresAt as string;
        // The consumer deploys and takes the key from the producer's stack output.
        const consumerHolds = firstKey;
        expect(await home(consumerHolds)).toBe(200);

        // Day 0 and day 20: Grafana reports no countdown beyond 7 days; nothing is due, the expiry stays put.
        for (const day of [0, 20]) {
            emulator.clock.set(Date.now() + day * DAY * 1000);
            const refreshed = await producer.refresh(resource.urn);
            expect(Math.abs(Date.parse(refreshed!.outputs.expiresAt as string) - Date.parse(firstExpiry))).toBeLessThanOrEqual(1000);
            expect(refreshed!.outputs).toMatchObject({ expired: false, key: firstKey });
            expect(await producer.preview(resource)).toEqual({ step: "same", replaces: [] });
        }

        // Day 24: six days left by Grafana's clock, inside the 7-day window: preview plans an in-place rotation.
        emulator.clock.set(Date.now() + 24 * DAY * 1000);
        const atDay24 = await producer.refresh(resource.urn);
        expect(Math.abs(Date.parse(atDay24!.outputs.expiresAt as string) - Date.parse(firstExpiry))).toBeLessThanOrEqual(1000);
        expect(await producer.preview(resource)).toEqual({ step: "update", replaces: [] });
        await engineLog.waitFor("info", /will be rotated: its key expires at .*, within rotateBefore 7d\./);
        const requestsBefore = emulator.requests.length;
        const rotated = await producer.up(resource);
        expect(producer.steps.at(-1)!.step).toBe("update");
        // One rotation: the new key and its verification; a named legacy key first notes the highest key id, so
        // that a lost answer can be told from someone else's key of the same name; a token's check first reads its
        // account's role, which a policy pack judges (accountRole.ts).
        const expected = [...(profile === "10.4" || token ? ["GET"] : []), "POST", "GET"];
        expect(emulator.requests.slice(requestsBefore).map((request) => request.method)).toEqual(expected);
        const secondKey = rotated.outputs.key as string;
        expect(secondKey).not.toBe(firstKey);
        expect(rotated.outputs).toMatchObject({
            previousKey: firstKey,
            keyName: `${created.outputs.name as string}-r2`,
            name: created.outputs.name,
            rotatedAt: expect.any(String),
        });
        expect(Math.abs(Date.parse(rotated.outputs.previousKeyExpiresAt as string) - Date.parse(firstExpiry))).toBeLessThanOrEqual(1000);
        if (created.outputs.serviceAccountId !== undefined) expect(rotated.outputs.serviceAccountId).toBe(created.outputs.serviceAccountId);
        // Nothing has been redeployed on the consumer's side: its key still works, and so does the new one.
        expect([await home(consumerHolds), await home(secondKey)]).toEqual([200, 200]);
        await engineLog.waitFor(
            "info",
            /rotated: its key expires at .*\. Its new key is ".+-r2"; the previous key ".+" keeps working until/,
        );
        // A further up --refresh changes nothing while the previous key lives.
        await upWithRefresh(resource);
        expect(producer.steps.at(-1)!.step).toBe("same");

        // Day 31: Grafana reports the first key expired; the next up --refresh deletes it, the current one works on.
        emulator.clock.set(Date.now() + 31 * DAY * 1000);
        const refreshedAfterExpiry = await producer.refresh(resource.urn);
        expect(refreshedAfterExpiry!.outputs).toMatchObject({ previousKeyExpired: true, expired: false });
        expect(await producer.preview(resource)).toEqual({ step: "update", replaces: [] });
        const beforeCleanup = emulator.requests.length;
        const cleaned = await producer.up(resource);
        // A token's check reads its account's role first (see the rotation above).
        expect(emulator.requests.slice(beforeCleanup).map((request) => request.method)).toEqual([...(token ? ["GET"] : []), "DELETE"]);
        expect(cleaned.outputs).toMatchObject({ key: secondKey, previousKey: null, previousKeyExpiresAt: null });
        expect(await home(secondKey)).toBe(200);
        const remote = [
            ...emulator.state.apiKeys().map((entry) => entry.name),
            ...emulator.state.serviceAccounts().flatMap((sa) => sa.tokens.map((t) => t.name)),
        ];
        expect(remote).toEqual([rotated.outputs.keyName]);

        // Day 55: the second key has expired too and nobody ran up in its window: up mints a third, deleting the dead one.
        emulator.clock.set(Date.now() + 55 * DAY * 1000);
        await producer.refresh(resource.urn);
        const third = await producer.up(resource);
        expect(third.outputs).toMatchObject({ keyName: `${created.outputs.name as string}-r3`, previousKey: null });
        expect(await home(third.outputs.key)).toBe(200);

        await producer.destroy(resource.urn);
        if (account) await producer.destroy(account.urn);
        expect([...emulator.state.apiKeys(), ...emulator.state.serviceAccounts()]).toEqual([]);
        expect(findLeaks(emulator.state.secrets(), { printed: host.printed, state: [...producer.state.values()], resource })).toEqual([]);
        expect(findLeaks(emulator.state.secrets(), { errors: engineLog.entries.map((entry) => entry.message) })).toEqual([]);
    });
});
