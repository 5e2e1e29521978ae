import { lifecycle } from "pulumi-azure-grafana-keys/impl";
import { without } from "../harness/without";

/**
 * What `pulumi preview` plans for a GrafanaApiKey, decided from stored state, the new inputs and the clock
 * alone. "update" keeps the resource (a rotation mints the successor in place); "replace" makes a new one first;
 * "delete-before-replace" removes the old one first (a given name would collide). A rotation's reason is what
 * the person running Pulumi is told.
 */

const { diff } = lifecycle("GrafanaApiKey");
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const DAY_MS = 86_400_000;

const inputs = {
    endpoint: "https://g.example.com",
    workspaceId: null,
    name: "api-key-1",
    nameSource: "user",
    logicalName: "ci",
    role: "Editor",
    timeToLive: "7d",
    orgId: null,
    requestedMode: "auto",
    rotateBefore: null,
    rotationTrigger: null,
    revokePrevious: false,
    verify: true,
};

const stored = {
    schemaVersion: 4,
    ...inputs,
    key: "glsa_abcdefghijklmnopqrstuvwxyz012345_1a2b3c4d",
    keyId: 7,
    keyName: "api-key-1",
    generation: 1,
    secondsToLive: 7 * 86_400,
    expiresAt: new Date(Date.now() + 6 * DAY_MS).toISOString(),
    expired: false,
    mode: "serviceAccount",
    serviceAccountId: 3,
    grafanaOrgId: 1,
    accountDisabled: false,
    grafanaVersion: "12.1.0",
    rotatedAt: null,
    previousKey: null,
    previousKeyId: null,
    previousKeyName: null,
    previousKeyExpiresAt: null,
    previousKeyExpired: false,
    retiredKeyIds: [],
    clockOffsetSeconds: 0,
    __provider: "exports.handler = …",
};

type Step = "none" | "update" | "replace" | "delete-before-replace";

function stepOf(result: { changes?: boolean; replaces?: string[]; deleteBeforeReplace?: boolean }): Step {
    if (!result.changes) return "none";
    if (!result.replaces?.length) return "update";
    return result.deleteBeforeReplace ? "delete-before-replace" : "replace";
}

let told: string[] = [];
beforeEach(() => {
    told = [];
    // Without an engine to send them to, the provider's messages for the person running Pulumi go to stderr.
    jest.spyOn(console, "error").mockImplementation((message: string) => void told.push(message));
});
afterEach(() => jest.restoreAllMocks());

const PREVIOUS = {
    previousKey: "glsa_previousprevioussecretsecret0000_1a2b3c4d",
    previousKeyId: 5,
    previousKeyName: "api-key-1",
    previousKeyExpiresAt: new Date(Date.now() + 2 * DAY_MS).toISOString(),
    generation: 2,
    keyName: "api-key-1-r2",
    rotatedAt: new Date().toISOString(),
};

/** Version 5: a legacy key that Grafana's start-up migration moved into its sa-autogen account 9. */
const MIGRATED = {
    schemaVersion: 5,
    mode: "serviceAccount",
    serviceAccountId: 9,
    ownServiceAccountId: null,
    legacyKeys: [{ id: 7, name: "api-key-1", serviceAccountId: 9 }],
};

