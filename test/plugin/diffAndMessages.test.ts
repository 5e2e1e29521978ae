import { Emulator } from "../emulator";
import { EngineLogServer } from "../harness/engineLog";
import { usePluginSession } from "../harness/pluginSession";
import { PluginHost, Props, urnOf } from "../harness/pluginHost";

/**
 * What `preview --diff` and `up` show of a GrafanaApiKey driven by the real plugin process over gRPC: the detailed
 * diff names the user's inputs only (the provider's bookkeeping `logicalName`, `nameSource`, `requestedMode` never),
 * with replacing kinds exactly where the diff replaces; and what the provider says during a call is said once, on the
 * resource's URN (the engine's Log service here records each LogRequest's URN as the CLI uses it).
 */

const BOOKKEEPING = ["logicalName", "nameSource", "requestedMode", "__provider"];
let grafana: Emulator;
let engineLog: EngineLogServer;
let host: PluginHost;

usePluginSession("12.1", (started) => ({ grafana, engineLog, host } = started));

interface Stored {
    urn: string;
    id: string;
    inputs: Props;
    outputs: Props;
}

async function create(name: string, news: Props): Promise<Stored> {
    const urn = urnOf("GrafanaApiKey", name);
    const checked = await host.check(urn, {}, news);
    expect(checked.failures).toEqual([]);
    const created = await host.create(urn, checked.inputs);
    return { urn, id: created.id, inputs: checked.inputs, outputs: created.properties };
}

/** Check then Diff, as the engine does: the Diff carries the stored outputs, the new inputs and the stored inputs. */
async function diff(old: Stored, news: Props) {
    const checked = await host.check(old.urn, old.inputs, news);
    expect(checked.failures).toEqual([]);
    return { checked: checked.inputs, diff: await host.diff(old.urn, old.id, old.outputs, checked.inputs, old.inputs) };
}

test("a role-only change shows role alone, in place; the stored inputs it compares hold the bookkeeping that stays hidden", async () => {
    const old = await create("roles", { endpoint: grafana.url, role: "Viewer", timeToLive: "30d" });
    // Under `__` keys, which the CLI leaves out of every display, as it does `__provider`.
    expect(Object.keys(old.inputs)).toEqual(expect.arrayContaining(["__logicalName", "__nameSource", "__requestedMode"]));
    expect(Object.keys(old.inputs)).not.toEqual(expect.arrayContaining(["logicalName"]));

    const { diff: changed } = await diff(old, { endpoint: grafana.url, role: "Editor", timeToLive: "30d" });
    expect(changed.changes).toBe("some");
    expect(changed.replaces).toEqual([]);
    expect(changed.detailedDiff).toEqual({ role: "UPDATE" });

    const { diff: same } = await diff(old, { endpoint: grafana.url, role: "Viewer", timeToLive: "30d" });
    expect(same.changes).toBe("none");
    expect(same.detailedDiff).toEqual({});
});

test("inputs stored by an earlier version, bookkeeping under plain keys, diff as unchanged", async () => {
    const current = await create("older", { endpoint: grafana.url, role: "Viewer", timeToLive: "30d" });
    const { __logicalName, __nameSource, __requestedMode, ...rest } = current.inputs;
    const earlier: Stored = {
        ...current,
        inputs: { ...rest, logicalName: __logicalName, nameSource: __nameSource, requestedMode: __requestedMode },
    };

    const { diff: same } = await diff(earlier, { endpoint: grafana.url, role: "Viewer", timeToLive: "30d" });
    expect(same.changes).toBe("none");
    expect(same.detailedDiff).toEqual({});
});

test("a rename of a given name replaces, and the detailed diff says so on name; an input added or dropped is ADD or DELETE", async () => {
    const old = await create("named", { endpoint: grafana.url, name: "first-name", timeToLive: "30d" });

    const { diff: renamed } = await diff(old, { endpoint: grafana.url, name: "second-name", timeToLive: "30d" });
    expect(renamed.replaces).toEqual(["name"]);
    expect(renamed.detailedDiff).toEqual({ name: "UPDATE_REPLACE" });

    const { diff: triggered } = await diff(old, { endpoint: grafana.url, name: "first-name", timeToLive: "30d", rotationTrigger: "1" });
    expect(triggered.replaces).toEqual([]);
    expect(triggered.detailedDiff).toEqual({ rotationTrigger: "ADD" });
    for (const field of BOOKKEEPING) expect(Object.keys(triggered.detailedDiff ?? {})).not.toContain(field);

    const given = await create("trigger", { endpoint: grafana.url, timeToLive: "30d", rotationTrigger: "1" });
    const { diff: dropped } = await diff(given, { endpoint: grafana.url, timeToLive: "30d" });
    expect(dropped.detailedDiff).toEqual({ rotationTrigger: "DELETE" });
});

test("a rotation's message is said once, on the key's URN, not on the stack", async () => {
    const old = await create("rotating", { endpoint: grafana.url, timeToLive: "30d" });
    const before = engineLog.entries.length;
    const { diff: rotating } = await diff(old, { endpoint: grafana.url, timeToLive: "30d", rotationTrigger: "2" });
    expect(rotating.changes).toBe("some");
    // Log requests travel on their own: give the message, and any duplicate, the time to arrive.
    await engineLog.waitFor("info", /"rotating-[a-z0-9]{6}" will be rotated: rotationTrigger/);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const said = engineLog.entries.slice(before).filter((entry) => /will be rotated/.test(entry.message));
    expect(said).toEqual([{ severity: "info", message: expect.stringContaining("rotationTrigger") as unknown, urn: old.urn }]);
});
