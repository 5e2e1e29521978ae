/**
 * In-place upgrades of the emulated Grafana, as Azure Managed Grafana does to a workspace: the data stays,
 * the version serving it changes, and Grafana's start-up work runs once on the new version.
 *
 * Usage:
 *   await emulator.upgrade("12.1");                    // in-process; returns the UpgradeOutcome below
 *   POST /__emulator/upgrade {"profile":"12.1"}         // over HTTP: 200 with the same outcome as JSON,
 *                                                       // 400 {message} for a malformed body or a downgrade
 *   emulator.profile                                   // the profile served now
 * A profile with `migratesLegacyKeysAtStartup` (12.1 and later) turns every legacy key into a token of a new
 * `sa-autogen-<key name>` account (GrafanaState.migrateLegacyKeys); the key string keeps working. Upgrading
 * to the current profile is a restart (the migration runs again and finds nothing). `reset()` returns to the
 * profile the emulator started with.
 */
import { PROFILES, type GrafanaProfile, type GrafanaRoutes } from "./grafanaRoutes";
import type { GrafanaState } from "./grafanaState";

export interface UpgradeOutcome {
    from: GrafanaProfile;
    profile: GrafanaProfile;
    /** What /api/health reports from now on. */
    version: string;
    /** Legacy keys the start-up migration turned into service-account tokens. */
    migratedKeys: number;
    /** Legacy keys it could not move (no free login); they stay legacy keys, as in Grafana. */
    failedKeyIds: number[];
}

/** Release order, oldest first: PROFILES lists them so. */
const RELEASE_ORDER = Object.keys(PROFILES) as GrafanaProfile[];

export class GrafanaVersion {
    private readonly initial: GrafanaProfile;
    private readonly routes: GrafanaRoutes;
    private readonly state: GrafanaState;
    private served: GrafanaProfile;

    constructor(options: { initial: GrafanaProfile; routes: GrafanaRoutes; state: GrafanaState }) {
        this.initial = options.initial;
        this.served = options.initial;
        this.routes = options.routes;
        this.state = options.state;
    }

    get current(): GrafanaProfile {
        return this.served;
    }

    /** Throws for a downgrade: Grafana's database migrations only run forward, and Azure never downgrades. */
    upgrade(to: GrafanaProfile): UpgradeOutcome {
        const from = this.served;
        if (RELEASE_ORDER.indexOf(to) < RELEASE_ORDER.indexOf(from)) {
            throw new Error(`cannot move Grafana from ${from} down to ${to}: upgrades only go forward (${RELEASE_ORDER.join(" -> ")})`);
        }
        this.routes.switchProfile(to);
        this.served = to;
        const migration = PROFILES[to].migratesLegacyKeysAtStartup ? this.state.migrateLegacyKeys() : { migrated: 0, failedKeyIds: [] };
        return { from, profile: to, version: PROFILES[to].version, migratedKeys: migration.migrated, failedKeyIds: migration.failedKeyIds };
    }

    /** Back to the profile the emulator started with, without any start-up work (the state is reset too). */
    reset(): void {
        if (this.served === this.initial) return;
        this.routes.switchProfile(this.initial);
        this.served = this.initial;
    }
}
