import * as pulumi from "@pulumi/pulumi";
import { GrafanaApiKey, GrafanaServiceAccount, GrafanaServiceAccountToken, WorkspaceApiKeyEnablement } from "pulumi-azure-grafana-keys";
import { register } from "../harness/program";

const WORKSPACE = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.Dashboard/grafana/my-ws";

describe("resource classes", () => {
    test("every output of GrafanaApiKey is an Output even when its input was omitted, and only the keys are secret", async () => {
        let key: GrafanaApiKey | undefined;
        const [registration] = await register(() => [(key = new GrafanaApiKey("ci", { workspaceId: WORKSPACE }))]);
        for (const output of [
            "key",
            "keyId",
            "name",
            "role",
            "timeToLive",
            "secondsToLive",
            "expiresAt",
            "expired",
            "mode",
            "serviceAccountId",
            "endpoint",
            "workspaceId",
            "orgId",
            "grafanaVersion",
            "rotateBefore",
            "verify",
            "keyName",
            "previousKey",
            "previousKeyExpiresAt",
            "rotatedAt",
            "rotationTrigger",
            "revokePrevious",
            "schemaVersion",
        ]) {
            expect([output, pulumi.Output.isInstance((key as unknown as Record<string, unknown>)[output])]).toEqual([output, true]);
        }
        expect(registration.type).toBe("pulumi-nodejs:dynamic/azure-grafana-keys:GrafanaApiKey");
        expect(registration.additionalSecretOutputs).toEqual(["key", "previousKey"]);
        expect(registration.inputs).toMatchObject({ workspaceId: WORKSPACE, __logicalName: "ci" });
    });

    test("every output of WorkspaceApiKeyEnablement is an Output, and nothing of it is secret", async () => {
        let enablement: WorkspaceApiKeyEnablement | undefined;
        const [registration] = await register(() => [
            (enablement = new WorkspaceApiKeyEnablement("keys-on", {
                subscriptionId: "00000000-0000-0000-0000-000000000001",
                resourceGroupName: "rg",
                workspaceName: "my-ws",
            })),
        ]);
        for (const output of [
            "workspaceId",
            "endpoint",
            "apiKey",
            "previousApiKey",
            "enabled",
            "restoreOnDelete",
            "grafanaVersion",
            "grafanaMajorVersion",
            "location",
            "schemaVersion",
        ]) {
            expect([output, pulumi.Output.isInstance((enablement as unknown as Record<string, unknown>)[output])]).toEqual([output, true]);
        }
        expect(registration.type).toBe("pulumi-nodejs:dynamic/azure-grafana-keys:WorkspaceApiKeyEnablement");
        expect(registration.additionalSecretOutputs).toEqual([]);
    });

    test("GrafanaServiceAccount's outputs are Outputs and none is secret; GrafanaServiceAccountToken's keys are", async () => {
        let account: GrafanaServiceAccount | undefined;
        let token: GrafanaServiceAccountToken | undefined;
        const registrations = await register(() => [
            (account = new GrafanaServiceAccount("bot", { workspaceId: WORKSPACE })),
            (token = new GrafanaServiceAccountToken("bot-token", { workspaceId: WORKSPACE, serviceAccountId: 1 })),
        ]);
        for (const output of [
            "serviceAccountId",
            "uid",
            "login",
            "name",
            "role",
            "isDisabled",
            "orgId",
            "endpoint",
            "workspaceId",
            "schemaVersion",
        ]) {
            expect([output, pulumi.Output.isInstance((account as unknown as Record<string, unknown>)[output])]).toEqual([output, true]);
        }
        for (const output of [
            "key",
            "tokenId",
            "serviceAccountId",
            "name",
            "timeToLive",
            "secondsToLive",
            "expiresAt",
            "expired",
            "rotateBefore",
            "verify",
            "orgId",
            "endpoint",
            "workspaceId",
            "keyName",
            "previousKey",
            "previousKeyExpiresAt",
            "rotatedAt",
            "rotationTrigger",
            "revokePrevious",
            "schemaVersion",
        ]) {
            expect([output, pulumi.Output.isInstance((token as unknown as Record<string, unknown>)[output])]).toEqual([output, true]);
        }
        expect(registrations.map((registration) => [registration.type, registration.additionalSecretOutputs])).toEqual([
            ["pulumi-nodejs:dynamic/azure-grafana-keys:GrafanaServiceAccount", []],
            ["pulumi-nodejs:dynamic/azure-grafana-keys:GrafanaServiceAccountToken", ["key", "previousKey"]],
        ]);
    });
});
