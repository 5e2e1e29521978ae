// A Grafana API key as a Pulumi secret, from Go, through the azure-grafana-keys provider plugin.
//
// Two ways to run it, after `pulumi install` (which generates the SDK from the plugin recorded in Pulumi.yaml into
// sdks/ and runs `go mod tidy`):
//   - on an existing Azure Managed Grafana workspace, after only `az login` (Grafana Admin on it, and Contributor to
//     switch API keys on):
//     pulumi config set workspaceId /subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.Dashboard/grafana/<name>
//   - without Azure, against the bundled emulator (`npm run emulator`, then GRAFANA_AUTH=admin:admin or
//     `pulumi config set --secret azure-grafana-keys:grafanaAuth admin:admin`): nothing else to configure.
package main

import (
	"github.com/pulumi-azure-grafana-keys/pulumi-azure-grafana-keys/sdk/go/azuregrafanakeys"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		cfg := config.New(ctx, "")

		// On Azure the workspace's "API keys and service accounts" setting must be on before a key can exist;
		// taking the endpoint from the enablement makes the key wait for it.
		grafanaURL := cfg.Get("endpoint")
		if grafanaURL == "" {
			grafanaURL = "http://127.0.0.1:3000"
		}
		var endpoint pulumi.StringInput = pulumi.String(grafanaURL)
		if workspaceID := cfg.Get("workspaceId"); workspaceID != "" {
			enablement, err := azuregrafanakeys.NewWorkspaceApiKeyEnablement(ctx, "keys-on", &azuregrafanakeys.WorkspaceApiKeyEnablementArgs{
				WorkspaceId: pulumi.String(workspaceID),
			})
			if err != nil {
				return err
			}
			endpoint = enablement.Endpoint
		}

		// A scheduled `pulumi up --refresh` rotates the key a week before it expires; the previous key works until then.
		key, err := azuregrafanakeys.NewGrafanaApiKey(ctx, "ci", &azuregrafanakeys.GrafanaApiKeyArgs{
			Endpoint:     endpoint,
			Role:         azuregrafanakeys.GrafanaRoleViewer,
			TimeToLive:   pulumi.String("30d"),
			RotateBefore: pulumi.String("7d"),
		})
		if err != nil {
			return err
		}

		// Every key of the org, metadata only (a key's secret cannot be read back).
		listed := azuregrafanakeys.GetGrafanaApiKeysOutput(ctx, azuregrafanakeys.GetGrafanaApiKeysOutputArgs{Endpoint: key.Endpoint})

		ctx.Export("apiKey", key.Key) // a secret: `pulumi stack output apiKey --show-secrets`
		ctx.Export("keyName", key.KeyName)
		ctx.Export("mintedAs", key.Mode)
		ctx.Export("expiresAt", key.ExpiresAt)
		ctx.Export("keysInOrg", listed.Keys().ApplyT(func(keys []azuregrafanakeys.GrafanaKeyInfo) []string {
			names := make([]string, 0, len(keys))
			for _, listedKey := range keys {
				names = append(names, listedKey.Name)
			}
			return names
		}).(pulumi.StringArrayOutput))
		return nil
	})
}
