import { lifecycle } from "pulumi-azure-grafana-keys/impl";

const { check } = lifecycle("WorkspaceApiKeyEnablement");
const SUB = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
const canonical = `/subscriptions/${SUB}/resourceGroups/rg-obs/providers/Microsoft.Dashboard/grafana/my-ws`;

describe("workspace ids", () => {
    test.each([
        ["canonical", canonical],
        [
            "ARM's case-insensitive segments",
            `/SUBSCRIPTIONS/${SUB.toUpperCase()}/resourcegroups/rg-obs/PROVIDERS/microsoft.dashboard/Grafana/my-ws`,
        ],
        ["a trailing slash", `${canonical}/`],
        ["surrounding spaces", `  ${canonical}  `],
    ])("%s is accepted and normalised", async (_case, id) => {
        const result = await check({}, { workspaceId: id });
        expect(result.failures ?? []).toEqual([]);
        expect(result.inputs).toEqual({ workspaceId: canonical, enabled: true, restoreOnDelete: true });
    });

    // Azure: letters and digits of any script, "_", "-", ".", "(", ")", not ending in ".", up to 90.
    test.each([["rg-café"], ["リソース"], ["rg_(prod).eu-1"], ["Ωmega"], ["r".repeat(90)], ["rg٣"]])(
        "resource group %s is accepted in workspaceId and in resourceGroupName",
        async (group) => {
            const id = `/subscriptions/${SUB}/resourceGroups/${group}/providers/Microsoft.Dashboard/grafana/my-ws`;
            expect(await check({}, { workspaceId: id })).toEqual({ inputs: { workspaceId: id, enabled: true, restoreOnDelete: true } });
            expect(await check({}, { subscriptionId: SUB, resourceGroupName: group, workspaceName: "my-ws" })).toEqual({
                inputs: { workspaceId: id, enabled: true, restoreOnDelete: true },
            });
        },
    );

    test.each([["rg."], ["r".repeat(91)], ["rg with space"], ["rg!"], ["rg/x"], ["rg²"], [""]])(
        "resource group %j is refused the same way in workspaceId and in resourceGroupName",
        async (group) => {
            const allowed = /1-90 letters or digits \(of any script\), _ - \. \( \), not ending in a period/;
            if (!group.includes("/") && group !== "") {
                const byId = await check(
                    {},
                    { workspaceId: `/subscriptions/${SUB}/resourceGroups/${group}/providers/Microsoft.Dashboard/grafana/ws` },
                );
                expect(byId.failures![0].reason).toMatch(allowed);
            }
            const byParts = await check({}, { subscriptionId: SUB, resourceGroupName: group, workspaceName: "ws" });
            expect(byParts.failures!.find((failure) => failure.property === "resourceGroupName")?.reason).toMatch(allowed);
        },
    );

    test("the three parts make the same id", async () => {
        const result = await check({}, { subscriptionId: SUB, resourceGroupName: "rg-obs", workspaceName: "my-ws", enabled: false });
        expect(result.inputs).toEqual({ workspaceId: canonical, enabled: false, restoreOnDelete: true });
    });

    test.each([
        [
            "a web app",
            `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Web/sites/app`,
            /it is the id of a Microsoft.Web\/sites, not of a Microsoft.Dashboard\/grafana workspace/,
        ],
        [
            "a child of the workspace",
            `${canonical}/privateEndpointConnections/pe1`,
            /Microsoft.Dashboard\/grafana\/privateEndpointConnections, not of a Microsoft.Dashboard\/grafana workspace/,
        ],
        ["a resource group", `/subscriptions/${SUB}/resourceGroups/rg`, /it is the id of a resource group, not of a resource/],
        ["no leading slash", canonical.slice(1), /does not start with \/subscriptions\//],
        [
            "a subscription that is no GUID",
            `/subscriptions/prod/resourceGroups/rg/providers/Microsoft.Dashboard/grafana/ws`,
            /subscription "prod" is not a GUID/,
        ],
        [
            "a workspace name starting with a digit",
            `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Dashboard/grafana/1ws`,
            /workspace name "1ws" is not valid/,
        ],
        [
            "a workspace name of 31 characters",
            `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Dashboard/grafana/${"w".repeat(31)}`,
            /is not valid \(2-30 letters/,
        ],
        [
            "a resource group ending in a period",
            `/subscriptions/${SUB}/resourceGroups/rg./providers/Microsoft.Dashboard/grafana/ws`,
            /resource group "rg\." is not a valid name/,
        ],
        ["a URL", "https://portal.azure.com/#resource/x", /does not start with \/subscriptions\//],
        ["empty", "", /does not start with/],
    ])("%s is refused, naming workspaceId and its form", async (_case, id, problem) => {
        const result = await check({}, { workspaceId: id });
        expect(result.failures).toHaveLength(1);
        expect(result.failures![0].property).toBe("workspaceId");
        expect(result.failures![0].reason).toMatch(problem);
        expect(result.failures![0].reason).toMatch(
            /use an ARM id of an Azure Managed Grafana workspace: \/subscriptions\/<subscription GUID>/,
        );
    });

    test.each<[string, Record<string, unknown>, string, RegExp]>([
        ["neither form", {}, "workspaceId", /workspaceId is required: .* or give subscriptionId \+ resourceGroupName \+ workspaceName/],
        [
            "both forms",
            { workspaceId: canonical, workspaceName: "my-ws" },
            "workspaceId",
            /either workspaceId or subscriptionId \+ resourceGroupName \+ workspaceName, not both/,
        ],
        ["parts missing", { subscriptionId: SUB }, "resourceGroupName", /resourceGroupName is required with subscriptionId/],
        [
            "enabled as a string",
            { workspaceId: canonical, enabled: "yes" },
            "enabled",
            /enabled "yes" is not allowed \(it is a string\)|enabled "yes" is not allowed: use true or false/,
        ],
    ])("%s", async (_case, news, property, reason) => {
        const result = await check({}, news);
        expect(result.failures!.find((failure) => failure.property === property)?.reason).toMatch(reason);
    });
});
