/**
 * Device tasks: async functions that run on the loop in virtual time, one per emulated process.
 *
 * Computation costs time. Every await point the context controls (`sleep`, `compute`,
 * `waitFor`, and each socket call) first drains the device's pending CPU time
 * (`device.cpu.drainPendingNs()`) and sleeps the task for it. The device has one CPU: two tasks
 * of the same device computing at once queue behind each other (`cpuFreeAt`).
 */
import type { Device, Process } from '../../device/index.js';
import type { Host } from '../net/network.js';
import { StreamSocket, type SocketOwner } from '../net/socket.js';
import type { Scheduler } from './scheduler.js';
import type { Trace, TraceDetails } from './trace.js';

/** Where a task is in its life. */
export type TaskStatus = 'pending' | 'running' | 'blocked' | 'done' | 'failed';

/** The body of a task. Its return value ends up in {@link TaskResult.value}. */
export type TaskFn = (ctx: TaskContext) => Promise<unknown> | unknown;

/** The result of {@link TaskContext.waitFor}. */
export type WaitResult<T> = { ok: true; value: T } | { ok: false; timedOut: true };

/** What a predicate given to `waitFor` returns: a falsy value means "not yet". */
export type Falsy = false | null | undefined | 0 | '';

/** A task's outcome, JSON-ready. */
export interface TaskResult {
  /** `device/process#pid`. */
  name: string;
  device: string;
  process: string;
  pid: number;
  status: TaskStatus;
  /** Virtual time it started, ns. */
  startNs: number;
  /** Virtual time it ended, ns (null while it has not). */
  endNs: number | null;
  /** Virtual CPU time the task drained, ns. */
  cpuNs: number;
  /** What it is blocked on (for hung tasks), e.g. `recv`, `accept :443`. */
  blockedOn: string | null;
  /** The value it returned. */
  value?: unknown;
  /** The error it threw (message). */
  error?: string;
}

/** What a task needs from the emulated device it runs on. */
export interface TaskHost {
  readonly name: string;
  readonly device: Device;
  readonly host: Host;
  readonly scheduler: Scheduler;
  readonly trace: Trace;
  /** Virtual time the device's CPU is free again. */
  cpuFreeAt: number;
}

const errorMessage = (e: unknown): string => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

/** One task: an async function bound to an emulated process. */
export class Task implements SocketOwner {
  /** `device/process#pid`. */
  readonly name: string;
  /** Current status. */
  status: TaskStatus = 'pending';
  /** What it is blocked on while `blocked`. */
  blockedOn: string | null = null;
  /** Virtual start time, ns (set when it starts). */
  startNs = -1;
  /** Virtual end time, ns, or null. */
  endNs: number | null = null;
  /** CPU time drained into virtual time, ns. */
  cpuNs = 0;
  /** The return value once done. */
  value: unknown = undefined;
  /** The thrown error once failed. */
  error: unknown = undefined;
  /** The task's context. */
  readonly ctx: TaskContext;

  constructor(
    readonly owner: TaskHost,
    readonly process: Process,
    private readonly fn: TaskFn,
  ) {
    this.name = `${owner.name}/${process.name}#${process.pid}`;
    this.ctx = new TaskContext(this);
  }

  /** Starts the body (called by the scheduler at the start time). */
  start(): void {
    const { scheduler, trace, device } = this.owner;
    this.status = 'running';
    this.startNs = scheduler.now;
    device.current = this.process;
    trace.emit(this.owner.name, 'task.start', { task: this.name, pid: this.process.pid });
    scheduler.markWoke();
    let p: Promise<unknown>;
    try {
      p = Promise.resolve(this.fn(this.ctx));
    } catch (e) {
      p = Promise.reject(e);
    }
    p.then(
      async (v) => {
        await this.settle(); // the last step's computation still costs time
        this.finish('done', v, undefined);
      },
      (e: unknown) => this.finish('failed', undefined, e),
    );
  }

  private finish(status: 'done' | 'failed', value: unknown, error: unknown): void {
    const { scheduler, trace, device } = this.owner;
    this.status = status;
    this.blockedOn = null;
    this.endNs = scheduler.now;
    this.value = value;
    this.error = error;
    if (device.current === this.process) device.current = null;
    if (status === 'done') trace.emit(this.owner.name, 'task.end', { task: this.name, cpuNs: this.cpuNs });
    else {
      trace.emit(this.owner.name, 'task.fail', { task: this.name, error: errorMessage(error) });
      scheduler.fail(this.name, error);
    }
  }

  /** Drains the device's pending CPU time and sleeps this task for it (queued behind other work on the CPU). */
  async settle(): Promise<void> {
    const { scheduler, trace, device } = this.owner;
    const ns = device.cpu.drainPendingNs();
    if (ns <= 0) return;
    this.cpuNs += ns;
    const start = Math.max(scheduler.now, this.owner.cpuFreeAt);
    this.owner.cpuFreeAt = start + ns;
    trace.emit(this.owner.name, 'task.compute', { task: this.name, ns, wait: start - scheduler.now });
    this.blocked('cpu');
    await scheduler.sleep(this.owner.cpuFreeAt - scheduler.now);
    this.resumed();
  }

