/**
 * In-memory model of what Azure Resource Manager knows about Managed Grafana workspaces: the
 * workspaces themselves, the long-running operations a PATCH starts, and the role assignments that
 * decide who may change a workspace (ARM) and with which Grafana role it signs in (data plane).
 *
 * Pure logic, no HTTP: armRoutes.ts turns this into ARM's status codes, headers and bodies. Facts
 * come from docs/azure-managed-grafana.md.
 */
import { randomUUID } from "node:crypto";
import { isOrgRole, type OrgRole } from "./grafanaState";

export type ApiKeySetting = "Enabled" | "Disabled";

/**
 * How a PATCH is answered; real ARM picks per request, tests pick per workspace so that a client's
 * every polling path can be exercised:
 * - "sync": 200, applied at once.
 * - "asyncOperation": 202 with Azure-AsyncOperation and Location.
 * - "locationOnly": 202 with Location only.
 * - "noHeaders": 202 with neither (older api-versions declare none); poll the workspace.
 * - "failingOperation": 202 with Azure-AsyncOperation; the operation ends Failed.
 */
export type PatchBehaviour = "sync" | "asyncOperation" | "locationOnly" | "noHeaders" | "failingOperation";

export const PATCH_BEHAVIOURS: readonly PatchBehaviour[] = ["sync", "asyncOperation", "locationOnly", "noHeaders", "failingOperation"];

export type ProvisioningState = "Accepted" | "Updating" | "Succeeded" | "Failed" | "Canceled";

export type OperationStatus = "InProgress" | "Succeeded" | "Failed" | "Canceled";

export interface WorkspaceSpec {
    subscriptionId: string;
    resourceGroup: string;
    name: string;
    /** Default "westeurope". */
    location?: string;
    /** Default "Disabled", Azure's default. */
    apiKey?: ApiKeySetting;
    /** Default "12.1.0": Azure runs Grafana 12 today. */
    grafanaVersion?: string;
    /** Default "asyncOperation": the reference allows 200 or 202; this one makes clients poll. */
    patchBehaviour?: PatchBehaviour;
    /** Polls an operation needs before it ends; default 2. */
    operationSteps?: number;
}

export interface WorkspaceRecord {
    /** Canonical casing, as given to addWorkspace; lookups ignore case. */
    readonly id: string;
    readonly subscriptionId: string;
    readonly resourceGroup: string;
    readonly name: string;
    readonly location: string;
    readonly grafanaVersion: string;
    apiKey: ApiKeySetting;
    provisioningState: ProvisioningState;
    patchBehaviour: PatchBehaviour;
    operationSteps: number;
    /** Emulator-clock time of the last Disabled -> Enabled switch: starts the just-enabled window. */
    apiKeyEnabledAtMs: number | null;
    /** The operation in progress, if any: a second PATCH meanwhile is a conflict. */
    currentOperationId: string | null;
}

export interface OperationError {
    code: string;
    message: string;
}

export interface OperationRecord {
    readonly id: string;
    readonly workspace: WorkspaceRecord;
    /** Operation URLs live under the subscription and the location, not under the workspace. */
    readonly subscriptionId: string;
    readonly location: string;
    /** Echoed into the operation URLs, as ARM does. */
    readonly apiVersion: string;
    /** undefined: the PATCH did not mention apiKey, so the operation changes nothing. */
    readonly targetApiKey: ApiKeySetting | undefined;
    readonly fails: boolean;
    readonly pollsNeeded: number;
    polls: number;
    status: OperationStatus;
    readonly startMs: number;
    endMs: number | null;
    error: OperationError | null;
}

export interface PatchRecord {
    /** The workspace's canonical id. */
    id: string;
    /** Parsed JSON, or the raw text when it was not JSON. */
    body: unknown;
}

export type PatchStart =
    { kind: "applied" } | { kind: "accepted"; operation: OperationRecord } | { kind: "conflict"; operation: OperationRecord };