describe("diff", () => {
    test.each<[string, Record<string, unknown>, Record<string, unknown>, Step, string[], RegExp | undefined]>([
        ["nothing changed", {}, {}, "none", [], undefined],
        ["only the provider code changed", { __provider: "something else" }, {}, "none", [], undefined],
        // A service account's role changes in place: the key, and every stack holding it, keep working.
        ["role changed (service account)", { role: "Admin" }, {}, "update", [], undefined],
        [
            "role changed (legacy key: fixed at birth), same given name",
            { role: "Admin" },
            { mode: "apiKey" },
            "delete-before-replace",
            ["role"],
            undefined,
        ],
        [
            "role changed (legacy key), autonamed",
            { role: "Admin", nameSource: "auto", name: undefined },
            { mode: "apiKey", nameSource: "auto" },
            "replace",
            ["role"],
            undefined,
        ],
        ["role raised outside Pulumi (refresh saw it): put back in place", {}, { role: "Admin" }, "update", [], undefined],
        ["account disabled outside Pulumi (refresh saw it): enabled in place", {}, { accountDisabled: true }, "update", [], undefined],
        ["name changed", { name: "api-key-2" }, {}, "replace", ["name"], undefined],
        [
            "time to live changed: a new key, the old one kept",
            { timeToLive: "30d" },
            {},
            "update",
            [],
            /timeToLive changed from "7d" to "30d"/,
        ],
        ["time to live removed", { timeToLive: null }, {}, "update", [], /timeToLive changed from "7d" to none/],
        ["time to live respelled, same length", { timeToLive: "1w" }, {}, "update", [], undefined],
        ["endpoint changed, same name", { endpoint: "https://other.example.com" }, {}, "replace", ["endpoint"], undefined],
        [
            "org set where none was, same name (may be the same org)",
            { orgId: 2 },
            { grafanaOrgId: 1 },
            "delete-before-replace",
            ["orgId"],
            undefined,
        ],
        ["org pinned to the one the key is in", { orgId: 1 }, { grafanaOrgId: 1 }, "update", [], undefined],
        ["org changed from one to another, same name", { orgId: 2 }, { orgId: 1 }, "replace", ["orgId"], undefined],
        ["an unknown time to live during preview", { timeToLive: UNKNOWN }, {}, "update", [], /timeToLive may change/],
        ["an unknown rotateBefore during preview", { rotateBefore: UNKNOWN }, {}, "update", [], undefined],
        ["an unknown role during preview", { role: UNKNOWN }, {}, "update", [], undefined],
        ["an unknown name during preview", { name: UNKNOWN }, {}, "replace", ["name"], undefined],
        ["mode pinned to the API already used", { requestedMode: "serviceAccount" }, {}, "update", [], undefined],
        // A change of mode keeps the resource: a key of another kind than asked for is rotated, the old one kept working.
        [
            "mode serviceAccount asked of a legacy key",
            { requestedMode: "serviceAccount" },
            { mode: "apiKey" },
            "update",
            [],
            /will be rotated: mode is now "serviceAccount" and its key is a legacy API key\./,
        ],
        ["mode auto asked of a key pinned to apiKey: recorded", {}, { mode: "apiKey", requestedMode: "apiKey" }, "update", [], undefined],
        [
            "mode serviceAccount asked of a legacy key Grafana migrated: recorded",
            { requestedMode: "serviceAccount" },
            MIGRATED,
            "update",
            [],
            undefined,
        ],
        ["a legacy key Grafana migrated, nothing changed", {}, MIGRATED, "none", [], undefined],
        ["the key expired (refresh saw it)", {}, { expired: true }, "update", [], /will be rotated: its key expired at/],
        [
            "the key's expiry date passed",
            {},
            { expiresAt: new Date(Date.now() - 60_000).toISOString() },
            "update",
            [],
            /its key expired at/,
        ],
        [
            "a create that failed midway left no key",
            {},
            { keyId: 0, key: "" },
            "update",
            [],
            /will be rotated: it holds no key \(its create failed midway, or the key was deleted outside Pulumi\)/,
        ],
        ["an imported key, whose secret Pulumi never saw", {}, { key: "" }, "update", [], /its secret is not known to Pulumi/],
        ["the user now spells out the autoname", {}, { nameSource: "auto" }, "update", [], undefined],
        ["the user drops the name: the key keeps it", { nameSource: "auto", name: undefined }, {}, "update", [], undefined],
        ["autonamed, nothing changed", { nameSource: "auto", name: undefined }, { nameSource: "auto" }, "none", [], undefined],
        [
            "inside the rotation window (expires in 6 days, rotateBefore 7d)",
            { rotateBefore: "7d" },
            {},
            "update",
            [],
            /GrafanaApiKey "api-key-1" will be rotated: its key expires at .*, within rotateBefore 7d\./,
        ],
        [
            "outside the window by our clock, inside it by Grafana's (2 days ahead)",
            { rotateBefore: "5d" },
            { clockOffsetSeconds: 2 * 86_400 },
            "update",
            [],
            /within rotateBefore 5d/,
        ],
        ["rotateBefore added, window not reached", { rotateBefore: "1d" }, {}, "update", [], undefined],
        ["rotationTrigger set", { rotationTrigger: "2026-11-30" }, {}, "update", [], /will be rotated: rotationTrigger changed/],
        ["rotationTrigger unchanged", { rotationTrigger: "a" }, { rotationTrigger: "a" }, "none", [], undefined],
        ["only verify changed: recorded", { verify: false }, {}, "update", [], undefined],
        ["a previous key still working", {}, PREVIOUS, "none", [], undefined],
        [
            "a previous key Grafana reports expired",
            {},
            { ...PREVIOUS, previousKeyExpired: true },
            "update",
            [],
            /its previous key will be deleted: it expired at/,
        ],
        [
            "a previous key past its expiry date",
            {},
            { ...PREVIOUS, previousKeyExpiresAt: new Date(Date.now() - 60_000).toISOString() },
            "update",
            [],
            /its previous key will be deleted: it expired/,
        ],
        [
            "revokePrevious set while a previous key works",
            { revokePrevious: true },
            PREVIOUS,
            "update",
            [],
            /previous key will be deleted: revokePrevious is set/,
        ],
        ["a key whose deletion failed earlier is tried again", {}, { retiredKeyIds: [4] }, "update", [], undefined],
        ["replaced anyway: no rotation is announced", { name: "other", rotationTrigger: "x" }, {}, "replace", ["name"], undefined],
    ])("%s", async (_case, newInputs, oldState, step, replaces, reason) => {
        const result = await diff("serviceaccount/3/token/7", { ...stored, ...oldState }, { ...inputs, ...newInputs });
        expect([stepOf(result), result.replaces]).toEqual([step, replaces]);
        if (reason) expect(told.join("\n")).toMatch(reason);
        else expect(told.filter((line) => /will be|rotated/.test(line))).toEqual([]);
    });

    test.each([
        ["1 (before workspaceId existed)", 1, { workspaceId: undefined, rotateBefore: undefined, verify: undefined }],
        ["2 (before rotateBefore and verify)", 2, { rotateBefore: undefined, verify: undefined }],
        ["3 (before rotation kept the previous key)", 3, {}],
    ])("state of version %s is still read, and the first up after upgrading changes nothing", async (_case, schemaVersion, removed) => {
        const older = without({ ...stored, schemaVersion, ...removed }, [
            "keyName",
            "generation",
            "rotationTrigger",
            "revokePrevious",
            "rotatedAt",
            "previousKey",
            "previousKeyId",
            "previousKeyName",
            "previousKeyExpiresAt",
            "previousKeyExpired",
            "retiredKeyIds",
            "clockOffsetSeconds",
            "accountDisabled",
            "grafanaOrgId",
        ]);
        const olderState = JSON.parse(JSON.stringify(older)) as Record<string, unknown>;
        // Keys minted before verification existed were not verified: the program's default stays quiet.
        const result = await diff("serviceaccount/3/token/7", olderState, { ...inputs, verify: schemaVersion < 3 ? false : true });
        expect(stepOf(result)).toBe("none");
    });

    test("state written by a newer provider is refused with a clear message", async () => {
        await expect(diff("x", { ...stored, schemaVersion: 99 }, inputs)).rejects.toThrow(
            /newer pulumi-azure-grafana-keys .*Upgrade the package/,
        );
    });
});

