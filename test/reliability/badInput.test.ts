import { GrafanaApiKey, WorkspaceApiKeyEnablement } from "pulumi-azure-grafana-keys";
import { DynamicProviderHost, Props } from "../harness/host";
import { register, Registration } from "../harness/program";
import { without } from "../harness/without";

/**
 * Malformed inputs through the REAL dynamic-provider host's Check, as `pulumi preview` sends them:
 * each must come back as a check failure that names the field and says what is allowed, and the host
 * must stay alive and keep answering valid checks. Wrong JavaScript types are put straight into the
 * `news` of a valid registration (keeping `__provider` and `logicalName`), because a typed program
 * could not produce them, but a JavaScript one or a stack reference can.
 */

const GUID = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
const WORKSPACE_ID = `/subscriptions/${GUID}/resourceGroups/rg-obs/providers/Microsoft.Dashboard/grafana/ws-1`;
const TEN_KB = "x".repeat(10_240);

/** The allowed form each field's failure must state (from the input tables of docs/reference.md). */
const ALLOWED: Record<string, RegExp> = {
    endpoint: /use the Grafana URL as https:\/\/<host>\[:port\], with no user, password, path, query or fragment/,
    workspaceId:
        /use an ARM id of an Azure Managed Grafana workspace: \/subscriptions\/<subscription GUID>\/resourceGroups\/<resource group>\/providers\/Microsoft\.Dashboard\/grafana\/<workspace name>/,
    name: /use 1 to 190 characters without control characters or surrounding spaces/,
    role: /use one of Viewer, Editor, Admin, None/,
    timeToLive: /use a number with a unit, largest unit first.*at most 100y/s,
    orgId: /use a whole number >= 1/,
    mode: /use one of auto .*apiKey .*serviceAccount/,
    enabled: /use true or false/,
    restoreOnDelete: /use true or false/,
    subscriptionId: /use the subscription's GUID/,
    resourceGroupName: /use 1-90 letters or digits \(of any script\), _ - \. \( \), not ending in a period/,
    workspaceName: /use 2-30 letters, digits and -, starting with a letter and not ending with -/,
};

interface BadInput {
    what: string;
    /** Fields to set (undefined removes one). */
    change: Props;
    property: string;
    /** What the failure must say besides the field and its allowed form. */
    reason?: RegExp;
    /** For failures that are about the combination of fields: what to do instead of an allowed form. */
    allowed?: RegExp;
}

