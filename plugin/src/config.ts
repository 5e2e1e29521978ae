import { PACKAGE_NAME } from "./tokens";

/** The dynamic resources read `azure-grafana-keys:<key>` from the stack's config; the plugin's settings are the same keys. */
export const CONFIG_NAMESPACE = PACKAGE_NAME;

/** The unknown value of a preview: a setting computed by another resource is not known yet. */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Settings by key (`armEndpoint`), secrets already unwrapped. */
export type ConfigValues = Record<string, unknown>;

/**
 * What the implementation's `configure` reads: `get("azure-grafana-keys:<key>")`, a string as stack config gives it
 * (an explicit provider's numbers and booleans arrive typed, and are read as their text).
 */
export function configReader(values: ConfigValues): { get(key: string): string | undefined } {
    return {
        get(key) {
            if (!key.startsWith(`${CONFIG_NAMESPACE}:`)) return undefined;
            const value = values[key.slice(CONFIG_NAMESPACE.length + 1)];
            if (value === undefined || value === null || value === UNKNOWN) return undefined;
            if (typeof value === "string") return value;
            // A Struct carries nothing else but objects and lists, read as their JSON.
            return typeof value === "number" || typeof value === "boolean" ? String(value) : JSON.stringify(value);
        },
    };
}

/**
 * The settings in a ConfigureRequest: its `args` (typed, secrets in the envelope), else the older `variables` map keyed
 * `azure-grafana-keys:config:<key>`.
 */
export function settingsOf(args: Record<string, unknown>, variables: Map<string, string> | Array<[string, string]>): ConfigValues {
    const settings: ConfigValues = { ...args };
    const prefix = `${CONFIG_NAMESPACE}:config:`;
    for (const [name, value] of variables instanceof Map ? variables.entries() : variables) {
        if (name.startsWith(prefix) && !(name.slice(prefix.length) in settings)) settings[name.slice(prefix.length)] = value;
    }
    return settings;
}
