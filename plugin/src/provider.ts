import * as fs from "node:fs";
import * as path from "node:path";
import type * as pulumiProvider from "@pulumi/pulumi/provider";
import { listGrafanaApiKeys } from "pulumi-azure-grafana-keys";
import * as impl from "pulumi-azure-grafana-keys/impl";
import type { PulumiSchema, ResourceSpec } from "./schema/generate";
import { conceal, reveal } from "./secrets";
import { detailedDiff, PropertyDiffKind } from "./detailedDiff";
import { ConfigValues, configReader } from "./config";
import { FUNCTION_RESULTS, nameOfToken, partsOfUrn } from "./tokens";

/**
 * The provider plugin's methods: each one unwraps what the engine sent, hands it to the same lifecycle the dynamic
 * resources run (`pulumi-azure-grafana-keys/impl`), and marks the secrets of what goes back. Nothing here decides
 * anything about keys, accounts or workspaces.
 */

const SCHEMA_TEXT = fs.readFileSync(path.join(__dirname, "schema.json"), "utf8");
const SCHEMA = JSON.parse(SCHEMA_TEXT) as PulumiSchema;

/** The engine's own keys that may come along with a provider's configuration. */
const ENGINE_CONFIG_KEYS = ["version", "pluginDownloadURL"];

/** Properties as the engine sends and stores them (typed `any` by Pulumi's Provider interface). */
type Props = Record<string, unknown>;

/** What each function of the schema runs: the Promise twin of the TypeScript package's Output function. */
const FUNCTIONS: Record<string, (args: Record<string, unknown>) => Promise<unknown>> = {
    getGrafanaApiKeys: (args) => listGrafanaApiKeys(args),
};

interface Addressed {
    /** `GrafanaApiKey`, as the lifecycles know it. */
    typeName: string;
    /** The Pulumi resource's name, the stem of autonames. */
    logicalName: string;
    spec: ResourceSpec;
}

function resourceOf(urn: string): Addressed {
    const { type, name } = partsOfUrn(urn);
    const typeName = nameOfToken(type);
    const spec = SCHEMA.resources[type];
    if (!typeName || !spec) throw new Error(`azure-grafana-keys has no resource type "${type}"; the plugin may be older than the program.`);
    return { typeName, logicalName: name, spec };
}

function secretOutputs(spec: ResourceSpec): string[] {
    return Object.entries(spec.properties)
        .filter(([, property]) => property.secret === true)
        .map(([name]) => name);
}

/** An error whose properties the engine stores (a partial failure) must carry its secrets marked, like any output. */
function concealed(error: unknown, names: string[]): unknown {
    if (typeof error === "object" && error !== null && typeof (error as { properties?: unknown }).properties === "object") {
        const properties = conceal((error as { properties: Record<string, unknown> }).properties, names);
        delete properties.__provider; // the dynamic resources' serialized provider, no output of the plugin's
        (error as { properties: unknown }).properties = properties;
    }
    return error;
}

