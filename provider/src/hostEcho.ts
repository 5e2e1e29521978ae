import { PROVIDER_ERROR_NAME } from "./http/errors";

/**
 * Both Node hosts, the dynamic-provider host and the server of `@pulumi/pulumi/provider` that the plugin runs, print
 * every error of check, diff, read and delete to stderr as `${e}: ${e.stack}` and also return it to the engine as the
 * call's error (docs/pulumi-dynamic-providers.md, section 5). The CLI shows the returned error under the resource and
 * the stderr line under the stack: one failure, said twice. An error of ours (ProviderError, printed as
 * "azure-grafana-keys: <message>") reaches the person whole through the engine, so its stderr copy is left out. Any
 * other error keeps it, stack trace and all, for whoever has to debug it.
 */

const ECHO = `${PROVIDER_ERROR_NAME}: `;
let installed = false;

/** In a host process only: there every such line is the host's copy of an error the engine also gets. */
export function printEachErrorOnce(): void {
    if (installed) return;
    installed = true;
    const print = console.error.bind(console);
    console.error = (...args: unknown[]) => {
        if (args.length === 1 && typeof args[0] === "string" && args[0].startsWith(ECHO)) return;
        print(...args);
    };
}

/** The dynamic-provider host runs `@pulumi/pulumi/cmd/dynamic-provider` (the plugin installs the filter itself). */
export function isDynamicProviderHost(): boolean {
    return process.argv[1]?.includes("dynamic-provider") ?? false;
}
