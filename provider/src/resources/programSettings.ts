import * as pulumi from "@pulumi/pulumi";
import { CONFIG_NAMESPACE, unknownSettings } from "../config";
import { ProviderError } from "../http/errors";

/**
 * A program's own check of the stack's `azure-grafana-keys:*` config: the dynamic-provider host hands the provider a
 * reader of single keys only, so a misspelt setting (`maxRetry` for `maxRetries`) would be ignored without a word.
 * The program can read every key, and refuses an unknown one as the plugin's CheckConfig does, with the same message.
 */
export function refuseUnknownSettings(): void {
    const prefix = `${CONFIG_NAMESPACE}:`;
    const keys = Object.keys(pulumi.runtime.allConfig())
        .filter((key) => key.startsWith(prefix))
        .map((key) => key.slice(prefix.length));
    const failures = unknownSettings(keys);
    if (failures.length > 0) {
        throw new ProviderError({ code: "BAD_CONFIG", summary: failures.map((failure) => failure.reason).join("; ") });
    }
}
