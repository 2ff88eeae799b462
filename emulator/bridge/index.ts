/**
 * The real-time bridge: an emulated device whose SSPI calls talk to a real `net.Socket`. The
 * bridge pumps bytes between the socket and the device's buffers; the device's clock follows
 * the host's monotonic clock (this folder is the one place in `emulator/` that reads real
 * time), and its random stream is seeded from the host's CSPRNG unless a seed is given.
 */
import type { Socket } from 'node:net';
import { Device, type DeviceProfile, type Process, type Seed } from '../../device/index.js';
import { SspiProcessDetach } from '../../sspi/index.js';
import { ensureSchannel } from '../scenario/index.js';
import type { ByteStream, ProgramHost, StreamRead } from '../programs/index.js';
import { hostMonotonicMs, hostRandomBytes, hostSleep, hostTimer, hostWallClockMs } from './realtime.js';

export { hostMonotonicMs, hostWallClockMs } from './realtime.js';

/** Node socket error codes → the Winsock names the programs report. */
const WSA_FOR_ERRNO: Record<string, string> = {
  ECONNRESET: 'WSAECONNRESET',
  ECONNREFUSED: 'WSAECONNREFUSED',
  ETIMEDOUT: 'WSAETIMEDOUT',
  EPIPE: 'WSAESHUTDOWN',
  ENETUNREACH: 'WSAENETUNREACH',
  EHOSTUNREACH: 'WSAEHOSTUNREACH',
  ENOTFOUND: 'WSAHOST_NOT_FOUND',
};

/** The Winsock name of a Node socket error. */
export function wsaNameForError(e: unknown): string {
  const code = (e as { code?: string }).code ?? '';
  return WSA_FOR_ERRNO[code] ?? (code || 'WSAECONNABORTED');
}

/** A real socket as a program's byte stream: reads are queued as they arrive, waited for with a real-time timeout. */
export class RealSocketStream implements ByteStream {
  private readonly queue: Uint8Array[] = [];
  private ended = false;
  private error = '';
  private waiter: (() => void) | null = null;
  lastError = '';

