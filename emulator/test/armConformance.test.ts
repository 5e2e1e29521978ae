/**
 * The emulator's Azure side over real HTTP: ARM's Microsoft.Dashboard/grafana resource (GET, PATCH and
 * the long-running operation paths), Entra tokens on both sides, the apiKey gate in front of Grafana,
 * and the `az` stand-in that @azure/identity's AzureCliCredential runs. Facts come from
 * docs/azure-managed-grafana.md.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { promisify } from "node:util";
import { expect } from "@jest/globals";
import {
    GRAFANA_AUDIENCES,
    JUST_ENABLED_MESSAGE,
    KEYS_DISABLED_MESSAGE,
    readAzCalls,
    startEmulator,
    writeAzStandIn,
    type Emulator,
    type WorkspaceSpec,
} from "azure-managed-grafana-emulator";

/** `Body`: the JSON the test expects, as far as it reads fields of it (its assertions check the values). */
interface Reply<Body = unknown> {
    status: number;
    headers: Headers;
    body: Body;
}

/** ARM's and Grafana's JSON (docs/azure-managed-grafana.md), the fields these tests read. */
interface WorkspaceJson {
    id: string;
    properties: { apiKey: string; provisioningState: string };
}
interface ArmErrorJson {
    error: { code: string; message: string };
}
interface OperationStatusJson {
    status: string;
}
interface EmulatorStateJson {
    workspaces: unknown[];
    patches: unknown[];
}
interface MessageJson {
    message: string;
}

const SUB = "11111111-2222-3333-4444-555555555555";
const API = "api-version=2025-08-01";
const ARM_AUDIENCE = "https://management.azure.com/";
const GRAFANA_AUDIENCE = GRAFANA_AUDIENCES[0];

const run = promisify(execFile);

