import * as pulumi from "@pulumi/pulumi";

/**
 * The control of the benchmark: a dynamic resource whose provider does no work at all but wait as long
 * as the real one's unavoidable round trips would take (`createDelayMs`, `deleteDelayMs` from its
 * inputs). Driven through the same real host, the same way, it shows what the host and the gRPC path
 * cost by themselves (cold start, per-operation overhead, peak RSS), so that whatever the real provider
 * costs beyond it is the provider's.
 */

interface ControlInputs {
    createDelayMs: number;
    deleteDelayMs: number;
    logicalName: string;
}

const noopProvider: pulumi.dynamic.ResourceProvider<ControlInputs, ControlInputs> = {
    async create(inputs) {
        await new Promise((resolve) => setTimeout(resolve, Number(inputs.createDelayMs)));
        return { id: String(inputs.logicalName), outs: { ...inputs, key: "not-a-key" } };
    },
    async delete(_id, props) {
        await new Promise((resolve) => setTimeout(resolve, Number(props.deleteDelayMs)));
    },
};

export class ControlResource extends pulumi.dynamic.Resource {
    constructor(name: string, args: Omit<ControlInputs, "logicalName">) {
        super(noopProvider, name, { ...args, logicalName: name }, undefined, "bench", "Control");
    }
}
