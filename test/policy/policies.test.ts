import type { ResourceValidationArgs, ResourceValidationPolicy, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { policies } from "../../policy/src/policies";
import { KeyResourceKind, typeTokensOf } from "../../policy/src/keyResources";
import { token } from "../../plugin/src/tokens";
import { GrafanaApiKey, GrafanaServiceAccount, GrafanaServiceAccountToken } from "pulumi-azure-grafana-keys";
import type { Emulator } from "azure-managed-grafana-emulator";
import { Props } from "../harness/host";
import { asOtherAdmin } from "../harness/otherClient";
import { register } from "../harness/program";
import { UNKNOWN } from "../harness/pluginHost";
import { PluginSession, startPluginSession } from "../harness/pluginSession";
import { HostSession, startHostSession } from "../harness/session";

/**
 * The policy pack's rules as `pulumi preview --policy-pack` applies them. The engine hands a policy the inputs the
 * provider's check returned, not the program's: so every case here is checked first by the real provider, once through
 * the dynamic-provider host (a TypeScript program's resource) and once through the plugin (any other language's),
 * each against an emulated Grafana, and the pack judges what check returned as the engine hands it over (no `__` keys),
 * under both type tokens, wrapped in @pulumi/policy's own unknown-checking proxy, with the policy's config. The messages it reports are what the user reads.
 */

// The analyzer's own proxy (not in @pulumi/policy's typings): it throws UnknownValueError when a policy reads a value
// the engine does not know yet.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- an undeclared export of @pulumi/policy
const { unknownCheckingProxy } = require("@pulumi/policy/proxy") as { unknownCheckingProxy: <T extends object>(props: T) => T };
const NAME = "grafana-key";
const COMPLIANT = { role: "Editor", timeToLive: "30d", rotateBefore: "7d" };
const COMPLIANT_TOKEN = { timeToLive: "30d", rotateBefore: "7d" };
const CLASSES = { GrafanaApiKey, GrafanaServiceAccountToken, GrafanaServiceAccount } as const;

/** One way a program reaches the provider: its type token for a kind, and what check returns for given inputs. */
interface Side {
    name: string;
    type(kind: KeyResourceKind): string;
    /** `unknown`: inputs the engine does not know yet, as a preview sends them. */
    check(kind: KeyResourceKind, args: Props, unknown?: string[]): Promise<Props>;
    grafana(): Emulator;
}

let dynamic: HostSession;
let plugin: PluginSession;

const unknowns = (fields: string[]): Props => Object.fromEntries(fields.map((field) => [field, UNKNOWN]));

const SIDES: Side[] = [
    {
        name: "TypeScript (dynamic-provider host)",
        type: (kind) => typeTokensOf(kind)[0],
        async check(kind, args, unknown = []) {
            const [registered] = await register(() => [new CLASSES[kind](NAME, { endpoint: dynamic.emulator.url, ...args } as never)]);
            const reply = await dynamic.host.check(registered.urn, {}, { ...registered.inputs, ...unknowns(unknown) });
            expect(reply.failures).toEqual([]);
            return reply.inputs;
        },
        grafana: () => dynamic.emulator,
    },
    {
        name: "plugin",
        type: (kind) => token(kind),
        async check(kind, args, unknown = []) {
            const urn = `urn:pulumi:dev::p::${token(kind)}::${NAME}`;
            const reply = await plugin.host.check(urn, {}, { endpoint: plugin.grafana.url, ...args, ...unknowns(unknown) });
            expect(reply.failures).toEqual([]);
            return reply.inputs;
        },
        grafana: () => plugin.grafana,
    },
];

beforeAll(async () => {
    // Both start on a Grafana that still mints legacy keys, so that an upgrade can migrate one (see the token cases).
    [dynamic, plugin] = await Promise.all([startHostSession("10.4"), startPluginSession("10.4")]);
}, 60_000);
afterAll(async () => {
    await dynamic?.stop();
    expect(await plugin?.stop()).toEqual([]);
});

function policy(name: string): ResourceValidationPolicy {
    const found = policies.find((candidate) => candidate.name === name);
    if (!found || !("validateResource" in found)) throw new Error(`no resource policy ${name}`);
    return found;
}

/**
 * The checked inputs as the engine hands them to a policy pack: without the top-level `__` keys, which it withholds
 * (pulumi/pulumi sdk/go/common/resource/plugin/analyzer_plugin.go: Analyze and AnalyzeStack marshal the properties
 * with `SkipInternalKeys: true`), wrapped in the analyzer's unknown-checking proxy.
 */
function asTheEngineHandsThem(checked: Props): Props {
    return unknownCheckingProxy(Object.fromEntries(Object.entries(checked).filter(([key]) => !key.startsWith("__"))));
}

async function violations(name: string, type: string, props: Props, config: object = {}): Promise<string[]> {
    const reported: string[] = [];
    const args = {
        type,
        name: NAME,
        urn: `urn:pulumi:dev::p::${type}::${NAME}`,
        props: asTheEngineHandsThem(props),
        getConfig: () => config,
    } as unknown as ResourceValidationArgs;
    const validate = policy(name).validateResource;
    for (const one of Array.isArray(validate) ? validate : [validate!]) await one(args, (message) => reported.push(message));
    return reported;
}

async function allViolations(type: string, props: Props): Promise<string[]> {
    const names = policies.filter((p) => "validateResource" in p).map((p) => p.name);
    return (await Promise.all(names.map((name) => violations(name, type, props)))).flat();
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

test("someone else's resource is not judged", async () => {
    expect(await allViolations("grafana:index/apiKey:ApiKey", { role: "Admin", verify: false, mode: "apiKey" })).toEqual([]);
});

describe.each(SIDES)("$name", (side) => {
    const KEY = "GrafanaApiKey";
    const judge = async (name: string, args: Props, config: object = {}, kind: KeyResourceKind = KEY) =>
        violations(name, side.type(kind), await side.check(kind, args), config);

    test("a compliant key passes every policy", async () => {
        expect(await allViolations(side.type(KEY), await side.check(KEY, COMPLIANT))).toEqual([]);
    });

    describe("allowed roles", () => {
        test("Admin is refused by default, naming the roles to use", async () => {
            expect(await judge("grafana-key-allowed-roles", { ...COMPLIANT, role: "Admin" })).toEqual([
                'GrafanaApiKey "grafana-key" has role Admin; set role to one of None, Viewer, Editor.',
            ]);
            expect(await judge("grafana-key-allowed-roles", { role: "Admin" }, {}, "GrafanaServiceAccount")).toEqual([
                'GrafanaServiceAccount "grafana-key" has role Admin; set role to one of None, Viewer, Editor.',
            ]);
        });
        test("config narrows the list; an omitted role is Grafana's default, Viewer", async () => {
            expect(await judge("grafana-key-allowed-roles", {}, { allowedRoles: ["None"] })).toEqual([
                'GrafanaApiKey "grafana-key" has role Viewer; set role to one of None.',
            ]);
            expect(await judge("grafana-key-allowed-roles", { role: "Admin" }, { allowedRoles: ["Admin"] })).toEqual([]);
        });
    });

    describe("time to live", () => {
        test("a key that never expires is refused; a token too", async () => {
            expect(await judge("grafana-key-time-to-live-required", { role: "Viewer" })).toEqual([
                'GrafanaApiKey "grafana-key" never expires; set timeToLive, e.g. "30d", and rotateBefore, e.g. "7d".',
            ]);
            expect(await judge("grafana-key-time-to-live-required", { serviceAccountId: 1 }, {}, "GrafanaServiceAccountToken")).toEqual([
                'GrafanaServiceAccountToken "grafana-key" never expires; set timeToLive, e.g. "30d", and rotateBefore, e.g. "7d".',
            ]);
        });
        test("longer than the maximum (default 90d) is refused, with the limit to use; config changes it", async () => {
            expect(await judge("grafana-key-max-time-to-live", { timeToLive: "1y" })).toEqual([
                'GrafanaApiKey "grafana-key" lives 1y; set timeToLive to at most 90d.',
            ]);
            expect(await judge("grafana-key-max-time-to-live", { timeToLive: "90d" })).toEqual([]);
            expect(await judge("grafana-key-max-time-to-live", { timeToLive: "90d" }, { maxTimeToLive: "30d" })).toHaveLength(1);
            // Seconds as a number, as the provider accepts them.
            expect(await judge("grafana-key-max-time-to-live", { timeToLive: 8_000_000 })).toHaveLength(1);
        });
        test("a bad limit in the config fails loudly, naming the config field", async () => {
            await expect(judge("grafana-key-max-time-to-live", { timeToLive: "1d" }, { maxTimeToLive: "ninety" })).rejects.toThrow(
                /policy config maxTimeToLive "ninety" is not a duration/,
            );
        });
    });

    test("a long-lived key without rotateBefore is refused; a short-lived one is not", async () => {
        expect(await judge("grafana-key-rotate-before-required", { timeToLive: "30d" })).toEqual([
            'GrafanaApiKey "grafana-key" lives 30d with no rotation window; set rotateBefore (e.g. "7d") so that a scheduled pulumi up rotates it before it expires.',
        ]);
        expect(await judge("grafana-key-rotate-before-required", { timeToLive: "1d" })).toEqual([]);
        expect(await judge("grafana-key-rotate-before-required", { timeToLive: "1d" }, { longLivedFrom: "12h" })).toHaveLength(1);
    });

    test('legacy mode "apiKey" is refused, saying what to change; "auto", "serviceAccount" and no mode pass', async () => {
        expect(await judge("grafana-key-no-legacy-api-keys", { ...COMPLIANT, mode: "apiKey" })).toEqual([
            'GrafanaApiKey "grafana-key" asks for a legacy API key (mode "apiKey"); remove mode or set it to "serviceAccount".',
        ]);
        for (const mode of ["auto", "serviceAccount", undefined]) {
            expect(await judge("grafana-key-no-legacy-api-keys", { ...COMPLIANT, mode })).toEqual([]);
        }
    });

    test("verify: false is refused, saying what to change", async () => {
        expect(await judge("grafana-key-verify-on", { ...COMPLIANT, verify: false })).toEqual([
            'GrafanaApiKey "grafana-key" skips proving the new key works; remove verify: false.',
        ]);
        expect(await judge("grafana-key-verify-on", { ...COMPLIANT, verify: true })).toEqual([]);
    });

    test("values unknown during preview are left for up, and the known ones are still judged", async () => {
        const unknown = ["role", "timeToLive", "rotateBefore", "mode"];
        expect(await allViolations(side.type(KEY), await side.check(KEY, {}, unknown))).toEqual([]);
        expect(await allViolations(side.type(KEY), await side.check(KEY, { verify: false }, unknown))).toEqual([
            'GrafanaApiKey "grafana-key" skips proving the new key works; remove verify: false.',
        ]);
    });

    describe("a token is judged by the role its service account holds in Grafana", () => {
        const TOKEN = "GrafanaServiceAccountToken";
        const tokenOn = (serviceAccountId: number) => side.check(TOKEN, { serviceAccountId, ...COMPLIANT_TOKEN });
        const roleViolations = async (props: Props, config: object = {}) =>
            violations("grafana-key-allowed-roles", side.type(TOKEN), props, config);
        const adminRefused = (account: number) =>
            `GrafanaServiceAccountToken "grafana-key" would be a token of service account ${account}, whose role is Admin; ` +
            "use an account whose role is one of None, Viewer, Editor, or lower this account's role.";
        const accountOf = (role: string, name: string) =>
            asOtherAdmin<{ id: number }>(side.grafana(), "POST", "/api/serviceaccounts", { name, role }).then((account) => account.id);

        test("an Admin account made outside the stack is refused; an Editor one passes", async () => {
            const admin = await accountOf("Admin", "made-by-hand-admin");
            expect(await roleViolations(await tokenOn(admin))).toEqual([adminRefused(admin)]);
            expect(await roleViolations(await tokenOn(admin), { allowedRoles: ["Viewer", "Admin"] })).toEqual([]);
            const editor = await accountOf("Editor", "made-by-hand-editor");
            expect(await allViolations(side.type(TOKEN), await tokenOn(editor))).toEqual([]);
        });

        test("an account whose role was raised since is judged by its role now", async () => {
            const account = await accountOf("Viewer", "raised-later");
            expect(await roleViolations(await tokenOn(account))).toEqual([]);
            await asOtherAdmin(side.grafana(), "PATCH", `/api/serviceaccounts/${account}`, { name: "raised-later", role: "Admin" });
            expect(await roleViolations(await tokenOn(account))).toEqual([adminRefused(account)]);
        });

        test("Grafana's own account for a migrated Admin key (sa-autogen-*) is refused", async () => {
            const grafana = side.grafana();
            if (grafana.profile === "10.4") {
                await asOtherAdmin(grafana, "POST", "/api/auth/keys", { name: "old admin key", role: "Admin", secondsToLive: 0 });
                grafana.upgrade("12.1");
            }
            const migrated = grafana.state.serviceAccounts().find((account) => account.name.startsWith("sa-autogen-"));
            expect(migrated?.role).toBe("Admin");
            expect(await roleViolations(await tokenOn(migrated!.id))).toEqual([adminRefused(migrated!.id)]);
        });

        test("an account not known yet (preview) is left for up; one Grafana does not know is refused", async () => {
            const unknownAccount = await side.check(TOKEN, { serviceAccountId: 0, ...COMPLIANT_TOKEN }, ["serviceAccountId"]);
            expect(await roleViolations(unknownAccount)).toEqual([]);
            expect(await roleViolations(await tokenOn(4242))).toEqual([
                'GrafanaServiceAccountToken "grafana-key": the role of service account 4242 could not be read from Grafana, so ' +
                    "the token's role is not known; make sure the account exists and the provider's credential may read service " +
                    "accounts (the provider's warning says why).",
            ]);
            expect(await roleViolations(await tokenOn(4242), { allowedRoles: ["None", "Viewer", "Editor", "Admin"] })).toEqual([]);
        });
    });

    describe("rotation reaches consumers (stack)", () => {
        const stackPolicy = policies.find((p) => p.name === "grafana-key-rotation-reaches-consumers") as StackValidationPolicy;
        async function stackViolations(rotateBefore: string, config: object = {}) {
            const reported: Array<{ message: string; urn?: string }> = [];
            const urn = `urn:pulumi:dev::p::${side.type(KEY)}::${NAME}`;
            const props = await side.check(KEY, { timeToLive: "30d", rotateBefore });
            const args = {
                resources: [
                    { type: side.type(KEY), name: NAME, urn, props: asTheEngineHandsThem(props) },
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
                    urn: `urn:pulumi:dev::p::${side.type(KEY)}::${NAME}`,
                },
            ]);
            expect(await stackViolations("2d")).toEqual([]);
            expect(await stackViolations("2d", { redeployInterval: "7d" })).toHaveLength(1);
        });
    });
});
