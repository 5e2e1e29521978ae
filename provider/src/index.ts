export { GrafanaApiKey, GrafanaApiKeyArgs, GrafanaRole, MintMode } from "./resources/grafanaApiKey";
export { parseTimeToLive, MAX_TIME_TO_LIVE_SECONDS } from "./duration";
