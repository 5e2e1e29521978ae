import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { get } from "node:http";
import { startEmulator, type Emulator } from "azure-managed-grafana-emulator";

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

    test.each(['{"dripNext": {}}', '{"dripNext": {"count": 1, "bytesPerTick": 0}}', '{"dripNext": {"count": 1, "intervalMs": "fast"}}'])(
        "faults refuses the drip %j, naming the body it expects",
        async (body) => {
            const answer = await post("faults", body);
            expect(answer.status).toBe(400);
            expect(answer.message).toContain('{"dripNext": {"count": N, "bytesPerTick"?, "intervalMs"?');
        },
    );

    test("dripNext, as the README shows: the real answer arrives, its body a few bytes at a time", async () => {
        const whole = await pieces("/api/health");
        expect(whole.pieces).toHaveLength(1);

        const answer = await post("faults", '{"dripNext": {"count": 1, "bytesPerTick": 4, "intervalMs": 5, "path": "/api/health"}}');
        expect(answer.status).toBe(200);
        const dripped = await pieces("/api/health");
        expect(dripped.status).toBe(200);
        expect(Buffer.concat(dripped.pieces).toString()).toBe(Buffer.concat(whole.pieces).toString());
        // Writes that land in one read under load may arrive together; most come one by one.
        expect(dripped.pieces.length).toBeGreaterThan(whole.pieces[0].length / 4 / 2);
        expect(Math.max(...dripped.pieces.map((piece) => piece.length))).toBeLessThan(whole.pieces[0].length);

        const after = await pieces("/api/health");
        expect(after.pieces).toHaveLength(1);
    });

    /** The body of a GET, as the pieces the socket delivered it in. */
    function pieces(path: string): Promise<{ status: number; pieces: Buffer[] }> {
        return new Promise((resolve, reject) => {
            get(`${emulator.url}${path}`, (response) => {
                const received: Buffer[] = [];
                response.on("data", (piece: Buffer) => received.push(piece));
                response.on("end", () => resolve({ status: response.statusCode ?? 0, pieces: received }));
                response.on("error", reject);
            }).on("error", reject);
        });
    }
});
