import { DEFAULT_HTTP_SETTINGS, HttpSettings, configureHttp } from "./http/client";
import { ProviderError } from "./http/errors";
import { isLoopbackHost } from "./http/loopback";
import { maskUrl } from "./http/redact";

/**
 * Provider configuration: Pulumi config namespace `azure-grafana-keys` (handed to `configure` by the
 * dynamic-provider host), then the environment, then defaults. Credentials are not kept here except
 * `grafanaAuth` from Pulumi config (already a secret in the stack); environment credentials are read at
 * call time.
 */

export const CONFIG_NAMESPACE = "azure-grafana-keys";

/** Azure clouds by the names azure-native and Terraform users already set in ARM_ENVIRONMENT. */
export const CLOUDS = {
    public: { armEndpoint: "https://management.azure.com", authorityHost: "https://login.microsoftonline.com" },
    usgovernment: { armEndpoint: "https://management.usgovcloudapi.net", authorityHost: "https://login.microsoftonline.us" },
    china: { armEndpoint: "https://management.chinacloudapi.cn", authorityHost: "https://login.chinacloudapi.cn" },
} as const;
export type CloudName = keyof typeof CLOUDS;

export const DEFAULT_GRAFANA_AUDIENCE = "ce34e7e5-485f-4d76-964f-b3d2b16d1e4f";
export const DEFAULT_ARM_API_VERSION = "2025-08-01";

export interface ProviderConfig {
    /** Grafana credential from the stack's secret config; GRAFANA_AUTH is read at call time instead. */
    grafanaAuth?: string;
    cloud: CloudName;
    armEndpoint: string;
    /** Login host for Entra ID; undefined lets @azure/identity use AZURE_AUTHORITY_HOST or its default. */
    authorityHost?: string;
    grafanaAudience: string;
    apiVersion: string;
    /** How long to keep retrying Azure's "enabled api key recently, please wait" 403. */
    justEnabledTimeoutMs: number;
    /** How long a long-running ARM operation may take. */
    operationTimeoutMs: number;
    /** Poll interval for ARM operations when the server sends no Retry-After. */
    pollIntervalMs: number;
    /** How long one provider operation (create, read, update, delete) may take in all. */
    operationDeadlineSeconds: number;
    http: HttpSettings;
}

/** Every setting: its config key, its environment variable, and how to read it. */
const SETTINGS = {
    grafanaAuth: { env: undefined },
    environment: { env: "ARM_ENVIRONMENT" },
    armEndpoint: { env: "AZURE_GRAFANA_KEYS_ARM_ENDPOINT" },
    authorityHost: { env: "AZURE_AUTHORITY_HOST" },
    grafanaAudience: { env: "AZURE_GRAFANA_KEYS_GRAFANA_AUDIENCE" },
    apiVersion: { env: "AZURE_GRAFANA_KEYS_API_VERSION" },
    justEnabledTimeoutSeconds: { env: "AZURE_GRAFANA_KEYS_JUST_ENABLED_TIMEOUT_SECONDS" },
    operationTimeoutSeconds: { env: "AZURE_GRAFANA_KEYS_OPERATION_TIMEOUT_SECONDS" },
    pollIntervalMs: { env: "AZURE_GRAFANA_KEYS_POLL_INTERVAL_MS" },
    operationDeadlineSeconds: { env: "AZURE_GRAFANA_KEYS_OPERATION_DEADLINE_SECONDS" },
    maxRetries: { env: "AZURE_GRAFANA_KEYS_MAX_RETRIES" },
    minRetryDelayMs: { env: "AZURE_GRAFANA_KEYS_MIN_RETRY_DELAY_MS" },
    maxRetryDelayMs: { env: "AZURE_GRAFANA_KEYS_MAX_RETRY_DELAY_MS" },
    requestTimeoutMs: { env: "AZURE_GRAFANA_KEYS_REQUEST_TIMEOUT_MS" },
} as const;
export type SettingName = keyof typeof SETTINGS;

/**
 * The keys of `azure-grafana-keys:*` config that are no setting of this provider (a misspelt `maxRetry`), each with
 * the reason to refuse it: the one message and list of names the plugin's CheckConfig and a TypeScript program use.
 */
export function unknownSettings(keys: Iterable<string>): Array<{ property: string; reason: string }> {
    const names = Object.keys(SETTINGS);
    return [...keys]
        .filter((key) => !names.includes(key))
        .map((key) => ({ property: key, reason: `${CONFIG_NAMESPACE}:${key} is not a setting of this provider: use ${names.join(", ")}` }));
}