  constructor(readonly socket: Socket) {
    socket.on('data', (d: Buffer) => {
      this.queue.push(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
      this.wake();
    });
    socket.on('end', () => {
      this.ended = true;
      this.wake();
    });
    socket.on('close', () => {
      this.ended = true;
      this.wake();
    });
    socket.on('error', (e) => {
      this.error = wsaNameForError(e);
      this.wake();
    });
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  async send(data: Uint8Array): Promise<number> {
    if (this.error || this.socket.destroyed || !this.socket.writable) {
      this.lastError = this.error || 'WSAESHUTDOWN';
      return -1;
    }
    return new Promise((resolve) => {
      this.socket.write(data, (err) => {
        if (err) {
          this.lastError = wsaNameForError(err);
          resolve(-1);
        } else resolve(data.length);
      });
    });
  }

  async recv(maxBytes: number, timeoutNs: number): Promise<StreamRead> {
    const deadline = hostMonotonicMs() + timeoutNs / 1e6;
    for (;;) {
      const head = this.queue[0];
      if (head) {
        if (head.length <= maxBytes) {
          this.queue.shift();
          return { result: head.length, data: head, error: '' };
        }
        this.queue[0] = head.subarray(maxBytes);
        return { result: maxBytes, data: head.subarray(0, maxBytes), error: '' };
      }
      if (this.error) {
        this.lastError = this.error;
        return { result: -1, data: new Uint8Array(0), error: this.error };
      }
      if (this.ended) return { result: 0, data: new Uint8Array(0), error: '' };
      const left = deadline - hostMonotonicMs();
      if (left <= 0) {
        this.lastError = 'WSAETIMEDOUT';
        return { result: -1, data: new Uint8Array(0), error: 'WSAETIMEDOUT' };
      }
      await new Promise<void>((resolve) => {
        const cancel = hostTimer(Math.min(left, 2 ** 31 - 1), () => {
          this.waiter = null;
          resolve();
        });
        this.waiter = () => {
          cancel();
          resolve();
        };
      });
    }
  }

  shutdownSend(): void {
    this.socket.end();
  }

  close(): void {
    this.socket.end();
    this.socket.destroySoon?.();
  }
}

/** Options of a bridged device. */
export interface BridgeDeviceOptions {
  name: string;
  profile: DeviceProfile;
  /** Seed of the device's random stream (default: 32 bytes from the host CSPRNG). */
  seed?: Seed;
  /** The process that runs the program. */
  processName: string;
  /**
   * How fast the device runs (default 'host'): 'device' makes each computation take the time
   * the device's modelled CPU needs for it, one computation at a time (one CPU), so a 131 MHz
   * device answers as slowly as it would; 'host' runs at host speed (test suites, load).
   */
  pace?: BridgePace;
  /**
   * The device's wall clock at boot, ISO 8601 (default: the host's current time, so that
   * certificates made today are valid on the bridged device; the profile's fixed boot time is
   * for simulated runs only).
   */
  bootTimeUtc?: string;
}

/** How a bridged device spends its modelled CPU time: in real time ('device') or not at all ('host'). */
export type BridgePace = 'device' | 'host';

/** The boot time a bridged device gets: `override` if given, else the host's wall clock now. */
export function bridgeBootTime(override?: string): { bootTimeUtc: string; source: 'host clock' | '--boot-time' } {
  if (override !== undefined) return { bootTimeUtc: new Date(Date.parse(override)).toISOString(), source: '--boot-time' };
  return { bootTimeUtc: new Date(hostWallClockMs()).toISOString(), source: 'host clock' };
}

/** An emulated device running in real time, with one process that makes the SSPI calls. */
export class BridgeDevice implements ProgramHost {
  readonly device: Device;
  readonly process: Process;
  private readonly startMs = hostMonotonicMs();
  /** See {@link BridgeDeviceOptions.pace}. */
  readonly pace: BridgePace;
  /** Host time (ms) when the modelled CPU finishes what it was given so far (pace 'device'). */
  private cpuBusyUntilMs = 0;
  private readonly traceListeners = new Set<(kind: string, details: Record<string, string | number | boolean | null>) => void>();

  constructor(opts: BridgeDeviceOptions) {
    ensureSchannel();
    this.pace = opts.pace ?? 'host';
    const profile = opts.bootTimeUtc === undefined ? opts.profile : { ...opts.profile, clock: { ...opts.profile.clock, bootTimeUtc: opts.bootTimeUtc } };
    this.device = new Device(profile, {
      name: opts.name,
      seed: opts.seed ?? hostRandomBytes(32),
      timeSource: () => Math.round((hostMonotonicMs() - this.startMs) * 1e6),
    });
    this.process = this.device.createProcess(opts.processName);
    this.device.current = this.process;
  }

  now(): number {
    return this.device.clock.nowNs();
  }

  /**
   * The CPU time charged since the last call: with pace 'host' it is dropped (the clock is the
   * host's); with pace 'device' the call waits until the one modelled CPU has done it, after
   * whatever other connections gave it first.
   */
  async compute(): Promise<void> {
    const ns = this.device.cpu.drainPendingNs();
    if (this.pace === 'device' && ns > 0) {
      const now = hostMonotonicMs();
      this.cpuBusyUntilMs = Math.max(now, this.cpuBusyUntilMs) + ns / 1e6;
      const wait = this.cpuBusyUntilMs - now;
      if (wait >= 1) await hostSleep(wait);
    }
    this.device.current = this.process;
  }

  trace(kind: string, details: Record<string, string | number | boolean | null> = {}): void {
    for (const l of this.traceListeners) l(kind, details);
  }

  /** Polls `ready` every few real milliseconds (the bridge runs in host time). */
  async waitUntil(ready: () => boolean, timeoutNs: number): Promise<boolean> {
    const end = this.now() + timeoutNs;
    while (!ready()) {
      if (this.now() >= end) return false;
      await hostSleep(5);
    }
    return true;
  }

  /** Listens to the program's trace events (handshake statuses…). */
  onTrace(cb: (kind: string, details: Record<string, string | number | boolean | null>) => void): () => void {
    this.traceListeners.add(cb);
    return () => this.traceListeners.delete(cb);
  }

  /**
   * After a connection: folds the owner accounts of objects that no longer hold memory
   * (`schannel.context#17.transcript` → `schannel.context#*.transcript`), so a server that runs
   * for days keeps per-kind peaks, not one account per connection ever served.
   */
  retireFinishedOwners(): number {
    return this.device.foldIdleOwners((tag) => (/#\d+/.test(tag) ? tag.replace(/#\d+/g, '#*') : null));
  }

  /** Detaches SSPI from the process and ends it: what it still held (leaks). */
  finish(): { leakedBlocks: number; leakedBytes: number; lines: string[] } {
    const seen = new Map<string, { pool: string; size: number; tag: string; call: string }>();
    const r = SspiProcessDetach(this.process);
    for (const e of [...r.packageBlocks, ...r.outstandingBuffers]) seen.set(`${e.pool}@${e.addr}`, { pool: e.pool, size: e.size, tag: e.owner.tag, call: e.owner.call });
    const x = this.process.exit();
    for (const e of [...x.poolBlocks, ...x.heapBlocks]) seen.set(`${e.pool}@${e.addr}`, { pool: e.pool, size: e.size, tag: e.owner.tag, call: e.owner.call });
    const list = [...seen.values()];
    return { leakedBlocks: list.length, leakedBytes: list.reduce((n, e) => n + e.size, 0), lines: list.map((e) => `${e.pool} ${e.size} B tag ${e.tag} from ${e.call}`) };
  }

  /** The device's memory report: peak per pool beside its capacity, CPU, faults. */
  memoryReport(): string {
    const st = this.device.stats();
    const lines = [`device ${this.device.name} (${this.device.profile.name}, ${this.device.profile.cpu.name} ${this.device.profile.cpu.mhz} MHz): modelled CPU ${(st.cpu.totalNs / 1e6).toFixed(3)} ms`];
    for (const p of st.pools) {
      const cap = this.device.profile.pools.find((x) => x.name === p.name)!.buckets.reduce((n, b) => n + b.blockSize * b.count, 0);
      lines.push(
        `  pool ${p.name.padEnd(8)} peak ${String(p.peakBytesRequested).padStart(7)} B of ${String(cap).padStart(7)} B, now ${p.currentBytesRequested} B, peak blocks ${p.peakBlocks}, failed allocations ${p.failedAllocs}`,
      );
    }
    const heapPeak = st.heaps.reduce((n, h) => Math.max(n, h.peakBytesRequested), 0);
    lines.push(`  heap     peak ${String(heapPeak).padStart(7)} B (LocalAlloc)`);
    lines.push(`  faults ${st.faults.total}`);
    return lines.join('\n') + '\n';
  }
}
