import * as rpc from "@pulumi/pulumi/runtime/rpc";

/**
 * Secrets on the way in and out of the plugin. The provider server of @pulumi/pulumi tells the engine it accepts
 * secrets, then hands the methods the raw protobuf values: a secret arrives as the engine's envelope
 * `{"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "value": ...}`. The lifecycles want plain
 * values, so they are unwrapped on the way in; and since a provider that accepts secrets must mark its own outputs
 * (the engine then copies no secretness from the inputs), they are wrapped again on the way out: the schema's secret
 * outputs always, and any property whose same-named input was a secret, as the engine does for other providers.
 */

type Props = Record<string, unknown>;

export interface Revealed {
    values: Props;
    /** Top-level properties that held a secret anywhere inside. */
    secretNames: Set<string>;
}

export function isSecretEnvelope(value: unknown): value is { value?: unknown } {
    return typeof value === "object" && value !== null && (value as Props)[rpc.specialSigKey] === rpc.specialSecretSig;
}

export function reveal(props: Props | undefined): Revealed {
    const secretNames = new Set<string>();
    const values: Props = {};
    for (const [name, value] of Object.entries(props ?? {})) {
        const found = { secret: false };
        values[name] = unwrap(value, found);
        if (found.secret) secretNames.add(name);
    }
    return { values, secretNames };
}

function unwrap(value: unknown, found: { secret: boolean }): unknown {
    if (isSecretEnvelope(value)) {
        found.secret = true;
        return unwrap(value.value, found);
    }
    if (Array.isArray(value)) return value.map((item) => unwrap(item, found));
    if (typeof value === "object" && value !== null) {
        return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, unwrap(item, found)]));
    }
    return value;
}

export function secret(value: unknown): unknown {
    return isSecretEnvelope(value) ? value : { [rpc.specialSigKey]: rpc.specialSecretSig, value };
}

/**
 * Properties ready for the engine: `names` wrapped as secrets (absent ones left absent), and nothing `undefined`,
 * which protobuf's Struct cannot carry.
 */
export function conceal(props: object | undefined, names: Iterable<string>): Props {
    const plain = JSON.parse(JSON.stringify(props ?? {})) as Props;
    for (const name of names) {
        if (plain[name] !== undefined && plain[name] !== null) plain[name] = secret(plain[name]);
    }
    return plain;
}