/** What the dynamic-provider host hands to `configure`: a reader of the stack's config. */
export interface ConfigReader {
    get(key: string): string | undefined;
}

let current: ProviderConfig | undefined;

/**
 * The settings in force. An entry point that was handed none (a script calling listGrafanaApiKeys, a host that never
 * calls Configure) gets the environment's, applied to the HTTP client too, before its first request.
 */
export function providerConfig(): ProviderConfig {
    return current ?? applyProviderConfig(undefined);
}

export function applyProviderConfig(reader: ConfigReader | undefined, env: NodeJS.ProcessEnv = process.env): ProviderConfig {
    current = resolveProviderConfig(reader, env);
    configureHttp(current.http);
    return current;
}

export function resolveProviderConfig(reader: ConfigReader | undefined, env: NodeJS.ProcessEnv): ProviderConfig {
    const read = (name: SettingName): string | undefined => {
        const fromConfig = reader?.get(`${CONFIG_NAMESPACE}:${name}`);
        if (fromConfig !== undefined && fromConfig !== "") return fromConfig;
        const envName = SETTINGS[name].env;
        return envName && env[envName] ? env[envName] : undefined;
    };
    const where = (name: SettingName) => `${CONFIG_NAMESPACE}:${name}${SETTINGS[name].env ? ` (or ${SETTINGS[name].env})` : ""}`;
    const integer = (name: SettingName, fallback: number): number => {
        const text = read(name);
        if (text === undefined) return fallback;
        const value = Number(text);
        if (!Number.isSafeInteger(value) || value < 0) throw badConfig(`${where(name)} must be a whole number >= 0, got "${text}"`);
        return value;
    };
    const url = (name: SettingName, fallback: string): string => {
        const text = read(name) ?? fallback;
        let parsed: URL;
        try {
            parsed = new URL(text);
        } catch {
            throw badConfig(`${where(name)} must be a URL, got "${maskUrl(text)}"`);
        }
        if (parsed.protocol !== "https:" && !(parsed.protocol === "http:" && isLoopbackHost(parsed.hostname))) {
            throw badConfig(`${where(name)} must be an https URL (http only for loopback addresses), got "${maskUrl(text)}"`);
        }
        return parsed.origin;
    };

    const cloudText = (read("environment") ?? "public").toLowerCase();
    const cloud = (cloudText === "usgov" ? "usgovernment" : cloudText) as CloudName;
    if (!(cloud in CLOUDS)) {
        throw badConfig(`${where("environment")} must be one of ${Object.keys(CLOUDS).join(", ")}, got "${cloudText}"`);
    }
    const authorityHost = read("authorityHost");
    return {
        grafanaAuth: reader?.get(`${CONFIG_NAMESPACE}:grafanaAuth`) || undefined,
        cloud,
        armEndpoint: url("armEndpoint", CLOUDS[cloud].armEndpoint),
        authorityHost: authorityHost ? url("authorityHost", authorityHost) : cloud === "public" ? undefined : CLOUDS[cloud].authorityHost,
        grafanaAudience: read("grafanaAudience") ?? DEFAULT_GRAFANA_AUDIENCE,
        apiVersion: read("apiVersion") ?? DEFAULT_ARM_API_VERSION,
        justEnabledTimeoutMs: integer("justEnabledTimeoutSeconds", 300) * 1000,
        operationTimeoutMs: integer("operationTimeoutSeconds", 600) * 1000,
        pollIntervalMs: integer("pollIntervalMs", 2000),
        operationDeadlineSeconds: integer("operationDeadlineSeconds", 900),
        http: {
            maxRetries: integer("maxRetries", DEFAULT_HTTP_SETTINGS.maxRetries),
            minRetryDelayMs: integer("minRetryDelayMs", DEFAULT_HTTP_SETTINGS.minRetryDelayMs),
            maxRetryDelayMs: integer("maxRetryDelayMs", DEFAULT_HTTP_SETTINGS.maxRetryDelayMs),
            requestTimeoutMs: integer("requestTimeoutMs", DEFAULT_HTTP_SETTINGS.requestTimeoutMs),
            maxResponseBytes: DEFAULT_HTTP_SETTINGS.maxResponseBytes,
        },
    };
}

function badConfig(summary: string): ProviderError {
    return new ProviderError({ code: "BAD_CONFIG", summary });
}
