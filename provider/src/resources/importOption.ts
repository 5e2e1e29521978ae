import * as pulumi from "@pulumi/pulumi";

/**
 * The `import` resource option cannot take over a dynamic resource: the engine reads the object to import with its id
 * alone (pulumi/pulumi pkg/resource/deploy/step.go, ImportStep.Apply), and the dynamic-provider host finds the
 * provider's code only in the properties it is sent (sdk/nodejs/cmd/dynamic-provider/index.ts, getProvider), so the
 * host fails with its own stack trace before any code of this package runs. The class can see the option, so it says
 * so in one line, with what to write instead (docs/import.md). A RunError is printed without a stack trace.
 */
export function refuseImportOption(
    typeName: string,
    name: string,
    opts: pulumi.CustomResourceOptions | undefined,
    instead: (importId: pulumi.Input<string>) => string,
): void {
    if (opts?.import === undefined) return;
    throw new pulumi.RunError(
        `${typeName} "${name}": the import resource option cannot take over a dynamic resource (Pulumi reads an imported ` +
            `resource with its id alone, and the dynamic-provider host finds its provider only in the resource's inputs); ${instead(opts.import)}. See docs/import.md.`,
    );
}

/** What a key, token or account resource writes instead: `adopt`, with the object part of the import id. */
export function useAdopt(importId: pulumi.Input<string>): string {
    const object = typeof importId === "string" ? importId.slice(importId.lastIndexOf("|") + 1).trim() : "<id>";
    // The plugin's import id may name a service account by its bare number.
    const id = /^\d+$/.test(object) ? `serviceaccount/${object}` : object;
    return `remove it and give the input adopt: "${id}" instead (the Grafana comes from endpoint or workspaceId, the org from orgId)`;
}