const KEY_CASES: BadInput[] = [
    // endpoint: wrong types
    { what: "endpoint a number", change: { endpoint: 42 }, property: "endpoint", reason: /endpoint 42 is not allowed \(it is a number\)/ },
    { what: "endpoint a boolean", change: { endpoint: true }, property: "endpoint", reason: /\(it is a boolean\)/ },
    {
        what: "endpoint an object",
        change: { endpoint: { url: "https://g.example.com" } },
        property: "endpoint",
        reason: /\(it is a object\)|\(it is an object\)/,
    },
    { what: "endpoint a list", change: { endpoint: ["https://g.example.com"] }, property: "endpoint", reason: /\(it is a list\)/ },
    // endpoint: malformed strings
    { what: "endpoint empty", change: { endpoint: "" }, property: "endpoint", reason: /it is empty/ },
    { what: "endpoint only spaces", change: { endpoint: "   " }, property: "endpoint", reason: /it is empty/ },
    {
        what: "endpoint of 10 KB",
        change: { endpoint: `https://${TEN_KB}.example.com` },
        property: "endpoint",
        reason: /longer than 2048 characters/,
    },
    {
        what: "endpoint with user and password",
        change: { endpoint: "https://admin:s3cret@g.example.com" },
        property: "endpoint",
        reason: /carries a user or password/,
    },
    {
        what: "endpoint with a user only",
        change: { endpoint: "https://admin@g.example.com" },
        property: "endpoint",
        reason: /carries a user or password/,
    },
    { what: "endpoint with a path", change: { endpoint: "https://g.example.com/grafana/" }, property: "endpoint", reason: /has a path/ },
    {
        what: "endpoint with a backslash trick",
        change: { endpoint: "https://g.example.com\\@evil.example.com" },
        property: "endpoint",
        // Read as "/" by WHATWG parsers (a path), not by others (user info before evil.example.com): refused as the latter.
        reason: /carries a user or password/,
    },
    { what: "endpoint with a query", change: { endpoint: "https://g.example.com?orgId=2" }, property: "endpoint", reason: /has a query/ },
    { what: "endpoint with an empty query", change: { endpoint: "https://g.example.com/?" }, property: "endpoint", reason: /has a query/ },
    {
        what: "endpoint with a fragment",
        change: { endpoint: "https://g.example.com#/d/abc" },
        property: "endpoint",
        reason: /has a fragment/,
    },
    {
        what: "plain http to a remote host",
        change: { endpoint: "http://grafana.example.com" },
        property: "endpoint",
        reason: /plain http is allowed only for loopback/,
    },
    {
        what: "plain http to a private address",
        change: { endpoint: "http://10.0.0.7:3000" },
        property: "endpoint",
        reason: /plain http is allowed only for loopback/,
    },
    {
        what: "plain http to a name posing as loopback",
        change: { endpoint: "http://127.0.0.1.nip.example.com" },
        property: "endpoint",
        reason: /plain http is allowed only for loopback/,
    },
    {
        what: "plain http to localhost's lookalike",
        change: { endpoint: "http://localhost.example.com" },
        property: "endpoint",
        reason: /plain http is allowed only for loopback/,
    },
    {
        what: "endpoint with another scheme",
        change: { endpoint: "ftp://g.example.com" },
        property: "endpoint",
        reason: /scheme ftp: is not https/,
    },
    {
        what: "endpoint a javascript: URL",
        change: { endpoint: "javascript:alert(1)" },
        property: "endpoint",
        reason: /scheme javascript: is not https/,
    },
    { what: "endpoint not a URL", change: { endpoint: "grafana.example.com" }, property: "endpoint", reason: /it is not a URL/ },
    {
        what: "endpoint with a space in the host",
        change: { endpoint: "https://gra fana.example.com" },
        property: "endpoint",
        reason: /it is not a URL/,
    },
    {
        what: "endpoint with a NUL in the host",
        change: { endpoint: "https://gra\u0000fana.example.com" },
        property: "endpoint",
        reason: /it is not a URL/,
    },
    {
        what: "endpoint and workspaceId both",
        change: { workspaceId: WORKSPACE_ID },
        property: "endpoint",
        allowed: /give either endpoint or workspaceId, not both/,
    },
    { what: "neither endpoint nor workspaceId", change: { endpoint: undefined }, property: "endpoint", reason: /endpoint is required/ },
    // workspaceId on a key
    {
        what: "key workspaceId of another resource type",
        change: { endpoint: undefined, workspaceId: `/subscriptions/${GUID}/resourceGroups/rg/providers/Microsoft.Web/sites/app` },
        property: "workspaceId",
        reason: /Microsoft\.Web\/sites, not of a Microsoft\.Dashboard\/grafana workspace/,
    },
    {
        what: "key workspaceId a number",
        change: { endpoint: undefined, workspaceId: 7 },
        property: "workspaceId",
        reason: /\(it is a number\)/,
    },
    // name
    { what: "name a number", change: { name: 123 }, property: "name", reason: /name 123 is not allowed \(it is a number\)/ },
    { what: "name empty", change: { name: "" }, property: "name", reason: /it is empty/ },
    { what: "name of 10 KB", change: { name: TEN_KB }, property: "name", reason: /longer than 190 characters/ },
    { what: "name of 191 characters", change: { name: "n".repeat(191) }, property: "name", reason: /longer than 190 characters/ },
    { what: "name with a newline", change: { name: "ci\nkey" }, property: "name", reason: /control characters/ },
    { what: "name with a NUL", change: { name: "ci\u0000key" }, property: "name", reason: /control characters/ },
    { what: "name with an escape sequence", change: { name: "ci\u001b[31mkey" }, property: "name", reason: /control characters/ },
    { what: "name with a C1 control character", change: { name: "ci\u0085key" }, property: "name", reason: /control characters/ },
    { what: "name with surrounding spaces", change: { name: " ci-key " }, property: "name", reason: /leading or trailing spaces/ },
    { what: "name a list", change: { name: ["ci"] }, property: "name", reason: /\(it is a list\)/ },
    // role
    { what: "role in the wrong case", change: { role: "editor" }, property: "role", reason: /role "editor" is not allowed/ },
    { what: "role in upper case", change: { role: "ADMIN" }, property: "role", reason: /role "ADMIN" is not allowed/ },
    { what: "role with a trailing space", change: { role: "Viewer " }, property: "role", reason: /role "Viewer " is not allowed/ },
    { what: "role unknown", change: { role: "Owner" }, property: "role", reason: /role "Owner" is not allowed/ },
    { what: "role empty", change: { role: "" }, property: "role", reason: /role "" is not allowed/ },
    { what: "role a number", change: { role: 2 }, property: "role", reason: /\(it is a number\)/ },
    {
        what: "role None with legacy keys",
        change: { role: "None", mode: "apiKey" },
        property: "role",
        allowed: /role "None" is not allowed with mode "apiKey".*use mode "serviceAccount"/,
    },
    // timeToLive
    { what: "timeToLive 1y1y", change: { timeToLive: "1y1y" }, property: "timeToLive", reason: /unit "y" is repeated or out of order/ },
    { what: "timeToLive 7x", change: { timeToLive: "7x" }, property: "timeToLive", reason: /"x" is not a unit/ },
    { what: "timeToLive units out of order", change: { timeToLive: "12h1d" }, property: "timeToLive", reason: /repeated or out of order/ },
    {
        what: "timeToLive unit first",
        change: { timeToLive: "d7" },
        property: "timeToLive",
        reason: /not a sequence of <number><unit> parts/,
    },
    {
        what: "timeToLive with a space",
        change: { timeToLive: "7 d" },
        property: "timeToLive",
        reason: /not a sequence of <number><unit> parts/,
    },
    {
        what: "timeToLive negative string",
        change: { timeToLive: "-1d" },
        property: "timeToLive",
        reason: /not a sequence of <number><unit> parts/,
    },
    {
        what: "timeToLive negative number",
        change: { timeToLive: -5 },
        property: "timeToLive",
        reason: /a number must be a whole number of seconds above 0/,
    },
    { what: "timeToLive zero", change: { timeToLive: 0 }, property: "timeToLive", reason: /above 0/ },
    { what: "timeToLive zero as text", change: { timeToLive: "0s" }, property: "timeToLive", reason: /it is zero/ },
    { what: "timeToLive a fraction", change: { timeToLive: 1.5 }, property: "timeToLive", reason: /whole number of seconds/ },
    { what: "timeToLive overflowing the 100y cap", change: { timeToLive: "101y" }, property: "timeToLive", reason: /longer than 100y/ },
    { what: "timeToLive overflowing a double", change: { timeToLive: 1e300 }, property: "timeToLive" },
    {
        what: "timeToLive beyond 2^53 seconds",
        change: { timeToLive: "99999999999999999999s" },
        property: "timeToLive",
        reason: /longer than 100y/,
    },
    { what: "timeToLive empty", change: { timeToLive: "" }, property: "timeToLive", reason: /it is empty/ },
    { what: "timeToLive with a NUL", change: { timeToLive: "1d\u0000" }, property: "timeToLive" },
    { what: "timeToLive of 10 KB", change: { timeToLive: `${"9".repeat(10_240)}d` }, property: "timeToLive", reason: /longer than 100y/ },
    { what: "timeToLive a list", change: { timeToLive: ["7d"] }, property: "timeToLive", reason: /\(it is a list\)/ },
    { what: "timeToLive a boolean", change: { timeToLive: true }, property: "timeToLive", reason: /\(it is a boolean\)/ },
    // orgId
    { what: "orgId zero", change: { orgId: 0 }, property: "orgId", reason: /below 1/ },
    { what: "orgId negative", change: { orgId: -1 }, property: "orgId", reason: /below 1/ },
    { what: "orgId a fraction", change: { orgId: 1.5 }, property: "orgId", reason: /not a whole number/ },
    { what: "orgId beyond int32", change: { orgId: 2_147_483_648 }, property: "orgId", reason: /too large/ },
    { what: "orgId a word", change: { orgId: "main" }, property: "orgId", reason: /orgId "main" is not allowed/ },
    { what: "orgId in exponent notation", change: { orgId: "1e3" }, property: "orgId", reason: /orgId "1e3" is not allowed/ },
    { what: "orgId a boolean", change: { orgId: true }, property: "orgId" },
    // mode
    { what: "mode unknown", change: { mode: "legacy" }, property: "mode", reason: /mode "legacy" is not allowed/ },
    { what: "mode in the wrong case", change: { mode: "APIKEY" }, property: "mode", reason: /mode "APIKEY" is not allowed/ },
    { what: "mode a number", change: { mode: 1 }, property: "mode", reason: /\(it is a number\)/ },
    // typos
    {
        what: "a field that does not exist",
        change: { ttl: "7d" },
        property: "ttl",
        allowed: /ttl is not an input of this resource: use endpoint, workspaceId, name, role, timeToLive, orgId, mode/,
    },
];

