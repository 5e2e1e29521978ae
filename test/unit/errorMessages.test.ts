import { expect } from "@jest/globals";
import { lifecycle } from "pulumi-azure-grafana-keys/impl";

/**
 * One failure, one message, naming the input to change: what `pulumi preview` prints for the quickstart's inputs
 * (its defaults are timeToLive "30d", rotateBefore "7d").
 */
const quickstart = { endpoint: "http://127.0.0.1:3000", logicalName: "ci", role: "Viewer", timeToLive: "30d", rotateBefore: "7d" };

describe.each(["GrafanaApiKey", "GrafanaServiceAccountToken"] as const)("%s check: one message per mistake", (resource) => {
    const { check } = lifecycle(resource);
    const { role: _role, ...tokenInputs } = quickstart;
    void _role;
    const base = resource === "GrafanaApiKey" ? quickstart : { ...tokenInputs, serviceAccountId: 3 };

    test('timeToLive "7x": only the timeToLive failure, not also one for rotateBefore', async () => {
        const result = await check({}, { ...base, timeToLive: "7x" });
        expect(result.failures?.map((f) => f.property)).toEqual(["timeToLive"]);
        const [failure] = result.failures ?? [];
        expect(failure.reason).toContain('"7x"');
        expect(failure.reason).not.toContain("\n");
    });

    test('timeToLive "1d12h" with the default rotateBefore "7d": names rotateBefore as the setting to change', async () => {
        const result = await check({}, { ...base, timeToLive: "1d12h" });
        expect(result.failures).toHaveLength(1);
        const [failure] = result.failures ?? [];
        expect(failure.property).toBe("rotateBefore");
        expect(failure.reason).toMatch(/set rotateBefore to less than "1d12h", or a longer timeToLive/);
        expect(failure.reason).not.toMatch(/\([^)]*\(/); // no nested parentheses
        expect(failure.reason).not.toContain("\n");
    });

    test("rotateBefore without timeToLive says which to set", async () => {
        const { timeToLive: _dropped, ...withoutTtl } = base;
        void _dropped;
        const result = await check({}, withoutTtl);
        expect(result.failures?.map((f) => [f.property, f.reason])).toEqual([
            ["rotateBefore", expect.stringMatching(/set timeToLive, or leave rotateBefore out/)],
        ]);
    });
});
