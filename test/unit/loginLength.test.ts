import { expect } from "@jest/globals";
import { lifecycle } from "pulumi-azure-grafana-keys/impl";

/**
 * A service account's login is "sa-<org id>-<name>" and Grafana keeps it in a 190-character column, so a
 * name that fits the 190 characters of a key's name can still make a login that does not. Wherever the
 * name becomes a login (a service account; a key minted as one), `check` refuses it, naming the limit.
 */

const endpoint = "https://g.example.com";
// A token's check reads its account's role from Grafana (impl/accountRole.ts). With no credential here that sign-in
// fails before any request; limited to the Azure CLI's sign-in, it never probes Azure's metadata host either.
process.env.AZURE_TOKEN_CREDENTIALS = "AzureCliCredential";
const apiKey = lifecycle("GrafanaApiKey");
const account = lifecycle("GrafanaServiceAccount");
const token = lifecycle("GrafanaServiceAccountToken");

const named = (length: number) => "k".repeat(length);

describe.each([
    ["GrafanaApiKey", apiKey, {}],
    ["GrafanaApiKey with mode serviceAccount", apiKey, { mode: "serviceAccount" }],
    ["GrafanaServiceAccount", account, {}],
])("%s", (_resource, lifecycleOf, extra) => {
    test.each([186, 188, 190])("a name of %i characters is refused: its login sa-1-<name> would not fit", async (length) => {
        const result = await lifecycleOf.check({}, { endpoint, logicalName: "ci", name: named(length), ...extra });
        expect(result.inputs).toBeUndefined();
        expect(result.failures).toEqual([
            {
                property: "name",
                reason: expect.stringMatching(
                    new RegExp(
                        `^name "k+…" \\(${length} characters\\) is not allowed \\(its service account's login "sa-1-<name>" would be ${length + 5} characters, ` +
                            `and Grafana's login column holds 190\\): use at most 185 characters in org 1`,
                    ),
                ),
            },
        ]);
    });

    test("a name of 185 characters fits in org 1", async () => {
        const result = await lifecycleOf.check({}, { endpoint, logicalName: "ci", name: named(185), ...extra });
        expect(result.failures ?? []).toEqual([]);
    });

    test("in org 12 the login's prefix is one character longer", async () => {
        const refused = await lifecycleOf.check({}, { endpoint, logicalName: "ci", name: named(185), orgId: 12, ...extra });
        expect(refused.failures?.[0].reason).toMatch(/login "sa-12-<name>" would be 191 characters.*use at most 184 characters in org 12/);
        expect(
            (await lifecycleOf.check({}, { endpoint, logicalName: "ci", name: named(184), orgId: 12, ...extra })).failures ?? [],
        ).toEqual([]);
    });
});

test("a GrafanaApiKey with mode apiKey is a legacy key, with no login: 190 characters are fine", async () => {
    const result = await apiKey.check({}, { endpoint, logicalName: "ci", name: named(190), mode: "apiKey" });
    expect(result.failures ?? []).toEqual([]);
});

test("GrafanaApiKey says that mode apiKey would take the longer name", async () => {
    const result = await apiKey.check({}, { endpoint, logicalName: "ci", name: named(190) });
    expect(result.failures?.[0].reason).toMatch(/use at most 185 characters in org 1, or mode "apiKey" \(a legacy key, Grafana <= 11\.2\)/);
});

test("a token's name is no login: 190 characters are fine", async () => {
    const result = await token.check({}, { endpoint, logicalName: "t", serviceAccountId: 3, name: named(190) });
    expect(result.failures ?? []).toEqual([]);
});

test("a name too long for both rules is reported once", async () => {
    const result = await account.check({}, { endpoint, logicalName: "ci", name: named(191) });
    expect(result.failures).toEqual([{ property: "name", reason: expect.stringMatching(/it is longer than 190 characters/) }]);
});