describe("GrafanaServiceAccountToken diff after upgrading", () => {
    const token = lifecycle("GrafanaServiceAccountToken");
    const checked = {
        endpoint: "https://g.example.com",
        workspaceId: null,
        serviceAccountId: 3,
        name: "deploy",
        nameSource: "user",
        logicalName: "deploy",
        orgId: null,
        timeToLive: "30d",
        rotateBefore: "7d",
        rotationTrigger: null,
        revokePrevious: false,
        verify: true,
    };
    const versionOne = {
        schemaVersion: 1,
        endpoint: "https://g.example.com",
        workspaceId: null,
        orgId: null,
        serviceAccountId: 3,
        tokenId: 9,
        key: "glsa_abcdefghijklmnopqrstuvwxyz012345_1a2b3c4d",
        name: "deploy",
        nameSource: "user",
        logicalName: "deploy",
        timeToLive: "30d",
        secondsToLive: 30 * 86_400,
        expiresAt: new Date(Date.now() + 20 * DAY_MS).toISOString(),
        expired: false,
        rotateBefore: "7d",
        verify: true,
    };

    test("a token stored by version 1 is read, and the first up after upgrading changes nothing", async () => {
        expect(stepOf(await token.diff("serviceaccount/3/token/9", versionOne, checked))).toBe("none");
    });

    test("inside its window, a version-1 token rotates in place: no replacement, no delete first", async () => {
        const due = { ...versionOne, expiresAt: new Date(Date.now() + 6 * DAY_MS).toISOString() };
        const result = await token.diff("serviceaccount/3/token/9", due, checked);
        expect([stepOf(result), result.replaces]).toEqual(["update", []]);
        expect(told.join("\n")).toMatch(
            /GrafanaServiceAccountToken "deploy" will be rotated: its key expires at .*, within rotateBefore 7d/,
        );
    });
});
