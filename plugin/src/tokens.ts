/** The plugin's package name, as programs and `pulumi package add` know it; the dynamic resources' module too. */
export const PACKAGE_NAME = "azure-grafana-keys";

/** `azure-grafana-keys:index:<Name>`: every resource, type and function lives in the package's index module. */
export function token(name: string): string {
    return `${PACKAGE_NAME}:index:${name}`;
}

/** The `<Name>` of one of this package's tokens; undefined for anyone else's. */
export function nameOfToken(typeToken: string): string | undefined {
    const prefix = `${PACKAGE_NAME}:index:`;
    return typeToken.startsWith(prefix) ? typeToken.slice(prefix.length) : undefined;
}

/** A resource's type token and name from its URN: `urn:pulumi:<stack>::<project>::[<parent types>$]<type>::<name>`. */
export function partsOfUrn(urn: string): { type: string; name: string } {
    const parts = urn.split("::");
    const qualifiedType = parts[2] ?? "";
    return { type: qualifiedType.slice(qualifiedType.lastIndexOf("$") + 1), name: parts.slice(3).join("::") };
}

/**
 * A Pulumi function returns an object; a function of the TypeScript package that returns a list hands it out as this
 * property (e.g. `get_grafana_api_keys(...).keys` in Python).
 */
export const FUNCTION_RESULTS: Record<string, string> = {
    getGrafanaApiKeys: "keys",
};
