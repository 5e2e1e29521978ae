import * as pulumi from "@pulumi/pulumi";
import * as azure from "@pulumi/azure-native";

// A second stack that uses the key another stack minted: a dashboard deployer, an alerting
// pipeline, a service that pushes annotations. It never mints or stores a key of its own and never
// sees one in plain text; it reads the producer's `apiKey` output, which arrives as a Pulumi secret.
//
//     pulumi config set producerStack organization/azure-grafana-keys-quickstart/dev
//
// With a self-managed backend (`pulumi login file://...`) the name is `organization/<project>/<stack>`;
// with Pulumi Cloud, `<your org>/<project>/<stack>`.
const config = new pulumi.Config();
const producer = new pulumi.StackReference(config.require("producerStack"));

// getOutput keeps the producer's secrecy: `apiKey` was exported as a secret there, so it is one here,
// and so is everything computed from it.
//
// This stack reads the key when it deploys. When the producer rotates the key, the key this stack holds
// keeps working until its own expiry (the producer's `previousKeyExpiresAt`): redeploy within the producer's
// rotateBefore window (a week in the quickstart) and this stack never holds a dead key.
const apiKey = producer.getOutput("apiKey");

// How Grafana's HTTP API wants the key: hand this to whatever calls Grafana (an HTTP or webhook
// resource, a Kubernetes Secret, a CI variable). Still a secret: `pulumi stack output` shows
// `[secret]` unless asked for `--show-secrets`, and the state holds it encrypted.
export const authorizationHeader = pulumi.interpolate`Bearer ${apiKey}`;
// Where to send it; not a secret.
export const grafanaEndpoint = producer.getOutput("grafanaEndpoint");

// On Azure, keep it where applications read secrets from: a Key Vault secret, e.g.
//     pulumi config set keyVaultResourceGroup rg-shared && pulumi config set keyVaultName kv-shared
// azure-native marks `properties.value` secret, so the key stays encrypted in this state too.
const keyVaultName = config.get("keyVaultName");
if (keyVaultName) {
    new azure.keyvault.Secret("grafana-api-key", {
        resourceGroupName: config.require("keyVaultResourceGroup"),
        vaultName: keyVaultName,
        secretName: "grafana-api-key",
        properties: { value: apiKey },
    });
}
