/**
 * The real HTTP listener (127.0.0.1 only): reads each request, lets faults.ts decide whether to
 * interfere, hands the rest to armRoutes.ts (/subscriptions/...) or grafanaRoutes.ts (everything
 * else), records the request logs, and serves the /__emulator/ control endpoints that
 * out-of-process drivers (the CLI, shell scripts, the az stand-in) use.
 */
import { createServer, IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { z } from "zod";
import { isArmPath, type ArmRoutes } from "./armRoutes";
import type { IssuedToken } from "./entraTokens";
import { CONTROL_PREFIX, controlRoute, expectedBody, type ControlRouteKey } from "./controls";
import { armFaultBody, grafanaFaultBody, type FaultAction, type FaultInjector } from "./faults";
import { PROFILES, type GrafanaProfile, type GrafanaRequest, type GrafanaResponse, type GrafanaRoutes } from "./grafanaRoutes";
import type { UpgradeOutcome } from "./upgrade";

export interface RequestRecord {
    method: string;
    /** Pathname only; the query string is not part of it. */
    path: string;
    status: number | "dropped";
    orgId: number;
}

export interface ArmRequestRecord {
    method: string;
    /** Pathname only, as the client spelled it. */
    path: string;
    /** The api-version query parameter; null when absent. */
    apiVersion: string | null;
    status: number | "dropped";
}

export interface TokenRequest {
    resource: string;
    principalId?: string;
    tenantId?: string;
    expiresInSeconds?: number;
}

/** What the control endpoints may touch; supplied by index.ts. */
export interface ControlPlane {
    snapshot(): unknown;
    armSnapshot(): unknown;
    issueToken(request: TokenRequest): IssuedToken;
    clock: { now(): number; advance(seconds: number): void; set(ms: number): void };
    /** Throws (a 400 to the caller) for a downgrade. */
    upgrade(profile: GrafanaProfile): UpgradeOutcome;
    reset(): void;
}

export interface ServerOptions {
    port: number;
    routes: GrafanaRoutes;
    arm: ArmRoutes;
    faults: FaultInjector;
    requests: RequestRecord[];
    armRequests: ArmRequestRecord[];
    control: ControlPlane;
}

export interface RunningServer {
    readonly url: string;
    close(): Promise<void>;
}

/** Far above anything Grafana's key APIs accept; only guards against a runaway client. */
const MAX_BODY_BYTES = 1 << 20;

const FailSpec = z.object({
    count: z.number().int().min(0),
    status: z.number().int().min(100).max(599),
    method: z.string().optional(),
    path: z.string().optional(),
    /** JSON cannot carry a RegExp, so a pattern comes as its source text. */
    pathPattern: z.string().optional(),
    afterActing: z.boolean().optional(),
    retryAfterSeconds: z.number().min(0).optional(),
    body: z.unknown().optional(),
});

const DropSpec = FailSpec.omit({ status: true, retryAfterSeconds: true, body: true });

const DripSpec = DropSpec.omit({ afterActing: true }).extend({
    bytesPerTick: z.number().int().min(1).optional(),
    intervalMs: z.number().min(1).optional(),
});

/** A control body that names nothing would silently do nothing: it is refused like a malformed one. */
const namesSomething = (body: object): boolean => Object.values(body).some((value) => value !== undefined);

const FaultsBody = z
    .object({
        failNext: FailSpec.optional(),
        dropNext: DropSpec.optional(),
        dripNext: DripSpec.optional(),
        latencyMs: z.number().min(0).optional(),
        reset: z.boolean().optional(),
    })
    .strict()
    .refine(namesSomething);

const ClockBody = z
    .object({
        advanceSeconds: z.number().optional(),
        setMs: z.number().optional(),
    })
    .strict()
    .refine(namesSomething);

const TokenBody = z.object({
    resource: z.string().min(1),
    principalId: z.string().min(1).optional(),
    tenantId: z.string().min(1).optional(),
    expiresInSeconds: z.number().optional(),
});

const UpgradeBody = z.object({
    profile: z.enum(Object.keys(PROFILES) as [GrafanaProfile, ...GrafanaProfile[]]),
});

type Outcome = { kind: "respond"; response: GrafanaResponse; drip?: Drip } | { kind: "drop" };
type Drip = { bytesPerTick: number; intervalMs: number };

/** One side of the emulated service (Grafana or ARM), as the fault-aware request loop sees it. */
interface Surface {
    /** The real handling; skipped when a fault answers before acting. */
    act(): GrafanaResponse;
    /** Body of a fault that names none, in this side's error shape. */
    faultBody(status: number): unknown;
    log(status: number | "dropped"): void;
}

export function startServer(options: ServerOptions): Promise<RunningServer> {
    const { routes, faults, requests, armRequests, control } = options;
    // Latency timers are tracked so close() does not leave a test runner waiting on them.
    const timers = new Set<NodeJS.Timeout>();
    const sleep = (ms: number): Promise<void> =>
        new Promise((resolve) => {
            const timer = setTimeout(() => {
                timers.delete(timer);
                resolve();
            }, ms);
            timers.add(timer);
        });

    async function serve(req: IncomingMessage, res: ServerResponse, request: GrafanaRequest, surface: Surface): Promise<void> {
        const fault = faults.take(request.method, request.pathname);
        let outcome: Outcome;
        if (fault && !fault.afterActing) {
            outcome = faultOutcome(fault, surface);
        } else {
            const response = surface.act();
            if (fault?.kind === "drip") outcome = { kind: "respond", response, drip: fault };
            else outcome = fault ? faultOutcome(fault, surface) : { kind: "respond", response };
        }
        // Logged when the outcome is decided, so the log order is the order in which state changed.
        surface.log(outcome.kind === "drop" ? "dropped" : outcome.response.status);
        if (faults.latencyMs > 0) await sleep(faults.latencyMs);
        if (outcome.kind === "drop") {
            req.socket.destroy();
            return;
        }
        if (outcome.drip) await drip(res, outcome.response, control.clock.now(), outcome.drip);
        else send(res, outcome.response, control.clock.now());
    }

    /** `send`, with the body written a few bytes at a time; it stops when the client goes away. */
    async function drip(res: ServerResponse, response: GrafanaResponse, nowMs: number, { bytesPerTick, intervalMs }: Drip): Promise<void> {
        const payload = response.body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(response.body));
        res.sendDate = false;
        res.writeHead(response.status, {
            Date: new Date(nowMs).toUTCString(),
            ...(response.body === undefined ? {} : { "Content-Type": "application/json" }),
            "Content-Length": payload.length,
            ...response.headers,
        });
        res.flushHeaders();
        for (let offset = 0; offset < payload.length && !res.destroyed; offset += bytesPerTick) {
            await sleep(intervalMs);
            if (!res.destroyed) res.write(payload.subarray(offset, offset + bytesPerTick));
        }
        if (!res.destroyed) res.end();
    }

    function grafanaSurface(greq: GrafanaRequest): Surface {
        // Known once the routes ran; a request a fault answers first is attributed without side effects.
        let orgId: number | undefined;
        return {
            act: () => {
                const routed = routes.handle(greq);
                orgId = routed.orgId;
                return routed.response;
            },
            faultBody: grafanaFaultBody,
            log: (status) => requests.push({ method: greq.method, path: greq.pathname, status, orgId: orgId ?? routes.orgOf(greq) }),
        };
    }

    function armSurface(areq: GrafanaRequest): Surface {
        return {
            act: () => options.arm.handle(areq),
            faultBody: armFaultBody,
            log: (status) =>
                armRequests.push({
                    method: areq.method,
                    path: areq.pathname,
                    apiVersion: areq.query.get("api-version"),
                    status,
                }),
        };
    }

    /** One handler per route of controls.ts (CONTROL_ROUTES), which says what each takes and does. */
    const controls: Record<ControlRouteKey, (res: ServerResponse, body: Buffer, refuse: () => void) => void> = {
        "GET /__emulator/state": (res) => send(res, { status: 200, body: control.snapshot() }),
        "GET /__emulator/requests": (res) => send(res, { status: 200, body: requests }),
        "GET /__emulator/arm/state": (res) => send(res, { status: 200, body: control.armSnapshot() }),
        "POST /__emulator/entra/token": (res, body, refuse) => {
            const parsed = parseControlBody(TokenBody, body);
            if (!parsed) return refuse();
            try {
                return send(res, { status: 200, body: control.issueToken(parsed) });
            } catch (err) {
                return send(res, { status: 400, body: { message: (err as Error).message } });
            }
        },
        "POST /__emulator/upgrade": (res, body, refuse) => {
            const parsed = parseControlBody(UpgradeBody, body);
            if (!parsed) return refuse();
            try {
                return send(res, { status: 200, body: control.upgrade(parsed.profile) });
            } catch (err) {
                return send(res, { status: 400, body: { message: (err as Error).message } });
            }
        },
        "POST /__emulator/reset": (res) => {
            control.reset();
            return send(res, { status: 200, body: { message: "reset" } });
        },
        "POST /__emulator/clock": (res, body, refuse) => {
            const parsed = parseControlBody(ClockBody, body);
            if (!parsed) return refuse();
            if (parsed.setMs !== undefined) control.clock.set(parsed.setMs);
            if (parsed.advanceSeconds !== undefined) control.clock.advance(parsed.advanceSeconds);
            return send(res, { status: 200, body: { now: control.clock.now() } });
        },
        "POST /__emulator/faults": (res, body, refuse) => {
            const parsed = parseControlBody(FaultsBody, body);
            if (!parsed) return refuse();
            try {
                if (parsed.reset) faults.reset();
                if (parsed.failNext) {
                    const { count, status, ...rest } = parsed.failNext;
                    faults.failNext(count, status, { ...rest, path: pathOf(rest) });
                }
                if (parsed.dropNext) faults.dropNext(parsed.dropNext.count, { ...parsed.dropNext, path: pathOf(parsed.dropNext) });
                if (parsed.dripNext) faults.dripNext(parsed.dripNext.count, { ...parsed.dripNext, path: pathOf(parsed.dripNext) });
                if (parsed.latencyMs !== undefined) faults.setLatency(parsed.latencyMs);
            } catch (err) {
                return send(res, { status: 400, body: { message: (err as Error).message } });
            }
            return send(res, { status: 200, body: { message: "fault registered" } });
        },
    };

    function handleControl(res: ServerResponse, method: string, pathname: string, body: Buffer): void {
        const key = `${method} ${pathname}`;
        const route = controlRoute(key);
        if (!route) return send(res, { status: 404, body: { message: "Not found" } });
        controls[key as ControlRouteKey](res, body, () => send(res, { status: 400, body: { message: expectedBody(route) } }));
    }

    const server = createServer((req, res) => {
        void (async () => {
            const method = (req.method ?? "GET").toUpperCase();
            const rawUrl = req.url ?? "/";
            const q = rawUrl.indexOf("?");
            // Split by hand: new URL() would read "//x" as a host name.
            const pathname = q < 0 ? rawUrl : rawUrl.slice(0, q);
            const query = new URLSearchParams(q < 0 ? "" : rawUrl.slice(q + 1));
            try {
                const body = await readBody(req);
                if (body === undefined)
                    return send(res, { status: 413, body: { message: "Request Entity Too Large" } }, control.clock.now());
                if (pathname.startsWith(CONTROL_PREFIX)) return handleControl(res, method, pathname, body);
                const request: GrafanaRequest = { method, pathname, query, headers: req.headers, body };
                await serve(req, res, request, isArmPath(pathname) ? armSurface(request) : grafanaSurface(request));
            } catch (err) {
                if (!res.headersSent && !res.destroyed) {
                    send(res, { status: 500, body: { message: "Internal Server Error", error: String(err) } }, control.clock.now());
                }
            }
        })();
    });

    return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(options.port, "127.0.0.1", () => {
            server.off("error", reject);
            const { port } = server.address() as AddressInfo;
            resolve({
                url: `http://127.0.0.1:${port}`,
                close: () =>
                    new Promise<void>((done, fail) => {
                        for (const timer of timers) clearTimeout(timer);
                        timers.clear();
                        server.close((err) => (err ? fail(err) : done()));
                        // Keep-alive sockets would otherwise hold close() open until they time out.
                        server.closeAllConnections();
                    }),
            });
        });
    });
}