describe("ARM and Entra emulation", () => {
    let emulator: Emulator;

    beforeAll(async () => {
        emulator = await startEmulator();
    });
    afterAll(async () => {
        await emulator.close();
    });
    beforeEach(() => emulator.reset());

    const armToken = (principalId?: string): string => emulator.entra.issueToken({ audience: ARM_AUDIENCE, principalId });
    const grafanaToken = (principalId?: string): string => emulator.entra.issueToken({ audience: GRAFANA_AUDIENCE, principalId });

    /** `target` is a path on the emulator or an absolute URL (the operation URLs ARM hands out). */
    async function call<Body = unknown>(
        method: string,
        target: string,
        options: { token?: string | null; body?: unknown; rawBody?: string; org?: number } = {},
    ): Promise<Reply<Body>> {
        const headers: Record<string, string> = {};
        const token = options.token === undefined ? armToken() : options.token;
        if (token !== null) headers.Authorization = `Bearer ${token}`;
        if (options.org !== undefined) headers["X-Grafana-Org-Id"] = String(options.org);
        const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
        if (body !== undefined) headers["Content-Type"] = "application/json";
        const res = await fetch(target.startsWith("http") ? target : emulator.url + target, { method, headers, body });
        const text = await res.text();
        return { status: res.status, headers: res.headers, body: (text === "" ? undefined : JSON.parse(text)) as Body };
    }

    const grafanaPath = (resourceGroup: string, name: string): string =>
        `/subscriptions/${SUB}/resourceGroups/${resourceGroup}/providers/Microsoft.Dashboard/grafana/${name}?${API}`;
    const addWorkspace = (extra: Partial<WorkspaceSpec> = {}): string =>
        emulator.arm.addWorkspace({ subscriptionId: SUB, resourceGroup: "rg-obs", name: "grafana-prod", ...extra });
    const patchApiKey = <Body = WorkspaceJson>(id: string, apiKey: "Enabled" | "Disabled") =>
        call<Body>("PATCH", `${id}?${API}`, { body: { properties: { apiKey } } });

    test("GET answers the workspace, with the emulator itself as endpoint, whatever the segment casing", async () => {
        const id = addWorkspace({ apiKey: "Enabled" });
        expect(id).toBe(`/subscriptions/${SUB}/resourceGroups/rg-obs/providers/Microsoft.Dashboard/grafana/grafana-prod`);
        const reply = await call("GET", `${id}?${API}`);
        expect(reply.status).toBe(200);
        expect(reply.body).toEqual({
            id,
            name: "grafana-prod",
            type: "Microsoft.Dashboard/grafana",
            location: "westeurope",
            sku: { name: "Standard" },
            properties: {
                provisioningState: "Succeeded",
                grafanaVersion: "12.1.0",
                grafanaMajorVersion: "12",
                endpoint: emulator.url,
                apiKey: "Enabled",
                publicNetworkAccess: "Enabled",
                zoneRedundancy: "Disabled",
                deterministicOutboundIP: "Disabled",
            },
        });
        const shouted = `/subscriptions/${SUB}/RESOURCEGROUPS/RG-OBS/PROVIDERS/microsoft.dashboard/Grafana/GRAFANA-PROD`;
        expect((await call<WorkspaceJson>("GET", `${shouted}?${API}`)).body.id).toBe(id);
        expect(emulator.arm.requests.map((r) => [r.method, r.apiVersion, r.status])).toEqual([
            ["GET", "2025-08-01", 200],
            ["GET", "2025-08-01", 200],
        ]);
    });

    test("an unknown workspace is ResourceNotFound, an unknown resource group ResourceGroupNotFound", async () => {
        addWorkspace();
        const missing = await call("GET", grafanaPath("rg-obs", "nope"));
        expect(missing.status).toBe(404);
        expect(missing.body).toEqual({
            error: {
                code: "ResourceNotFound",
                message:
                    "The Resource 'Microsoft.Dashboard/grafana/nope' under resource group 'rg-obs' was not found. " +
                    "For more details please go to https://aka.ms/ARMResourceNotFoundFix",
            },
        });
        const noGroup = await call("GET", grafanaPath("rg-gone", "x1"));
        expect(noGroup.status).toBe(404);
        expect(noGroup.body).toEqual({
            error: { code: "ResourceGroupNotFound", message: "Resource group 'rg-gone' could not be found." },
        });
    });

    test("api-version is required and must be a known one (previews pass)", async () => {
        const id = addWorkspace();
        const missing = await call("GET", id);
        expect(missing.status).toBe(400);
        expect(missing.body).toEqual({
            error: {
                code: "MissingApiVersionParameter",
                message: "The api-version query parameter (?api-version=) is required for all requests.",
            },
        });
        const unknown = await call<ArmErrorJson>("GET", `${id}?api-version=2019-01-01`);
        expect(unknown.status).toBe(400);
        expect(unknown.body.error.code).toBe("InvalidApiVersionParameter");
        expect((await call("GET", `${id}?api-version=2024-11-01-preview`)).status).toBe(200);
    });

    test('PATCH "sync" applies at once and answers 200; every PATCH body is recorded', async () => {
        const id = addWorkspace({ patchBehaviour: "sync" });
        const reply = await patchApiKey(id, "Enabled");
        expect(reply.status).toBe(200);
        expect(reply.body.properties).toMatchObject({ apiKey: "Enabled", provisioningState: "Succeeded" });
        expect(emulator.arm.workspace(id).properties.apiKey).toBe("Enabled");
        expect(emulator.arm.patches).toEqual([{ id, body: { properties: { apiKey: "Enabled" } } }]);

        const invalid = await call<ArmErrorJson>("PATCH", `${id}?${API}`, { body: { properties: { apiKey: "yes" } } });
        expect(invalid.status).toBe(400);
        expect(invalid.body.error.code).toBe("InvalidRequestContent");
        expect(emulator.arm.patches).toHaveLength(2);

        const snapshot = (await call<EmulatorStateJson>("GET", "/__emulator/arm/state", { token: null })).body;
        expect(snapshot.workspaces).toEqual([expect.objectContaining({ id, apiKey: "Enabled", patchBehaviour: "sync" })]);
        expect(snapshot.patches).toHaveLength(2);
    });

    test('PATCH "asyncOperation": 202 with operation URLs; Succeeded after operationSteps polls', async () => {
        const id = addWorkspace({ operationSteps: 3 });
        emulator.arm.retryAfterSeconds = 1;
        const accepted = await patchApiKey(id, "Enabled");
        expect(accepted.status).toBe(202);
        expect(accepted.body.properties.provisioningState).toBe("Accepted");
        const statusUrl = accepted.headers.get("azure-asyncoperation")!;
        const opId = statusUrl.match(/operationStatuses\/([^?]+)\?/)![1];
        const statusPath = `/subscriptions/${SUB}/providers/Microsoft.Dashboard/locations/westeurope/operationStatuses/${opId}`;
        expect(statusUrl).toBe(`${emulator.url}${statusPath}?${API}`);
        expect(accepted.headers.get("location")).toBe(statusUrl.replace("operationStatuses", "operationResults"));
        expect(accepted.headers.get("retry-after")).toBe("1");
        expect(emulator.arm.workspace(id).properties).toMatchObject({ apiKey: "Disabled", provisioningState: "Updating" });

        const statuses: string[] = [];
        for (let i = 0; i < 3; i++) statuses.push((await call<OperationStatusJson>("GET", statusUrl)).body.status);
        expect(statuses).toEqual(["InProgress", "InProgress", "Succeeded"]);
        const done = await call("GET", statusUrl);
        expect(done.body).toEqual({
            id: statusPath,
            name: opId,
            status: "Succeeded",
            startTime: expect.any(String),
            endTime: expect.any(String),
        });
        expect(emulator.arm.workspace(id).properties).toMatchObject({ apiKey: "Enabled", provisioningState: "Succeeded" });
    });

    test('PATCH "locationOnly": operationResults answers 202 while running, then 200 with the workspace', async () => {
        const id = addWorkspace({ patchBehaviour: "locationOnly" });
        const accepted = await patchApiKey(id, "Enabled");
        expect(accepted.status).toBe(202);
        expect(accepted.headers.get("azure-asyncoperation")).toBeNull();
        expect(accepted.headers.get("retry-after")).toBe("0");
        const resultUrl = accepted.headers.get("location")!;
        const first = await call("GET", resultUrl);
        expect(first.status).toBe(202);
        expect(first.body).toBeUndefined();
        expect(first.headers.get("location")).toBe(resultUrl);
        const second = await call<WorkspaceJson>("GET", resultUrl);
        expect(second.status).toBe(200);
        expect(second.body.properties).toMatchObject({ apiKey: "Enabled", provisioningState: "Succeeded" });
    });

    test('PATCH "noHeaders": the workspace GET shows Updating until the polls complete it', async () => {
        const id = addWorkspace({ patchBehaviour: "noHeaders" });
        const accepted = await patchApiKey(id, "Enabled");
        expect(accepted.status).toBe(202);
        expect(accepted.headers.get("azure-asyncoperation")).toBeNull();
        expect(accepted.headers.get("location")).toBeNull();
        const first = await call<WorkspaceJson>("GET", `${id}?${API}`);
        expect(first.body.properties).toMatchObject({ provisioningState: "Updating", apiKey: "Disabled" });
        const second = await call<WorkspaceJson>("GET", `${id}?${API}`);
        expect(second.body.properties).toMatchObject({ provisioningState: "Succeeded", apiKey: "Enabled" });
    });

    test('PATCH "failingOperation": the operation ends Failed, apiKey stays, the workspace is Failed', async () => {
        const id = addWorkspace({ patchBehaviour: "failingOperation", operationSteps: 1 });
        const accepted = await patchApiKey(id, "Enabled");
        const failed = await call("GET", accepted.headers.get("azure-asyncoperation")!);
        expect(failed.status).toBe(200);
        expect(failed.body).toMatchObject({
            status: "Failed",
            error: { code: "InternalServerError", message: "The operation failed: emulated failure." },
        });
        const result = await call("GET", accepted.headers.get("location")!);
        expect(result.status).toBe(400);
        expect(result.body).toEqual({
            error: { code: "InternalServerError", message: "The operation failed: emulated failure." },
        });
        expect(emulator.arm.workspace(id).properties).toMatchObject({ apiKey: "Disabled", provisioningState: "Failed" });
    });

    test("a PATCH while an operation runs is 409 AnotherOperationInProgress", async () => {
        const id = addWorkspace();
        const accepted = await patchApiKey(id, "Enabled");
        const conflict = await patchApiKey<ArmErrorJson>(id, "Disabled");
        expect(conflict.status).toBe(409);
        expect(conflict.body.error).toEqual({
            code: "AnotherOperationInProgress",
            message:
                "Another operation on this or dependent resource is in progress. " +
                `To retrieve status of the operation use uri: ${accepted.headers.get("azure-asyncoperation")}`,
        });
        expect(emulator.arm.patches).toHaveLength(2);
    });

    test("ARM faults carry ARM's error shape and Retry-After", async () => {
        const id = addWorkspace();
        emulator.faults.failNext(1, 429, { path: /grafana\//, retryAfterSeconds: 0 });
        const throttled = await call<ArmErrorJson>("GET", `${id}?${API}`);
        expect(throttled.status).toBe(429);
        expect(throttled.headers.get("retry-after")).toBe("0");
        expect(throttled.body.error.code).toBe("TooManyRequests");
        expect((await call("GET", `${id}?${API}`)).status).toBe(200);
        expect(emulator.requests).toEqual([]); // the Grafana log stays Grafana's
    });

    test("each side refuses a token meant for the other", async () => {
        const id = addWorkspace();
        const onArm = await call("GET", `${id}?${API}`, { token: grafanaToken() });
        expect(onArm.status).toBe(401);
        expect(onArm.body).toEqual({
            error: { code: "InvalidAuthenticationToken", message: "The access token is invalid: wrong audience." },
        });
        const onGrafana = await call("GET", "/api/dashboards/home", { token: armToken() });
        expect(onGrafana.status).toBe(401);
        expect(onGrafana.body).toEqual({ message: "invalid token audience" });

        // The emulator's own origin is an ARM audience too, and both Grafana app ids are Grafana's.
        const ownOrigin = emulator.entra.issueToken({ audience: `${emulator.url}/` });
        expect((await call("GET", `${id}?${API}`, { token: ownOrigin })).status).toBe(200);
        const newerApp = emulator.entra.issueToken({ audience: GRAFANA_AUDIENCES[1] });
        expect((await call("GET", "/api/dashboards/home", { token: newerApp })).status).toBe(200);
        expect((await call<ArmErrorJson>("GET", `${id}?${API}`, { token: null })).body.error.code).toBe("AuthenticationFailed");
    });

    test("an expired or forged token is refused on both sides", async () => {
        const id = addWorkspace();
        const arm = emulator.entra.issueToken({ audience: ARM_AUDIENCE, expiresInSeconds: 60 });
        const grafana = emulator.entra.issueToken({ audience: GRAFANA_AUDIENCE, expiresInSeconds: 60 });
        emulator.clock.advance(61);
        const armReply = await call<ArmErrorJson>("GET", `${id}?${API}`, { token: arm });
        expect(armReply.status).toBe(401);
        expect(armReply.body.error.code).toBe("ExpiredAuthenticationToken");
        const grafanaReply = await call("GET", "/api/dashboards/home", { token: grafana });
        expect(grafanaReply.status).toBe(401);
        expect(grafanaReply.body).toEqual({ message: "Unauthorized" });

        // Right header and claims, wrong signature: what a token from another emulator looks like.
        const forge = (token: string): string => token.replace(/[^.]+$/, Buffer.from("forged").toString("base64url"));
        const forgedGrafana = await call("GET", "/api/dashboards/home", { token: forge(grafanaToken()) });
        expect(forgedGrafana.body).toEqual({ message: "Unauthorized" });
        const forgedArm = await call<ArmErrorJson>("GET", `${id}?${API}`, { token: forge(armToken()) });
        expect(forgedArm.status).toBe(401);
        expect(forgedArm.body.error.code).toBe("InvalidAuthenticationToken");
    });

    test("a denied principal gets 403 AuthorizationFailed and its PATCH is not applied", async () => {
        const id = addWorkspace({ patchBehaviour: "sync" });
        const intruder = "99999999-0000-0000-0000-000000000bad";
        emulator.arm.denyPrincipal(intruder);
        const reply = await call("PATCH", `${id}?${API}`, {
            token: armToken(intruder),
            body: { properties: { apiKey: "Enabled" } },
        });
        expect(reply.status).toBe(403);
        expect(reply.body).toEqual({
            error: {
                code: "AuthorizationFailed",
                message:
                    `The client '${intruder}' with object id '${intruder}' does not have authorization to perform action ` +
                    `'Microsoft.Dashboard/grafana/write' over scope '${id}' or the scope is invalid. ` +
                    "If access was recently granted, please refresh your credentials.",
            },
        });
        expect(emulator.arm.workspace(id).properties.apiKey).toBe("Disabled");
        expect((await patchApiKey(id, "Enabled")).status).toBe(200); // everyone else still may
    });

    test("an Entra user signs in to Grafana in org 1 and 2 with the role Azure assigned", async () => {
        const body = { name: "via-entra", role: "Viewer" };
        expect((await call("POST", "/api/serviceaccounts", { token: grafanaToken(), body })).status).toBe(201);
        expect((await call("GET", "/api/serviceaccounts/search", { token: grafanaToken(), org: 2 })).status).toBe(200);
        expect((await call("GET", "/api/serviceaccounts/search", { token: grafanaToken(), org: 3 })).status).toBe(401);

        const viewer = "00000000-0000-0000-0000-0000000000b0";
        emulator.entra.setGrafanaRole(viewer, "Viewer");
        expect((await call("GET", "/api/dashboards/home", { token: grafanaToken(viewer) })).status).toBe(200);
        const denied = await call<MessageJson>("POST", "/api/serviceaccounts", { token: grafanaToken(viewer), body: { name: "no" } });
        expect(denied.status).toBe(403);
        expect(denied.body.message).toContain("serviceaccounts:create");
    });

    test("apiKey Disabled blocks minting; just after enabling, key routes answer 403 for a while", async () => {
        const id = addWorkspace({ patchBehaviour: "sync" });
        emulator.arm.justEnabledWindowMs = 30_000;
        const createSa = () => call("POST", "/api/serviceaccounts", { token: grafanaToken(), body: { name: "ci", role: "Admin" } });
        const search = () => call("GET", "/api/serviceaccounts/search", { token: grafanaToken() });

        const disabled = await createSa();
        expect(disabled.status).toBe(403);
        expect(disabled.body).toEqual({ message: KEYS_DISABLED_MESSAGE });
        expect((await search()).status).toBe(200);

        expect((await patchApiKey(id, "Enabled")).status).toBe(200);
        for (const reply of [await createSa(), await search()]) {
            expect(reply.status).toBe(403);
            expect(reply.body).toEqual({ message: JUST_ENABLED_MESSAGE });
        }
        expect((await call("GET", "/api/dashboards/home", { token: grafanaToken() })).status).toBe(200);

        emulator.clock.advance(31);
        expect((await createSa()).status).toBe(201);
    });

    test("reset() forgets workspaces, patches, denials, role assignments and ARM settings", async () => {
        const id = addWorkspace({ patchBehaviour: "sync" });
        await patchApiKey(id, "Enabled");
        emulator.arm.denyPrincipal("00000000-0000-0000-0000-00000000a11e");
        emulator.entra.setGrafanaRole("00000000-0000-0000-0000-00000000a11e", "None");
        emulator.arm.retryAfterSeconds = 5;
        emulator.reset();
        expect(emulator.arm.patches).toEqual([]);
        expect(emulator.arm.requests).toEqual([]);
        expect(emulator.arm.retryAfterSeconds).toBe(0);
        expect(() => emulator.arm.workspace(id)).toThrow(/no emulated workspace/);
        const again = addWorkspace({ patchBehaviour: "sync" });
        expect((await call("GET", `${again}?${API}`)).status).toBe(200);
        expect((await call("POST", "/api/serviceaccounts", { token: grafanaToken(), body: { name: "x" } })).status).toBe(403);
        emulator.reset();
        expect((await call("POST", "/api/serviceaccounts", { token: grafanaToken(), body: { name: "x" } })).status).toBe(201);
    });

    describe("the az stand-in", () => {
        let dir: string;
        beforeEach(() => {
            dir = mkdtempSync(join(tmpdir(), "az-stand-in-"));
        });
        afterEach(() => rmSync(dir, { recursive: true, force: true }));

        test("prints a token for --resource, as the Azure CLI does, and logs the call", async () => {
            const az = writeAzStandIn(dir, emulator);
            const args = ["account", "get-access-token", "--output", "json", "--resource", GRAFANA_AUDIENCE];
            const { stdout } = await run(az, args);
            const printed = JSON.parse(stdout) as { accessToken: string; expires_on: number };
            expect(printed).toEqual({
                accessToken: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
                expiresOn: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/),
                expires_on: expect.any(Number),
                tokenType: "Bearer",
            });
            expect(printed.expires_on * 1000).toBeGreaterThan(emulator.clock.now());
            const claims: unknown = JSON.parse(Buffer.from(printed.accessToken.split(".")[1], "base64url").toString("utf8"));
            expect(claims).toMatchObject({ aud: GRAFANA_AUDIENCE, oid: "00000000-0000-0000-0000-00000000a11e" });
            expect((await call("GET", "/api/dashboards/home", { token: printed.accessToken })).status).toBe(200);
            expect(readAzCalls(dir)).toEqual([GRAFANA_AUDIENCE]);

            await expect(run(az, ["login"])).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining("ERROR:") });
            expect(readAzCalls(dir)).toHaveLength(1);
        });

        // In a child process, as a provider would run: jest's sandboxed process.env never reaches the
        // child_process calls inside @azure/identity, so PATH can only be set for a whole process.
        test("AzureCliCredential from @azure/identity gets working tokens for ARM and Grafana through it", async () => {
            writeAzStandIn(dir, emulator);
            const signIn = `
        const { AzureCliCredential } = require(${JSON.stringify(require.resolve("@azure/identity"))});
        (async () => {
          const credential = new AzureCliCredential();
          const arm = await credential.getToken("https://management.azure.com/.default");
          const grafana = await credential.getToken(process.argv[1] + "/.default");
          process.stdout.write(JSON.stringify({ arm: arm.token, grafana: grafana.token }));
        })().catch((err) => { console.error(err); process.exitCode = 1; });`;
            const { stdout } = await run(process.execPath, ["-e", signIn, GRAFANA_AUDIENCE], {
                env: { ...process.env, PATH: `${dir}${delimiter}${process.env.PATH ?? ""}` },
            });
            const tokens = JSON.parse(stdout) as { arm: string; grafana: string };
            const id = addWorkspace();
            expect((await call("GET", `${id}?${API}`, { token: tokens.arm })).status).toBe(200);
            expect((await call("GET", "/api/dashboards/home", { token: tokens.grafana })).status).toBe(200);
            expect(readAzCalls(dir)).toEqual(["https://management.azure.com", GRAFANA_AUDIENCE]);
        });
    });
});
