import * as pulumi from "@pulumi/pulumi";
import { Props } from "./host";

/**
 * Runs resource constructors as a Pulumi program does and returns what each resource sends to the
 * engine: type token, URN, inputs (with the real serialized `__provider`) and the outputs it asks the
 * engine to store as secrets. Pulumi's own mock monitor stands in for the engine only to capture them.
 */

export interface Registration {
    type: string;
    name: string;
    urn: string;
    /** As the program sends them in the update of `pulumi up`. */
    inputs: Props;
    /** As the same program sends them in a preview (`pulumi.runtime.isDryRun()` is true there). */
    previewInputs: Props;
    additionalSecretOutputs: string[];
}

interface RegisterRequest {
    getName(): string;
    getAdditionalsecretoutputsList(): string[];
}

export async function register(program: () => pulumi.CustomResource[], project = "demo", stack = "dev"): Promise<Registration[]> {
    const previewed = await registerIn(true, program, project, stack);
    const updated = await registerIn(false, program, project, stack);
    return updated.map((registration, index) => ({ ...registration, previewInputs: previewed[index].inputs }));
}

async function registerIn(
    preview: boolean,
    program: () => pulumi.CustomResource[],
    project: string,
    stack: string,
): Promise<Array<Omit<Registration, "previewInputs">>> {
    const inputsByName = new Map<string, { type: string; inputs: Props }>();
    const secretOutputsByName = new Map<string, string[]>();
    await pulumi.runtime.setMocks(
        {
            newResource: (args) => {
                const inputs = args.inputs as Props; // Pulumi's MockResourceArgs types them `any`
                inputsByName.set(args.name, { type: args.type, inputs });
                return { id: `${args.name}-id`, state: inputs };
            },
            call: () => ({}),
        },
        project,
        stack,
        preview,
    );
    const monitor = pulumi.runtime.getMonitor() as unknown as {
        registerResource(req: RegisterRequest, callback: unknown): Promise<void>;
    };
    const registerResource = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, callback) => {
        secretOutputsByName.set(req.getName(), req.getAdditionalsecretoutputsList());
        return registerResource(req, callback);
    };

    const names = await Promise.all(
        program().map((resource) => new Promise<string>((resolve) => resource.urn.apply((urn) => resolve(urn.split("::").pop()!)))),
    );
    return names.map((name) => {
        const { type, inputs } = inputsByName.get(name)!;
        return {
            type,
            name,
            urn: `urn:pulumi:${stack}::${project}::${type}::${name}`,
            inputs,
            additionalSecretOutputs: secretOutputsByName.get(name) ?? [],
        };
    });
}
