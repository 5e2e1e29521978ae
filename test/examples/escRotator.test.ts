import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { lifecycle } from "pulumi-azure-grafana-keys/impl";
import { requestProblems, rotatedSecret } from "pulumi-azure-grafana-keys-esc-rotator";
import { REPO_ROOT } from "../harness/host";

/**
 * examples/esc-rotator, where Azure and ESC cannot run: the program under Pulumi's mocks (what it asks Azure for),
 * and environment.yaml against the adapter's own rules (what ESC will send it, and what applications read back).
 */

// eslint-disable-next-line @typescript-eslint/no-require-imports -- js-yaml ships no types; only load() is used
const { load } = require("js-yaml") as { load(this: void, text: string): unknown };

const EXAMPLE = path.join(REPO_ROOT, "examples", "esc-rotator");
const WORKSPACE_ID = "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/obs/providers/Microsoft.Dashboard/grafana/g1";
const PRINCIPAL_ID = "99999999-8888-7777-6666-555555555555";
const GRAFANA_ADMIN = "22926164-76b3-42b3-bc55-97df8dab3e41";

type Registered = { type: string; name: string; inputs: Record<string, unknown> };

/** A value the engine would store encrypted reaches the mocks wrapped as a secret; its contents, for the assertions. */
function unsecret(value: unknown): unknown {
    const SECRET = "4dabf18193072939515e22adb298388d"; // Pulumi's signature key for a secret value
    if (value && typeof value === "object" && SECRET in value) return (value as { [SECRET]: unknown; value?: unknown }).value;
    return value;
}

describe("the Azure Functions deployment, under Pulumi's mocks", () => {
    const registered: Registered[] = [];
    let outputs: Record<string, unknown>;

    beforeAll(async () => {
        pulumi.runtime.setAllConfig({ "azure-grafana-keys-esc-rotator:workspaceId": WORKSPACE_ID });
        await pulumi.runtime.setMocks(
            {
                newResource: (args) => {
                    const inputs = args.inputs as Record<string, unknown>;
                    registered.push({ type: args.type, name: args.name, inputs });
                    // Azure gives a system-assigned identity its principal id.
                    const identity =
                        args.type === "azure-native:web:WebApp"
                            ? { identity: { ...(inputs.identity as object), principalId: PRINCIPAL_ID } }
                            : {};
                    return { id: `${args.name}-id`, state: { ...inputs, ...identity, url: `https://blob/${args.name}` } };
                },
                call: (args) =>
                    args.token.endsWith("listStorageAccountKeys") ? { keys: [{ value: "storage-key" }] } : { serviceSasToken: "sv=sas" },
            },
            "azure-grafana-keys-esc-rotator",
            "dev",
            false,
        );
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- the program runs as Pulumi runs it: loaded once mocks are set
        const program = require(path.join(EXAMPLE, "index.ts")) as Record<string, unknown>;
        outputs = {};
        for (const [name, value] of Object.entries(program)) {
            outputs[name] = pulumi.Output.isInstance(value) ? await new Promise((resolve) => value.apply(resolve)) : value;
        }
    });

    const one = (type: string) => {
        const found = registered.filter((resource) => resource.type === type);
        expect(found).toHaveLength(1);
        return Object.fromEntries(Object.entries(found[0].inputs).map(([key, value]) => [key, unsecret(value)]));
    };

    test("a Linux Function App on Node.js 22 with a system-assigned identity, HTTPS only, one instance", () => {
        const app = one("azure-native:web:WebApp");
        expect(app).toMatchObject({
            kind: "functionapp,linux",
            httpsOnly: true,
            identity: { type: "SystemAssigned" },
            siteConfig: { linuxFxVersion: "Node|22", functionAppScaleLimit: 1 },
        });
    });

    test("the adapter's audience is the URL ESC is given, and no Grafana credential is stored", () => {
        const settings = (one("azure-native:web:WebApp").siteConfig as { appSettings: Array<{ name: string; value: unknown }> })
            .appSettings;
        const byName = Object.fromEntries(settings.map((setting) => [setting.name, unsecret(setting.value)]));
        expect(byName.ESC_ROTATOR_PUBLIC_URL).toBe(outputs.rotatorUrl);
        expect(outputs.rotatorUrl).toBe("https://grafana-esc-rotator-dev.azurewebsites.net/api/rotate");
        expect(byName.FUNCTIONS_WORKER_RUNTIME).toBe("node");
        expect(Object.keys(byName).filter((name) => /GRAFANA_AUTH|grafanaAuth|AZURE_CLIENT_SECRET/i.test(name))).toEqual([]);
        // Well inside the 230 s Azure gives an HTTP answer.
        expect(Number(byName.AZURE_GRAFANA_KEYS_OPERATION_DEADLINE_SECONDS)).toBeLessThan(230);
    });

    test("the identity gets the Grafana Admin role on the workspace, and on nothing else", () => {
        expect(one("azure-native:authorization:RoleAssignment")).toMatchObject({
            scope: WORKSPACE_ID,
            principalId: PRINCIPAL_ID,
            principalType: "ServicePrincipal",
            roleDefinitionId: `/subscriptions/11111111-2222-3333-4444-555555555555/providers/Microsoft.Authorization/roleDefinitions/${GRAFANA_ADMIN}`,
        });
    });
});

describe("environment.yaml", () => {
    interface Environment {
        values: {
            grafanaKey: { "fn::rotate::external": { inputs: { url: string; request: Record<string, unknown> } } };
            environmentVariables: Record<string, string>;
        };
    }
    const environment = load(fs.readFileSync(path.join(EXAMPLE, "environment.yaml"), "utf8")) as Environment;
    const rotator = environment.values.grafanaKey["fn::rotate::external"];

    test("it rotates through the adapter's URL, over HTTPS, as the example deploys it", () => {
        expect(new URL(rotator.inputs.url).protocol).toBe("https:");
        expect(rotator.inputs.url).toBe("https://grafana-esc-rotator-dev.azurewebsites.net/api/rotate");
    });

    test("its request is one the adapter and the provider's check accept", async () => {
        expect(requestProblems(rotator.inputs.request)).toEqual([]);
        const checked = await lifecycle("GrafanaApiKey").check({}, { logicalName: rotator.inputs.request.name, ...rotator.inputs.request });
        expect(checked.failures ?? []).toEqual([]);
    });

    test("applications read fields the adapter's answer has", () => {
        const read = Object.values(environment.values.environmentVariables).map(
            (value) => /^\$\{grafanaKey\.current\.(\w+)\}$/.exec(value)?.[1],
        );
        expect(read).toEqual(["grafanaUrl", "key"]);
        for (const field of read) expect(Object.keys(rotatedSecret.shape)).toContain(field);
    });
});
