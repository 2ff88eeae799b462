/**
 * Memory diagnostics of one device: what embedded developers ask of a fixed-pool TLS stack
 * beyond per-pool peaks. For every pool and process heap, the free total, the largest free
 * block, the free-block count and the external fragmentation over virtual time (device clock);
 * for every allocation, the bucket it landed in (wolfSSL's "Alloc'd 848 bytes using bucket size
 * 1024"), summed per owner tag as requested versus bucket bytes (internal waste); each failure
 * classified as forced, oversize, fragmentation or exhaustion.
 *
 * This is host-side instrumentation, the equivalent of a debugger attached to the device: it
 * charges nothing to the device's pools or heaps, adds no trace events and draws no random
 * numbers, so a run with diagnostics has the same trace hash as one without. Its own memory is
 * bounded: each time series holds at most `maxSamples` points (when full, neighbouring points
 * merge pairwise, keeping the worst of each, and later points each cover twice as many events),
 * and the bucket table has one row per (pool, owner tag, block size).
 */
import type { Device } from './device.js';
import { fragmentation } from './pool.js';
import type { AllocEvent, AllocFailureCause, FreeEvent, Nanos } from './types.js';

/** One point of a pool's or heap's free space over time (the worst of the events it covers). */
export interface FreeSample {
  /** Virtual time of the first event the point covers. */
  timeNs: Nanos;
  /** Bytes in use (pools: at block size; heaps: items with headers and guards) — the highest covered. */
  usedBytes: number;
  /** Free bytes — the lowest covered. */
  freeBytes: number;
  /** Largest free block — the lowest covered. */
  largestFreeBytes: number;
  /** Free blocks (pools) or free runs (heaps) — the highest covered. */
  freeBlocks: number;
  /** External fragmentation `1 − largest / free` — the highest covered. */
  fragmentation: number;
}

/** A pool's or heap's free space over the run. */
export interface FreeSeries {
  /** The pool's name, or `heap` for a process heap. */
  pool: string;
  /** For a heap: the process. */
  pid?: number;
  process?: string;
  /** Capacity in usable bytes (pools: Σ count × blockSize; heaps: the region). */
  sizeBytes: number;
  /** Events each of the last points covers (1 until the series first filled). */
  eventsPerSample: number;
  samples: FreeSample[];
  /** The worst figures over every event (exact, not sampled). */
  minLargestFreeBytes: number;
  minLargestFreeAtNs: Nanos;
  maxFragmentation: number;
  maxFreeBlocks: number;
}

/** One row of the bucket table: an owner's allocations that landed in one bucket. */
export interface BucketUse {
  pool: string;
  tag: string;
  /** The bucket's block size (heaps: the item's usable size, which varies; 0 = rounded per item). */
  blockSize: number;
  allocs: number;
  /** Of `allocs`, served by this bucket although a smaller one fits (fall-through). */
  fallthrough: number;
  /** Bytes requested over these allocations. */
  requestedBytes: number;
  /** Bytes handed out at block size (`allocs × blockSize`). */
  blockBytes: number;
  /** `blockBytes − requestedBytes`: bytes lost inside the blocks. */
  wasteBytes: number;
  /** Smallest and largest request. */
  minRequest: number;
  maxRequest: number;
}

/** An owner's allocations over all buckets: requested versus bucket bytes. */
export interface OwnerWaste {
  pool: string;
  tag: string;
  allocs: number;
  requestedBytes: number;
  blockBytes: number;
  wasteBytes: number;
  failed: number;
}

/** One allocation as the allocation trace records it (`--alloc-trace`). */
export interface AllocRecord {
  timeNs: Nanos;
  pid: number;
  process: string;
  tag: string;
  call: string;
  /** The pool's name, or `heap`. */
  pool: string;
  /** Bytes requested. */
  size: number;
  /** The block size used (0 when it failed). */
  blockSize: number;
  fallthrough: boolean;
  /** `ok`, or why it failed. */
  result: 'ok' | AllocFailureCause;
}

/** A failure the free total would have served: a fragmentation failure, not exhaustion. */
export interface FragmentationFailure {
  timeNs: Nanos;
  pool: string;
  pid: number;
  tag: string;
  call: string;
  size: number;
  /** Free bytes at the time (more than `size`). */
  freeBytes: number;
  /** The largest free block at the time (too small, or of a bucket the policy does not allow). */
  largestFreeBytes: number;
}

/** What {@link MemoryDiagnostics.report} returns: JSON-ready. */
export interface MemoryDiagnosticsReport {
  series: FreeSeries[];
  buckets: BucketUse[];
  owners: OwnerWaste[];
  failures: { forced: number; oversize: number; fragmented: number; exhausted: number };
  /** The first fragmentation failures (at most 64). */
  fragmentationFailures: FragmentationFailure[];
}

