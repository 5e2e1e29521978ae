import { GrafanaApiKey } from "pulumi-azure-grafana-keys";
import { register, Registration } from "../../test/harness/program";
import { Props } from "../../test/harness/host";

/** The benchmark's resources: one real registration per kind, the others derived from it (and checked to match). */

export interface Op {
    urn: string;
    inputs: Props;
}

export function derive(template: Registration, name: string): Op {
    return {
        urn: `${template.urn.slice(0, template.urn.lastIndexOf("::") + 2)}${name}`,
        inputs: { ...template.inputs, __logicalName: name },
    };
}

export const derivedOps = (template: Registration, prefix: string, count: number): Op[] =>
    Array.from({ length: count }, (_, index) => derive(template, `${prefix}-${index}`));

export function canonical(value: unknown): string {
    return JSON.stringify(value, (_key, inner: unknown) =>
        inner && typeof inner === "object" && !Array.isArray(inner)
            ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => a.localeCompare(b)))
            : inner,
    );
}

/** Registers `count` real resources and checks that deriving gives the same URN and inputs. */
export async function verifyDerivation(template: Registration, make: (name: string) => GrafanaApiKey, count: number) {
    const started = performance.now();
    const registered = await register(() => Array.from({ length: count }, (_, index) => make(`verify-${index}`)), "bench", "dev");
    const elapsedMs = performance.now() - started;
    const mismatches = registered.filter((real) => {
        const derived = derive(template, real.name);
        return derived.urn !== real.urn || canonical(derived.inputs) !== canonical(real.inputs);
    });
    return { elapsedMs, mismatches: mismatches.map((real) => real.name) };
}
