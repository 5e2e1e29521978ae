import { parseArgs } from "node:util";
import { deleteLeftover, findLeftovers, grafanaTargetOf } from "./leftovers";
import { isRunPrefix, liveTarget, NO_TARGET_REASON, RUN_PREFIX_START } from "./liveTarget";

/**
 * `npm run sweep -- <prefix> [--yes]`: lists what earlier live-suite runs left on the Grafana the suite points at
 * (objects named `<prefix>…`), and deletes them only with --yes. `npm run sweep -- pgklive- --yes` clears every run.
 */

const USAGE = `usage: npm run sweep -- <prefix starting with ${RUN_PREFIX_START}> [--yes]`;

async function main(): Promise<number> {
    const { values, positionals } = parseArgs({ options: { yes: { type: "boolean", default: false } }, allowPositionals: true });
    const prefix = positionals[0];
    if (positionals.length !== 1 || prefix === undefined || !isRunPrefix(prefix)) {
        console.error(USAGE);
        return 2;
    }
    const target = liveTarget();
    if (!target) {
        console.error(`no Grafana to sweep: ${NO_TARGET_REASON}`);
        return 2;
    }
    const grafana = await grafanaTargetOf(target);
    const leftovers = await findLeftovers(grafana, prefix);
    console.log(`${leftovers.length} object(s) named ${prefix}… on ${grafana.endpoint}`);
    for (const leftover of leftovers) console.log(`  ${leftover.kind} ${leftover.id} ${leftover.name}`);
    if (leftovers.length === 0) return 0;
    if (!values.yes) {
        console.log("nothing deleted: run again with --yes to delete them");
        return 0;
    }
    for (const leftover of leftovers) {
        await deleteLeftover(grafana, leftover);
        console.log(`  deleted ${leftover.kind} ${leftover.id} ${leftover.name}`);
    }
    return 0;
}

main().then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
        console.error(error instanceof Error ? error.message : error);
        process.exitCode = 1;
    },
);
