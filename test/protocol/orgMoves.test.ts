import { GrafanaApiKey, GrafanaServiceAccount, GrafanaServiceAccountToken } from "pulumi-azure-grafana-keys";
import { GrafanaProfile } from "azure-managed-grafana-emulator";
import { HostSession, startHostSession } from "../harness/session";
import { register, Registration } from "../harness/program";

/**
 * A credential that is a user (`user:password`, or an Entra sign-in) acts in the user's *current* org whenever a
 * request names none, and the user can switch it (`POST /api/user/using/:id`, the org picker in Grafana's UI). An
 * object made without `orgId` stays in the org it was made in: every later call must address that org, or refresh
 * loses the live key, `up` mints a second one and the first lives on, tracked by nothing. Through the real
 * dynamic-provider host, signed in as the emulator's admin user.
 */

/** A host session whose admin user can switch its current org the way Grafana's org picker does. */
function sessionOn(profile: GrafanaProfile) {
    let session!: HostSession;
    beforeAll(async () => {
        session = await startHostSession(profile);
    });
    afterAll(() => session.stop());
    afterEach(() => {
        session.emulator.reset();
        session.engine.state.clear();
    });
    return {
        get: () => session,
        async switchAdminTo(orgId: number): Promise<void> {
            const response = await fetch(`${session.emulator.url}/api/user/using/${orgId}`, {
                method: "POST",
                headers: { authorization: `Basic ${Buffer.from(session.emulator.credentials.adminBasic).toString("base64")}` },
            });
            expect(response.status).toBe(200);
            await response.arrayBuffer();
        },
        /** Every key and token Grafana holds in an org, by name. */
        keysIn(orgId: number): string[] {
            const { state } = session.emulator;
            const tokens = state.serviceAccounts(orgId).flatMap((account) => account.tokens.map((token) => token.name));
            return [...state.apiKeys(orgId).map((key) => key.name), ...tokens].sort();
        },
    };
}

describe.each(["10.4", "12.1"] as GrafanaProfile[])("Grafana %s: a key, after its user switched to org 2", (profile) => {
    const grafana = sessionOn(profile);
    const apiKey = async (extra: Record<string, string> = {}): Promise<Registration> =>
        (
            await register(() => [
                new GrafanaApiKey("ci", { endpoint: grafana.get().emulator.url, name: "ci-key", timeToLive: "30d", ...extra }),
            ])
        )[0];

    test("refresh keeps it, up mints nothing, rotation and destroy happen in the org it was made in", async () => {
        const { engine, emulator } = grafana.get();
        const created = await engine.up(await apiKey());
        expect(grafana.keysIn(1)).toEqual(["ci-key"]);
        await grafana.switchAdminTo(2);

        const refreshed = await engine.refresh((await apiKey()).urn);
        expect(refreshed?.outputs.key).toBe(created.outputs.key);
        expect(await engine.preview(await apiKey())).toEqual({ step: "same", replaces: [] });
        await engine.up(await apiKey());
        expect(grafana.keysIn(2)).toEqual([]);

        const next = await engine.up(await apiKey({ rotationTrigger: "1" }));
        expect(next.outputs.previousKey).toBe(created.outputs.key);
        expect(grafana.keysIn(1)).toEqual(["ci-key", "ci-key-r2"]);
        expect(grafana.keysIn(2)).toEqual([]);

        await engine.destroy((await apiKey()).urn);
        expect(grafana.keysIn(1)).toEqual([]);
        expect(emulator.state.serviceAccounts(1)).toEqual([]);
    });
});

describe("Grafana 12.1: a service account and its token, after their user switched to org 2", () => {
    const grafana = sessionOn("12.1");

    test("refresh finds both in org 1, nothing changes, pinning org 1 is in place, destroy empties org 1", async () => {
        const { engine, emulator } = grafana.get();
        const [account] = await register(() => [new GrafanaServiceAccount("bot", { endpoint: emulator.url, name: "bot", role: "Viewer" })]);
        const accountState = await engine.up(account);
        const token = async (extra: Record<string, number> = {}) =>
            (
                await register(() => [
                    new GrafanaServiceAccountToken("bot-token", {
                        endpoint: emulator.url,
                        serviceAccountId: Number(accountState.outputs.serviceAccountId),
                        name: "bot-token",
                        timeToLive: "30d",
                        ...extra,
                    }),
                ])
            )[0];
        const tokenState = await engine.up(await token());
        await grafana.switchAdminTo(2);

        expect((await engine.refresh(account.urn))?.outputs.serviceAccountId).toBe(accountState.outputs.serviceAccountId);
        expect((await engine.refresh((await token()).urn))?.outputs.key).toBe(tokenState.outputs.key);
        expect(await engine.preview(account)).toEqual({ step: "same", replaces: [] });
        expect(await engine.preview(await token())).toEqual({ step: "same", replaces: [] });
        // Naming the org the token is in moves nothing: no replacement.
        expect(await engine.preview(await token({ orgId: 1 }))).toEqual({ step: "update", replaces: [] });

        await engine.destroy((await token()).urn);
        await engine.destroy(account.urn);
        expect(grafana.keysIn(1)).toEqual([]);
        expect(emulator.state.serviceAccounts(1)).toEqual([]);
    });
});

describe("Grafana 12.1: a token whose state predates the recorded org", () => {
    const grafana = sessionOn("12.1");

    test("the first refresh records the org, so a later switch of the user's org loses nothing", async () => {
        const { engine, emulator } = grafana.get();
        const [account] = await register(() => [new GrafanaServiceAccount("bot", { endpoint: emulator.url, name: "bot", role: "Viewer" })]);
        const accountState = await engine.up(account);
        const [token] = await register(() => [
            new GrafanaServiceAccountToken("old-token", {
                endpoint: emulator.url,
                serviceAccountId: Number(accountState.outputs.serviceAccountId),
                name: "old-token",
                timeToLive: "30d",
            }),
        ]);
        const created = await engine.up(token);
        // As an earlier version stored it: schema version 2, no grafanaOrgId.
        const earlier: Record<string, unknown> = { ...created.outputs, schemaVersion: 2 };
        delete earlier.grafanaOrgId;
        engine.state.set(token.urn, { ...created, outputs: earlier });

        expect((await engine.refresh(token.urn))?.outputs.grafanaOrgId).toBe(1);
        await grafana.switchAdminTo(2);
        expect((await engine.refresh(token.urn))?.outputs.key).toBe(created.outputs.key);
        await engine.destroy(token.urn);
        await engine.destroy(account.urn);
        expect(grafana.keysIn(1)).toEqual([]);
    });
});