const ENABLEMENT_CASES: BadInput[] = [
    { what: "workspaceId empty", change: { workspaceId: "" }, property: "workspaceId", reason: /does not start with \/subscriptions\// },
    { what: "workspaceId a number", change: { workspaceId: 42 }, property: "workspaceId", reason: /\(it is a number\)/ },
    {
        what: "workspaceId an object",
        change: { workspaceId: { id: WORKSPACE_ID } },
        property: "workspaceId",
        reason: /\(it is a object\)|\(it is an object\)/,
    },
    {
        what: "workspaceId of a web app",
        change: { workspaceId: `/subscriptions/${GUID}/resourceGroups/rg/providers/Microsoft.Web/sites/app` },
        property: "workspaceId",
        reason: /Microsoft\.Web\/sites, not of a Microsoft\.Dashboard\/grafana workspace/,
    },
    {
        what: "workspaceId of a resource group",
        change: { workspaceId: `/subscriptions/${GUID}/resourceGroups/rg` },
        property: "workspaceId",
        reason: /not of a resource/,
    },
    {
        what: "workspaceId of a subscription",
        change: { workspaceId: `/subscriptions/${GUID}` },
        property: "workspaceId",
        reason: /names no resource group/,
    },
    {
        what: "workspaceId of a workspace's child",
        change: { workspaceId: `${WORKSPACE_ID}/privateEndpointConnections/pe-1` },
        property: "workspaceId",
        reason: /privateEndpointConnections, not of a Microsoft\.Dashboard\/grafana workspace/,
    },
    {
        what: "workspaceId with a subscription that is no GUID",
        change: { workspaceId: WORKSPACE_ID.replace(GUID, "my-subscription") },
        property: "workspaceId",
        reason: /subscription "my-subscription" is not a GUID/,
    },
    {
        what: "workspaceId with a query",
        change: { workspaceId: `${WORKSPACE_ID}?api-version=2025-08-01` },
        property: "workspaceId",
        reason: /workspace name "ws-1\?api-version=2025-08-01" is not valid/,
    },
    {
        what: "workspaceId climbing out with ..",
        change: { workspaceId: `/subscriptions/${GUID}/resourceGroups/../providers/Microsoft.Dashboard/grafana/ws-1` },
        property: "workspaceId",
        reason: /resource group "\.\." is not a valid name/,
    },
    {
        what: "workspaceId as a full URL",
        change: { workspaceId: `https://management.azure.com${WORKSPACE_ID}` },
        property: "workspaceId",
        reason: /does not start with \/subscriptions\//,
    },
    {
        what: "workspaceId with a unicode workspace name",
        change: { workspaceId: WORKSPACE_ID.replace("ws-1", "wś-1") },
        property: "workspaceId",
        reason: /workspace name "wś-1" is not valid/,
    },
    {
        what: "workspaceId with a control character",
        change: { workspaceId: WORKSPACE_ID.replace("rg-obs", "rg\u0000obs") },
        property: "workspaceId",
        reason: /is not a valid name/,
    },
    { what: "workspaceId of 10 KB", change: { workspaceId: `${WORKSPACE_ID}${TEN_KB}` }, property: "workspaceId" },
    { what: "enabled as the text true", change: { enabled: "true" }, property: "enabled", reason: /enabled "true" is not allowed/ },
    { what: "enabled a number", change: { enabled: 1 }, property: "enabled", reason: /\(it is a number\)/ },
    {
        what: "restoreOnDelete as the text no",
        change: { restoreOnDelete: "no" },
        property: "restoreOnDelete",
        reason: /restoreOnDelete "no" is not allowed/,
    },
    {
        what: "workspaceId and its parts both",
        change: { subscriptionId: GUID, resourceGroupName: "rg-obs", workspaceName: "ws-1" },
        property: "workspaceId",
        allowed: /give either workspaceId or subscriptionId \+ resourceGroupName \+ workspaceName, not both/,
    },
    { what: "no workspace at all", change: { workspaceId: undefined }, property: "workspaceId", reason: /workspaceId is required/ },
    {
        what: "parts: subscription not a GUID",
        change: { workspaceId: undefined, subscriptionId: "prod", resourceGroupName: "rg", workspaceName: "ws-1" },
        property: "subscriptionId",
        reason: /it is not a GUID/,
    },
    {
        what: "parts: resource group ending in a period",
        change: { workspaceId: undefined, subscriptionId: GUID, resourceGroupName: "rg.", workspaceName: "ws-1" },
        property: "resourceGroupName",
        reason: /resourceGroupName "rg\." is not allowed \(it is not a valid name\)/,
    },
    {
        what: "parts: workspace name starting with a digit",
        change: { workspaceId: undefined, subscriptionId: GUID, resourceGroupName: "rg", workspaceName: "1ws" },
        property: "workspaceName",
        reason: /workspaceName "1ws" is not allowed \(it is not valid\)/,
    },
    {
        what: "parts: workspace name ending with -",
        change: { workspaceId: undefined, subscriptionId: GUID, resourceGroupName: "rg", workspaceName: "ws-" },
        property: "workspaceName",
    },
    {
        what: "parts: workspace name of 10 KB",
        change: { workspaceId: undefined, subscriptionId: GUID, resourceGroupName: "rg", workspaceName: TEN_KB },
        property: "workspaceName",
    },
    {
        what: "parts: one missing",
        change: { workspaceId: undefined, subscriptionId: GUID, resourceGroupName: "rg" },
        property: "workspaceName",
        reason: /workspaceName is required with subscriptionId, resourceGroupName/,
    },
    {
        what: "a field that does not exist",
        change: { workspace: "ws-1" },
        property: "workspace",
        allowed:
            /workspace is not an input of this resource: use workspaceId, subscriptionId, resourceGroupName, workspaceName, enabled, restoreOnDelete/,
    },
];

/** A valid registration's inputs, with the bad values put in as a JavaScript program could. */
function withChange(valid: Registration, change: Props): Props {
    const news: Props = { ...valid.inputs };
    for (const [field, value] of Object.entries(change)) {
        if (value === undefined) delete news[field];
        else news[field] = value;
    }
    return news;
}

let host: DynamicProviderHost;
let validKey: Registration;
let validEnablement: Registration;

beforeAll(async () => {
    // No credential and no network: check must not need either.
    host = await DynamicProviderHost.start({ env: { PATH: process.env.PATH } });
    await host.configure();
    [validKey] = await register(() => [new GrafanaApiKey("ci", { endpoint: "https://my-ws-abcd.wus.grafana.azure.com", role: "Viewer" })]);
    [validEnablement] = await register(() => [new WorkspaceApiKeyEnablement("keys-on", { workspaceId: WORKSPACE_ID })]);
});
afterAll(async () => {
    await host.stop();
});

async function expectStillServing(): Promise<void> {
    expect(host.alive).toBe(true);
    const key = await host.check(validKey.urn, {}, validKey.inputs);
    expect(key.failures).toEqual([]);
    const enablement = await host.check(validEnablement.urn, {}, validEnablement.inputs);
    expect(enablement.failures).toEqual([]);
}

describe.each<[string, () => Registration, BadInput[]]>([
    ["GrafanaApiKey", () => validKey, KEY_CASES],
    ["WorkspaceApiKeyEnablement", () => validEnablement, ENABLEMENT_CASES],
])("%s: a bad input fails Check, naming the field and the allowed form", (_type, valid, cases) => {
    test("the valid registration itself passes", async () => {
        const { failures } = await host.check(valid().urn, {}, valid().inputs);
        expect(failures).toEqual([]);
    });

    test.each(cases)("$what", async ({ change, property, reason, allowed }) => {
        const { failures } = await host.check(valid().urn, {}, withChange(valid(), change));
        const failure = failures.find((candidate) => candidate.property === property);
        expect({ property: failure?.property, all: failures.map((candidate) => candidate.property) }).toMatchObject({ property });
        expect(failure!.reason).toMatch(allowed ?? ALLOWED[property]);
        if (!allowed) expect(failure!.reason.startsWith(property)).toBe(true); // the field is named first
        if (reason) expect(failure!.reason).toMatch(reason);
        // A 10 KB value is shown cut short, so the message stays readable.
        expect(failure!.reason.length).toBeLessThan(1_000);
        await expectStillServing();
    });
});

test("the host survives a Check with no provider at all and still serves", async () => {
    const inputs = without(validKey.inputs, ["__provider"]);
    await expect(host.check(validKey.urn, {}, inputs)).rejects.toThrow();
    await expectStillServing();
});

test("there are at least 40 malformed inputs", () => {
    expect(KEY_CASES.length + ENABLEMENT_CASES.length).toBeGreaterThanOrEqual(40);
});
