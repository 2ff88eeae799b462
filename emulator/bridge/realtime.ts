/**
 * Real (host) time and host randomness: the one file in cesim's sources that reads either
 * (test/emulator/determinism.test.ts holds that). The bridge runs emulated devices in real time
 * against real sockets and seeds them from the host's CSPRNG; the command line uses host time
 * only to report how long a run took on the host and to pace its progress bar, never inside a
 * simulated run.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';

/** Host monotonic time in milliseconds (for wall-time figures and progress, not for simulated code). */
export function hostMonotonicMs(): number {
  return performance.now();
}

/** Host wall-clock time in ms since the Unix epoch (for reports' "generated at"). */
export function hostWallClockMs(): number {
  return Date.now();
}

/** `n` bytes from the host's CSPRNG (the seed of a bridged device's random stream when none is given). */
export function hostRandomBytes(n: number): Uint8Array {
  return new Uint8Array(randomBytes(n));
}

/** Resolves after `ms` real milliseconds (the bridge's pacing and polling). */
export function hostSleep(ms: number): Promise<void> {
  return new Promise<void>((resolve) => setTimeout(resolve, ms));
}

/**
 * Calls `fire` after `ms` real milliseconds unless the returned function is called first (a
 * socket read's deadline).
 */
export function hostTimer(ms: number, fire: () => void): () => void {
  const t = setTimeout(fire, ms);
  return () => clearTimeout(t);
}
