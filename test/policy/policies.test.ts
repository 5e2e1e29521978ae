import type { ResourceValidationArgs, ResourceValidationPolicy, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { policies } from "../../policy/src/policies";
import { typeTokensOf } from "../../policy/src/keyResources";
import { token } from "../../plugin/src/tokens";
import { GrafanaApiKey, GrafanaServiceAccount, GrafanaServiceAccountToken } from "pulumi-azure-grafana-keys";
import { register } from "../harness/program";

/**
 * The policy pack's rules as `pulumi preview --policy-pack` applies them: each policy's validate function gets what
 * @pulumi/policy's analyzer hands it (properties wrapped in its unknown-checking proxy, the policy's config), and
 * the messages it reports are what the user reads.
 */

// The analyzer's own proxy (not in @pulumi/policy's typings): it throws UnknownValueError when a policy reads a value
// the engine does not know yet.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- an undeclared export of @pulumi/policy
const { unknownCheckingProxy } = require("@pulumi/policy/proxy") as { unknownCheckingProxy: <T extends object>(props: T) => T };
// What @pulumi/policy's deserializer makes of a value the engine does not know yet (proxy.js, unknownStringValue).
const UNKNOWN_DURING_PREVIEW = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const DYNAMIC_KEY = "pulumi-nodejs:dynamic/azure-grafana-keys:GrafanaApiKey";
const COMPLIANT = { role: "Editor", timeToLive: "30d", rotateBefore: "7d" };

function policy(name: string): ResourceValidationPolicy {
    const found = policies.find((candidate) => candidate.name === name);
    if (!found || !("validateResource" in found)) throw new Error(`no resource policy ${name}`);
    return found;
}

async function violations(name: string, props: Record<string, unknown>, config: object = {}, type = DYNAMIC_KEY): Promise<string[]> {
    const reported: string[] = [];
    const args = {
        type,
        name: "grafana-key",
        urn: `urn:pulumi:dev::p::${type}::grafana-key`,
        props: unknownCheckingProxy(props),
        getConfig: () => config,
    } as unknown as ResourceValidationArgs;
    const validate = policy(name).validateResource;
    for (const one of Array.isArray(validate) ? validate : [validate!]) await one(args, (message) => reported.push(message));
    return reported;
}

async function allViolations(props: Record<string, unknown>, type = DYNAMIC_KEY): Promise<string[]> {
    const names = policies.filter((p) => "validateResource" in p).map((p) => p.name);
    return (await Promise.all(names.map((name) => violations(name, props, {}, type)))).flat();
}

test("the pack's type tokens are the ones the TypeScript resources register and the plugin serves", async () => {
    const endpoint = "https://grafana.example.com";
    const registered = await register(() => [
        new GrafanaApiKey("k", { endpoint }),
        new GrafanaServiceAccountToken("t", { endpoint, serviceAccountId: 1 }),
        new GrafanaServiceAccount("a", { endpoint }),
    ]);
    const kinds = ["GrafanaApiKey", "GrafanaServiceAccountToken", "GrafanaServiceAccount"] as const;
    expect(kinds.map((kind) => typeTokensOf(kind))).toEqual(registered.map((resource, i) => [resource.type, token(kinds[i])]));
});

test("a compliant key passes every policy, from TypeScript and from the plugin", async () => {
    expect(await allViolations(COMPLIANT)).toEqual([]);
    expect(await allViolations(COMPLIANT, token("GrafanaApiKey"))).toEqual([]);
});

test("someone else's resource is not judged", async () => {
    expect(await allViolations({ role: "Admin", verify: false }, "grafana:index/apiKey:ApiKey")).toEqual([]);
});

describe("allowed roles", () => {
    test("Admin is refused by default, naming the roles to use", async () => {
        expect(await violations("grafana-key-allowed-roles", { ...COMPLIANT, role: "Admin" })).toEqual([
            'GrafanaApiKey "grafana-key" has role Admin; set role to one of None, Viewer, Editor.',
        ]);
        expect(await violations("grafana-key-allowed-roles", { role: "Admin" }, {}, token("GrafanaServiceAccount"))).toHaveLength(1);
    });
    test("config narrows the list; an omitted role is Grafana's default, Viewer", async () => {
        const config = { allowedRoles: ["None"] };
        expect(await violations("grafana-key-allowed-roles", {}, config)).toEqual([
            'GrafanaApiKey "grafana-key" has role Viewer; set role to one of None.',
        ]);
        expect(await violations("grafana-key-allowed-roles", { role: "Admin" }, { allowedRoles: ["Admin"] })).toEqual([]);
    });
});

describe("time to live", () => {
    test("a key that never expires is refused; a token too", async () => {
        expect(await violations("grafana-key-time-to-live-required", { role: "Viewer" })).toEqual([
            'GrafanaApiKey "grafana-key" never expires; set timeToLive, e.g. "30d", and rotateBefore, e.g. "7d".',
        ]);
        const tokenType = "pulumi-nodejs:dynamic/azure-grafana-keys:GrafanaServiceAccountToken";
        expect(await violations("grafana-key-time-to-live-required", {}, {}, tokenType)).toHaveLength(1);
    });
    test("longer than the maximum (default 90d) is refused, with the limit to use; config changes it", async () => {
        expect(await violations("grafana-key-max-time-to-live", { timeToLive: "1y" })).toEqual([
            'GrafanaApiKey "grafana-key" lives 1y; set timeToLive to at most 90d.',
        ]);
        expect(await violations("grafana-key-max-time-to-live", { timeToLive: "90d" })).toEqual([]);
        expect(await violations("grafana-key-max-time-to-live", { timeToLive: "90d" }, { maxTimeToLive: "30d" })).toHaveLength(1);
        // Seconds as a number, as the provider accepts them.
        expect(await violations("grafana-key-max-time-to-live", { timeToLive: 8_000_000 })).toHaveLength(1);
    });
    test("a bad limit in the config fails loudly, naming the config field", async () => {
        await expect(violations("grafana-key-max-time-to-live", { timeToLive: "1d" }, { maxTimeToLive: "ninety" })).rejects.toThrow(
            /policy config maxTimeToLive "ninety" is not a duration/,
        );
    });
});

describe("rotation window", () => {
    test("a long-lived key without rotateBefore is refused; a short-lived one is not", async () => {
        expect(await violations("grafana-key-rotate-before-required", { timeToLive: "30d" })).toEqual([
            'GrafanaApiKey "grafana-key" lives 30d with no rotation window; set rotateBefore (e.g. "7d") so that a scheduled pulumi up rotates it before it expires.',
        ]);
        expect(await violations("grafana-key-rotate-before-required", { timeToLive: "1d" })).toEqual([]);
        expect(await violations("grafana-key-rotate-before-required", { timeToLive: "1d" }, { longLivedFrom: "12h" })).toHaveLength(1);
    });
});

test('legacy mode "apiKey" and verify: false are refused, saying what to change', async () => {
    expect(await violations("grafana-key-no-legacy-api-keys", { ...COMPLIANT, mode: "apiKey" })).toEqual([
        'GrafanaApiKey "grafana-key" asks for a legacy API key (mode "apiKey"); remove mode or set it to "serviceAccount".',
    ]);
    expect(await violations("grafana-key-no-legacy-api-keys", { ...COMPLIANT, mode: "auto" })).toEqual([]);
    expect(await violations("grafana-key-verify-on", { ...COMPLIANT, verify: false })).toEqual([
        'GrafanaApiKey "grafana-key" skips proving the new key works; remove verify: false.',
    ]);
    expect(await violations("grafana-key-verify-on", { ...COMPLIANT, verify: true })).toEqual([]);
});

test("values unknown during preview are left for up, and the known ones are still judged", async () => {
    const props = { role: UNKNOWN_DURING_PREVIEW, timeToLive: UNKNOWN_DURING_PREVIEW, rotateBefore: UNKNOWN_DURING_PREVIEW };
    expect(await allViolations(props)).toEqual([]);
    expect(await allViolations({ ...props, verify: false })).toEqual([
        'GrafanaApiKey "grafana-key" skips proving the new key works; remove verify: false.',
    ]);
});

describe("rotation reaches consumers (stack)", () => {
    const stackPolicy = policies.find((p) => p.name === "grafana-key-rotation-reaches-consumers") as StackValidationPolicy;
    async function stackViolations(rotateBefore: string, config: object = {}) {
        const reported: Array<{ message: string; urn?: string }> = [];
        const urn = `urn:pulumi:dev::p::${DYNAMIC_KEY}::grafana-key`;
        const args = {
            resources: [
                { type: DYNAMIC_KEY, name: "grafana-key", urn, props: unknownCheckingProxy({ timeToLive: "30d", rotateBefore }) },
                { type: "random:index/randomString:RandomString", name: "other", urn: "urn:other", props: {} },
            ],
            getConfig: () => config,
        } as unknown as StackValidationArgs;
        await stackPolicy.validateStack(args, (message, reportedUrn) => reported.push({ message, urn: reportedUrn }));
        return reported;
    }

    test("it only warns, by default", () => expect(stackPolicy.enforcementLevel).toBe("advisory"));
    test("a window shorter than the producer's schedule plus the consumers' redeploy interval is named, with the fix", async () => {
        expect(await stackViolations("1d")).toEqual([
            {
                message:
                    'GrafanaApiKey "grafana-key" rotates 1d before expiry, but the producer runs every 1d and consumers redeploy ' +
                    "every 1d: a consumer may still hold the previous key when it expires. Set rotateBefore to at least 2d, " +
                    "or run the schedules more often.",
                urn: `urn:pulumi:dev::p::${DYNAMIC_KEY}::grafana-key`,
            },
        ]);
        expect(await stackViolations("2d")).toEqual([]);
        expect(await stackViolations("2d", { redeployInterval: "7d" })).toHaveLength(1);
    });
});