/** The name rule of Microsoft.Dashboard/grafana. */
const WORKSPACE_NAME = /^[a-zA-Z][a-z0-9A-Z-]{0,28}[a-z0-9A-Z]$/;

const WORKSPACE_ID = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Dashboard\/grafana\/([^/]+)\/?$/i;

export const FAILED_OPERATION_ERROR: OperationError = {
    code: "InternalServerError",
    message: "The operation failed: emulated failure.",
};

const DEFAULTS = { retryAfterSeconds: 0, justEnabledWindowMs: 0 } as const;

export function workspaceId(subscriptionId: string, resourceGroup: string, name: string): string {
    const group = `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}`;
    return `${group}/providers/Microsoft.Dashboard/grafana/${name}`;
}

/** "West Europe" and "westeurope" are one location; URLs use the compact lower-case form. */
export function locationSegment(location: string): string {
    return location.replace(/\s+/g, "").toLowerCase();
}

function keyOf(...parts: string[]): string {
    return parts.map((p) => p.toLowerCase()).join("/");
}

export class ArmState {
    private readonly clock: { now(): number };
    private readonly workspacesByKey = new Map<string, WorkspaceRecord>();
    private readonly operationsByKey = new Map<string, OperationRecord>();
    private readonly denied = new Set<string>();
    private readonly grafanaRoles = new Map<string, OrgRole>();
    private retryAfter: number = DEFAULTS.retryAfterSeconds;
    private justEnabledWindow: number = DEFAULTS.justEnabledWindowMs;
    /** One array for the emulator's lifetime: tests may hold on to it. */
    readonly patches: PatchRecord[] = [];

    constructor(options: { clock: { now(): number } }) {
        this.clock = options.clock;
    }

    /** What 202 answers put in Retry-After; 1 on Azure, 0 by default so tests do not sleep. */
    get retryAfterSeconds(): number {
        return this.retryAfter;
    }

    set retryAfterSeconds(seconds: number) {
        if (!Number.isInteger(seconds) || seconds < 0) {
            throw new RangeError(`retryAfterSeconds must be a non-negative integer: ${seconds}`);
        }
        this.retryAfter = seconds;
    }

    /** How long after apiKey turns Enabled the data plane still refuses key routes (azure-cli#27302). */
    get justEnabledWindowMs(): number {
        return this.justEnabledWindow;
    }

