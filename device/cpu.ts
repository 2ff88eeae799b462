/**
 * The CPU cost model: each primitive the crypto layer runs is charged its modelled cycles,
 * turned into virtual nanoseconds at the profile's clock rate, and added to the current
 * process's CPU time and to the device's pending CPU time (which the emulator drains into
 * virtual time after each task step).
 */
import type { CpuEvent, CpuProfile, CpuReport, DeviceFault, DeviceFaultKind, Nanos, StackHighWater } from './types.js';
import { DeviceFaultError } from './memory.js';

/** What the CPU model needs from its device. */
export interface CpuHost {
  /** Pid of the current process, 0 when none (the `(kernel)` bucket). */
  currentPid(): number;
  /** A process's name by pid. */
  processName(pid: number): string;
  /** The API call running now (for the stack high-water record). */
  currentCall(): string;
  /** Records a fault and returns it. */
  fault(kind: DeviceFaultKind, pid: number, addr: number, detail: string): DeviceFault;
  /** Called for every charge when someone listens to `cpu` events (else null). */
  emit: ((e: CpuEvent) => void) | null;
}

interface Line {
  calls: number;
  bytes: number;
  cycles: number;
}

/** The device CPU. */
export class CpuModel {
  /** Check each primitive's modelled stack use against the thread's stack budget. */
  stackCheck = false;
  /** Bytes of stack the caller has pushed with {@link withStack}. */
  stackDepth = 0;
  private readonly perPid = new Map<number, Line>();
  private readonly perPrim = new Map<string, Line>();
  private readonly uncosted = new Map<string, Line>();
  // Stack high-water per thread (one modelled thread per process): host-side bookkeeping only.
  private readonly stackPeak = new Map<number, { peakBytes: number; at: string; call: string }>();
  private totalCycles = 0;
  private pending = 0;
  private drained = 0;
  private readonly mhz: number;

  /**
   * @param profile the profile's CPU
   * @param stackBudget a thread's stack in bytes (CE default 64 KiB)
   * @param host the device
   */
  constructor(
    readonly profile: CpuProfile,
    readonly stackBudget: number,
    private readonly host: CpuHost,
  ) {
    this.mhz = profile.mhz;
  }

  /** @internal the device sets this while someone listens to `cpu` events */
  setEmitter(emit: ((e: CpuEvent) => void) | null): void {
    this.host.emit = emit;
  }

  /** Modelled cycles of one call of `primitive` over `bytes` bytes (0 when uncosted). */
  cycles(primitive: string, bytes = 0): number {
    const c = this.profile.costs[primitive];
    if (!c) return 0;
    return (c.cycles ?? 0) + (c.cyclesPerByte ?? 0) * bytes;
  }

  /** Nanoseconds for `cycles` cycles at the profile's clock rate. */
  cyclesToNs(cycles: number): Nanos {
    return (cycles * 1000) / this.mhz;
  }

  /**
   * Charges one call of `primitive` (over `bytes` bytes for per-byte primitives) to the current
   * process and returns its nanoseconds. An unknown primitive costs 0 and is listed as uncosted.
   * With `stackCheck`, a primitive whose stack use does not fit is a `stack-overflow` fault
   * (recorded, then thrown as `DeviceFaultError`).
   */
  charge(primitive: string, bytes = 0): Nanos {
    const cost = this.profile.costs[primitive];
    const pid = this.host.currentPid();
    if (this.stackCheck && cost?.stackBytes !== undefined && this.stackDepth + cost.stackBytes > this.stackBudget) {
      const f = this.host.fault(
        'stack-overflow',
        pid,
        0,
        `${primitive} needs ${cost.stackBytes} bytes of stack at depth ${this.stackDepth}; the thread has ${this.stackBudget}`,
      );
      throw new DeviceFaultError(f);
    }
    if (cost?.stackBytes !== undefined) this.noteStack(pid, this.stackDepth + cost.stackBytes, primitive);
    const cycles = cost ? (cost.cycles ?? 0) + (cost.cyclesPerByte ?? 0) * bytes : 0;
    const ns = (cycles * 1000) / this.mhz; // cycles / (MHz × 10^6) s = cycles × 1000 / MHz ns
    const table = cost ? this.perPrim : this.uncosted;
    let line = table.get(primitive);
    if (!line) table.set(primitive, (line = { calls: 0, bytes: 0, cycles: 0 }));
    line.calls++;
    line.bytes += bytes;
    line.cycles += cycles;
    let pl = this.perPid.get(pid);
    if (!pl) this.perPid.set(pid, (pl = { calls: 0, bytes: 0, cycles: 0 }));
    pl.calls++;
    pl.bytes += bytes;
    pl.cycles += cycles;
    this.totalCycles += cycles;
    this.pending += ns;
    const emit = this.host.emit;
    if (emit) emit({ pid, primitive, bytes, cycles, ns, costed: cost !== undefined });
    return ns;
  }

