// A pure rule of the provider's, read from its source: not part of any entry point the package publishes.
import { credentialKind } from "../../provider/src/azure/credentials";

/** The variables Pulumi azure-native users already set pick the same credential here. */
describe("which Entra ID credential the environment selects", () => {
    const sp = { ARM_CLIENT_ID: "00000000-0000-0000-0000-0000000000c1", ARM_TENANT_ID: "00000000-0000-0000-0000-0000000000t1" };
    test.each<[string, NodeJS.ProcessEnv, ReturnType<typeof credentialKind>]>([
        ["a service principal with a secret", { ...sp, ARM_CLIENT_SECRET: "s3cret" }, "clientSecret"],
        ["workload identity federation with a token", { ...sp, ARM_USE_OIDC: "true", ARM_OIDC_TOKEN: "eyJ.x.y" }, "oidc"],
        [
            "workload identity federation with a token file",
            { ...sp, ARM_USE_OIDC: "TRUE", ARM_OIDC_TOKEN_FILE_PATH: "/var/run/token" },
            "oidc",
        ],
        ["OIDC asked for but no token given", { ...sp, ARM_USE_OIDC: "true" }, "default"],
        ["a managed identity", { ARM_USE_MSI: "true" }, "managedIdentity"],
        ["a user-assigned managed identity", { ARM_USE_MSI: "1", ARM_CLIENT_ID: sp.ARM_CLIENT_ID }, "managedIdentity"],
        ["a client id without tenant or secret", { ARM_CLIENT_ID: sp.ARM_CLIENT_ID }, "default"],
        ["nothing: az login, AZURE_* variables and the rest of DefaultAzureCredential", {}, "default"],
        [
            "a secret wins over OIDC",
            { ...sp, ARM_CLIENT_SECRET: "s3cret", ARM_USE_OIDC: "true", ARM_OIDC_TOKEN: "eyJ.x.y" },
            "clientSecret",
        ],
    ])("%s", (_case, env, kind) => {
        expect(credentialKind(env)).toBe(kind);
    });
});