function faultOutcome(fault: Exclude<FaultAction, { kind: "drip" }>, surface: Surface): Outcome {
    if (fault.kind === "drop") return { kind: "drop" };
    const body = fault.body === undefined ? surface.faultBody(fault.status) : fault.body;
    return { kind: "respond", response: { status: fault.status, body, headers: fault.headers } };
}

function pathOf(spec: { path?: string; pathPattern?: string }): string | RegExp | undefined {
    return spec.pathPattern !== undefined ? new RegExp(spec.pathPattern) : spec.path;
}

/**
 * An undefined body means none at all (ARM's 202 while an operation runs, a 204). `nowMs` is the
 * emulated server's clock: Grafana's and ARM's answers carry it in their Date header (HTTP-date, whole
 * seconds, as Go's net/http writes it), so a client can tell that clock from its own. Without it (the
 * control endpoints) Node writes its own.
 */
function send(res: ServerResponse, response: GrafanaResponse, nowMs?: number): void {
    if (res.destroyed) return;
    if (nowMs !== undefined) {
        res.sendDate = false;
        res.setHeader("Date", new Date(nowMs).toUTCString());
    }
    if (response.body === undefined) {
        res.writeHead(response.status, { "Content-Length": 0, ...response.headers });
        res.end();
        return;
    }
    // A Buffer is a body Grafana writes as it is (plain text); anything else is JSON.
    const payload = Buffer.isBuffer(response.body) ? response.body : JSON.stringify(response.body);
    res.writeHead(response.status, {
        "Content-Type": "application/json",
        "Content-Length": Buffer.byteLength(payload),
        ...response.headers,
    });
    res.end(payload);
}

/** The whole body, or undefined when it is too large to be a real client's. */
function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
    return new Promise((resolve, reject) => {
        const chunks: Buffer[] = [];
        let size = 0;
        let tooLarge = false;
        req.on("data", (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_BODY_BYTES) tooLarge = true;
            else chunks.push(chunk);
        });
        req.on("end", () => resolve(tooLarge ? undefined : Buffer.concat(chunks)));
        req.on("error", reject);
    });
}

function parseControlBody<Shape extends z.ZodRawShape>(schema: z.ZodObject<Shape>, raw: Buffer): z.output<z.ZodObject<Shape>> | undefined {
    try {
        const result = schema.safeParse(raw.length === 0 ? {} : JSON.parse(raw.toString("utf8")));
        return result.success ? result.data : undefined;
    } catch {
        return undefined;
    }
}
