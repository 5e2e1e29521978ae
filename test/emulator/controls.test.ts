import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { startEmulator, type Emulator } from ".";

/** The control endpoints the README documents: a body they cannot act on is refused, saying what they expect. */
describe("emulator controls", () => {
    let emulator: Emulator;
    beforeAll(async () => {
        emulator = await startEmulator({ profile: "12.1" });
    });
    afterAll(() => emulator.close());

    const post = async (path: string, body: string): Promise<{ status: number; message: string; json: Record<string, unknown> }> => {
        const response = await fetch(`${emulator.url}/__emulator/${path}`, {
            method: "POST",
            body,
            headers: { "content-type": "application/json" },
        });
        const json = (await response.json()) as Record<string, unknown>;
        return { status: response.status, message: String(json.message), json };
    };

    test.each(["", "{}", '{"advance": 60}', '{"advanceSeconds": "60"}', "not json"])(
        "clock refuses %j, naming the body it expects",
        async (body) => {
            const before = emulator.clock.now();
            const answer = await post("clock", body);
            expect(answer.status).toBe(400);
            expect(answer.message).toContain('{"advanceSeconds": N}');
            expect(answer.message).toContain('{"setMs":');
            expect(emulator.clock.now() - before).toBeLessThan(5_000);
        },
    );

    test("clock moves on by advanceSeconds, as the README shows", async () => {
        const before = emulator.clock.now();
        const answer = await post("clock", '{"advanceSeconds": 3600}');
        expect(answer.status).toBe(200);
        expect(Number(answer.json.now) - before).toBeGreaterThanOrEqual(3_600_000);
    });

    test.each(["", "{}", '{"fail": {"count": 1}}', '{"failNext": {"count": 1}}'])(
        "faults refuses %j, naming the body it expects",
        async (body) => {
            const answer = await post("faults", body);
            expect(answer.status).toBe(400);
            expect(answer.message).toContain('{"failNext": {"count": N, "status": S');
            expect(answer.message).toContain('{"reset": true}');
        },
    );
});
