/**
 * The one scheduler of a simulation: a virtual clock in nanoseconds and a queue of events
 * ordered by (time, insertion order).
 *
 * Two kinds of work run on it:
 * - pure callbacks (link deliveries, retransmission timers, faults) run synchronously, one
 *   after the other, with no promise machinery, which keeps them fast;
 * - device tasks (async functions) block on promises that only the scheduler resolves. When an
 *   event wakes a task, the loop lets the whole microtask queue drain (one `setImmediate` turn,
 *   which Node runs only once the microtask queue is empty) before it takes the next event.
 *   So whatever the woken tasks do happens at the virtual time of the event that woke them, and
 *   the interleaving depends only on virtual time and insertion order, never on host timing.
 *
 * `setImmediate` is used only as that microtask barrier; no simulated behaviour waits on a real
 * timer, and virtual time never reads the host clock.
 */
import { EventHeap, type QueuedEvent } from './heap.js';

export type { QueuedEvent } from './heap.js';

/** Why a run stopped. */
export type StopReason = 'idle' | 'time-limit' | 'task-failed';

/** A failure that stops the loop: a task threw, or an event callback did. */
export interface LoopFailure {
  /** Who failed: a task's name, or `event` for a callback. */
  source: string;
  error: unknown;
}

/** Options for scheduling one event. */
export interface ScheduleOptions {
  /** A daemon event does not keep the loop alive: when only daemons remain, the loop is idle. */
  daemon?: boolean;
}

/** A predicate polled after every event until it holds (see {@link Scheduler.poll}). */
interface Poll {
  check(): boolean;
  fire(): void;
}

const immediate = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));

/** The virtual-time event loop. */
export class Scheduler {
  /** Current virtual time in nanoseconds. */
  now = 0;
  /** Number of events run so far (cancelled events are not counted). */
  eventsRun = 0;
  private seq = 0;
  /** Scheduled, not cancelled, not daemon events: the loop is idle when this reaches zero. */
  private live = 0;
  private readonly heap = new EventHeap();
  private woke = false;
  private failure: LoopFailure | null = null;
  private readonly polls = new Set<Poll>();
  private running = false;

  /** Schedules `fn` at absolute virtual time `timeNs` (clamped to now). Returns the event, for {@link cancel}. */
  at(timeNs: number, fn: () => void, opts?: ScheduleOptions): QueuedEvent {
    const daemon = opts?.daemon === true;
    const ev: QueuedEvent = { time: timeNs > this.now ? timeNs : this.now, seq: this.seq++, fn, daemon };
    this.heap.push(ev);
    if (!daemon) this.live++;
    return ev;
  }

  /** Schedules `fn` `delayNs` from now. Returns the event, for {@link cancel}. */
  after(delayNs: number, fn: () => void, opts?: ScheduleOptions): QueuedEvent {
    return this.at(this.now + (delayNs > 0 ? delayNs : 0), fn, opts);
  }

  /** Cancels an event that has not fired yet; a no-op for fired or cancelled ones. */
  cancel(ev: QueuedEvent | null | undefined): void {
    if (!ev || ev.fn === null) return;
    ev.fn = null;
    if (!ev.daemon) this.live--;
  }

  /** Tells the loop that a task was woken, so it drains microtasks before the next event. */
  markWoke(): void {
    this.woke = true;
  }

  /** A promise that resolves `ns` of virtual time from now (for tasks; wakes the loop). */
  sleep(ns: number): Promise<void> {
    return new Promise<void>((resolve) => {
      this.after(ns, () => {
        this.woke = true;
        resolve();
      });
    });
  }

  /**
   * Blocks a task until `arm`'s wake function is called or `timeoutNs` passes.
   *
   * `arm(wake)` registers `wake` with whatever will end the wait and returns a function that
   * unregisters it (called on timeout). The promise resolves with the value given to `wake`, or
   * with `onTimeout`. Either way the loop drains microtasks before its next event.
   */
  block<T>(arm: (wake: (value: T) => void) => () => void, timeoutNs: number, onTimeout: T): Promise<T> {
    return new Promise<T>((resolve) => {
      let done = false;
      let timer: QueuedEvent | null = null;
      const disarm = arm((value: T) => {
        if (done) return;
        done = true;
        this.cancel(timer);
        this.woke = true;
        resolve(value);
      });
      if (done || timeoutNs === Infinity) return;
      timer = this.after(timeoutNs, () => {
        if (done) return;
        done = true;
        disarm();
        this.woke = true;
        resolve(onTimeout);
      });
    });
  }

  /**
   * Polls `check` after every event (and at once) until it returns true, then calls `fire`.
   * Returns a function that stops polling. Polls do not keep the loop alive.
   */
  poll(check: () => boolean, fire: () => void): () => void {
    const p: Poll = { check, fire };
    this.polls.add(p);
    return () => {
      this.polls.delete(p);
    };
  }

  /** Records a failure; the loop stops with `task-failed` before its next event. */
  fail(source: string, error: unknown): void {
    if (this.failure === null) this.failure = { source, error };
  }

  /** The failure that stopped (or will stop) the loop, if any. */
  get failed(): LoopFailure | null {
    return this.failure;
  }

  /** Events still scheduled that keep the loop alive. */
  get pending(): number {
    return this.live;
  }

  /**
   * Runs events in (time, seq) order until no live event is left (`idle`), the next event lies
   * beyond `limitNs` (`time-limit`; the clock stops at the limit), or a failure is recorded
   * (`task-failed`). May be called again to continue.
   */
  async run(limitNs = Infinity): Promise<StopReason> {
    if (this.running) throw new Error('Scheduler.run: already running');
    this.running = true;
    try {
      await this.settle();
      const heap = this.heap;
      for (;;) {
        if (this.failure !== null) return 'task-failed';
        for (;;) {
          if (this.live === 0) return 'idle';
          const ev = heap.pop()!;
          if (ev.time > limitNs) {
            heap.push(ev);
            if (limitNs > this.now) this.now = limitNs;
            return 'time-limit';
          }
          const fn = ev.fn;
          if (fn === null) continue;
          ev.fn = null;
          if (!ev.daemon) this.live--;
          this.now = ev.time;
          this.eventsRun++;
          try {
            fn();
          } catch (error) {
            this.fail('event', error);
            break;
          }
          if (this.woke || this.polls.size !== 0) break;
        }
        await this.settle();
      }
    } finally {
      this.running = false;
    }
  }

  /** Drains microtasks after wake-ups, and fires polls that now hold, until nothing moves. */
  private async settle(): Promise<void> {
    for (;;) {
      while (this.woke) {
        this.woke = false;
        await immediate();
      }
      if (this.polls.size !== 0) {
        for (const p of [...this.polls]) {
          if (!this.polls.has(p)) continue;
          let ok: boolean;
          try {
            ok = p.check();
          } catch (error) {
            this.polls.delete(p);
            this.fail('poll', error);
            continue;
          }
          if (ok) {
            this.polls.delete(p);
            p.fire();
          }
        }
      }
      if (!this.woke) return;
    }
  }
}
