/** Unit, emulator-backed integration, dynamic-provider-host protocol and e2e tests. */
module.exports = {
    testEnvironment: "node",
    roots: ["<rootDir>/test", "<rootDir>/emulator/test"],
    testMatch: ["**/*.test.ts"],
    transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json" }] },
    testTimeout: 60000,
};
