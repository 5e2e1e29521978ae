import { expect } from "@jest/globals";
import { lifecycle } from "pulumi-azure-grafana-keys/impl";

const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const { check } = lifecycle("GrafanaApiKey");
const valid = { endpoint: "https://my-ws-abcd.wus.grafana.azure.com", logicalName: "ci", role: "Editor" };

describe("check: good inputs are normalised", () => {
    test("defaults: role Viewer, mode auto, never expires, no name yet (create draws one)", async () => {
        const result = await check({}, { endpoint: "https://G.example.com/", logicalName: "ci" });
        expect(result.failures ?? []).toEqual([]);
        expect(result.inputs).toEqual({
            endpoint: "https://g.example.com",
            workspaceId: null,
            __nameSource: "auto",
            __logicalName: "ci",
            role: "Viewer",
            timeToLive: null,
            orgId: null,
            __requestedMode: "auto",
            rotateBefore: null,
            rotationTrigger: null,
            revokePrevious: false,
            verify: true,
        });
    });

    test("the same program checks to the same inputs every time, so preview shows what up does", async () => {
        expect(await check({}, valid)).toEqual(await check({ name: "ci-abc123" }, valid));
    });

    test("a given name wins and is marked as the user's", async () => {
        const result = await check({}, { ...valid, name: "api-key-1" });
        expect(result.inputs).toMatchObject({ name: "api-key-1", __nameSource: "user" });
    });

    test.each([
        ["http://127.0.0.1:3000", "http://127.0.0.1:3000"],
        ["http://localhost:3000/", "http://localhost:3000"],
        ["http://[::1]:3000", "http://[::1]:3000"],
        ["https://grafana.example.com:443", "https://grafana.example.com"],
    ])("endpoint %s is accepted as %s", async (endpoint, normalised) => {
        const result = await check({}, { ...valid, endpoint });
        expect(result.inputs!.endpoint).toBe(normalised);
    });

    test("a rotation trigger may be text or a number, kept as text", async () => {
        expect((await check({}, { ...valid, rotationTrigger: 3 })).inputs).toMatchObject({ rotationTrigger: "3" });
        expect((await check({}, { ...valid, rotationTrigger: "2026-11-30 leak" })).inputs).toMatchObject({
            rotationTrigger: "2026-11-30 leak",
        });
    });

    test("a number of seconds and a numeric orgId string are accepted", async () => {
        const result = await check({}, { ...valid, timeToLive: 3600, orgId: "2" });
        expect(result.inputs).toMatchObject({ timeToLive: "3600", orgId: 2 });
    });

    test("values unknown during preview pass untouched", async () => {
        const result = await check({}, { ...valid, endpoint: UNKNOWN, name: UNKNOWN, timeToLive: UNKNOWN, orgId: UNKNOWN });
        expect(result.failures ?? []).toEqual([]);
        expect(result.inputs).toMatchObject({ endpoint: UNKNOWN, name: UNKNOWN, timeToLive: UNKNOWN, orgId: UNKNOWN });
    });
});

