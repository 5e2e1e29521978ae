import { lifecycle } from "pulumi-azure-grafana-keys/impl";

const { diff } = lifecycle("GrafanaApiKey");

const inputs = {
    endpoint: "https://g.example.com",
    name: "api-key-1",
    nameSource: "user",
    logicalName: "ci",
    role: "Editor",
    timeToLive: "7d",
    orgId: null,
    requestedMode: "auto",
};

const stored = {
    schemaVersion: 2,
    ...inputs,
    workspaceId: null,
    key: "glsa_abcdefghijklmnopqrstuvwxyz012345_1a2b3c4d",
    keyId: 7,
    secondsToLive: 7 * 86_400,
    expiresAt: new Date(Date.now() + 6 * 86_400_000).toISOString(),
    expired: false,
    mode: "serviceAccount",
    serviceAccountId: 3,
    grafanaVersion: "12.1.0",
    __provider: "exports.handler = …",
};

describe("diff", () => {
    test.each<
        [string, Record<string, unknown>, Record<string, unknown>, { changes: boolean; replaces: string[]; deleteBeforeReplace: boolean }]
    >([
        ["nothing changed", {}, {}, { changes: false, replaces: [], deleteBeforeReplace: false }],
        [
            "only the provider code changed",
            { __provider: "something else" },
            {},
            { changes: false, replaces: [], deleteBeforeReplace: false },
        ],
        ["role changed, same given name", { role: "Admin" }, {}, { changes: true, replaces: ["role"], deleteBeforeReplace: true }],
        [
            "role changed, autonamed",
            { role: "Admin", nameSource: "auto", name: undefined },
            { nameSource: "auto" },
            { changes: true, replaces: ["role"], deleteBeforeReplace: false },
        ],
        ["name changed", { name: "api-key-2" }, {}, { changes: true, replaces: ["name"], deleteBeforeReplace: false }],
        ["time to live changed", { timeToLive: "30d" }, {}, { changes: true, replaces: ["timeToLive"], deleteBeforeReplace: true }],
        ["time to live removed", { timeToLive: null }, {}, { changes: true, replaces: ["timeToLive"], deleteBeforeReplace: true }],
        ["time to live respelled, same length", { timeToLive: "1w" }, {}, { changes: true, replaces: [], deleteBeforeReplace: false }],
        [
            "endpoint changed, same name",
            { endpoint: "https://other.example.com" },
            {},
            { changes: true, replaces: ["endpoint"], deleteBeforeReplace: false },
        ],
        [
            "org set where none was, same name (may be the same org)",
            { orgId: 2 },
            {},
            { changes: true, replaces: ["orgId"], deleteBeforeReplace: true },
        ],
        [
            "org changed from one to another, same name",
            { orgId: 2 },
            { orgId: 1 },
            { changes: true, replaces: ["orgId"], deleteBeforeReplace: false },
        ],
        [
            "an unknown time to live during preview",
            { timeToLive: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" },
            {},
            { changes: true, replaces: ["timeToLive"], deleteBeforeReplace: true },
        ],
        [
            "an unknown rotateBefore during preview",
            { rotateBefore: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" },
            {},
            { changes: true, replaces: [], deleteBeforeReplace: false },
        ],
        [
            "mode pinned to the API already used",
            { requestedMode: "serviceAccount" },
            {},
            { changes: true, replaces: [], deleteBeforeReplace: false },
        ],
        ["mode pinned to another API", { requestedMode: "apiKey" }, {}, { changes: true, replaces: ["mode"], deleteBeforeReplace: true }],
        ["the key expired (refresh saw it)", {}, { expired: true }, { changes: true, replaces: ["expiresAt"], deleteBeforeReplace: true }],
        [
            "the key's expiry date passed",
            {},
            { expiresAt: new Date(Date.now() - 1000).toISOString() },
            { changes: true, replaces: ["expiresAt"], deleteBeforeReplace: true },
        ],
        [
            "a create that failed midway left no token",
            {},
            { keyId: 0, key: "" },
            { changes: true, replaces: ["key"], deleteBeforeReplace: true },
        ],
        ["the user now spells out the autoname", {}, { nameSource: "auto" }, { changes: true, replaces: [], deleteBeforeReplace: false }],
        [
            "the user drops the name: the key keeps it",
            { nameSource: "auto", name: undefined },
            {},
            { changes: true, replaces: [], deleteBeforeReplace: false },
        ],
        [
            "autonamed, nothing changed",
            { nameSource: "auto", name: undefined },
            { nameSource: "auto" },
            { changes: false, replaces: [], deleteBeforeReplace: false },
        ],
        [
            "inside the rotation window (expires in 6 days, rotateBefore 7d)",
            { rotateBefore: "7d" },
            {},
            { changes: true, replaces: ["rotateBefore"], deleteBeforeReplace: true },
        ],
        [
            "inside the rotation window, autonamed: new key first",
            { rotateBefore: "7d", nameSource: "auto", name: undefined },
            { nameSource: "auto", rotateBefore: "7d" },
            { changes: true, replaces: ["rotateBefore"], deleteBeforeReplace: false },
        ],
        ["rotateBefore added, window not reached", { rotateBefore: "1d" }, {}, { changes: true, replaces: [], deleteBeforeReplace: false }],
        ["only verify changed", { verify: false }, {}, { changes: false, replaces: [], deleteBeforeReplace: false }],
        [
            "an unknown name during preview",
            { name: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" },
            {},
            { changes: true, replaces: ["name"], deleteBeforeReplace: false },
        ],
    ])("%s", async (_case, newInputs, oldState, expected) => {
        const result = await diff("serviceaccount/3/token/7", { ...stored, ...oldState }, { ...inputs, ...newInputs });
        expect({ changes: result.changes, replaces: result.replaces, deleteBeforeReplace: result.deleteBeforeReplace }).toEqual(expected);
    });

    test("state of version 1 (before workspaceId existed) is still read", async () => {
        const { workspaceId: _absent, ...versionOne } = stored;
        const result = await diff("serviceaccount/3/token/7", { ...versionOne, schemaVersion: 1 }, inputs);
        expect(result.changes).toBe(false);
    });

    test("state written by a newer provider is refused with a clear message", async () => {
        await expect(diff("x", { ...stored, schemaVersion: 99 }, inputs)).rejects.toThrow(
            /newer pulumi-azure-grafana-keys .*upgrade the package/,
        );
    });
});
