/**
 * The simulation facade: one scheduler, one trace, one network and one root seed, with
 * emulated devices that run tasks.
 *
 * ```ts
 * const sim = new Simulation({ seed: 1 });
 * const server = sim.addDevice('server', 'ce210-handheld', { address: '10.0.0.1' });
 * const client = sim.addDevice('client', 'ce210-handheld', { address: '10.0.0.2' });
 * sim.link(client, server, { latencyNs: 5_000_000, loss: 0.05 });
 * server.spawn('echo.exe', async (ctx) => { ... });
 * const result = await sim.run();
 * ```
 */
import { Device, SeededRandom, getProfile, type DeviceProfile, type Process, type Seed } from '../../device/index.js';
import { setAsyncScheduler } from '../../sspi/index.js';
import { Network, type Host, type Link, type LinkOptions, type NetworkFaults, type WireSegment } from '../net/network.js';
import type { TransportOptions } from '../net/tcp.js';
import { deviceStreamLabel } from './random.js';
import { Scheduler, type StopReason } from './scheduler.js';
import { Task, type TaskFn, type TaskHost, type TaskResult } from './task.js';
import { Trace, type TraceOptions } from './trace.js';

/** Options of a {@link Simulation}. */
export interface SimulationOptions {
  /** The root seed: every device and link stream derives from it (default 0). */
  seed?: Seed;
  /** Stop at this virtual time, ns (default: no limit). */
  timeLimitNs?: number;
  /** Transport tuning for every host. */
  transport?: Partial<TransportOptions>;
  /** Trace options. */
  trace?: TraceOptions;
}

/** Options of {@link Simulation.addDevice}. */
export interface AddDeviceOptions {
  /** The device's IPv4 address. */
  address: string;
  /** Check modelled stack use (the device's `stackCheck`). */
  stackCheck?: boolean;
}

/** Options of {@link EmulatedDevice.spawn}. */
export interface SpawnOptions {
  /** Start at this virtual time, ns (default: now). */
  atNs?: number;
  /** Run as this existing process instead of creating one. */
  process?: Process;
}

/** The outcome of {@link Simulation.run}. */
export interface RunResult {
  /** Why the loop stopped: no work left, the time limit, or a task threw. */
  reason: StopReason;
  /** Virtual time at the stop, ns. */
  timeNs: number;
  /** SHA-256 (hex) of the canonical trace so far. */
  traceHash: string;
  /** Scheduler events run so far. */
  events: number;
  /** Trace events recorded so far. */
  traceEvents: number;
  /** Every task's outcome, in spawn order. */
  tasks: TaskResult[];
  /** Tasks that had not finished: blocked forever when `reason` is `idle`. */
  hung: TaskResult[];
  /** The failure that stopped the loop (`task-failed`). */
  failed: { task: string; error: unknown; message: string } | null;
}

/** A device in the simulation: the `Device`, its network host, and its tasks. */
export class EmulatedDevice implements TaskHost {
  /** The device runtime. */
  readonly device: Device;
  /** Its network host. */
  readonly host: Host;
  /** Virtual time the device's CPU is free again (see `Task.settle`). */
  cpuFreeAt = 0;
  private readonly taskList: Task[] = [];

  constructor(
    /** The simulation it belongs to. */
    readonly sim: Simulation,
    /** The device's (and host's) name. */
    readonly name: string,
    profile: DeviceProfile,
    opts: AddDeviceOptions,
  ) {
    this.device = new Device(profile, {
      name,
      seed: sim.random.derive(deviceStreamLabel(name)).bytes(32),
      timeSource: () => sim.scheduler.now,
      stackCheck: opts.stackCheck ?? false,
    });
    this.host = sim.network.addHost(name, opts.address);
    this.device.on('fault', (f) => sim.trace.emit(name, 'device.fault', { ...f }));
  }

  /** The device's IPv4 address. */
  get address(): string {
    return this.host.address;
  }

  /** The scheduler. */
  get scheduler(): Scheduler {
    return this.sim.scheduler;
  }

  /** The trace. */
  get trace(): Trace {
    return this.sim.trace;
  }

