import { AsyncLocalStorage } from "node:async_hooks";
import * as path from "node:path";
import type * as engineGrpc from "@pulumi/pulumi/proto/engine_grpc_pb";
import type * as engineProto from "@pulumi/pulumi/proto/engine_pb";
import { redact } from "./http/redact";

/**
 * Messages for the person running `pulumi`, shown by the CLI like a program's `pulumi.log` output:
 * sent to the engine's Log service, whose address the engine gives the dynamic-provider host as its
 * first argument. Redacted like every other text we emit. If the engine cannot be reached the message
 * goes to stderr, which the engine also collects.
 */

type Severity = "info" | "warning";

/**
 * The call a message belongs to: the resource's URN where the host knows it (the provider plugin does; the
 * dynamic-provider host never hands one over, so its messages stay on the stack), and what was said already, since
 * one call can reach the same finding twice and the person running Pulumi needs it once.
 */
interface CallContext {
    urn?: string;
    said: Set<string>;
}
const currentCall = new AsyncLocalStorage<CallContext>();

/** Runs one provider call whose messages concern the resource `urn`. */
export function aboutResource<T>(urn: string | undefined, call: () => T): T {
    return currentCall.run({ urn, said: new Set() }, call);
}

/**
 * Which run of `pulumi up` a diff belongs to: the engine runs Check and Diff in its preview and again in the update
 * that follows, with the same requests (no field of them says which), in a new provider process each time. What the
 * program knows, `pulumi.runtime.isDryRun()`, the resource classes hand on as the input `__preview` (storedInputs.ts).
 * Unknown (the plugin, whose programs are in other languages, and states written before) counts as a preview.
 */
const currentRun = new AsyncLocalStorage<"preview" | "update">();

/** Runs a diff of the run its inputs name (`undefined`: not known). */
export function duringRun<T>(preview: boolean | undefined, call: () => T): T {
    return preview === false ? currentRun.run("update", call) : currentRun.run("preview", call);
}

/**
 * What a diff finds will be done ("will be rotated: ..."): said in the preview. In the update the call that does it
 * says what it did ("rotated: ..."), so the same plan is not said again just before.
 */
export function logPlan(message: string): void {
    if (currentRun.getStore() === "update") return;
    send("info", message);
}

/** The engine's generated Log client and messages, typed by the .d.ts files @pulumi/pulumi ships with them. */
let engine: { client: engineGrpc.EngineClient; proto: typeof engineProto } | undefined | null;

export function logInfo(message: string): void {
    send("info", message);
}

export function logWarning(message: string): void {
    send("warning", message);
}

function send(severity: Severity, message: string): void {
    const text = redact(message);
    const call = currentCall.getStore();
    if (call) {
        if (call.said.has(`${severity}:${text}`)) return;
        call.said.add(`${severity}:${text}`);
    }
    const connection = engineConnection();
    if (!connection) {
        console.error(`${severity}: ${text}`);
        return;
    }
    const request = new connection.proto.LogRequest();
    request.setSeverity(severity === "info" ? connection.proto.LogSeverity.INFO : connection.proto.LogSeverity.WARNING);
    request.setMessage(text);
    if (call?.urn) request.setUrn(call.urn);
    connection.client.log(request, (error: Error | null) => {
        if (error) console.error(`${severity}: ${text}`);
    });
}

function engineConnection() {
    if (engine !== undefined) return engine;
    const address = engineAddress();
    if (!address) return (engine = null);
    try {
        // The engine's own generated client, from the @pulumi/pulumi the program installed.
        /* eslint-disable @typescript-eslint/no-require-imports -- loaded only once an engine is there to log to, from the
           program's @pulumi/pulumi and the grpc-js that one uses (resolved from its folder), which imports cannot say */
        const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
        const grpc = require(require.resolve("@grpc/grpc-js", { paths: [pulumiDir] })) as typeof import("@grpc/grpc-js");
        const services = require("@pulumi/pulumi/proto/engine_grpc_pb") as typeof engineGrpc;
        const proto = require("@pulumi/pulumi/proto/engine_pb") as typeof engineProto;
        /* eslint-enable @typescript-eslint/no-require-imports */
        const client = new services.EngineClient(address, grpc.credentials.createInsecure());
        return (engine = { client, proto });
    } catch {
        return (engine = null);
    }
}

function engineAddress(): string | undefined {
    const [, script, firstArgument] = process.argv;
    if (script?.includes("dynamic-provider") && firstArgument && /^[\w.[\]:-]+:\d+$/.test(firstArgument)) return firstArgument;
    return process.env.PULUMI_NODEJS_ENGINE || undefined;
}
