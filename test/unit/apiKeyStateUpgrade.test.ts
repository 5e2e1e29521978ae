// A pure rule of the provider's, read from its source: not part of any entry point the package publishes.
import { readApiKeyState } from "../../provider/src/schema/apiKeyState";

/**
 * A state written before version 5 knew one home for all of a key's keys: the org's legacy keys, or the account the
 * resource created. Read today, it says so in version 5's terms, so that a legacy key Grafana has since migrated is
 * still found (and deleted) wherever it lives, and a service-account key's account is still the resource's own.
 */

const VERSION_4 = {
    schemaVersion: 4,
    endpoint: "https://g.example.com",
    workspaceId: null,
    name: "ci-key",
    nameSource: "user",
    logicalName: "ci",
    role: "Viewer",
    orgId: null,
    grafanaOrgId: 1,
    requestedMode: "auto",
    keyId: 12,
    accountDisabled: false,
    grafanaVersion: "10.4.3",
    key: "eyJrIjoi",
    keyName: "ci-key-r2",
    generation: 2,
    timeToLive: "30d",
    secondsToLive: 2_592_000,
    expiresAt: "2026-12-31T00:00:00.000Z",
    expired: false,
    rotateBefore: "7d",
    rotationTrigger: null,
    revokePrevious: false,
    verify: true,
    rotatedAt: "2026-12-01T00:00:00.000Z",
    previousKey: "eyJrIjpr",
    previousKeyId: 9,
    previousKeyName: "ci-key",
    previousKeyExpiresAt: "2026-12-08T00:00:00.000Z",
    previousKeyExpired: false,
    retiredKeyIds: [4],
    clockOffsetSeconds: 0,
};

test.each([
    [
        "a legacy key with a previous and a retired one: each is one of its legacy keys, none yet migrated",
        { mode: "apiKey", serviceAccountId: null },
        {
            ownServiceAccountId: null,
            legacyKeys: [
                { id: 12, name: "ci-key-r2", serviceAccountId: null },
                { id: 9, name: "ci-key", serviceAccountId: null },
                { id: 4, name: "", serviceAccountId: null },
            ],
        },
    ],
    [
        "a service-account key: its account is the resource's own",
        { mode: "serviceAccount", serviceAccountId: 3, retiredKeyIds: [] },
        { ownServiceAccountId: 3, legacyKeys: [] },
    ],
])("version 4, %s", (_case, kind, expected) => {
    expect(readApiKeyState({ ...VERSION_4, ...kind })).toMatchObject({ schemaVersion: 5, ...kind, ...expected });
});
