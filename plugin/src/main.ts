import { checkConfig, configure, diffInDetail, provider } from "./provider";
import { serve } from "./server";
import * as impl from "pulumi-azure-grafana-keys/impl";

/**
 * The plugin's entry point. The engine starts it (through `@pulumi/pulumi/cmd/run-plugin`) with its own address as the
 * first argument; the port it serves on is the first line on stdout.
 */
const args = process.argv.slice(2);
// The implementation's messages (rotations, keys deleted outside Pulumi, imports) go to the engine's Log service,
// whose address the dynamic-provider host passes the same way; log.ts finds it in this variable outside that host.
const engineAddress = args.find((arg) => /^[\w.[\]:-]+:\d+$/.test(arg));
if (engineAddress && !process.env.PULUMI_NODEJS_ENGINE) process.env.PULUMI_NODEJS_ENGINE = engineAddress;

// Its server prints each error of check, diff, read and delete on stderr besides returning it: ours are said once.
impl.printEachErrorOnce();

serve(provider, { configure, checkConfig, diffInDetail }, args).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
});