  /** Marks the task blocked on `what`. */
  blocked(what: string): void {
    this.status = 'blocked';
    this.blockedOn = what;
  }

  /** Marks the task running again and makes its process the device's current one. */
  resumed(): void {
    this.status = 'running';
    this.blockedOn = null;
    this.owner.device.current = this.process;
  }

  /** JSON-ready outcome. */
  result(): TaskResult {
    const r: TaskResult = {
      name: this.name,
      device: this.owner.name,
      process: this.process.name,
      pid: this.process.pid,
      status: this.status,
      startNs: this.startNs,
      endNs: this.endNs,
      cpuNs: this.cpuNs,
      blockedOn: this.status === 'done' || this.status === 'failed' ? null : (this.blockedOn ?? (this.status === 'running' ? 'an await outside the task context' : null)),
    };
    if (this.status === 'done' && this.value !== undefined) r.value = this.value;
    if (this.status === 'failed') r.error = errorMessage(this.error);
    return r;
  }
}

/** What a task body is given: its process, device, clock, sockets and waits, all in virtual time. */
export class TaskContext {
  constructor(
    /** The task itself. */
    readonly task: Task,
  ) {}

  /** The emulated process the task runs as. */
  get process(): Process {
    return this.task.process;
  }

  /** The device it runs on. */
  get device(): Device {
    return this.task.owner.device;
  }

  /** The device's network host. */
  get host(): Host {
    return this.task.owner.host;
  }

  /** The device's IPv4 address. */
  get address(): string {
    return this.task.owner.host.address;
  }

  /** Virtual time in ns, as the device clock sees it (CPU time charged but not yet drained included). */
  now(): number {
    return this.task.owner.device.clock.nowNs();
  }

  /** Sleeps `ns` of virtual time (after draining pending CPU time). */
  async sleep(ns: number): Promise<void> {
    await this.task.settle();
    const t = this.task;
    t.blocked(`sleep ${ns}`);
    await t.owner.scheduler.sleep(ns);
    t.resumed();
  }

  /** Turns the CPU time charged so far into virtual time now. */
  compute(): Promise<void> {
    return this.task.settle();
  }

  /** A new, unconnected stream socket on this device. */
  socket(): StreamSocket {
    return new StreamSocket(this.task.owner.host, this.task);
  }

  /** A socket listening on `port`; check `lastError` (e.g. `WSAEADDRINUSE`) before use. */
  listen(port: number, backlog = 5): StreamSocket {
    const s = this.socket();
    s.listen(port, backlog);
    return s;
  }

  /** A socket connected to `address:port`; check `lastError` (`WSAECONNREFUSED`, `WSAETIMEDOUT`…) before use. */
  async connect(address: string, port: number): Promise<StreamSocket> {
    const s = this.socket();
    await s.connect(address, port);
    return s;
  }

  /**
   * Waits for a promise to settle, or for a predicate to return a truthy value (checked now and
   * after every scheduler event), at most `timeoutNs`. A rejected promise or a throwing
   * predicate throws here.
   */
  waitFor<T>(what: PromiseLike<T> | (() => T | Falsy), timeoutNs = Infinity): Promise<WaitResult<T>> {
    return this.waitImpl(what, timeoutNs);
  }

  private async waitImpl<T>(what: PromiseLike<T> | (() => T | Falsy), timeoutNs: number): Promise<WaitResult<T>> {
    await this.task.settle();
    const sched = this.task.owner.scheduler;
    type Outcome = WaitResult<T> | { ok: false; timedOut: false; error: unknown };
    const timedOut: Outcome = { ok: false, timedOut: true };
    let outcome: Outcome;
    if (typeof what === 'function') {
      const pred = what;
      const first = pred();
      if (first) return { ok: true, value: first };
      this.task.blocked('waitFor(predicate)');
      outcome = await sched.block<Outcome>(
        (wake) => {
          let result: Outcome = timedOut;
          return sched.poll(
            () => {
              try {
                const v = pred();
                if (!v) return false;
                result = { ok: true, value: v };
              } catch (error) {
                result = { ok: false, timedOut: false, error };
              }
              return true;
            },
            () => wake(result),
          );
        },
        timeoutNs,
        timedOut,
      );
    } else {
      this.task.blocked('waitFor(promise)');
      outcome = await sched.block<Outcome>(
        (wake) => {
          Promise.resolve(what).then(
            (value) => wake({ ok: true, value }),
            (error: unknown) => wake({ ok: false, timedOut: false, error }),
          );
          return () => {};
        },
        timeoutNs,
        timedOut,
      );
    }
    this.task.resumed();
    if (!outcome.ok && !outcome.timedOut) throw outcome.error;
    return outcome.ok ? outcome : timedOut as WaitResult<T>;
  }

  /** Records an upper-layer event in the trace under this device. */
  trace(kind: string, details: TraceDetails = {}): void {
    this.task.owner.trace.emit(this.task.owner.name, kind, { task: this.task.name, ...details });
  }
}
