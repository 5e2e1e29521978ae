import { DynamicProviderHost, HostError, Props } from "./host";
import { Registration } from "./program";

/**
 * The Pulumi engine's step logic for dynamic resources, reduced to what `up`, `refresh` and `destroy`
 * do with one resource at a time, over the real host: Check, Diff, then Create, Update or a
 * replacement (re-checked without old inputs, as the engine does, so autonames are drawn anew), Read,
 * Delete. It keeps the state the engine would keep.
 */

export interface ResourceState {
    id: string;
    inputs: Props;
    outputs: Props;
}

export type Step = "create" | "update" | "same" | "replace" | "delete-before-replace" | "refresh" | "gone" | "delete";

export class CheckFailedError extends Error {
    constructor(readonly failures: Array<{ property: string; reason: string }>) {
        super(failures.map((failure) => `${failure.property}: ${failure.reason}`).join("\n"));
    }
}

export class Engine {
    readonly state = new Map<string, ResourceState>();
    readonly steps: Array<{ urn: string; step: Step }> = [];

    constructor(readonly host: DynamicProviderHost) {}

    /** What `pulumi preview` decides for a resource, without changing anything. */
    async preview(resource: Registration): Promise<{ step: Step; replaces: string[] }> {
        const old = this.state.get(resource.urn);
        const checked = await this.check(resource, old?.inputs ?? {}, resource.previewInputs);
        if (!old) return { step: "create", replaces: [] };
        const diff = await this.host.diff(resource.urn, old.id, old.outputs, checked);
        if (diff.changes === "none") return { step: "same", replaces: [] };
        if (diff.replaces.length === 0) return { step: "update", replaces: [] };
        return { step: diff.deleteBeforeReplace ? "delete-before-replace" : "replace", replaces: diff.replaces };
    }

    async up(resource: Registration): Promise<ResourceState> {
        const urn = resource.urn;
        const old = this.state.get(urn);
        const checked = await this.check(resource, old?.inputs ?? {});
        if (!old) return this.create(resource, checked, "create");

        const diff = await this.host.diff(urn, old.id, old.outputs, checked);
        if (diff.changes === "none") return this.record(urn, "same", old);
        if (diff.replaces.length === 0) {
            try {
                const outputs = await this.host.update(urn, old.id, old.outputs, checked);
                return this.record(urn, "update", { id: old.id, inputs: checked, outputs });
            } catch (error) {
                // A partial failure of an update: the engine stores exactly the properties it carries as the new outputs.
                const partial = error as HostError;
                if (partial.partialId)
                    this.record(urn, "update", { id: old.id, inputs: checked, outputs: partial.partialProperties ?? {} });
                throw error;
            }
        }
        const fresh = await this.check(resource, {});
        if (diff.deleteBeforeReplace) {
            await this.host.delete(urn, old.id, old.outputs);
            return this.create(resource, fresh, "delete-before-replace");
        }
        const created = await this.create(resource, fresh, "replace");
        await this.host.delete(urn, old.id, old.outputs);
        return created;
    }

    async refresh(urn: string): Promise<ResourceState | undefined> {
        const old = this.state.get(urn);
        if (!old) return undefined;
        const read = await this.host.read(urn, old.id, old.outputs);
        if (read.id === "") {
            this.state.delete(urn);
            this.steps.push({ urn, step: "gone" });
            return undefined;
        }
        return this.record(urn, "refresh", { id: read.id, inputs: old.inputs, outputs: read.properties });
    }

    async destroy(urn: string): Promise<void> {
        const old = this.state.get(urn);
        if (!old) return;
        await this.host.delete(urn, old.id, old.outputs);
        this.state.delete(urn);
        this.steps.push({ urn, step: "delete" });
    }

    /** `inputs`: the program's, as it sends them in this run (a preview's differ: `isDryRun()`). */
    private async check(resource: Registration, olds: Props, inputs = resource.inputs): Promise<Props> {
        const checked = await this.host.check(resource.urn, olds, inputs);
        if (checked.failures.length > 0) throw new CheckFailedError(checked.failures);
        return checked.inputs;
    }

    /**
     * A partial failure leaves the resource in state before the error surfaces, as the engine does: with exactly
     * the properties the error carries (pulumi/pulumi's CreateStep stores them as the outputs, adding nothing).
     */
    private async create(resource: Registration, inputs: Props, step: Step): Promise<ResourceState> {
        try {
            const created = await this.host.create(resource.urn, inputs);
            return this.record(resource.urn, step, { id: created.id, inputs, outputs: created.properties });
        } catch (error) {
            const partial = error as HostError;
            if (partial.partialId)
                this.record(resource.urn, step, { id: partial.partialId, inputs, outputs: partial.partialProperties ?? {} });
            throw error;
        }
    }

    private record(urn: string, step: Step, state: ResourceState): ResourceState {
        this.state.set(urn, state);
        this.steps.push({ urn, step });
        return state;
    }
}
