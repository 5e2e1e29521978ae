import { DEFAULT_HTTP_SETTINGS, HttpSettings, configureHttp } from "./http/client";

/**
 * Provider configuration, from Pulumi config namespace `azure-grafana-keys` (delivered to `configure`)
 * with environment fallbacks. Precedence: Pulumi config > environment > defaults.
 */
export interface ProviderConfig {
    grafanaAuth?: string;
    http: HttpSettings;
}

export const CONFIG_NAMESPACE = "azure-grafana-keys";

/** What the dynamic-provider host hands to `configure`: a reader of the stack's config. */
export interface ConfigReader {
    get(key: string): string | undefined;
}

let current: ProviderConfig = { http: DEFAULT_HTTP_SETTINGS };

export function providerConfig(): ProviderConfig {
    return current;
}

export function applyProviderConfig(reader: ConfigReader | undefined, env: NodeJS.ProcessEnv = process.env): void {
    const read = (key: string, envName: string): string | undefined => {
        const fromConfig = reader?.get(`${CONFIG_NAMESPACE}:${key}`);
        return fromConfig !== undefined && fromConfig !== "" ? fromConfig : env[envName] || undefined;
    };
    const integer = (key: string, envName: string, fallback: number): number => {
        const text = read(key, envName);
        if (text === undefined) return fallback;
        const value = Number(text);
        if (!Number.isSafeInteger(value) || value < 0) {
            throw new Error(`${CONFIG_NAMESPACE}:${key} (or ${envName}) must be a whole number >= 0, got "${text}"`);
        }
        return value;
    };
    const http: HttpSettings = {
        maxRetries: integer("maxRetries", "AZURE_GRAFANA_KEYS_MAX_RETRIES", DEFAULT_HTTP_SETTINGS.maxRetries),
        minRetryDelayMs: integer("minRetryDelayMs", "AZURE_GRAFANA_KEYS_MIN_RETRY_DELAY_MS", DEFAULT_HTTP_SETTINGS.minRetryDelayMs),
        maxRetryDelayMs: integer("maxRetryDelayMs", "AZURE_GRAFANA_KEYS_MAX_RETRY_DELAY_MS", DEFAULT_HTTP_SETTINGS.maxRetryDelayMs),
        requestTimeoutMs: integer("requestTimeoutMs", "AZURE_GRAFANA_KEYS_REQUEST_TIMEOUT_MS", DEFAULT_HTTP_SETTINGS.requestTimeoutMs),
        maxResponseBytes: DEFAULT_HTTP_SETTINGS.maxResponseBytes,
    };
    // Only the Pulumi config value is kept: the environment is read again at call time.
    current = { grafanaAuth: reader?.get(`${CONFIG_NAMESPACE}:grafanaAuth`) || undefined, http };
    configureHttp(http);
}
