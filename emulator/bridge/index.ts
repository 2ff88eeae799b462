/**
 * The real-time bridge: an emulated device whose SSPI calls talk to a real `net.Socket`. The
 * bridge pumps bytes between the socket and the device's buffers; the device's clock follows
 * the host's monotonic clock (this folder is the one place in `emulator/` that reads real
 * time), and its random stream is seeded from the host's CSPRNG unless a seed is given.
 */
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { Device, type DeviceProfile, type Process, type Seed } from '../../device/index.js';
import { SspiProcessDetach } from '../../sspi/index.js';
import { ensureSchannel } from '../scenario/index.js';
import type { ByteStream, ProgramHost, StreamRead } from '../programs/index.js';
import { hostMonotonicMs } from './realtime.js';

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
        const t = setTimeout(() => {
          this.waiter = null;
          resolve();
        }, Math.min(left, 2 ** 31 - 1));
        this.waiter = () => {
          clearTimeout(t);
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
}

/** An emulated device running in real time, with one process that makes the SSPI calls. */
export class BridgeDevice implements ProgramHost {
  readonly device: Device;
  readonly process: Process;
  private readonly startMs = hostMonotonicMs();
  private readonly traceListeners = new Set<(kind: string, details: Record<string, string | number | boolean | null>) => void>();

  constructor(opts: BridgeDeviceOptions) {
    ensureSchannel();
    this.device = new Device(opts.profile, {
      name: opts.name,
      seed: opts.seed ?? randomBytes(32),
      timeSource: () => Math.round((hostMonotonicMs() - this.startMs) * 1e6),
    });
    this.process = this.device.createProcess(opts.processName);
    this.device.current = this.process;
  }

  now(): number {
    return this.device.clock.nowNs();
  }

  /** CPU time charged is folded into the clock (the bridge runs at host speed, not the device's). */
  async compute(): Promise<void> {
    this.device.cpu.drainPendingNs();
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
      await new Promise((r) => setTimeout(r, 5));
    }
    return true;
  }

  /** Listens to the program's trace events (handshake statuses…). */
  onTrace(cb: (kind: string, details: Record<string, string | number | boolean | null>) => void): () => void {
    this.traceListeners.add(cb);
    return () => this.traceListeners.delete(cb);
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