/** Options of {@link MemoryDiagnostics}. */
export interface MemoryDiagnosticsOptions {
  /** Points kept per time series (even, ≥ 4; default 256). */
  maxSamples?: number;
  /** Called with every allocation (the allocation trace). */
  onAlloc?: (r: AllocRecord) => void;
}

const MAX_FRAGMENTATION_FAILURES = 64;

class Series {
  readonly out: FreeSeries;
  private pending: FreeSample | null = null;
  private pendingN = 0;

  constructor(
    pool: string,
    sizeBytes: number,
    private readonly max: number,
    heap?: { pid: number; process: string },
  ) {
    this.out = { pool, ...(heap ? { pid: heap.pid, process: heap.process } : {}), sizeBytes, eventsPerSample: 1, samples: [], minLargestFreeBytes: Infinity, minLargestFreeAtNs: 0, maxFragmentation: 0, maxFreeBlocks: 0 };
  }

  add(timeNs: Nanos, usedBytes: number, freeBytes: number, largestFreeBytes: number, freeBlocks: number): void {
    const o = this.out;
    const frag = fragmentation(freeBytes, largestFreeBytes);
    if (largestFreeBytes < o.minLargestFreeBytes) {
      o.minLargestFreeBytes = largestFreeBytes;
      o.minLargestFreeAtNs = timeNs;
    }
    if (frag > o.maxFragmentation) o.maxFragmentation = frag;
    if (freeBlocks > o.maxFreeBlocks) o.maxFreeBlocks = freeBlocks;
    const s: FreeSample = { timeNs, usedBytes, freeBytes, largestFreeBytes, freeBlocks, fragmentation: frag };
    if (this.pending === null) this.pending = s;
    else merge(this.pending, s);
    if (++this.pendingN < o.eventsPerSample) return;
    o.samples.push(this.pending);
    this.pending = null;
    this.pendingN = 0;
    if (o.samples.length >= this.max) {
      // Full: halve the resolution, keeping the worst of each pair.
      const next: FreeSample[] = [];
      for (let i = 0; i < o.samples.length; i += 2) {
        const a = o.samples[i]!;
        const b = o.samples[i + 1];
        if (b) merge(a, b);
        next.push(a);
      }
      o.samples = next;
      o.eventsPerSample *= 2;
    }
  }

  /** The series with the points still pending. */
  final(): FreeSeries {
    const o = this.out;
    const samples = this.pending ? [...o.samples, this.pending] : [...o.samples];
    return { ...o, samples, minLargestFreeBytes: o.minLargestFreeBytes === Infinity ? 0 : o.minLargestFreeBytes };
  }
}

function merge(a: FreeSample, b: FreeSample): void {
  a.usedBytes = Math.max(a.usedBytes, b.usedBytes);
  a.freeBytes = Math.min(a.freeBytes, b.freeBytes);
  a.largestFreeBytes = Math.min(a.largestFreeBytes, b.largestFreeBytes);
  a.freeBlocks = Math.max(a.freeBlocks, b.freeBlocks);
  a.fragmentation = Math.max(a.fragmentation, b.fragmentation);
}

/** Diagnostics attached to one device (see the file comment); `detach()` stops them. */
export class MemoryDiagnostics {
  private readonly series = new Map<string, Series>();
  private readonly buckets = new Map<string, BucketUse>();
  private readonly owners = new Map<string, OwnerWaste>();
  private readonly counts = { forced: 0, oversize: 0, fragmented: 0, exhausted: 0 };
  private readonly fragFailures: FragmentationFailure[] = [];
  private readonly max: number;
  private readonly onAlloc: ((r: AllocRecord) => void) | undefined;
  private readonly off: (() => void)[];

  /** Subscribes to `device`'s allocation events. */
  constructor(
    readonly device: Device,
    opts: MemoryDiagnosticsOptions = {},
  ) {
    const m = opts.maxSamples ?? 256;
    if (!Number.isInteger(m) || m < 4 || m % 2 !== 0) throw new RangeError(`maxSamples: expected an even integer >= 4, got ${m}`);
    this.max = m;
    this.onAlloc = opts.onAlloc;
    for (const p of device.profile.pools) this.series.set(p.name, new Series(p.name, p.buckets.reduce((n, b) => n + b.blockSize * b.count, 0), m));
    this.off = [device.on('alloc', (e) => this.alloc(e)), device.on('free', (e) => this.free(e))];
  }

  /** Stops listening; the report keeps what was gathered. */
  detach(): void {
    for (const f of this.off) f();
    this.off.length = 0;
  }