describe("check: each bad input names the field, shows the value and says what is allowed", () => {
    test.each<[string, Record<string, unknown>, string, RegExp]>([
        ["missing endpoint", { endpoint: undefined }, "endpoint", /endpoint is required: use the Grafana URL as https:/],
        [
            "endpoint not a URL",
            { endpoint: "grafana" },
            "endpoint",
            /endpoint "grafana" is not allowed \(it is not a URL\): use the Grafana URL/,
        ],
        ["plain http to a remote host", { endpoint: "http://grafana.example.com" }, "endpoint", /plain http is allowed only for loopback/],
        ["credentials in the URL", { endpoint: "https://admin:secret@g.example.com" }, "endpoint", /carries a user or password/],
        ["a path", { endpoint: "https://g.example.com/grafana" }, "endpoint", /has a path \(\/grafana\)/],
        ["a query", { endpoint: "https://g.example.com/?x=1" }, "endpoint", /has a query/],
        ["a fragment", { endpoint: "https://g.example.com/#top" }, "endpoint", /has a fragment/],
        ["ftp scheme", { endpoint: "ftp://g.example.com" }, "endpoint", /scheme ftp: is not https/],
        ["endpoint a number", { endpoint: 42 }, "endpoint", /endpoint 42 is not allowed \(it is a number\)/],
        ["role in the wrong case", { role: "editor" }, "role", /role "editor" is not allowed: use one of Viewer, Editor, Admin, None/],
        ["unknown role", { role: "Owner" }, "role", /role "Owner" is not allowed/],
        ["None with legacy keys", { role: "None", mode: "apiKey" }, "role", /role "None" is not allowed with mode "apiKey"/],
        ["bad unit", { timeToLive: "7x" }, "timeToLive", /timeToLive "7x" is not allowed \("x" is not a unit\): use a number with a unit/],
        ["repeated unit", { timeToLive: "1y1y" }, "timeToLive", /repeated or out of order/],
        ["negative number", { timeToLive: -5 }, "timeToLive", /whole number of seconds above 0/],
        ["too long", { timeToLive: "200y" }, "timeToLive", /longer than 100y/],
        ["a list", { timeToLive: ["7d"] }, "timeToLive", /timeToLive \["7d"\] is not allowed \(it is a list\)/],
        ["orgId zero", { orgId: 0 }, "orgId", /orgId 0 is not allowed \(it is below 1\): use a whole number >= 1/],
        ["orgId fraction", { orgId: 1.5 }, "orgId", /not a whole number/],
        ["orgId word", { orgId: "main" }, "orgId", /orgId "main" is not allowed/],
        ["empty name", { name: "" }, "name", /name "" is not allowed \(it is empty\): use 1 to 190 characters/],
        ["name with a newline", { name: "a\nb" }, "name", /name "a\\nb" is not allowed \(it contains control characters\)/],
        ["name with spaces around", { name: " key " }, "name", /leading or trailing spaces/],
        [
            "name of 10 KB",
            { name: "k".repeat(10_240) },
            "name",
            /longer than 190 characters.*\(10240 characters\)|\(10240 characters\).*longer than 190/,
        ],
        ["unknown mode", { mode: "legacy" }, "mode", /mode "legacy" is not allowed: use one of auto .*apiKey .*serviceAccount/],
        [
            "a typo'd field",
            { ttl: "7d" },
            "ttl",
            /ttl is not an input of this resource: use endpoint, workspaceId, name, role, timeToLive, orgId, mode, rotateBefore, rotationTrigger, revokePrevious, verify/,
        ],
        [
            "rotateBefore as long as the key lives",
            { timeToLive: "1d", rotateBefore: "7d" },
            "rotateBefore",
            /rotateBefore "7d" is not shorter than timeToLive "1d", so every run would rotate the key: set rotateBefore to less than "1d", or a longer timeToLive/,
        ],
        ["rotateBefore without a time to live", { rotateBefore: "7d" }, "rotateBefore", /rotateBefore "7d" needs a timeToLive/],
        [
            "a password in the endpoint is never shown",
            { endpoint: "https://admin:SuperSecretPw1@g.example.com/?token=abc" },
            "endpoint",
            /^endpoint "https:\/\/\*\*\*@g\.example\.com\/\?\*\*\*" is not allowed \(it carries a user or password/,
        ],
        ["rotateBefore of zero", { rotateBefore: "0s" }, "rotateBefore", /rotateBefore "0s" is not allowed \(it is zero\)/],
        [
            "an empty rotationTrigger",
            { rotationTrigger: "" },
            "rotationTrigger",
            /rotationTrigger "" is not allowed \(it is empty\): use any text or number/,
        ],
        [
            "a rotationTrigger that is an object",
            { rotationTrigger: { at: 1 } },
            "rotationTrigger",
            /rotationTrigger \{"at":1\} is not allowed \(it is a object\)/,
        ],
        ["revokePrevious as text", { revokePrevious: "yes" }, "revokePrevious", /revokePrevious "yes" is not allowed: use true or false/],
    ])("%s", async (_case, change, property, reason) => {
        const result = await check({}, { ...valid, ...change });
        expect(result.inputs).toBeUndefined();
        const failure = result.failures!.find((candidate) => candidate.property === property);
        expect(failure?.reason).toMatch(reason);
    });

    test("a name one character too long is reported with its own length, not that of its quoted form", async () => {
        const result = await check({}, { ...valid, name: "n".repeat(191) });
        expect(result.failures).toEqual([{ property: "name", reason: expect.stringContaining("(191 characters)") }]);
        expect(result.failures![0].reason).toMatch(/it is longer than 190 characters/);
    });

    test("characters are counted as Grafana's database counts them: a key emoji is one, not two", async () => {
        const keys = "\u{1F511}".repeat(150); // 300 UTF-16 code units, 150 characters
        expect((await check({}, { ...valid, name: keys })).failures ?? []).toEqual([]);
        const tooMany = await check({}, { ...valid, name: "\u{1F511}".repeat(191) });
        expect(tooMany.failures![0].reason).toMatch(/\(191 characters\) is not allowed \(it is longer than 190 characters\)/);
    });

    // A password may hold any character: whatever stands between "://" and the last "@" is never shown.
    test.each([
        ["a slash", "https://admin:Tr0ub/4dor3xyz@grafana.example.com", "Tr0ub/4dor3xyz"],
        ["a question mark", "https://admin:Tr0ub?4dor3xyz@grafana.example.com", "Tr0ub?4dor3xyz"],
        ["a hash", "https://admin:Tr0ub#4dor3xyz@grafana.example.com", "Tr0ub#4dor3xyz"],
        ["an at sign", "https://admin:Tr0ub@4dor3xyz@grafana.example.com", "Tr0ub@4dor3xyz"],
        ["a slash and a path", "https://admin:12/4dor3xyz@grafana.example.com/grafana", "4dor3xyz"],
        ["no scheme", "admin:Tr0ub/4dor3xyz@grafana.example.com", "Tr0ub/4dor3xyz"],
    ])("a password with %s in the endpoint is masked whole", async (_case, endpoint, password) => {
        const result = await check({}, { ...valid, endpoint });
        const reason = result.failures!.find((failure) => failure.property === "endpoint")!.reason;
        for (const part of [password, ...password.split(/[/?#@]/)]) expect(reason).not.toContain(part);
        expect(reason).not.toContain("admin");
        expect(reason).toMatch(/grafana\.example\.com/);
    });

    test("a password with a slash is refused as a credential, not as a path or a bad port", async () => {
        const result = await check({}, { ...valid, endpoint: "https://admin:Tr0ub/4dor3xyz@grafana.example.com" });
        expect(result.failures).toEqual([
            {
                property: "endpoint",
                reason: expect.stringMatching(
                    /^endpoint "https:\/\/\*\*\*@grafana\.example\.com" is not allowed \(it carries a user or password; give credentials through GRAFANA_AUTH instead\)/,
                ),
            },
        ]);
    });

    test("a 10 KB value is shown cut short", async () => {
        const result = await check({}, { ...valid, name: "k".repeat(10_240) });
        expect(result.failures![0].reason.length).toBeLessThan(400);
    });
});