export const provider: pulumiProvider.Provider = {
    version: SCHEMA.version,

    getSchema: () => Promise.resolve(SCHEMA_TEXT),

    check(urn, olds: Props, news: Props) {
        return impl.aboutResource(urn, async () => {
            const { typeName, logicalName, spec } = resourceOf(urn);
            const given = reveal(news);
            // The dynamic classes pass their resource name as `logicalName`; here it is the URN's. It names only what is autonamed.
            const inputs = "name" in spec.inputProperties ? { ...given.values, logicalName } : given.values;
            const result = await impl.lifecycle(typeName).check(reveal(olds).values, inputs);
            return { inputs: result.inputs && conceal(result.inputs, given.secretNames), failures: result.failures };
        });
    },

    diff: (id, urn, olds: Props, news: Props) => diffInDetail(id, urn, olds, news, undefined),

    create(urn, inputs: Props) {
        return impl.aboutResource(urn, async () => {
            const { typeName, spec } = resourceOf(urn);
            const given = reveal(inputs);
            const secrets = [...secretOutputs(spec), ...given.secretNames];
            try {
                const result = await impl.lifecycle(typeName).create(given.values);
                return { id: result.id, outs: conceal(result.outs, secrets) };
            } catch (error) {
                throw concealed(error, secrets);
            }
        });
    },

    read(id, urn, props?: Props) {
        return impl.aboutResource(urn, async () => {
            const { typeName, logicalName, spec } = resourceOf(urn);
            const stored = reveal(props);
            if (Object.keys(stored.values).length === 0) {
                // `pulumi import` (or a get): only the id is known.
                const imported = await impl.importResource(typeName, id, logicalName);
                return { id: imported.id, props: conceal(imported.state, secretOutputs(spec)), inputs: conceal(imported.inputs, []) };
            }
            const result = await impl.lifecycle(typeName).read(id, stored.values);
            return { id: result.id, props: result.props && conceal(result.props, [...secretOutputs(spec), ...stored.secretNames]) };
        });
    },

    update(id, urn, olds: Props, news: Props) {
        return impl.aboutResource(urn, async () => {
            const { typeName, spec } = resourceOf(urn);
            const given = reveal(news);
            const secrets = [...secretOutputs(spec), ...given.secretNames];
            try {
                const result = await impl.lifecycle(typeName).update(id, reveal(olds).values, given.values);
                return { outs: conceal(result.outs, secrets) };
            } catch (error) {
                throw concealed(error, secrets);
            }
        });
    },

    delete(id, urn, props: Props) {
        return impl.aboutResource(urn, async () => {
            const { typeName } = resourceOf(urn);
            await impl.lifecycle(typeName).delete(id, reveal(props).values);
        });
    },

    async invoke(token, inputs: Props) {
        const name = nameOfToken(token);
        const run = name !== undefined ? FUNCTIONS[name] : undefined;
        if (!name || !run) throw new Error(`azure-grafana-keys has no function "${token}"`);
        return { outputs: { [FUNCTION_RESULTS[name]]: await run(reveal(inputs).values) } };
    },
};

export interface DiffInDetail extends pulumiProvider.DiffResult {
    /** The user's inputs that change, by the kind of change (see detailedDiff.ts). */
    detailedDiff: Record<string, PropertyDiffKind>;
}

/**
 * Diff, with the detailed diff the engine shows instead of its own comparison of every stored input. `oldInputs` are
 * the stored inputs the engine sends along (an engine that does not has only the stored state, which holds them too).
 */
export function diffInDetail(id: string, urn: string, olds: Props, news: Props, oldInputs: Props | undefined): Promise<DiffInDetail> {
    const { typeName, spec } = resourceOf(urn);
    return impl.aboutResource(urn, async () => {
        const next = reveal(news).values;
        const result = await impl.lifecycle(typeName).diff(id, reveal(olds).values, next);
        // Compared under the provider's own names: inputs stored by earlier versions keep bookkeeping under plain keys.
        const before = impl.fromStoredInputs(reveal(oldInputs ?? olds).values);
        const after = impl.fromStoredInputs(next);
        return { ...result, detailedDiff: detailedDiff(Object.keys(spec.inputProperties), before, after, result.replaces ?? []) };
    });
}

/** Configure: the stack's `azure-grafana-keys:*` settings (or an explicit provider's), as the dynamic resources get them. */
export async function configure(values: ConfigValues): Promise<void> {
    await impl.configure({ config: configReader(values) });
}

/**
 * CheckConfig: each setting judged alone by the rules the provider applies (config.ts), so a bad value fails naming its
 * key before anything runs; a key the provider does not know fails too (a typo would otherwise be ignored).
 */
export function checkConfig(values: ConfigValues): Array<{ property: string; reason: string }> {
    const keys = Object.keys(values).filter((key) => !ENGINE_CONFIG_KEYS.includes(key));
    const failures = impl.unknownSettings(keys);
    for (const key of keys) {
        if (failures.some((failure) => failure.property === key)) continue;
        try {
            impl.resolveProviderConfig(configReader({ [key]: values[key] }), {});
        } catch (error) {
            failures.push({ property: key, reason: error instanceof Error ? error.message : String(error) });
        }
    }
    return failures;
}