    set justEnabledWindowMs(ms: number) {
        if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`justEnabledWindowMs must be >= 0: ${ms}`);
        this.justEnabledWindow = ms;
    }

    /** Forget workspaces, operations, patches and role assignments; settings go back to defaults. */
    reset(): void {
        this.workspacesByKey.clear();
        this.operationsByKey.clear();
        this.denied.clear();
        this.grafanaRoles.clear();
        this.patches.length = 0;
        this.retryAfter = DEFAULTS.retryAfterSeconds;
        this.justEnabledWindow = DEFAULTS.justEnabledWindowMs;
    }

    // ---- workspaces ----

    addWorkspace(spec: WorkspaceSpec): WorkspaceRecord {
        if (!WORKSPACE_NAME.test(spec.name)) {
            throw new RangeError(`addWorkspace: "${spec.name}" does not match ${WORKSPACE_NAME.source}`);
        }
        for (const [field, value] of [
            ["subscriptionId", spec.subscriptionId],
            ["resourceGroup", spec.resourceGroup],
        ] as const) {
            if (value === "" || value.includes("/")) throw new RangeError(`addWorkspace: invalid ${field}: "${value}"`);
        }
        const steps = spec.operationSteps ?? 2;
        if (!Number.isInteger(steps) || steps < 0) {
            throw new RangeError(`addWorkspace: operationSteps must be a non-negative integer: ${steps}`);
        }
        const behaviour = spec.patchBehaviour ?? "asyncOperation";
        assertBehaviour(behaviour);
        const key = keyOf(spec.subscriptionId, spec.resourceGroup, spec.name);
        if (this.workspacesByKey.has(key)) {
            throw new Error(`addWorkspace: ${spec.name} already exists in ${spec.resourceGroup}`);
        }
        const record: WorkspaceRecord = {
            id: workspaceId(spec.subscriptionId, spec.resourceGroup, spec.name),
            subscriptionId: spec.subscriptionId,
            resourceGroup: spec.resourceGroup,
            name: spec.name,
            location: spec.location ?? "westeurope",
            grafanaVersion: spec.grafanaVersion ?? "12.1.0",
            apiKey: spec.apiKey ?? "Disabled",
            provisioningState: "Succeeded",
            patchBehaviour: behaviour,
            operationSteps: steps,
            apiKeyEnabledAtMs: null,
            currentOperationId: null,
        };
        this.workspacesByKey.set(key, record);
        return record;
    }

    workspaces(): WorkspaceRecord[] {
        return [...this.workspacesByKey.values()];
    }

    /** Subscriptions and resource groups exist exactly when some workspace was added in them. */
    hasSubscription(subscriptionId: string): boolean {
        const sub = subscriptionId.toLowerCase();
        return this.workspaces().some((w) => w.subscriptionId.toLowerCase() === sub);
    }

    hasResourceGroup(subscriptionId: string, resourceGroup: string): boolean {
        const key = keyOf(subscriptionId, resourceGroup);
        return this.workspaces().some((w) => keyOf(w.subscriptionId, w.resourceGroup) === key);
    }

    findWorkspace(subscriptionId: string, resourceGroup: string, name: string): WorkspaceRecord | undefined {
        return this.workspacesByKey.get(keyOf(subscriptionId, resourceGroup, name));
    }

    /** Accepts any casing of the ARM id, with or without a trailing slash. */
    workspaceById(id: string): WorkspaceRecord | undefined {
        const m = WORKSPACE_ID.exec(id);
        return m ? this.findWorkspace(m[1], m[2], m[3]) : undefined;
    }

    /** Out-of-band change (the portal, another tool): no operation, takes effect at once. */
    setApiKey(workspace: WorkspaceRecord, value: ApiKeySetting): void {
        if (value !== "Enabled" && value !== "Disabled") {
            throw new RangeError(`apiKey must be Enabled or Disabled: ${String(value)}`);
        }
        this.applyApiKey(workspace, value);
    }

    setPatchBehaviour(workspace: WorkspaceRecord, behaviour: PatchBehaviour): void {
        assertBehaviour(behaviour);
        workspace.patchBehaviour = behaviour;
    }

    private applyApiKey(workspace: WorkspaceRecord, value: ApiKeySetting): void {
        if (workspace.apiKey === "Disabled" && value === "Enabled") workspace.apiKeyEnabledAtMs = this.clock.now();
        workspace.apiKey = value;
    }

    // ---- PATCH and its long-running operation ----

    recordPatch(workspace: WorkspaceRecord, body: unknown): void {
        this.patches.push({ id: workspace.id, body });
    }

    startPatch(workspace: WorkspaceRecord, apiKey: ApiKeySetting | undefined, apiVersion: string): PatchStart {
        const running = this.currentOperation(workspace);
        if (running) return { kind: "conflict", operation: running };
        if (workspace.patchBehaviour === "sync") {
            if (apiKey !== undefined) this.applyApiKey(workspace, apiKey);
            workspace.provisioningState = "Succeeded";
            return { kind: "applied" };
        }
        const operation: OperationRecord = {
            id: randomUUID(),
            workspace,
            subscriptionId: workspace.subscriptionId,
            location: locationSegment(workspace.location),
            apiVersion,
            targetApiKey: apiKey,
            fails: workspace.patchBehaviour === "failingOperation",
            pollsNeeded: workspace.operationSteps,
            polls: 0,
            status: "InProgress",
            startMs: this.clock.now(),
            endMs: null,
            error: null,
        };
        this.operationsByKey.set(keyOf(operation.subscriptionId, operation.id), operation);
        workspace.currentOperationId = operation.id;
        workspace.provisioningState = "Updating";
        // Zero steps: accepted in form, but already over by the time anyone looks.
        if (operation.pollsNeeded === 0) this.finish(operation);
        return { kind: "accepted", operation };
    }

    currentOperation(workspace: WorkspaceRecord): OperationRecord | undefined {
        if (workspace.currentOperationId === null) return undefined;
        return this.operation(workspace.subscriptionId, workspace.currentOperationId);
    }

    operation(subscriptionId: string, operationId: string): OperationRecord | undefined {
        return this.operationsByKey.get(keyOf(subscriptionId, operationId));
    }

    operations(): OperationRecord[] {
        return [...this.operationsByKey.values()];
    }

    /**
     * One look at an operation, through whichever URL the client polls; the look that reaches
     * `pollsNeeded` already sees the outcome.
     */
    countPoll(operation: OperationRecord): void {
        if (operation.status !== "InProgress") return;
        operation.polls++;
        if (operation.polls >= operation.pollsNeeded) this.finish(operation);
    }

    /** A workspace GET is a poll of whatever operation is running on it (the no-header path). */
    countWorkspacePoll(workspace: WorkspaceRecord): void {
        const running = this.currentOperation(workspace);
        if (running) this.countPoll(running);
    }

    private finish(operation: OperationRecord): void {
        const { workspace } = operation;
        operation.endMs = this.clock.now();
        workspace.currentOperationId = null;
        if (operation.fails) {
            operation.status = "Failed";
            operation.error = { ...FAILED_OPERATION_ERROR };
            workspace.provisioningState = "Failed";
            return;
        }
        operation.status = "Succeeded";
        if (operation.targetApiKey !== undefined) this.applyApiKey(workspace, operation.targetApiKey);
        workspace.provisioningState = "Succeeded";
    }

    // ---- role assignments ----

    /** The principal loses every ARM permission: its requests get 403 AuthorizationFailed. */
    denyPrincipal(principalId: string): void {
        this.denied.add(principalId.toLowerCase());
    }

    isDenied(principalId: string): boolean {
        return this.denied.has(principalId.toLowerCase());
    }

    /** The Azure role Grafana Admin/Editor/Viewer (or none) the principal holds on the workspaces. */
    setGrafanaRole(principalId: string, role: OrgRole): void {
        if (!isOrgRole(role)) throw new RangeError(`setGrafanaRole: not a Grafana role: ${String(role)}`);
        this.grafanaRoles.set(principalId.toLowerCase(), role);
    }

    /** Default Admin: whoever runs the tests created the workspace and holds "Grafana Admin". */
    grafanaRole(principalId: string): OrgRole {
        return this.grafanaRoles.get(principalId.toLowerCase()) ?? "Admin";
    }

    snapshot(): unknown {
        return {
            workspaces: this.workspaces().map((w) => ({ ...w })),
            operations: this.operations().map(({ workspace, ...op }) => ({ ...op, workspaceId: workspace.id })),
            patches: this.patches,
            deniedPrincipals: [...this.denied],
            grafanaRoles: Object.fromEntries(this.grafanaRoles),
            retryAfterSeconds: this.retryAfter,
            justEnabledWindowMs: this.justEnabledWindow,
        };
    }
}

function assertBehaviour(behaviour: string): asserts behaviour is PatchBehaviour {
    if (!(PATCH_BEHAVIOURS as readonly string[]).includes(behaviour)) {
        throw new RangeError(`unknown patch behaviour "${behaviour}"; expected one of ${PATCH_BEHAVIOURS.join(", ")}`);
    }
}
