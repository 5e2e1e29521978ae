/**
 * The emulator's notion of "now".
 *
 * Time keeps flowing with the wall clock (so created/lastUsed timestamps differ like on a real
 * server), but tests can jump it forward or pin it to an instant to make keys expire without
 * waiting. Only the offset to the wall clock is stored, which is why `set` survives later reads.
 */
export interface EmulatorClock {
    /** Milliseconds since the Unix epoch, as the emulated Grafana sees it. */
    now(): number;
    /** Moves the clock forward (or backward, if negative) by `seconds`. */
    advance(seconds: number): void;
    /** Makes `now()` return `ms` at this instant; time keeps flowing from there. */
    set(ms: number): void;
}

export class Clock implements EmulatorClock {
    private offsetMs = 0;

    now(): number {
        return Date.now() + this.offsetMs;
    }

    advance(seconds: number): void {
        if (!Number.isFinite(seconds)) throw new RangeError(`clock.advance: not a finite number: ${seconds}`);
        this.offsetMs += Math.round(seconds * 1000);
    }

    set(ms: number): void {
        if (!Number.isFinite(ms)) throw new RangeError(`clock.set: not a finite number: ${ms}`);
        this.offsetMs = Math.round(ms) - Date.now();
    }

    /** Back to the wall clock; used by the emulator's reset. */
    resetToRealTime(): void {
        this.offsetMs = 0;
    }
}
