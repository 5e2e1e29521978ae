import { z } from "zod";

/** Shapes of ARM responses for Microsoft.Dashboard/grafana (docs/azure-managed-grafana.md). */

export const workspace = z
    .object({
        id: z.string(),
        name: z.string(),
        location: z.string().optional(),
        properties: z
            .object({
                provisioningState: z.string().optional(),
                grafanaVersion: z.string().nullish(),
                grafanaMajorVersion: z.string().nullish(),
                endpoint: z.string().nullish(),
                apiKey: z.enum(["Enabled", "Disabled"]).nullish(),
            })
            .loose(),
    })
    .loose();
export type Workspace = z.infer<typeof workspace>;

export const operationStatus = z
    .object({
        status: z.string(),
        error: z.object({ code: z.string().optional(), message: z.string().optional() }).loose().nullish(),
    })
    .loose();

export const armErrorBody = z.object({ error: z.object({ code: z.string().optional(), message: z.string().optional() }).loose() }).loose();

export const TERMINAL_STATES = ["succeeded", "failed", "canceled", "cancelled"];
