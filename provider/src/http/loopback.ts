/** Hosts that never leave this machine: the only ones plain http may be used for (an emulator, a tunnel). */
const LOOPBACK_HOSTS = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/** `hostname` as a URL parser gives it, e.g. `[::1]` with brackets. */
export function isLoopbackHost(hostname: string): boolean {
    return LOOPBACK_HOSTS.test(hostname);
}
