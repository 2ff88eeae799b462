/**
 * Real (host) time: the one place in `emulator/` that reads it. The bridge runs emulated
 * devices in real time against real sockets; the command line uses it only to report how long
 * a run took on the host and to pace its progress bar, never inside a simulated run.
 */
import { performance } from 'node:perf_hooks';

/** Host monotonic time in milliseconds (for wall-time figures and progress, not for simulated code). */
export function hostMonotonicMs(): number {
  return performance.now();
}

/** Host wall-clock time in ms since the Unix epoch (for reports' "generated at"). */
export function hostWallClockMs(): number {
  return Date.now();
}
