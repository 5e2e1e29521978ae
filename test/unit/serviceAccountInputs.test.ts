import { lifecycle } from "pulumi-azure-grafana-keys/impl";
import { startEmulator, type Emulator } from "azure-managed-grafana-emulator";
import { asOtherAdmin } from "../harness/otherClient";

const account = lifecycle("GrafanaServiceAccount");
const token = lifecycle("GrafanaServiceAccountToken");
const endpoint = "https://g.example.com";

// A token's check asks Grafana for its account's role (accountRole.ts): an emulated one, signed in as its admin.
let grafana: Emulator;
beforeAll(async () => {
    grafana = await startEmulator({ profile: "12.1" });
    process.env.GRAFANA_AUTH = grafana.credentials.adminBasic;
});
afterAll(async () => {
    delete process.env.GRAFANA_AUTH;
    await grafana.close();
});

describe("GrafanaServiceAccount and GrafanaServiceAccountToken inputs", () => {
    test("defaults: a Viewer, enabled account; a verified token that never expires", async () => {
        expect((await account.check({}, { endpoint, logicalName: "bot" })).inputs).toEqual({
            endpoint,
            workspaceId: null,
            __nameSource: "auto",
            __logicalName: "bot",
            role: "Viewer",
            isDisabled: false,
            orgId: null,
            adopt: null,
        });
        const editor = (await asOtherAdmin<{ id: number }>(grafana, "POST", "/api/serviceaccounts", { name: "deployer", role: "Editor" }))
            .id;
        expect((await token.check({}, { endpoint: grafana.url, serviceAccountId: editor, logicalName: "t" })).inputs).toEqual({
            endpoint: grafana.url,
            workspaceId: null,
            serviceAccountId: editor,
            accountRole: "Editor",
            __nameSource: "auto",
            __logicalName: "t",
            timeToLive: null,
            orgId: null,
            adopt: null,
            rotateBefore: null,
            rotationTrigger: null,
            revokePrevious: false,
            verify: true,
        });
    });

    test.each<[string, typeof account, Record<string, unknown>, string, RegExp]>([
        [
            "account role None is allowed, lower-case is not",
            account,
            { role: "admin" },
            "role",
            /role "admin" is not allowed: use one of Viewer, Editor, Admin, None/,
        ],
        [
            "account isDisabled as a string",
            account,
            { isDisabled: "true" },
            "isDisabled",
            /isDisabled "true" is not allowed: use true or false/,
        ],
        [
            "account without an address",
            account,
            { endpoint: undefined },
            "endpoint",
            /endpoint is required: .* or give workspaceId instead/,
        ],
        [
            "token without its account",
            token,
            {},
            "serviceAccountId",
            /serviceAccountId is required: use the id of a Grafana service account/,
        ],
        ["token account id 0", token, { serviceAccountId: 0 }, "serviceAccountId", /serviceAccountId 0 is not allowed \(it is below 1\)/],
        ["token account id as text", token, { serviceAccountId: "3" }, "serviceAccountId", /serviceAccountId "3" is not allowed/],
        [
            "token rotateBefore in the wrong unit",
            token,
            { serviceAccountId: 3, rotateBefore: "7 days" },
            "rotateBefore",
            /rotateBefore "7 days" is not allowed \(it is not a sequence of <number><unit> parts\)/,
        ],
        [
            "token with a role (tokens take their account's)",
            token,
            { serviceAccountId: 3, role: "Admin" },
            "role",
            /role is not an input of this resource/,
        ],
    ])("%s", async (_case, resource, news, property, reason) => {
        const result = await resource.check({}, { endpoint, logicalName: "x", ...news });
        expect(result.failures!.find((failure) => failure.property === property)?.reason).toMatch(reason);
    });
});
