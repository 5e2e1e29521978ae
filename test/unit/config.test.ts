import { resolveProviderConfig } from "pulumi-azure-grafana-keys/impl";

const config = (values: Record<string, string>) => ({ get: (key: string) => values[key] });

describe("provider configuration: Pulumi config > environment > defaults", () => {
    test("defaults: public cloud, ce34e7e5 audience, api-version 2025-08-01, five minutes for the just-enabled window", () => {
        expect(resolveProviderConfig(undefined, {})).toMatchObject({
            cloud: "public",
            armEndpoint: "https://management.azure.com",
            authorityHost: undefined,
            grafanaAudience: "ce34e7e5-485f-4d76-964f-b3d2b16d1e4f",
            apiVersion: "2025-08-01",
            justEnabledTimeoutMs: 300_000,
            grafanaAuth: undefined,
        });
    });

    test("the environment overrides defaults, and Pulumi config overrides the environment", () => {
        const env = {
            AZURE_GRAFANA_KEYS_API_VERSION: "2024-10-01",
            AZURE_GRAFANA_KEYS_GRAFANA_AUDIENCE: "6f2d169c-08f3-4a4c-a982-bcaf2d038c45",
        };
        expect(resolveProviderConfig(undefined, env)).toMatchObject({
            apiVersion: "2024-10-01",
            grafanaAudience: "6f2d169c-08f3-4a4c-a982-bcaf2d038c45",
        });
        expect(resolveProviderConfig(config({ "azure-grafana-keys:apiVersion": "2023-09-01" }), env)).toMatchObject({
            apiVersion: "2023-09-01",
            grafanaAudience: "6f2d169c-08f3-4a4c-a982-bcaf2d038c45",
        });
    });

    test.each([
        ["usgovernment", "https://management.usgovcloudapi.net", "https://login.microsoftonline.us"],
        ["china", "https://management.chinacloudapi.cn", "https://login.chinacloudapi.cn"],
    ])("ARM_ENVIRONMENT=%s picks that cloud's ARM endpoint and login host", (cloud, armEndpoint, authorityHost) => {
        expect(resolveProviderConfig(undefined, { ARM_ENVIRONMENT: cloud })).toMatchObject({ armEndpoint, authorityHost });
    });

    test("an explicit ARM endpoint and authority host win over the cloud's", () => {
        const resolved = resolveProviderConfig(
            config({ "azure-grafana-keys:armEndpoint": "https://arm.example.com/", "azure-grafana-keys:environment": "china" }),
            { AZURE_AUTHORITY_HOST: "https://login.example.com" },
        );
        expect(resolved).toMatchObject({ armEndpoint: "https://arm.example.com", authorityHost: "https://login.example.com" });
    });

    test("grafanaAuth comes only from Pulumi config (GRAFANA_AUTH is read at call time)", () => {
        expect(
            resolveProviderConfig(config({ "azure-grafana-keys:grafanaAuth": "glsa_x" }), { GRAFANA_AUTH: "admin:admin" }).grafanaAuth,
        ).toBe("glsa_x");
        expect(resolveProviderConfig(undefined, { GRAFANA_AUTH: "admin:admin" }).grafanaAuth).toBeUndefined();
    });

    test.each([
        [
            { ARM_ENVIRONMENT: "mars" },
            /azure-grafana-keys:environment \(or ARM_ENVIRONMENT\) must be one of public, usgovernment, china, got "mars"/,
        ],
        [{ AZURE_GRAFANA_KEYS_ARM_ENDPOINT: "http://arm.example.com" }, /must be an https URL \(http only for loopback addresses\)/],
        [
            { AZURE_GRAFANA_KEYS_MAX_RETRIES: "-1" },
            /azure-grafana-keys:maxRetries \(or AZURE_GRAFANA_KEYS_MAX_RETRIES\) must be a whole number >= 0, got "-1"/,
        ],
    ])("a bad setting %j is refused, naming where it came from", (env, message) => {
        expect(() => resolveProviderConfig(undefined, env)).toThrow(message);
    });

    test("a password in a refused URL setting is not echoed, whatever it holds", () => {
        const refused = (): unknown =>
            resolveProviderConfig(undefined, { AZURE_GRAFANA_KEYS_ARM_ENDPOINT: "http://arm:S3cr/t?x#y@arm.example.com" });
        expect(refused).toThrow(/got "http:\/\/\*\*\*@arm\.example\.com"/);
        try {
            refused();
        } catch (error) {
            expect(String(error)).not.toMatch(/S3cr|arm:/);
        }
    });
});
