import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { REPO_ROOT } from "../harness/host";

/**
 * examples/rotation-schedule/rotate-grafana-key.yml, the GitHub Actions workflow users copy: it parses, runs
 * `pulumi up --refresh` daily on the producer, signs in to Azure with OIDC, and holds no stored secret. Each shell
 * step is valid bash, and where `pulumi` is on PATH each Pulumi command and flag it runs is one the CLI knows.
 */

// eslint-disable-next-line @typescript-eslint/no-require-imports -- js-yaml ships no types; only load() is used
const { load } = require("js-yaml") as { load(this: void, text: string): unknown };

interface Step {
    uses?: string;
    run?: string;
    with?: Record<string, string>;
}
interface Workflow {
    on: { schedule: Array<{ cron: string }>; workflow_dispatch?: unknown };
    permissions: Record<string, string>;
    jobs: Record<string, { env: Record<string, string>; steps: Step[] }>;
}

const FILE = path.join(REPO_ROOT, "examples", "rotation-schedule", "rotate-grafana-key.yml");
const text = fs.readFileSync(FILE, "utf8");
const workflow = load(text) as Workflow;
const steps = Object.values(workflow.jobs).flatMap((job) => job.steps);
const runs = steps.flatMap((step) => (step.run === undefined ? [] : [step.run]));

function onPath(command: string): boolean {
    return (process.env.PATH ?? "").split(path.delimiter).some((dir) => fs.existsSync(path.join(dir, command)));
}

test("it runs once a day and can be started by hand", () => {
    expect(workflow.on.schedule).toHaveLength(1);
    const fields = workflow.on.schedule[0].cron.split(/\s+/);
    expect(fields).toHaveLength(5);
    // A fixed minute and hour, every day of every month and week.
    expect(fields.slice(0, 2).every((field) => /^\d+$/.test(field))).toBe(true);
    expect(fields.slice(2)).toEqual(["*", "*", "*"]);
    expect(workflow.on).toHaveProperty("workflow_dispatch");
});

test("it signs in to Azure with OIDC and uses no stored secret", () => {
    expect(workflow.permissions["id-token"]).toBe("write");
    expect(text).not.toMatch(/secrets\./);
    const login = steps.find((step) => step.uses?.startsWith("azure/login@"));
    expect(login?.with).toEqual({
        "client-id": "${{ vars.AZURE_CLIENT_ID }}",
        "tenant-id": "${{ vars.AZURE_TENANT_ID }}",
        "subscription-id": "${{ vars.AZURE_SUBSCRIPTION_ID }}",
    });
    for (const job of Object.values(workflow.jobs)) expect(job.env.ARM_USE_OIDC).toBe("true");
});

test("it installs the Pulumi CLI before it runs pulumi up --refresh on the producer stack", () => {
    const cli = steps.findIndex((step) => step.uses?.startsWith("pulumi/actions@"));
    const up = steps.findIndex((step) => step.run?.startsWith("pulumi up "));
    expect(cli).toBeGreaterThanOrEqual(0);
    expect(up).toBeGreaterThan(cli);
    expect(steps[up].run).toBe('pulumi up --refresh --yes --stack "$PULUMI_STACK"');
});

test("each shell step is valid bash", () => {
    for (const run of runs) execFileSync("bash", ["-n", "-c", run]);
});

const describeWithCli = onPath("pulumi") ? describe : describe.skip;
describeWithCli(onPath("pulumi") ? "with the Pulumi CLI" : "with the Pulumi CLI (skipped: pulumi is not on PATH)", () => {
    test("every pulumi command and flag the workflow runs is one the CLI knows", () => {
        for (const run of runs.filter((line) => line.startsWith("pulumi "))) {
            const [, command, ...rest] = run.split(/\s+/);
            const help = execFileSync("pulumi", [command, "--help"], { encoding: "utf8" });
            for (const flag of rest.filter((word) => word.startsWith("--"))) expect(help).toContain(`${flag} `);
        }
    });
});
