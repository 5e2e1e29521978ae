"""A Grafana API key as a Pulumi secret, from Python, through the azure-grafana-keys provider plugin.

Two ways to run it, after `pulumi install` (which generates the SDK from the plugin recorded in Pulumi.yaml and
installs it into venv/):
- on an existing Azure Managed Grafana workspace, after only `az login` (Grafana Admin on it, and Contributor to
  switch API keys on):
      pulumi config set workspaceId /subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.Dashboard/grafana/<name>
- without Azure, against the bundled emulator (`npm run emulator`, then GRAFANA_AUTH=admin:admin or
  `pulumi config set --secret azure-grafana-keys:grafanaAuth admin:admin`): nothing else to configure.
"""

import pulumi
import pulumi_azure_grafana_keys as grafana_keys

config = pulumi.Config()
workspace_id = config.get("workspaceId")

# On Azure the workspace's "API keys and service accounts" setting must be on before a key can exist;
# taking the endpoint from the enablement makes the key wait for it.
endpoint = (
    grafana_keys.WorkspaceApiKeyEnablement("keys-on", workspace_id=workspace_id).endpoint
    if workspace_id
    else config.get("endpoint") or "http://127.0.0.1:3000"
)

key = grafana_keys.GrafanaApiKey(
    "ci",
    endpoint=endpoint,
    role=grafana_keys.GrafanaRole.VIEWER,
    time_to_live="30d",
    # A scheduled `pulumi up --refresh` rotates it a week before it expires; the previous key works until then.
    rotate_before="7d",
)

# Every key of the org, metadata only (a key's secret cannot be read back).
listed = grafana_keys.get_grafana_api_keys_output(endpoint=key.endpoint)

pulumi.export("apiKey", key.key)  # a secret: `pulumi stack output apiKey --show-secrets`
pulumi.export("keyName", key.key_name)
pulumi.export("mintedAs", key.mode)
pulumi.export("expiresAt", key.expires_at)
pulumi.export("keysInOrg", listed.keys.apply(lambda keys: [k.name for k in keys]))
