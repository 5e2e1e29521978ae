export { GrafanaApiKey, GrafanaApiKeyArgs, GrafanaRole, MintMode } from "./resources/grafanaApiKey";
export { WorkspaceApiKeyEnablement, WorkspaceApiKeyEnablementArgs } from "./resources/workspaceApiKeyEnablement";
export { GrafanaServiceAccount, GrafanaServiceAccountArgs } from "./resources/grafanaServiceAccount";
export { GrafanaServiceAccountToken, GrafanaServiceAccountTokenArgs } from "./resources/grafanaServiceAccountToken";
export { getGrafanaApiKeys, listGrafanaApiKeys, GrafanaApiKeysArgs, GrafanaKeyInfo } from "./functions/grafanaApiKeys";
export { parseTimeToLive, MAX_TIME_TO_LIVE_SECONDS } from "./duration";
