import { expect } from "@jest/globals";
import type { Emulator } from "azure-managed-grafana-emulator";

/**
 * Another client of the same Grafana (another team, another stack), signed in with the emulator's own admin
 * credential over real HTTP: what it makes is not ours, and tests use it to put such objects next to ours.
 */
export async function asOtherAdmin<T>(emulator: Emulator, method: string, apiPath: string, body?: unknown): Promise<T> {
    const response = await fetch(`${emulator.url}${apiPath}`, {
        method,
        headers: {
            authorization: `Basic ${Buffer.from(emulator.credentials.adminBasic).toString("base64")}`,
            "content-type": "application/json",
        },
        body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(response.status).toBeLessThan(300);
    return (await response.json()) as T;
}
