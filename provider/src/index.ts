export { GrafanaApiKey, GrafanaApiKeyArgs, GrafanaRole, MintMode } from "./resources/grafanaApiKey";
export { WorkspaceApiKeyEnablement, WorkspaceApiKeyEnablementArgs } from "./resources/workspaceApiKeyEnablement";
export { parseTimeToLive, MAX_TIME_TO_LIVE_SECONDS } from "./duration";
