/**
 * A condition a task can wait on in virtual time: the waiter re-checks its condition after each
 * wake-up, so a notification never needs to say what changed.
 */
import type { Scheduler } from './scheduler.js';

/** A wake-all condition variable on the scheduler. */
export class Signal {
  private waiters: Array<(value: boolean) => void> = [];

  constructor(private readonly scheduler: Scheduler) {}

  /** Waits until {@link notify} (resolves `true`) or until `timeoutNs` passes (resolves `false`). */
  wait(timeoutNs = Infinity): Promise<boolean> {
    return this.scheduler.block<boolean>(
      (wake) => {
        this.waiters.push(wake);
        return () => {
          const i = this.waiters.indexOf(wake);
          if (i >= 0) this.waiters.splice(i, 1);
        };
      },
      timeoutNs,
      false,
    );
  }

  /** Wakes every waiter. */
  notify(): void {
    if (this.waiters.length === 0) return;
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) w(true);
  }

  /** Number of tasks waiting. */
  get waiting(): number {
    return this.waiters.length;
  }
}