  /** Starts `fn` as a task of a new process `processName` (or `opts.process`), now or at `opts.atNs`. */
  spawn(processName: string, fn: TaskFn, opts: SpawnOptions = {}): Task {
    const p = opts.process ?? this.device.createProcess(processName);
    const t = new Task(this, p, fn);
    this.taskList.push(t);
    this.sim.registerTask(t);
    this.sim.scheduler.at(opts.atNs ?? this.sim.scheduler.now, () => t.start());
    return t;
  }

  /** The tasks spawned on this device. */
  tasks(): readonly Task[] {
    return this.taskList;
  }
}

/** One deterministic simulation run. */
export class Simulation {
  /** The event loop. */
  readonly scheduler = new Scheduler();
  /** The trace of everything that happens. */
  readonly trace: Trace;
  /** The network. */
  readonly network: Network;
  /** The root random stream (devices and links derive theirs from it by name). */
  readonly random: SeededRandom;
  /** Default time limit for {@link run}, ns. */
  readonly timeLimitNs: number;
  private readonly devices = new Map<string, EmulatedDevice>();
  private readonly tasks: Task[] = [];

  constructor(opts: SimulationOptions = {}) {
    this.random = new SeededRandom(opts.seed ?? 0);
    this.trace = new Trace(() => this.scheduler.now, opts.trace);
    this.network = new Network(this.scheduler, this.trace, this.random, opts.transport);
    this.timeLimitNs = opts.timeLimitNs ?? Infinity;
  }

  /** Scheduled faults on the network. */
  get faults(): NetworkFaults {
    return this.network.faults;
  }

  /** Virtual time now, ns. */
  now(): number {
    return this.scheduler.now;
  }

  /** Adds a device built from a profile (or a built-in profile's name) at an IPv4 address. */
  addDevice(name: string, profile: DeviceProfile | string, opts: AddDeviceOptions): EmulatedDevice {
    if (this.devices.has(name)) throw new RangeError(`device ${name} already exists`);
    const p = typeof profile === 'string' ? getProfile(profile) : profile;
    const d = new EmulatedDevice(this, name, p, opts);
    this.devices.set(name, d);
    // Security.dll's async API (SspiInitializeSecurityContextAsync, …) queues its work on this
    // loop; a completion may wake a task waiting on SspiGetAsyncCallStatus or its callback.
    setAsyncScheduler(d.device, {
      schedule: (delayNs, fn) =>
        void this.scheduler.after(delayNs, () => {
          fn();
          this.scheduler.markWoke();
        }),
    });
    return d;
  }

  /** The device named `name`. */
  device(name: string): EmulatedDevice {
    const d = this.devices.get(name);
    if (!d) throw new RangeError(`no device ${name}`);
    return d;
  }

  /** Links two devices (or hosts, by name or address). */
  link(a: EmulatedDevice | Host | string, b: EmulatedDevice | Host | string, opts: LinkOptions = {}): Link {
    return this.network.link(hostOf(a), hostOf(b), opts);
  }

  /** Calls `cb` for every segment as it goes on the wire (for pcap capture). */
  onSegment(cb: (w: WireSegment) => void): () => void {
    return this.network.onSegment(cb);
  }

  /** @internal called by `EmulatedDevice.spawn` */
  registerTask(t: Task): void {
    this.tasks.push(t);
  }

  /** Runs until idle, the time limit, or a task failure; may be called again to continue. */
  async run(opts: { timeLimitNs?: number } = {}): Promise<RunResult> {
    const reason = await this.scheduler.run(opts.timeLimitNs ?? this.timeLimitNs);
    this.trace.emit('', 'sim.stop', { reason });
    const tasks = this.tasks.map((t) => t.result());
    const f = this.scheduler.failed;
    return {
      reason,
      timeNs: this.scheduler.now,
      traceHash: this.trace.hash(),
      events: this.scheduler.eventsRun,
      traceEvents: this.trace.size,
      tasks,
      hung: tasks.filter((t) => t.status !== 'done' && t.status !== 'failed'),
      failed: f === null ? null : { task: f.source, error: f.error, message: f.error instanceof Error ? f.error.message : String(f.error) },
    };
  }
}

function hostOf(x: EmulatedDevice | Host | string): Host | string {
  return x instanceof EmulatedDevice ? x.host : x;
}