  /**
   * Runs `fn` with `bytes` more stack in use (the caller's frames), restoring the depth after.
   * With `stackCheck`, exceeding the budget is a `stack-overflow` fault.
   */
  withStack<T>(bytes: number, fn: () => T): T {
    const before = this.stackDepth;
    if (this.stackCheck && before + bytes > this.stackBudget) {
      const f = this.host.fault('stack-overflow', this.host.currentPid(), 0, `pushing ${bytes} bytes at depth ${before}; the thread has ${this.stackBudget}`);
      throw new DeviceFaultError(f);
    }
    this.stackDepth = before + bytes;
    this.noteStack(this.host.currentPid(), this.stackDepth, 'frame');
    try {
      return fn();
    } finally {
      this.stackDepth = before;
    }
  }

  private noteStack(pid: number, depth: number, at: string): void {
    const s = this.stackPeak.get(pid);
    if (s === undefined) this.stackPeak.set(pid, { peakBytes: depth, at, call: this.host.currentCall() });
    else if (depth > s.peakBytes) {
      s.peakBytes = depth;
      s.at = at;
      s.call = this.host.currentCall();
    }
  }

  /**
   * Stack high-water marks per thread (one modelled thread per process; pid 0 the kernel): the
   * deepest `stackDepth` + primitive `stackBytes` seen, whether or not `stackCheck` is on.
   */
  stackHighWater(): StackHighWater[] {
    return [...this.stackPeak.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([pid, s]) => ({ pid, name: pid === 0 ? '(kernel)' : this.host.processName(pid), peakBytes: s.peakBytes, at: s.at, call: s.call }));
  }

  /** Deepest modelled stack use over all threads (0 when none was charged). */
  stackPeakBytes(): number {
    let m = 0;
    for (const s of this.stackPeak.values()) if (s.peakBytes > m) m = s.peakBytes;
    return m;
  }

  /** CPU nanoseconds charged but not yet drained into virtual time (whole ns). */
  pendingNs(): Nanos {
    return Math.floor(this.pending);
  }

  /** Takes the pending CPU time (whole ns; the fraction stays pending). */
  drainPendingNs(): Nanos {
    const n = Math.floor(this.pending);
    this.pending -= n;
    this.drained += n;
    return n;
  }

  /** Whole CPU nanoseconds drained so far (a standalone device's clock). */
  drainedNs(): Nanos {
    return this.drained;
  }

  /** Cycles charged to process `pid` (0: kernel). */
  cyclesOf(pid: number): number {
    return this.perPid.get(pid)?.cycles ?? 0;
  }

  /** Cycles and ns per process and per primitive, with call counts; JSON-ready. */
  report(): CpuReport {
    const byProcess = [...this.perPid.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([pid, l]) => ({ pid, name: pid === 0 ? '(kernel)' : this.host.processName(pid), calls: l.calls, cycles: l.cycles, ns: (l.cycles * 1000) / this.mhz }));
    const byPrimitive = [...this.perPrim.entries()]
      .sort((a, b) => (a[0] < b[0] ? -1 : 1))
      .map(([primitive, l]) => ({ primitive, calls: l.calls, bytes: l.bytes, cycles: l.cycles, ns: (l.cycles * 1000) / this.mhz }));
    const uncosted = [...this.uncosted.entries()]
      .sort((a, b) => (a[0] < b[0] ? -1 : 1))
      .map(([primitive, l]) => ({ primitive, calls: l.calls, bytes: l.bytes }));
    return {
      cpu: this.profile.name,
      mhz: this.profile.mhz,
      totalCycles: this.totalCycles,
      totalNs: (this.totalCycles * 1000) / this.mhz,
      pendingNs: this.pendingNs(),
      byProcess,
      byPrimitive,
      uncosted,
    };
  }
}
