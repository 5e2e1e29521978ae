import * as pulumi from "@pulumi/pulumi";
import { GrafanaApiKey, WorkspaceApiKeyEnablement } from "pulumi-azure-grafana-keys";
import { register } from "../harness/program";

const WORKSPACE = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.Dashboard/grafana/my-ws";

describe("resource classes", () => {
    test("every output of GrafanaApiKey is an Output even when its input was omitted, and only key is secret", async () => {
        let key: GrafanaApiKey | undefined;
        const [registration] = await register(() => [(key = new GrafanaApiKey("ci", { workspaceId: WORKSPACE }))]);
        for (const output of ["key", "keyId", "name", "role", "timeToLive", "secondsToLive", "expiresAt", "expired", "mode",
            "serviceAccountId", "endpoint", "workspaceId", "orgId", "grafanaVersion", "schemaVersion"]) {
            expect([output, pulumi.Output.isInstance((key as unknown as Record<string, unknown>)[output])]).toEqual([output, true]);
        }
        expect(registration.type).toBe("pulumi-nodejs:dynamic/azure-grafana-keys:GrafanaApiKey");
        expect(registration.additionalSecretOutputs).toEqual(["key"]);
        expect(registration.inputs).toMatchObject({ workspaceId: WORKSPACE, logicalName: "ci" });
    });

    test("every output of WorkspaceApiKeyEnablement is an Output, and nothing of it is secret", async () => {
        let enablement: WorkspaceApiKeyEnablement | undefined;
        const [registration] = await register(() => [
            (enablement = new WorkspaceApiKeyEnablement("keys-on", { subscriptionId: "00000000-0000-0000-0000-000000000001", resourceGroupName: "rg", workspaceName: "my-ws" })),
        ]);
        for (const output of ["workspaceId", "endpoint", "apiKey", "previousApiKey", "enabled", "restoreOnDelete", "grafanaVersion",
            "grafanaMajorVersion", "location", "schemaVersion"]) {
            expect([output, pulumi.Output.isInstance((enablement as unknown as Record<string, unknown>)[output])]).toEqual([output, true]);
        }
        expect(registration.type).toBe("pulumi-nodejs:dynamic/azure-grafana-keys:WorkspaceApiKeyEnablement");
        expect(registration.additionalSecretOutputs).toEqual([]);
    });
});