  private sample(pool: string, pid: number): void {
    const t = this.device.clock.nowNs();
    if (pool === 'heap') {
      const p = this.device.process(pid);
      if (!p || p.exited) return;
      const key = `heap#${pid}`;
      let s = this.series.get(key);
      if (!s) this.series.set(key, (s = new Series('heap', p.heap.region.size, this.max, { pid, process: p.name })));
      const fi = p.heap.freeInfo();
      s.add(t, p.heap.currentBytesUsed, fi.freeBytes, fi.largestFreeBytes, fi.freeSegments);
      return;
    }
    const fp = this.device.pools.get(pool);
    const s = this.series.get(pool);
    if (!fp || !s) return;
    s.add(t, fp.usedBytesAtBlockSize, fp.freeBytes(), fp.largestFreeBlock(), fp.freeBlockCount());
  }

  private alloc(e: AllocEvent): void {
    const pid = e.owner.pid;
    const okey = `${e.pool}\u0000${e.owner.tag}`;
    let o = this.owners.get(okey);
    if (!o) this.owners.set(okey, (o = { pool: e.pool, tag: e.owner.tag, allocs: 0, requestedBytes: 0, blockBytes: 0, wasteBytes: 0, failed: 0 }));
    const result: AllocRecord['result'] = e.ok ? 'ok' : (e.cause ?? (e.forced ? 'forced' : 'exhausted'));
    if (e.ok) {
      const bkey = `${okey}\u0000${e.blockSize}`;
      let b = this.buckets.get(bkey);
      if (!b) this.buckets.set(bkey, (b = { pool: e.pool, tag: e.owner.tag, blockSize: e.blockSize, allocs: 0, fallthrough: 0, requestedBytes: 0, blockBytes: 0, wasteBytes: 0, minRequest: e.size, maxRequest: e.size }));
      b.allocs++;
      if (e.fallthrough) b.fallthrough++;
      b.requestedBytes += e.size;
      b.blockBytes += e.blockSize;
      b.wasteBytes += e.blockSize - e.size;
      if (e.size < b.minRequest) b.minRequest = e.size;
      if (e.size > b.maxRequest) b.maxRequest = e.size;
      o.allocs++;
      o.requestedBytes += e.size;
      o.blockBytes += e.blockSize;
      o.wasteBytes += e.blockSize - e.size;
      this.sample(e.pool, pid);
    } else {
      o.failed++;
      this.counts[result as AllocFailureCause]++;
      if (result === 'fragmented' && this.fragFailures.length < MAX_FRAGMENTATION_FAILURES) {
        const free = this.freeNow(e.pool, pid);
        this.fragFailures.push({ timeNs: e.owner.timeNs, pool: e.pool, pid, tag: e.owner.tag, call: e.owner.call, size: e.size, ...free });
      }
    }
    if (this.onAlloc) {
      const proc = this.device.process(pid);
      this.onAlloc({ timeNs: e.owner.timeNs, pid, process: proc?.name ?? `pid ${pid}`, tag: e.owner.tag, call: e.owner.call, pool: e.pool, size: e.size, blockSize: e.ok ? e.blockSize : 0, fallthrough: e.fallthrough, result });
    }
  }

  private freeNow(pool: string, pid: number): { freeBytes: number; largestFreeBytes: number } {
    if (pool === 'heap') {
      const fi = this.device.process(pid)?.heap.freeInfo();
      return { freeBytes: fi?.freeBytes ?? 0, largestFreeBytes: fi?.largestFreeBytes ?? 0 };
    }
    const fp = this.device.pools.get(pool);
    return { freeBytes: fp?.freeBytes() ?? 0, largestFreeBytes: fp?.largestFreeBlock() ?? 0 };
  }

  private free(e: FreeEvent): void {
    this.sample(e.pool, e.pid);
  }

  /** The owners' allocations in `pool` (or every pool) whose tag matches, by bucket. */
  bucketsOf(tag: string | RegExp, pool?: string): BucketUse[] {
    const test = typeof tag === 'string' ? (t: string) => t === tag : (t: string) => tag.test(t);
    return [...this.buckets.values()].filter((b) => test(b.tag) && (pool === undefined || b.pool === pool)).map((b) => ({ ...b }));
  }

  /** Everything gathered so far, JSON-ready (rows sorted by pool, tag, block size). */
  report(): MemoryDiagnosticsReport {
    const byKey = <T extends { pool: string; tag: string }>(a: T, b: T): number => (a.pool < b.pool ? -1 : a.pool > b.pool ? 1 : a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0);
    return {
      series: [...this.series.values()].map((s) => s.final()),
      buckets: [...this.buckets.values()].map((b) => ({ ...b })).sort((a, b) => byKey(a, b) || a.blockSize - b.blockSize),
      owners: [...this.owners.values()].map((o) => ({ ...o })).sort(byKey),
      failures: { ...this.counts },
      fragmentationFailures: this.fragFailures.map((f) => ({ ...f })),
    };
  }
}
